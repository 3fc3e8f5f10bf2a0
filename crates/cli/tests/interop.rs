//! Exports against their official schemas and reference loaders: JUnit against Jenkins xUnit's
//! junit-10.xsd (xmllint), SARIF from `export sarif` and `verify` against the OASIS 2.1.0 schema
//! (and the same URI base and rule-id style), Navigator layers loaded by MITRE's mitreattack-python.
//!
//! xmllint and mitreattack-python are installed by `.ci/run` (see `tests/validators/README.md`);
//! without them those tests are skipped with a notice, except under CI, where they fail.

mod common;

use common::copy_dir;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");
const ACME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/acme");
const VALIDATORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/validators");
const FAST: [&str; 4] = ["--trials", "4000", "--years", "4000"];
/// The day after examples/acme's accepted risk expires.
const EXPIRED: [&str; 2] = ["--as-of", "2027-07-01"];

fn riskpath(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("NO_COLOR", "1").output().expect("run riskpath")
}

/// Runs riskpath, which must exit with `code`, and returns the file it wrote with `-o`.
fn written(args: &[&str], code: i32, out: &Path) -> String {
    let run = riskpath(&[args, &["-o", out.to_str().unwrap()]].concat());
    assert_eq!(run.status.code(), Some(code), "riskpath {args:?}: {}", String::from_utf8_lossy(&run.stderr));
    std::fs::read_to_string(out).expect("output written")
}

/// A copy of the example in a temp dir (verify records history inside the model directory).
fn acme_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("acme");
    copy_dir(Path::new(ACME), &dir);
    (tmp, dir)
}

