//! `--precision` end to end: the run stops where the target is met, states it in text and JSON
//! (valid against the published schema), equals the fixed run of the counts it reached, and prints
//! the same bytes on one thread and on three.

use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn run(args: &[&str], threads: &str) -> std::process::Output {
    Command::new(BIN).args(args).env("NO_COLOR", "1").env("RAYON_NUM_THREADS", threads).output().expect("run riskpath")
}

fn json(args: &[&str]) -> Value {
    let out = run(args, "2");
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn a_driven_analysis_is_the_fixed_run_it_reached_and_says_so() {
    let acme = format!("{ROOT}/examples/acme");
    let args = ["analyze", &acme, "--format", "json", "--seed", "3", "--precision", "ale=2%,p=0.01"];
    let doc = json(&args);
    let precision = &doc["precision"];
    assert_eq!(precision["met"], true);
    assert!(precision["ale_relative_std_error"].as_f64().unwrap() <= 0.02);
    assert!(precision["p_std_error"].as_f64().unwrap() <= 0.01);
    let ale = &doc["risk"];
    assert!(ale["ale_std_error"].as_f64().unwrap() <= 0.02 * ale["ale"].as_f64().unwrap());
    let (trials, years) = (doc["trials"].to_string(), doc["years"].to_string());
    let fixed = json(&["analyze", &acme, "--format", "json", "--seed", "3", "--trials", &trials, "--years", &years]);
    for key in ["risk", "scenarios", "targets", "trials", "years"] {
        assert_eq!(doc[key], fixed[key], "{key}");
    }
    assert!(fixed.get("precision").is_none(), "a fixed run states no precision");
    // Valid against the published schema, which closes the precision object.
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{ROOT}/schemas/analysis.v1.schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&doc));
    let mut extra = doc.clone();
    extra["precision"]["target"]["q"] = serde_json::json!(0.1);
    assert!(!validator.is_valid(&extra), "an undeclared target is refused");
    // The same bytes on one thread and on three, in JSON and in text.
    for format in ["json", "text"] {
        let args = ["analyze", &acme, "--format", format, "--seed", "3", "--precision", "ale=2%,p=0.01"];
        let (one, three) = (run(&args, "1"), run(&args, "3"));
        assert_eq!(one.stdout, three.stdout, "{format}");
    }
}

#[test]
fn a_capped_run_says_the_target_was_not_met() {
    let acme = format!("{ROOT}/examples/acme");
    let args = ["analyze", &acme, "--precision", "ale=0.1%", "--years", "5000", "--trials", "2000"];
    let out = run(&args, "2");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("5,000 simulated years") && text.contains("2,000 trials"), "{text}");
    assert!(text.contains("(target 0.1%)") && text.contains("NOT met: a cap"), "{text}");
    let doc = json(&[&args[..], &["--format", "json"]].concat());
    assert_eq!((doc["precision"]["met"].clone(), doc["years"].clone()), (Value::Bool(false), 5000.into()));
}

#[test]
fn bad_targets_and_caps_are_usage_errors() {
    let acme = format!("{ROOT}/examples/acme");
    for (value, says) in [
        ("ale=2", "must be above 0 and below 1"),
        ("ale=1%,ale=2%", "given twice"),
        ("trials=5", "unknown precision target 'trials'"),
    ] {
        let out = run(&["analyze", &acme, "--precision", value], "2");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{value}");
        assert!(err.contains("--precision") && err.contains(says), "{value}: {err}");
        assert!(out.stdout.is_empty());
    }
    let out = run(&["analyze", &acme, "--precision", "p=1%", "--trials", "2000000000"], "2");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the --precision caps"));
}

#[test]
fn reports_state_the_precision_reached() {
    let acme = format!("{ROOT}/examples/acme");
    for format in ["md", "html"] {
        let args = ["report", &acme, "--audience", "exec", "--format", format, "--precision", "ale=5%,p=0.02"];
        let out = run(&args, "2");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        let line =
            text.lines().find(|l| l.contains("Precision: ALE ±")).unwrap_or_else(|| panic!("{format}: no precision"));
        assert!(line.contains("(target 5%)") && line.contains("(target 0.02)") && line.contains(": met"), "{line}");
    }
    // A fixed run's report says nothing of a precision.
    let out =
        run(&["report", &acme, "--audience", "exec", "--format", "md", "--trials", "4096", "--years", "4096"], "2");
    assert!(!String::from_utf8(out.stdout).unwrap().contains("Precision:"));
}
