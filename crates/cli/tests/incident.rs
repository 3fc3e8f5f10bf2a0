//! `riskpath incident` end to end: JSON (schema version 1), the Markdown runbook, text at 100
//! columns, `-o`, misspelt ids (exit 2 with a suggestion), and the bundled acme estate.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

fn riskpath(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("NO_COLOR", "1").output().expect("run riskpath")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(args: &[&str]) -> Output {
    let out = riskpath(args);
    assert_eq!(out.status.code(), Some(0), "riskpath {args:?} failed:\n{}", stderr(&out));
    out
}

/// laptop → token (steals_credential 0.5) → admin role (authenticates 1.0) → bucket (reads 1.0);
/// laptop → db-host (ssh 0.8) → db (reads_database 1.0).
const MODEL: &str = "settings: {trials: 20000, seed: 3}
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: laptop, kind: device}
  - {id: token, kind: secret}
  - {id: admin, kind: role}
  - {id: db-host, kind: host}
  - {id: bucket, kind: bucket, crown_jewel: true, loss: {confidentiality: 5000000}}
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: 1000000}}
edges:
  - {from: internet, to: laptop, kind: drive_by}
  - {from: laptop, to: token, kind: steals_credential, p: 0.5}
  - {from: token, to: admin, kind: authenticates, p: 1.0}
  - {from: admin, to: bucket, kind: reads, p: 1.0}
  - {from: laptop, to: db-host, kind: ssh, p: 0.8}
  - {from: db-host, to: db, kind: reads_database, p: 1.0}
controls:
  - {id: edr, detects: {T1021: 0.2}, scope: [db-host]}
actors:
  - {id: crime, frequency: 2, entry: [internet], skill: medium}
";

fn model_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("model.yaml"), MODEL).unwrap();
    (tmp, dir)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn json_has_the_blast_radius_the_cut_and_what_to_rotate_and_hunt() {
    let (_tmp, dir) = model_dir();
    let out = ok(&["incident", s(&dir), "--compromised", "laptop", "--format", "json"]);
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!((doc["seed"].as_u64(), doc["trials"].as_u64()), (Some(3), Some(20000)), "settings apply");
    assert_eq!(doc["skill"], "medium");
    assert_eq!(doc["compromised"], serde_json::json!(["laptop"]));
    assert!(doc["method"]["next_hops"].as_str().unwrap().contains("re-simulated"));
    // bucket: 0.5 × $5M = $2.5M at stake, ranked above db: 0.8 × $1M.
    let jewels = doc["jewels"].as_array().unwrap();
    assert_eq!(jewels[0]["id"], "bucket");
    let p = jewels[0]["probability"].as_f64().unwrap();
    assert!((p - 0.5).abs() < 4.0 * (0.25f64 / 20000.0).sqrt(), "{p}");
    assert!((jewels[0]["at_stake"].as_f64().unwrap() - p * 5e6).abs() < 1e-3);
    assert_eq!(jewels[0]["path"]["nodes"], serde_json::json!(["laptop", "token", "admin", "bucket"]));
    // Next hops ranked by the money they carry.
    let hops: Vec<&str> = doc["next_hops"].as_array().unwrap().iter().map(|h| h["to"].as_str().unwrap()).collect();
    assert_eq!(hops, ["token", "db-host"]);
    // The cut: the two hops (each the only way to its jewel), with their revocations.
    let steps = doc["containment"]["steps"].as_array().unwrap();
    let mut actions: Vec<(&str, &str)> =
        steps.iter().map(|s| (s["to"].as_str().unwrap(), s["action"].as_str().unwrap())).collect();
    actions.sort();
    assert_eq!(actions.len(), 2, "{steps:?}");
    assert_eq!(actions[1].1, "rotate_credential");
    assert_eq!(doc["containment"]["holds"], true);
    // No AND condition on the way: max-flow, exact.
    assert_eq!(doc["containment"]["method"], "flow");
    assert!(doc["containment"]["remaining"].as_array().unwrap().iter().all(|r| r["probability"] == 0.0));
    // One hop: the token (secret). The role is two hops away.
    let rotate: Vec<&str> = doc["rotate"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(rotate, ["token"]);
    // Hunt: SSH is detected by edr (scope covers db-host).
    let hunt = doc["hunt"].as_array().unwrap();
    let ssh = hunt.iter().find(|h| h["technique"] == "T1021.004").expect("ssh technique");
    assert_eq!(ssh["detected_by"][0]["control"], "edr");
    assert_eq!(ssh["first_step"], 1);
}

#[test]
fn markdown_is_a_numbered_runbook_and_text_fits_100_columns() {
    let (tmp, dir) = model_dir();
    let file = tmp.path().join("runbook.md");
    ok(&["incident", s(&dir), "--compromised", "laptop", "--format", "md", "-o", s(&file)]);
    let md = std::fs::read_to_string(&file).unwrap();
    for heading in [
        "# Incident runbook: `laptop` compromised",
        "## Step 1 — Contain",
        "## Step 2 — Rotate",
        "## Step 3 — Hunt",
        "## Step 4 — Watch",
    ] {
        assert!(md.contains(heading), "missing {heading}:\n{md}");
    }
    assert!(md.contains("1. [ ] **") && md.contains("[ ] **rotate credential** — Rotate token"), "{md}");
    assert!(md.contains("| `bucket` |"), "{md}");

    let out = ok(&["incident", s(&dir), "--compromised", "laptop", "--trials", "5000", "--seed", "9"]);
    let text = stdout(&out);
    assert!(text.starts_with("Incident: laptop compromised"), "{text}");
    assert!(text.contains("5,000 trials, seed 9"), "{text}");
    for section in ["Crown jewels", "Next hops", "Containment", "Rotate", "Hunt"] {
        assert!(text.contains(section), "missing {section}:\n{text}");
    }
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "longer than 100 columns: {line}");
    }
}

