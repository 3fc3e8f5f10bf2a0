//! Importing real Trivy and Grype reports (tests/fixtures/scan, see SOURCES.md) with the shipped
//! KEV catalogue: the edges, their vulnerabilities, the probability the loader derives (checked
//! against the documented formula written out here) and the errors on bad input.

use std::path::{Path, PathBuf};

use riskpath_import::scan::epss::Epss;
use riskpath_import::scan::kev::Kev;
use riskpath_import::scan::mapping::{Mapping, Rule};
use riskpath_import::scan::{Import, ImportOptions, ModelView, Scanner, import};
use riskpath_model::{Estimate, LoadOptions, Model, load, load_overlay};

const MODEL: &str = r#"
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: app, kind: workload, tags: [internet-facing, "image:ghcr.io/aquasecurity/trivy-test-images"]}
  - {id: legacy, kind: host}
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: 1e6}}
edges:
  - {from: internet, to: legacy, kind: exploits}
  - {from: app, to: db, kind: reads}
  - {from: legacy, to: db, kind: reads}
actors: [{id: crime, frequency: 2, entry: [internet]}]
"#;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan").join(name)
}

struct Setup {
    dir: tempfile::TempDir,
    view: ModelView,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.yaml"), MODEL).unwrap();
    let model = load(dir.path(), &LoadOptions::default()).unwrap().model;
    Setup { view: ModelView::of(&model, None), dir }
}

fn options(setup: &Setup, scanner: Scanner, reports: &[&str]) -> ImportOptions {
    ImportOptions {
        scanner,
        reports: reports.iter().map(|r| fixture(r)).collect(),
        mapping: Mapping::default(),
        kev: Kev::bundled().unwrap(),
        epss: None,
        window_days: 30.0,
        model: setup.view.clone(),
    }
}

/// The model with the import's folder in place of `scans/`.
fn loaded(setup: &Setup, imported: &Import) -> Model {
    let files: Vec<(PathBuf, String)> =
        imported.generated.files().iter().map(|(p, t)| (p.clone(), t.clone())).collect();
    let folder = setup.dir.path().join("scans");
    match load_overlay(setup.dir.path(), Some((&folder, &files)), &LoadOptions::default()) {
        Ok(l) => l.model,
        Err(p) => panic!("{}", p.render_short()),
    }
}

