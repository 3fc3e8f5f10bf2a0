//! Patching as a what-if: applying a patch equals loading the model with the vulnerability deleted
//! by hand (same ALE to the last bit, on common random numbers); upgrades remove only what they
//! fix; the CVE ranking's carrying set is the shortest prefix reaching 80%, re-simulated.

use riskpath_decide::Evaluator;
use riskpath_decide::patch::{Patch, ale_with, apply, rank};
use riskpath_engine::compile::Posture;
use riskpath_model::{LoadOptions, Model, load_str};

/// Two nodes behind vulnerable exploit edges; `web` carries a KEV CVE and an EPSS one, `api` the
/// same KEV CVE in two packages (one without a fix) and a CVSS one.
fn model(web: &str, api: &str) -> Model {
    let yaml = format!(
        r#"
settings: {{seed: 7}}
entry_points: [{{id: internet, kind: internet}}]
nodes:
  - {{id: web, kind: workload}}
  - {{id: api, kind: workload}}
  - {{id: db, kind: datastore, crown_jewel: true, loss: {{confidentiality: {{low: 1e6, high: 4e6}}}}}}
edges:
  - from: internet
    to: web
    kind: exploits
    vulnerabilities: [{web}]
  - from: internet
    to: api
    kind: exploits
    vulnerabilities: [{api}]
  - {{from: web, to: db, kind: reads}}
  - {{from: api, to: db, kind: reads, p: 0.5}}
actors: [{{id: crime, frequency: {{low: 2, high: 8}}, entry: [internet]}}]
"#
    );
    load_str("m.yaml", &yaml, &LoadOptions::default())
        .map(|l| l.model)
        .unwrap_or_else(|p| panic!("{}", p.render_short()))
}

const LOG4J: &str = "{id: CVE-2021-44228, kev: true, package: log4j-core, fix: 2.15.0}";
const WEB_EPSS: &str = "{id: CVE-2023-0001, epss: 0.3, package: libx, fix: 1.2.3}";
const API_LOG4J: &str = "{id: CVE-2021-44228, kev: true, package: log4j-core, fix: 2.15.0}, {id: CVE-2021-44228, kev: true, package: log4j-api}";
const API_CVSS: &str = "{id: CVE-2023-0002, cvss: 9.8, package: liby, fix: 2.0.1}";

fn ale(model: &Model) -> f64 {
    Evaluator::new(model, Posture::as_deployed(model), 4096, 7).loss(&Posture::as_deployed(model)).ale
}

#[test]
fn a_patch_equals_the_model_with_the_vulnerability_deleted_by_hand() {
    let m = model(&format!("{LOG4J}, {WEB_EPSS}"), &format!("{API_LOG4J}, {API_CVSS}"));
    let eval = Evaluator::new(&m, Posture::as_deployed(&m), 4096, 7);
    // CVE-2021-44228 on web only.
    let patched = ale_with(&eval, &[Patch::Cve { id: "CVE-2021-44228".into(), node: Some("web".into()) }]);
    assert_eq!(patched, ale(&model(WEB_EPSS, &format!("{API_LOG4J}, {API_CVSS}"))));
    // Everywhere.
    let patched = ale_with(&eval, &[Patch::Cve { id: "CVE-2021-44228".into(), node: None }]);
    assert_eq!(patched, ale(&model(WEB_EPSS, API_CVSS)));
    // Upgrading log4j-core on api leaves log4j-api (no fix) in place: the CVE stays at 0.9.
    let upgrade = Patch::Package { name: "log4j-core".into(), node: "api".into() };
    let patched = ale_with(&eval, std::slice::from_ref(&upgrade));
    let by_hand = model(
        &format!("{LOG4J}, {WEB_EPSS}"),
        &format!("{{id: CVE-2021-44228, kev: true, package: log4j-api}}, {API_CVSS}"),
    );
    assert_eq!(patched, ale(&by_hand));
    assert_eq!(upgrade.describe(&m), "upgrade log4j-core to 2.15.0 on api");
    assert!(patched < ale(&m) + 1e-9);
}

#[test]
fn an_edge_left_without_vulnerabilities_is_removed_and_the_rest_keep_their_draws() {
    let m = model(LOG4J, API_CVSS);
    let (patched, posture) =
        apply(&m, &Posture::as_deployed(&m), &[Patch::Cve { id: "CVE-2021-44228".into(), node: None }]);
    assert_eq!(posture.removed, [true, false, false, false], "web's exploit edge is gone, nothing else");
    assert_eq!(patched.edges.len(), m.edges.len(), "edge indices (and so random streams) unchanged");
    assert_eq!(patched.edges[1].p, m.edges[1].p);
}

#[test]
fn the_ranking_prices_each_cve_and_finds_the_carrying_prefix() {
    let m = model(&format!("{LOG4J}, {WEB_EPSS}"), &format!("{API_LOG4J}, {API_CVSS}"));
    let eval = Evaluator::new(&m, Posture::as_deployed(&m), 4096, 7);
    let r = rank(&eval).unwrap();
    let base = ale(&m);
    assert_eq!(r.baseline_ale, base);
    let none = ale_with(
        &eval,
        &[
            Patch::Cve { id: "CVE-2021-44228".into(), node: None },
            Patch::Cve { id: "CVE-2023-0001".into(), node: None },
            Patch::Cve { id: "CVE-2023-0002".into(), node: None },
        ],
    );
    assert_eq!(r.all_ale_reduction, base - none);
    assert_eq!(none, 0.0, "with every vulnerability patched nothing reaches the jewel");
    assert_eq!(r.cves[0].id, "CVE-2021-44228", "the KEV CVE on both nodes carries the most");
    assert_eq!(r.cves[0].nodes, ["api", "web"]);
    for c in &r.cves {
        let alone = base - ale_with(&eval, &[Patch::Cve { id: c.id.clone(), node: None }]);
        assert_eq!(c.ale_reduction, alone);
    }
    // The carrying prefix: the shortest whose joint patch reaches 80%, each prefix re-simulated.
    let joint = |k: usize| {
        let patches: Vec<Patch> = r.cves[..k].iter().map(|c| Patch::Cve { id: c.id.clone(), node: None }).collect();
        (base - ale_with(&eval, &patches)) / r.all_ale_reduction
    };
    assert!(joint(r.carry_count) >= 0.8 && (r.carry_count == 1 || joint(r.carry_count - 1) < 0.8));
    assert_eq!(r.carry_share, joint(r.carry_count));
    // Upgrades: only packages with a fix, per node.
    let actions: Vec<&str> = r.upgrades.iter().map(|u| u.action.as_str()).collect();
    assert!(actions.contains(&"upgrade log4j-core to 2.15.0 on web"));
    assert!(!actions.iter().any(|a| a.contains("log4j-api")), "no fix, no upgrade: {actions:?}");
}

#[test]
fn no_vulnerabilities_no_ranking() {
    let m = load_str(
        "m.yaml",
        "entry_points: [{id: internet, kind: internet}]\nnodes: [{id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: 1e6}}]\nedges: [{from: internet, to: db, kind: exploits}]\nactors: [{id: a, frequency: 1, entry: [internet]}]\n",
        &LoadOptions::default(),
    )
    .unwrap()
    .model;
    assert!(rank(&Evaluator::new(&m, Posture::as_deployed(&m), 256, 1)).is_none());
}
