//! An edge's `vulnerabilities`: the loader derives its `p` by the documented rule (checked here
//! against the formula written out independently), combines them, and rejects bad entries with a place.

use riskpath_model::{Estimate, LoadOptions, load_str};

fn model(vulns: &str) -> String {
    format!(
        r#"
entry_points: [{{id: internet, kind: internet}}]
nodes:
  - {{id: web, kind: workload}}
  - {{id: db, kind: datastore, crown_jewel: true, loss: {{confidentiality: 1e6}}}}
edges:
  - from: internet
    to: web
    kind: exploits
    vulnerabilities:
{vulns}
  - {{from: web, to: db, kind: reads}}
actors: [{{id: crime, frequency: 1, entry: [internet]}}]
"#
    )
}

/// The loaded edge's p, or the problems as `line:col: message`.
fn edge_p(vulns: &str) -> Result<f64, Vec<String>> {
    match load_str("m.yaml", &model(vulns), &LoadOptions::default()) {
        Ok(loaded) => match loaded.model.edges[0].p.map(|p| p.value) {
            Some(Estimate::Point(p)) => Ok(p),
            other => panic!("a derived point probability, got {other:?}"),
        },
        Err(problems) => Err(problems
            .list
            .iter()
            .map(|p| format!("{}: {}", p.loc.map_or(String::new(), |l| problems.sources.position(l)), p.message))
            .collect()),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn each_tier_follows_the_documented_formula() {
    // KEV: reliability 0.9 × certain exploitation × vector.
    assert!(close(edge_p("      - {id: CVE-2021-44228, kev: true, epss: 0.1, vector: network}").unwrap(), 0.9));
    assert!(close(edge_p("      - {id: CVE-2021-44228, kev: true, vector: local}").unwrap(), 0.9 * 0.25));
    // EPSS over one 30-day horizon, then over 60 days: 1 − (1 − e)^(60/30).
    assert!(close(edge_p("      - {id: CVE-2023-0001, epss: 0.2, cvss: 9.8}").unwrap(), 0.9 * 0.2));
    assert!(close(edge_p("      - {id: CVE-2023-0001, epss: 0.2, window: 60}").unwrap(), 0.9 * (1.0 - 0.8 * 0.8)));
    assert!(close(edge_p("      - {id: CVE-2023-0001, epss: 0.2, window: 15}").unwrap(), 0.9 * (1.0 - 0.8f64.sqrt())));
    // CVSS: prior 0.05 × (s/10)², × vector, × fix availability.
    let prior = 0.05 * 0.98 * 0.98;
    assert!(close(edge_p("      - {id: CVE-2023-0002, cvss: 9.8, vector: network, fix: 1.2.3}").unwrap(), 0.9 * prior));
    assert!(close(
        edge_p("      - {id: CVE-2023-0002, cvss: 9.8, vector: adjacent}").unwrap(),
        0.9 * prior * 0.5 * 0.5
    ));
    assert!(close(
        edge_p("      - {id: CVE-2023-0002, cvss: 9.8, vector: physical, fix_state: wont-fix}").unwrap(),
        0.9 * prior * 0.02 * 0.25
    ));
    // Severity alone stands for its band's middle; nothing at all for the medium band.
    assert!(close(
        edge_p("      - {id: GHSA-cfh5-3ghh-wfjx, severity: critical, fix: 4.3.5}").unwrap(),
        0.9 * 0.05 * 0.95 * 0.95
    ));
    assert!(close(edge_p("      - {id: GHSA-cfh5-3ghh-wfjx}").unwrap(), 0.9 * 0.05 * 0.55 * 0.55 * 0.5));
    // A hand-given p replaces the derivation.
    assert!(close(edge_p("      - {id: CVE-2024-3400, p: 0.6, kev: true}").unwrap(), 0.6));
}

#[test]
fn distinct_vulnerabilities_combine_as_independent_chances_and_one_id_counts_once() {
    let p = edge_p(
        "      - {id: CVE-2021-44228, kev: true}\n      - {id: CVE-2023-0001, epss: 0.2}\n      - {id: CVE-2023-0003, p: 0.1}",
    )
    .unwrap();
    assert!(close(p, 1.0 - (1.0 - 0.9) * (1.0 - 0.18) * (1.0 - 0.1)));
    // The same CVE in two packages: once, at the larger probability (the KEV entry's 0.9).
    let p = edge_p(
        "      - {id: CVE-2021-44228, epss: 0.5, package: log4j-api}\n      - {id: CVE-2021-44228, kev: true, package: log4j-core}\n      - {id: CVE-2023-0003, p: 0.1}",
    )
    .unwrap();
    assert!(close(p, 1.0 - (1.0 - 0.9) * (1.0 - 0.1)));
}

#[test]
fn bad_entries_are_errors_at_their_place() {
    assert_eq!(
        edge_p("      - {id: CVE-2021-4422x, kev: true}").unwrap_err(),
        [
            "m.yaml:11:14: `CVE-2021-4422x` is not a well-formed CVE id (CVE-, a four-digit year, -, at least four digits)"
        ]
    );
    assert_eq!(
        edge_p("      - {id: CVE-2021-44228, cvss: 11}").unwrap_err(),
        ["m.yaml:11:36: vulnerability `cvss` (a CVSS base score): 11 is outside [0, 10]"]
    );
    assert_eq!(
        edge_p("      - {id: CVE-2021-44228, vector: remote}").unwrap_err(),
        ["m.yaml:11:38: vulnerability `vector`: unknown value `remote`"]
    );
    assert_eq!(
        edge_p("      - {id: CVE-2021-44228, epss: 1.5}").unwrap_err(),
        [
            "m.yaml:11:36: vulnerability `epss` (a 30-day probability): 1.5 is outside [0, 1]; probabilities and efficacies are fractions"
        ]
    );
    assert_eq!(edge_p("      []").unwrap_err(), ["m.yaml:11:7: edge `vulnerabilities` is empty"]);
    let both =
        model("      - {id: CVE-2021-44228, kev: true}").replace("kind: exploits\n", "kind: exploits\n    p: 0.3\n");
    let problems = load_str("m.yaml", &both, &LoadOptions::default()).unwrap_err();
    let message: Vec<_> = problems.list.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(message, ["an edge with `vulnerabilities` takes its `p` from them; do not give both"]);
}