/// A validator that is missing: a notice and a skip, or a failure under CI.
fn missing(what: &str) -> bool {
    assert!(std::env::var_os("CI").is_none(), "{what} is required under CI (.ci/run installs it)");
    eprintln!("notice: {what} not found; skipping (.ci/run installs it)");
    true
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

#[test]
fn verify_junit_passes_jenkins_xunit_schema() {
    let Some(xmllint) = on_path("xmllint") else {
        missing("xmllint (libxml2-utils)");
        return;
    };
    let (tmp, dir) = acme_copy();
    let out = tmp.path().join("verify.xml");
    let db = tmp.path().join("h.db");
    let xml = written(
        &[
            &["verify", dir.to_str().unwrap(), "--format", "junit", "--db", db.to_str().unwrap()],
            &FAST[..],
            &EXPIRED[..],
        ]
        .concat(),
        1,
        &out,
    );
    let check = Command::new(xmllint)
        .args(["--noout", "--schema", &format!("{VALIDATORS}/junit-10.xsd")])
        .arg(&out)
        .output()
        .expect("run xmllint");
    assert!(check.status.success(), "junit-10.xsd:\n{}", String::from_utf8_lossy(&check.stderr));
    assert!(xml.contains("<testsuites ") && xml.contains(" time=\""), "{xml}");
    // The location a test case cannot carry as attributes is in its text, relative to the model.
    assert!(xml.contains("<system-out>security.yaml:"), "{xml}");
    assert!(!xml.contains("//"), "no doubled slashes in paths:\n{xml}");
    // The example's accepted risk, expired on that day, is a failing test case of its own suite.
    assert!(
        xml.contains("classname=\"riskpath.accepted_risks\"") && xml.contains("<failure type=\"expired\""),
        "{xml}"
    );
}

/// Validates `doc` against the official SARIF 2.1.0 schema; returns the errors.
fn sarif_errors(doc: &Value) -> Vec<String> {
    let text = std::fs::read_to_string(format!("{VALIDATORS}/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    validator.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn both_sarif_logs_pass_the_official_schema_and_agree_on_style() {
    let (tmp, dir) = acme_copy();
    let d = dir.to_str().unwrap();
    let export: Value =
        serde_json::from_str(&written(&[&["export", "sarif", d], &FAST[..]].concat(), 0, &tmp.path().join("e.sarif")))
            .unwrap();
    let db = tmp.path().join("h.db");
    let verify: Value = serde_json::from_str(&written(
        &[&["verify", d, "--format", "sarif", "--db", db.to_str().unwrap()], &FAST[..], &EXPIRED[..]].concat(),
        1,
        &tmp.path().join("v.sarif"),
    ))
    .unwrap();
    for (name, log) in [("export sarif", &export), ("verify --format sarif", &verify)] {
        let errors = sarif_errors(log);
        assert!(errors.is_empty(), "{name} fails the SARIF 2.1.0 schema:\n{}", errors.join("\n"));
        let run = &log["runs"][0];
        assert_eq!(run["originalUriBaseIds"]["MODELDIR"]["uri"], format!("file://{d}/"), "{name}");
        let results = run["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{name} has findings on acme");
        for r in results {
            let rule = r["ruleId"].as_str().unwrap();
            assert!(
                rule.starts_with("RP-") && rule[3..].chars().all(|c| c.is_ascii_uppercase() || c == '-'),
                "{name}: rule id style RP-UPPER-CASE: {rule}"
            );
            let art = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            assert_eq!(art["uriBaseId"], "MODELDIR", "{name}: {r}");
            let uri = art["uri"].as_str().unwrap();
            assert!(uri.ends_with(".yaml") && !uri.contains('/'), "{name}: model-relative URI: {uri}");
        }
    }
    let lapsed =
        verify["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "RP-ACCEPTED-RISK-LAPSED");
    assert!(lapsed.is_some_and(|r| r["message"]["text"].as_str().unwrap().contains("EXPIRED")), "{verify}");
    // Breaking a required field is caught: the schema check can fail.
    let mut bad = verify.clone();
    bad["runs"][0]["results"][0]["message"] = serde_json::json!({"markdown": 3});
    assert!(!sarif_errors(&bad).is_empty());
}

/// The Python that has mitreattack-python: `$RISKPATH_VALIDATORS/bin/python`, else python3 if it
/// can import it.
fn navlayers_python() -> Option<PathBuf> {
    let venv = std::env::var_os("RISKPATH_VALIDATORS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/riskpath/validators")))?;
    let candidates = [venv.join("bin/python"), on_path("python3").unwrap_or_default()];
    candidates.into_iter().find(|p| {
        p.is_file()
            && Command::new(p).args(["-c", "import mitreattack.navlayers"]).output().is_ok_and(|o| o.status.success())
    })
}

#[test]
fn navigator_layers_load_in_mitreattack_python() {
    let Some(python) = navlayers_python() else {
        missing("mitreattack-python");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (export, gaps) = (tmp.path().join("export.json"), tmp.path().join("gaps.json"));
    for (args, out) in
        [(&["export", "navigator", ACME][..], &export), (&["gaps", ACME, "--format", "navigator"][..], &gaps)]
    {
        let layer: Value = serde_json::from_str(&written(&[args, &FAST[..]].concat(), 0, out)).unwrap();
        assert!(layer["gradient"]["maxValue"].is_u64(), "an integer maxValue: {}", layer["gradient"]);
        assert!(riskpath_report::navigator::validate(&layer).is_empty());
    }
    let load = Command::new(&python)
        .arg(format!("{VALIDATORS}/load_layer.py"))
        .args([&export, &gaps])
        .output()
        .expect("run the loader");
    let said = format!("{}{}", String::from_utf8_lossy(&load.stdout), String::from_utf8_lossy(&load.stderr));
    assert!(load.status.success(), "mitreattack-python refused a layer:\n{said}");
    assert_eq!(said.matches("loaded 'riskpath").count(), 2, "{said}");
    // The loader is strict: a float maxValue (what riskpath wrote before) is refused.
    let mut bad: Value = serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    bad["gradient"]["maxValue"] = serde_json::json!(6189436.5);
    std::fs::write(&export, bad.to_string()).unwrap();
    let refused = Command::new(&python).arg(format!("{VALIDATORS}/load_layer.py")).arg(&export).output().unwrap();
    assert!(!refused.status.success(), "a float maxValue must be refused");
}

#[test]
fn the_diffs_sarif_passes_the_official_schema_and_points_at_the_change() {
    let (tmp, dir) = acme_copy();
    let cloud = dir.join("cloud.yaml");
    let line = "  - {from: db-app-credentials, to: customer-db, kind: reads_database}\n";
    let text = std::fs::read_to_string(&cloud).unwrap();
    let added = "  - {from: ssm-legacy-params, to: db-master-password, kind: reads_secret, p: 0.6}\n";
    std::fs::write(&cloud, text.replacen(line, &format!("{line}{added}"), 1)).unwrap();
    let added_line = text[..text.find(line).unwrap()].lines().count() + 2;
    let args = [&["diff", ACME, dir.to_str().unwrap(), "--format", "sarif"][..], &FAST[..]].concat();
    let log: Value = serde_json::from_str(&written(&args, 0, &tmp.path().join("d.sarif"))).unwrap();
    assert_eq!(sarif_errors(&log), Vec::<String>::new());
    let results = log["runs"][0]["results"].as_array().unwrap();
    let at = |rule: &str| {
        results.iter().find(|r| r["ruleId"] == rule).map(|r| {
            let place = &r["locations"][0]["physicalLocation"];
            (
                place["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                place["region"]["startLine"].as_u64().unwrap(),
            )
        })
    };
    assert_eq!(at("RP-DIFF-NEW-PATH"), Some(("cloud.yaml".to_string(), added_line as u64)), "{results:?}");
    assert_eq!(at("RP-DIFF-RISK-INCREASE"), Some(("cloud.yaml".to_string(), added_line as u64)));
    // Unchanged: no findings.
    let same = [&["diff", ACME, ACME, "--format", "sarif"][..], &FAST[..]].concat();
    let log: Value = serde_json::from_str(&written(&same, 0, &tmp.path().join("s.sarif"))).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(0));
}
