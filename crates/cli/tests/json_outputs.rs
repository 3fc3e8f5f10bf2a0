//! Every JSON output of every command, on the bundled acme estate: valid JSON and no negative
//! zero anywhere (a sum over nothing is −0.0 in Rust; riskpath writes it as 0).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");
const ACME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/acme");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("NO_COLOR", "1").output().expect("run riskpath")
}

/// The numbers of a JSON document that are negative zero, by their path.
fn negative_zeros(value: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::Number(n) if n.as_f64().is_some_and(|x| x == 0.0 && x.is_sign_negative()) => found.push(path.into()),
        Value::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| negative_zeros(v, &format!("{path}[{i}]"), found))
        }
        Value::Object(map) => map.iter().for_each(|(k, v)| negative_zeros(v, &format!("{path}.{k}"), found)),
        _ => {}
    }
}

fn check(args: &[&str]) {
    let out = run(args);
    assert_eq!(out.status.code(), Some(0), "riskpath {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("riskpath {args:?}: not JSON ({e})"));
    let mut found = Vec::new();
    negative_zeros(&doc, "$", &mut found);
    assert!(found.is_empty(), "riskpath {args:?} writes -0.0 at {found:?}");
    assert!(!text.contains("-0.0,") && !text.contains("-0.0\n"), "riskpath {args:?}");
}

#[test]
fn no_json_output_contains_negative_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("history.db");
    let db = db.to_str().unwrap();
    let fast = ["--trials", "4000", "--seed", "7", "--decision-trials", "256"];
    let with = |args: &[&'static str], extra: &[&'static str]| -> Vec<&'static str> { [args, extra].concat() };
    check(&with(&["analyze", ACME, "--format", "json", "--years", "4000", "-k", "2"], &fast));
    check(&with(&["chokepoints", ACME, "--format", "json", "--top", "3"], &fast));
    check(&with(&["plan", ACME, "--format", "json", "--budget", "400000", "--years", "1"], &fast));
    check(&with(&["gaps", ACME, "--format", "json", "--top", "3"], &fast));
    check(&with(&["gaps", ACME, "--format", "navigator", "--top", "3"], &fast));
    check(&with(&["export", "navigator", ACME, "-k", "1"], &fast));
    check(&with(&["export", "sarif", ACME, "--top", "3"], &fast));
    // A compromised crown jewel (already lost) and one without (nothing lost yet).
    for compromised in ["files-bucket", "laptops-eng"] {
        check(&["incident", ACME, "--compromised", compromised, "--format", "json", "--trials", "4000"]);
    }
    check(&["explain", "edge", ACME, "internet", "web-frontend", "--format", "json"]);
    check(&["kb", "list", "--format", "json"]);
    check(&["kb", "catalog", "--format", "json"]);
    check(&["verify", ACME, "--format", "json", "--db", db, "--trials", "2000", "--fail-on", "regression"]);
    check(&["verify", ACME, "--format", "sarif", "--db", db, "--trials", "2000", "--fail-on", "regression"]);
    check(&["history", ACME, "--format", "json", "--db", db]);
    assert!(Path::new(db).is_file());
}

/// Floats read back are bit-exact in the shipped binary, not only in test builds: a verify run's
/// ALE listed by `history` (read back from the database) is the verify document's, to the last
/// digit. Test builds turn serde_json's `float_roundtrip` on through jsonschema, so the workspace
/// must turn it on for every build; this checks that it does, then checks the round trip.
#[test]
fn floats_read_back_are_the_floats_written() {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml")).unwrap();
    let line = manifest.lines().find(|l| l.starts_with("serde_json =")).expect("serde_json in the workspace");
    assert!(line.contains("float_roundtrip"), "{line}");
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("h.db");
    let db = db.to_str().unwrap();
    let verify = run(&["verify", ACME, "--db", db, "--trials", "500", "--seed", "1", "--format", "json"]);
    let verify: Value = serde_json::from_slice(&verify.stdout).unwrap();
    let history: Value = serde_json::from_slice(&run(&["history", "--db", db, "--format", "json"]).stdout).unwrap();
    let run0 = &history["runs"][0];
    assert_eq!(run0["ale"].as_f64().map(f64::to_bits), verify["risk"]["ale_verified"].as_f64().map(f64::to_bits));
    assert_eq!(run0["ale_design"].as_f64().map(f64::to_bits), verify["risk"]["ale_design"].as_f64().map(f64::to_bits));
}
