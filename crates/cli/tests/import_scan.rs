//! `riskpath import trivy|grype` end to end: a real report into a model's `scans/` folder, the edge
//! `explain edge` then shows with its vulnerabilities, and bad input that writes nothing.

mod common;

use common::{copy_dir, text};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

const MODEL: &str = r#"
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: app, kind: workload, tags: [internet-facing]}
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: 1e6}}
edges:
  - {from: app, to: db, kind: reads}
actors: [{id: crime, frequency: 2, entry: [internet]}]
"#;

fn scan_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../import/tests/fixtures/scan").join(name)
}

fn riskpath(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(dir).env("NO_COLOR", "1").output().expect("run riskpath")
}

fn model_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("m")).unwrap();
    std::fs::write(dir.path().join("m/model.yaml"), MODEL).unwrap();
    std::fs::write(dir.path().join("map.yaml"), "artifacts:\n  - {match: \"ghcr.io/aquasecurity/*\", node: app}\n")
        .unwrap();
    dir
}

#[test]
fn a_trivy_report_becomes_an_edge_that_explain_shows() {
    let dir = model_dir();
    let report = scan_fixture("trivy/spring4shell-jre8.json");
    let out = riskpath(dir.path(), &["import", "trivy", report.to_str().unwrap(), "--model", "m", "--map", "map.yaml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(summary.contains("1 finding, 1 distinct vulnerability (1 in KEV 2025.08.25)"), "{summary}");
    assert!(summary.contains("→ app [mapping file line 2]"), "{summary}");
    let edges = std::fs::read_to_string(dir.path().join("m/scans/edges.jsonl")).unwrap();
    assert!(edges.contains("\"id\":\"vuln-internet-app\"") && edges.contains("\"id\":\"CVE-2022-22965\""), "{edges}");
    let out = riskpath(dir.path(), &["explain", "edge", "m", "internet", "app"]);
    let shown = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(shown.contains("(vulnerabilities)"), "{shown}");
    assert!(
        shown.contains("CVE-2022-22965") && shown.contains("0.9000  KEV: reliability 0.9 × 1 × network 1"),
        "{shown}"
    );
    assert!(shown.contains("org.springframework:spring-beans 5.3.15 · fixed in 5.3.18"), "{shown}");
    let out = riskpath(dir.path(), &["explain", "edge", "m", "internet", "app", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let v = &json["edges"][0]["vulnerabilities"][0];
    assert_eq!(
        (v["id"].as_str(), v["kev"].as_bool(), v["derivation"]["basis"].as_str()),
        (Some("CVE-2022-22965"), Some(true), Some("kev"))
    );
    assert_eq!(v["derivation"]["p"].as_f64(), Some(0.9));
    // A second import replaces the folder whole.
    let out = riskpath(
        dir.path(),
        &[
            "import",
            "grype",
            scan_fixture("grype/presenter-dir.json").to_str().unwrap(),
            "--model",
            "m",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let edges = std::fs::read_to_string(dir.path().join("m/scans/edges.jsonl")).unwrap();
    assert!(!edges.contains("CVE-2022-22965"), "the previous import is gone");
}

#[test]
fn bad_input_names_the_file_and_line_and_writes_nothing() {
    let dir = model_dir();
    let bad = dir.path().join("bad.json");
    let report = std::fs::read_to_string(scan_fixture("trivy/spring4shell-jre8.json")).unwrap();
    std::fs::write(&bad, report.replace("\"SchemaVersion\": 2", "\"SchemaVersion\": 3")).unwrap();
    let out = riskpath(dir.path(), &["import", "trivy", "bad.json", "--model", "m"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr), "riskpath: bad.json:2:3: unsupported Trivy SchemaVersion 3 (riskpath reads 2)\n");
    std::fs::write(dir.path().join("epss.csv"), "cve,epss,percentile\nCVE-2022-22965,0.9,0.9\n").unwrap();
    let spring = scan_fixture("trivy/spring4shell-jre8.json");
    let out =
        riskpath(dir.path(), &["import", "trivy", spring.to_str().unwrap(), "--model", "m", "--epss", "epss.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("riskpath: epss.csv:1:1: expected FIRST's first line"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(dir.path().join("map2.yaml"), "artifacts:\n  - {match: \"*\", node: nosuch}\n").unwrap();
    let out =
        riskpath(dir.path(), &["import", "trivy", spring.to_str().unwrap(), "--model", "m", "--map", "map2.yaml"]);
    assert_eq!(text(&out.stderr), "riskpath: map2.yaml:2:5: node `nosuch` is not in the model\n");
    let out = riskpath(dir.path(), &["import", "trivy", spring.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("m/scans").exists(), "nothing was written");
}

#[test]
fn the_readme_flow_on_acme_names_the_cves_that_carry_the_risk() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root.join("examples/acme"), &dir.path().join("acme"));
    let scans = root.join("examples/scans/acme");
    let mut args: Vec<String> = vec!["import".into(), "trivy".into()];
    let mut reports: Vec<PathBuf> = std::fs::read_dir(&scans)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".trivy.json"))
        .collect();
    reports.sort();
    args.extend(reports.iter().map(|p| p.to_string_lossy().into_owned()));
    args.extend([
        "--map".into(),
        scans.join("map.yaml").to_string_lossy().into_owned(),
        "--model".into(),
        "acme".into(),
    ]);
    let out = riskpath(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("14 findings, 12 distinct vulnerabilities (6 in KEV"), "{}", text(&out.stdout));
    let out = riskpath(dir.path(), &["report", "acme", "--audience", "exec", "--format", "md"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    let section = report.split("## Vulnerabilities that carry the risk").nth(1).expect("the section").to_string();
    let sentence = section.lines().find(|l| l.starts_with("These ")).expect("the sentence");
    assert!(
        sentence.contains(" carry 8") && sentence.contains("% of the risk the scanned vulnerabilities add: CVE-"),
        "{sentence}"
    );
    // The CVEs the sentence names are the report's bold rows, KEV ones among them.
    let named: Vec<&str> = sentence.split(": ").nth(1).unwrap().split(". ").next().unwrap().split(", ").collect();
    for id in &named {
        assert!(section.contains(&format!("**`{id}`**")), "{id} is a bold row");
    }
    assert!(named.contains(&"CVE-2021-44228"), "Log4Shell on the staging apps carries money: {named:?}");
    let out = riskpath(dir.path(), &["chokepoints", "acme", "--format", "json", "--decision-trials", "512"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let upgrades = json["vulnerabilities"]["upgrades"].as_array().unwrap();
    assert!(upgrades.iter().any(|u| u["action"] == "upgrade golang.org/x/net to 0.23.0 on public-api"), "{upgrades:?}");
}