#[test]
fn misspelt_and_unknown_ids_exit_2_with_suggestions() {
    let (_tmp, dir) = model_dir();
    let out = riskpath(&["incident", s(&dir), "--compromised", "laptpo"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("unknown node `laptpo`") && err.contains("did you mean `laptop`?"), "{err}");
    assert!(stdout(&out).is_empty());

    let out = riskpath(&["incident", s(&dir), "--compromised", "laptop,db-hots,qqqqqqqqq"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("`db-hots`") && err.contains("did you mean `db-host`?"), "{err}");
    assert!(err.contains("unknown node `qqqqqqqqq`"), "{err}");

    let out = riskpath(&["incident", s(&dir)]);
    assert_eq!(out.status.code(), Some(2), "--compromised is required");
}

#[test]
fn skill_can_be_chosen() {
    let (_tmp, dir) = model_dir();
    let out = ok(&["incident", s(&dir), "--compromised", "laptop", "--format", "json", "--skill", "high"]);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!((doc["skill"].as_str(), doc["skill_source"].as_str()), (Some("high"), Some("--skill")));
}

#[test]
fn acme_engineering_laptop_is_contained_by_its_cut() {
    let acme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme");
    let start = Instant::now();
    let out = ok(&["incident", s(&acme), "--compromised", "laptops-eng", "--format", "json", "--trials", "20000"]);
    let elapsed = start.elapsed();
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(doc["at_stake"].as_f64().unwrap() > 0.0);
    assert!(!doc["next_hops"].as_array().unwrap().is_empty());
    let steps = doc["containment"]["steps"].as_array().unwrap();
    // The exact cut under the AND conditions may cut further on than the laptop's own edges.
    assert!(!steps.is_empty(), "{steps:?}");
    assert_eq!(doc["containment"]["holds"], true);
    // Acme's edges carry AND conditions: the containment cut is the integer program's optimum.
    assert_eq!(doc["containment"]["method"], "integer_program");
    assert!(!doc["rotate"].as_array().unwrap().is_empty());
    assert!(!doc["hunt"].as_array().unwrap().is_empty());
    assert!(elapsed.as_secs_f64() < 10.0, "took {elapsed:?}");
}