fn edge_p(model: &Model, from: &str, to: &str) -> f64 {
    let e =
        model.edges.iter().find(|e| e.from.value == from && e.to.value == to && !e.extra().vulnerabilities.is_empty());
    match e.and_then(|e| e.p).map(|p| p.value) {
        Some(Estimate::Point(p)) => p,
        other => panic!("no derived p on {from} -> {to}: {other:?}"),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn spring4shell_is_in_the_shipped_kev_and_gets_the_kev_probability() {
    let s = setup();
    let imported = import(&options(&s, Scanner::Trivy, &["trivy/spring4shell-jre8.json"])).unwrap();
    let summary = &imported.summary;
    assert_eq!((summary.findings, summary.vulnerabilities, summary.kev, summary.edges), (1, 1, 1, 1));
    assert_eq!(summary.artifacts[0].nodes, ["app"], "mapped by the node's image: tag");
    assert_eq!(summary.artifacts[0].rule, Rule::Tag);
    let model = loaded(&s, &imported);
    let edge = model.edges.iter().find(|e| !e.extra().vulnerabilities.is_empty()).unwrap();
    assert_eq!(
        (edge.from.value.as_str(), edge.to.value.as_str(), edge.kind.value.as_str()),
        ("internet", "app", "exploits")
    );
    let v = &edge.extra().vulnerabilities[0];
    assert_eq!(v.id, "CVE-2022-22965");
    assert!(v.kev);
    assert_eq!(
        (v.package.as_deref(), v.installed.as_deref(), v.fix.as_deref()),
        (Some("org.springframework:spring-beans"), Some("5.3.15"), Some("5.3.18"))
    );
    assert_eq!(v.cvss, Some(9.8), "the severity source's (GHSA) v3 score");
    // KEV over a network vector: reliability 0.9 × 1 × 1.
    assert!(close(edge_p(&model, "internet", "app"), 0.9));
}

#[test]
fn one_cve_in_four_packages_counts_once_and_cvss_drives_the_rest() {
    let s = setup();
    let mut o = options(&s, Scanner::Trivy, &["trivy/debian-stretch.json"]);
    o.mapping =
        Mapping::parse(Path::new("map.yaml"), "artifacts:\n  - {match: \"*debian-stretch*\", node: legacy}\n").unwrap();
    let imported = import(&o).unwrap();
    assert_eq!(imported.summary.artifacts[0].rule, Rule::MapFile { line: 2 });
    let model = loaded(&s, &imported);
    let edge = model.edges.iter().find(|e| !e.extra().vulnerabilities.is_empty()).unwrap();
    assert_eq!(edge.extra().vulnerabilities.len(), 5, "one entry per vulnerability and package");
    assert_eq!(edge.from.value, "internet", "from the model's hand-written exploit edge into legacy");
    // bash CVE-2019-18276: CVSS 7.8, AV:L, end of life (no fix); e2fsprogs CVE-2019-5094: 6.7, AV:L, fixed.
    let bash = 0.9 * 0.05 * 0.78f64.powi(2) * 0.25 * 0.5;
    let e2fs = 0.9 * 0.05 * 0.67f64.powi(2) * 0.25 * 1.0;
    assert!(close(edge_p(&model, "internet", "legacy"), 1.0 - (1.0 - bash) * (1.0 - e2fs)));
    // With an EPSS file, EPSS replaces the CVSS prior for the CVE it scores.
    let epss = "#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\nCVE-2019-5094,0.00123,0.31\n";
    o.epss = Some(Epss::parse(Path::new("epss.csv"), epss).unwrap());
    let model = loaded(&s, &import(&o).unwrap());
    assert!(close(edge_p(&model, "internet", "legacy"), 1.0 - (1.0 - bash) * (1.0 - 0.9 * 0.00123 * 0.25)));
}

#[test]
fn grype_known_exploited_and_epss_are_used_and_ghsa_ids_fold_into_their_cve() {
    let s = setup();
    let mut o = options(&s, Scanner::Grype, &["grype/presenter-image.json", "grype/ghsa-test.json"]);
    o.mapping = Mapping::parse(
        Path::new("map.yaml"),
        "artifacts:\n  - {match: user-input, node: app}\n  - {match: \"anchore/test_images*\", node: legacy, from: [app]}\n",
    )
    .unwrap();
    let imported = import(&o).unwrap();
    let model = loaded(&s, &imported);
    let app: Vec<_> =
        model.edges.iter().filter(|e| e.to.value == "app" && !e.extra().vulnerabilities.is_empty()).collect();
    assert_eq!(app.len(), 1);
    let by_id = |id: &str| app[0].extra().vulnerabilities.iter().find(|v| v.id == id).unwrap();
    assert!(
        by_id("CVE-1999-0002").kev && by_id("CVE-1999-0002").ransomware,
        "Grype's knownExploited, ransomware Known"
    );
    assert_eq!(by_id("CVE-1999-0001").epss, Some(0.03));
    // CVE-1999-0002: KEV, AV:N → 0.9. CVE-1999-0001: EPSS 0.03, AV:N → 0.9 × 0.03.
    assert!(close(edge_p(&model, "internet", "app"), 1.0 - (1.0 - 0.9) * (1.0 - 0.9 * 0.03)));
    // The GHSA match and the CVE match of httpclient are one entry under CVE-2014-3577, with the
    // GHSA's fix; the mapping's `from: [app]` makes it an internal exploit from app.
    let legacy = model.edges.iter().find(|e| e.to.value == "legacy" && !e.extra().vulnerabilities.is_empty()).unwrap();
    assert_eq!((legacy.from.value.as_str(), legacy.kind.value.as_str()), ("app", "exploits_internal"));
    assert_eq!(legacy.extra().vulnerabilities.len(), 1);
    let v = &legacy.extra().vulnerabilities[0];
    assert_eq!((v.id.as_str(), v.fix.as_deref(), v.cvss), ("CVE-2014-3577", Some("4.3.5"), Some(5.8)));
    assert!(close(edge_p(&model, "app", "legacy"), 0.9 * 0.05 * 0.58f64.powi(2)));
}

#[test]
fn two_scanners_of_one_image_merge_and_unmapped_artifacts_become_new_nodes() {
    let s = setup();
    let mut o = options(&s, Scanner::Grype, &["grype/keycloak-test.json", "grype/chainguard-ruby-test.json"]);
    o.mapping =
        Mapping::parse(Path::new("map.yaml"), "artifacts:\n  - {match: \"cgr.dev/*\", from: [internet]}\n").unwrap();
    let imported = import(&o).unwrap();
    let summary = &imported.summary;
    assert_eq!(summary.new_nodes, ["image-cgr-dev-chainguard-ruby", "image-docker-io-keycloak-keycloak"]);
    assert_eq!(summary.unreachable, ["image-docker-io-keycloak-keycloak"], "nothing says who reaches keycloak");
    let model = loaded(&s, &imported);
    let ruby = model.node("image-cgr-dev-chainguard-ruby").unwrap();
    assert_eq!(ruby.kind, "workload");
    assert!(ruby.tags.contains(&"image:cgr.dev/chainguard/ruby".to_string()));
    let edge = model.edges.iter().find(|e| e.to.value == ruby.id).unwrap();
    // CVE-2023-28755 in ruby-3.0 and in uri (the GHSA folds into it): two entries, one id.
    let ids: Vec<(&str, Option<&str>)> =
        edge.extra().vulnerabilities.iter().map(|v| (v.id.as_str(), v.package.as_deref())).collect();
    assert_eq!(ids, [("CVE-2023-28755", Some("ruby-3.0")), ("CVE-2023-28755", Some("uri"))]);
}

#[test]
fn bad_reports_are_errors_naming_the_file_and_line() {
    let s = setup();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let spring = std::fs::read_to_string(fixture("trivy/spring4shell-jre8.json")).unwrap();
    let run = |scanner: Scanner, path: PathBuf| {
        let mut o = options(&s, scanner, &[]);
        o.reports = vec![path];
        import(&o).unwrap_err().to_string()
    };
    let p = write("v1.json", spring.replace("\"SchemaVersion\": 2", "\"SchemaVersion\": 1"));
    assert_eq!(
        run(Scanner::Trivy, p.clone()),
        format!("{}:2:3: unsupported Trivy SchemaVersion 1 (riskpath reads 2)", p.display())
    );
    let p = write("badid.json", spring.replace("\"CVE-2022-22965\"", "\"CVE-2022-2296x\""));
    let e = run(Scanner::Trivy, p.clone());
    assert!(
        e.starts_with(&format!("{}:", p.display())) && e.contains("`CVE-2022-2296x` is not a well-formed CVE id"),
        "{e}"
    );
    let line = spring.lines().position(|l| l.contains("CVE-2022-22965")).unwrap() + 1;
    assert!(e.contains(&format!(":{line}:")), "{e} names line {line}");
    let p = write("cut.json", spring[..spring.len() / 2].to_string());
    assert!(run(Scanner::Trivy, p).contains("not a valid Trivy JSON report: EOF while parsing"));
    let p = write("grype-as-trivy.json", std::fs::read_to_string(fixture("grype/keycloak-test.json")).unwrap());
    assert!(
        run(Scanner::Trivy, p.clone())
            .ends_with("not a Trivy JSON report: no `SchemaVersion` (write it with `--format json`)")
    );
    assert_eq!(
        run(Scanner::Grype, fixture("trivy/gomod.json")),
        format!(
            "{}: not a Grype JSON report: no `descriptor` (write it with `-o json`)",
            fixture("trivy/gomod.json").display()
        )
    );
    let p = write("wrong-type.json", "{\"matches\": 3, \"descriptor\": {\"name\": \"grype\"}}".into());
    assert!(
        run(Scanner::Grype, p)
            .contains(":1:13: not a valid Grype JSON report: invalid type: integer `3`, expected a sequence")
    );
}

#[test]
fn the_output_is_byte_identical_for_the_same_input() {
    let s = setup();
    let o = options(&s, Scanner::Trivy, &["trivy/alpine-310.json", "trivy/gomod.json", "trivy/debian-stretch.json"]);
    let a = import(&o).unwrap().generated;
    let b = import(&o).unwrap().generated;
    assert_eq!(a, b);
    let edges = &a.files()[Path::new("edges.jsonl")];
    let one_edge = |line: &str| serde_json::from_str::<serde_json::Value>(line).is_ok_and(|v| v["edge"].is_object());
    assert!(edges.lines().count() >= 1 && edges.lines().all(one_edge), "one edge per line: {edges}");
}
