//! Accepted risks end to end: analyze and the reports show each beside the risk it covers (text,
//! JSON, HTML, Markdown) and warn when one has expired or covers more than its `max_ale`; verify fails on it.

mod common;

use common::text;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const FAST: [&str; 6] = ["--trials", "4000", "--seed", "7", "--decision-trials", "512"];

fn riskpath(args: &[&str]) -> Output {
    let fast: &[&str] = match args[0] {
        "analyze" | "report" => &FAST,
        "verify" => &FAST[..4],
        _ => &[],
    };
    Command::new(BIN).args([args, fast].concat()).env("NO_COLOR", "1").output().expect("run riskpath")
}

/// A copy of examples/acme with `extra` appended to its accepted risks.
fn acme_with(extra: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = Path::new(ROOT).join("examples/acme");
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            std::fs::copy(&path, tmp.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let roadmap = tmp.path().join("roadmap.yaml");
    let text = std::fs::read_to_string(&roadmap).unwrap() + extra;
    std::fs::write(roadmap, text).unwrap();
    tmp
}

fn json(dir: &str, as_of: &str) -> (Value, String) {
    let out = riskpath(&["analyze", dir, "--format", "json", "-k", "1", "--as-of", as_of]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    (serde_json::from_slice(&out.stdout).unwrap(), text(&out.stderr))
}

#[test]
fn acme_shows_its_accepted_risk_beside_the_risk_it_covers() {
    let acme = format!("{ROOT}/examples/acme");
    let (doc, stderr) = json(&acme, "2026-12-05");
    assert!(!stderr.contains("accepted risk"), "{stderr}");
    assert_eq!(doc["as_of"], "2026-12-05");
    let accepted = &doc["accepted_risks"][0];
    assert_eq!(
        (accepted["id"].as_str(), accepted["owner"].as_str()),
        (Some("legacy-sftp-bucket-access"), Some("CISO"))
    );
    assert_eq!(accepted["edges"][0], "sftp-role-reads-files");
    assert_eq!((accepted["expired"].as_bool(), accepted["over_max_ale"].as_bool()), (Some(false), Some(false)));
    let ale = accepted["ale"].as_f64().unwrap();
    let parts: f64 = accepted["scenarios"].as_array().unwrap().iter().map(|s| s["ale"].as_f64().unwrap()).sum();
    assert!(ale > 0.0 && ale < doc["risk"]["ale"].as_f64().unwrap(), "{ale}");
    assert!((parts / ale - 1.0).abs() < 1e-9, "the scenarios' parts add up to the covered ALE: {parts} vs {ale}");
    assert!(accepted["scenarios"].as_array().unwrap().iter().all(|s| s["target"] == "files-bucket"));

    let out = riskpath(&["analyze", &acme, "-k", "1", "--as-of", "2026-12-05"]);
    let page = text(&out.stdout);
    assert!(page.contains("of it accepted by CISO until 2027-06-30"), "{page}");
    assert!(page.contains("Accepted risks") && !page.contains("EXPIRED"), "{page}");
}

#[test]
fn expired_and_over_max_ale_acceptances_are_loud() {
    // The acme acceptance covers about $220k against a max_ale of $1M; a scenario acceptance
    // of the whole crime → files-bucket risk (about $2.9M) against $1M is over.
    let tmp = acme_with(
        "  - {id: crime-files, scope: {actor: crime, target: files-bucket}, owner: CFO, expires: 2027-01-31, \
         justification: insured, max_ale: 1000000}\n  - {id: phishing, scope: {class: \"kind:phishes\"}, owner: CIO, \
         expires: 2027-12-31, justification: training}\n",
    );
    let dir = tmp.path().to_str().unwrap();
    let (doc, stderr) = json(dir, "2027-01-31");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{ROOT}/schemas/analysis.v1.schema.json")).unwrap())
            .unwrap();
    let errors: Vec<String> =
        jsonschema::validator_for(&schema).unwrap().iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "the three scopes match the schema: {errors:?}");
    let by_id = |id: &str| doc["accepted_risks"].as_array().unwrap().iter().find(|a| a["id"] == id).unwrap().clone();
    let crime = by_id("crime-files");
    let own =
        doc["scenarios"].as_array().unwrap().iter().find(|s| s["actor"] == "crime" && s["target"] == "files-bucket");
    assert_eq!(crime["ale"], own.unwrap()["ale"], "a scenario's acceptance covers the run's own figure");
    assert_eq!((crime["expired"].as_bool(), crime["over_max_ale"].as_bool()), (Some(false), Some(true)));
    assert!(stderr.contains("accepted risk `crime-files` (owner CFO) covers"), "{stderr}");
    assert!(stderr.contains("max_ale of $1.00M") && !stderr.contains("expired"), "{stderr}");
    assert_eq!(by_id("phishing")["scope"], "class");

    let (doc, stderr) = json(dir, "2027-02-01");
    assert!(doc["accepted_risks"].as_array().unwrap().iter().any(|a| a["id"] == "crime-files" && a["expired"] == true));
    assert!(stderr.contains("accepted risk `crime-files` (owner CFO) expired on"), "{stderr}");
    assert!(stderr.contains("(as of 2027-02-01)") && !stderr.contains("`legacy-sftp-bucket-access`"), "{stderr}");
    let out = riskpath(&["analyze", dir, "-k", "1", "--as-of", "2027-02-01"]);
    assert!(text(&out.stdout).contains("accepted by CFO until 2027-01-31 — EXPIRED on 2027-01-31; OVER its max_ale"));

    let bad = riskpath(&["analyze", dir, "--as-of", "2027-02-30"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty() && text(&bad.stderr).contains("not a calendar day"), "{}", text(&bad.stderr));
}

/// A fresh starter model (`riskpath init`: no control has a check, so none fails) accepting the
/// whole crime → files-bucket risk until `expires`, up to `max_ale`.
fn starter_accepting(expires: &str, max_ale: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    assert!(riskpath(&["init", dir.to_str().unwrap()]).status.success());
    let accepted = format!(
        "accepted_risks:\n  - {{id: files, scope: {{actor: crime, target: files-bucket}}, owner: CISO, expires: {expires}, \
         justification: insured, max_ale: {max_ale}}}\n"
    );
    std::fs::write(dir.join("accepted.yaml"), accepted).unwrap();
    tmp
}

fn verify(dir: &Path, format: &str, as_of: &str) -> Output {
    let db = dir.join("h.db");
    riskpath(&[
        "verify",
        dir.join("m").to_str().unwrap(),
        "--format",
        format,
        "--db",
        db.to_str().unwrap(),
        "--as-of",
        as_of,
    ])
}

#[test]
fn verify_fails_on_an_expired_or_over_acceptance_in_every_format() {
    let tmp = starter_accepting("2027-03-31", "1e12");
    let holds = verify(tmp.path(), "text", "2027-03-31");
    assert_eq!(holds.status.code(), Some(0), "{}", text(&holds.stderr));
    assert!(text(&holds.stdout).contains("✓ holds") && text(&holds.stdout).contains("files: crime reaching"));

    let json_out = verify(tmp.path(), "json", "2027-04-01");
    assert_eq!(json_out.status.code(), Some(1), "an expired acceptance fails verify");
    assert!(
        text(&json_out.stderr).contains("1 accepted risk lapsed (expired or over max_ale)"),
        "{}",
        text(&json_out.stderr)
    );
    let doc: Value = serde_json::from_slice(&json_out.stdout).unwrap();
    let a = &doc["accepted_risks"][0];
    assert_eq!((a["expired"].as_bool(), a["over_max_ale"].as_bool()), (Some(true), Some(false)));
    assert!(a["message"].as_str().unwrap().contains("EXPIRED on 2027-03-31"), "{a}");
    assert_eq!(a["location"]["file"].as_str().map(|f| f.ends_with("accepted.yaml")), Some(true));
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{ROOT}/schemas/verify.v1.schema.json")).unwrap())
            .unwrap();
    let errors: Vec<String> =
        jsonschema::validator_for(&schema).unwrap().iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    // The figure checked against max_ale is the run's own: the scenario's ALE as verified.
    let ale = a["ale"].as_f64().unwrap();
    assert!(ale > 0.0 && ale <= doc["risk"]["ale_verified"].as_f64().unwrap(), "{ale}");

    let junit = text(&verify(tmp.path(), "junit", "2027-04-01").stdout);
    assert!(junit.contains("<testcase name=\"files\" classname=\"riskpath.accepted_risks\""), "{junit}");
    assert!(junit.contains("<failure type=\"expired\""), "{junit}");
    let sarif: Value = serde_json::from_slice(&verify(tmp.path(), "sarif", "2027-04-01").stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "RP-ACCEPTED-RISK-LAPSED", "{sarif}");
    let txt = text(&verify(tmp.path(), "text", "2027-04-01").stdout);
    assert!(txt.contains("✗ lapsed") && txt.contains("EXPIRED on 2027-03-31"), "{txt}");

    // Within its date but carrying more than its max_ale: over, and failing too.
    let over = starter_accepting("2027-03-31", "1");
    let out = verify(over.path(), "json", "2027-01-01");
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["accepted_risks"][0]["over_max_ale"], true, "{doc}");
}

#[test]
fn reports_show_acceptances_beside_the_risks_and_in_the_decision() {
    let tmp = acme_with("");
    let dir = tmp.path().to_str().unwrap();
    let report = |audience: &str, format: &str, as_of: &str| {
        let out = riskpath(&["report", dir, "--audience", audience, "--format", format, "--as-of", as_of]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let exec = report("exec", "md", "2026-12-05");
    assert!(exec.contains("of it accepted by CISO until 2027-06-30"), "{exec}");
    assert!(exec.contains("Accepted now: edge sftp-role-reads-files ($"), "the decision names it: {exec}");
    let engineer = report("engineer", "html", "2027-07-01");
    assert!(engineer.contains("<h2 id=\"h-accepted\">Accepted risks</h2>"), "{engineer}");
    assert!(engineer.contains("<span class=\"lapsed\">⚠ EXPIRED on 2027-06-30</span>"), "{engineer}");
    let exec = report("exec", "html", "2027-07-01");
    assert!(exec.contains("class=\"lapsed\">⚠ No longer covered: edge sftp-role-reads-files"), "{exec}");
    let md = report("engineer", "md", "2027-07-01");
    assert!(md.contains("**⚠ EXPIRED on 2027-06-30**"), "{md}");

    // With no acceptance recorded the decision says so and how to record one.
    let none = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(tmp.path()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.split("\naccepted_risks:").next().unwrap().to_string();
        std::fs::write(none.path().join(path.file_name().unwrap()), text).unwrap();
    }
    let out = riskpath(&["report", none.path().to_str().unwrap(), "--format", "md", "--as-of", "2026-12-05"]);
    let page = text(&out.stdout);
    assert!(page.contains("No accepted risk is recorded: record one in the model under accepted\\_risks"), "{page}");
}

/// verify of acme's acceptance (an edge, judged with its standard error) with `max_ale` replaced.
fn verify_acme_max_ale(max_ale: &str, format: &str) -> Output {
    let tmp = acme_with("");
    let roadmap = tmp.path().join("roadmap.yaml");
    let yaml = std::fs::read_to_string(&roadmap).unwrap().replace("max_ale: 1000000", &format!("max_ale: {max_ale}"));
    std::fs::write(roadmap, yaml).unwrap();
    let db = tempfile::tempdir().unwrap();
    let db = db.path().join("h.db");
    let dir = tmp.path().to_str().unwrap();
    riskpath(&["verify", dir, "--format", format, "--db", db.to_str().unwrap(), "--as-of", "2026-12-05"])
}

#[test]
fn verify_says_when_an_acceptance_is_too_close_to_its_max_ale_to_judge() {
    let doc = |max_ale: &str| -> Value {
        let out = verify_acme_max_ale(max_ale, "json");
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)))
    };
    let far = doc("1e12");
    let a = &far["accepted_risks"][0];
    let (ale, se) = (a["ale"].as_f64().unwrap(), a["ale_std_error"].as_f64().expect("an edge carries its s.e."));
    assert!(ale > 0.0 && se > 0.0 && se < ale, "{a}");
    assert_eq!((a["over_max_ale"].as_bool(), a["near_max_ale"].as_bool()), (Some(false), Some(false)));
    // The 2-standard-error rule, from the figure and its error as reported: at the ALE itself
    // the run cannot tell; three errors below it, the acceptance is over; three above, it holds.
    let state = |max: f64| {
        let d = doc(&format!("{max}"));
        let a = &d["accepted_risks"][0];
        assert_eq!(a["ale"].as_f64(), Some(ale), "the same seed gives the same figure");
        (
            a["over_max_ale"].as_bool().unwrap(),
            a["near_max_ale"].as_bool().unwrap(),
            a["message"].as_str().unwrap().to_string(),
        )
    };
    let (over, near, message) = state(ale);
    assert!(!over && near && message.contains("too close to its max_ale to judge"), "{message}");
    let (over, near, _) = state(ale - 3.0 * se);
    assert!(over && !near);
    let (over, near, _) = state(ale + 3.0 * se);
    assert!(!over && !near);
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{ROOT}/schemas/verify.v1.schema.json")).unwrap())
            .unwrap();
    let near_doc = doc(&format!("{ale}"));
    let errors: Vec<String> =
        jsonschema::validator_for(&schema).unwrap().iter_errors(&near_doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    // In words: marked unclear, not lapsed; not a failing check in JUnit.
    let txt = text(&verify_acme_max_ale(&format!("{ale}"), "text").stdout);
    assert!(txt.contains("? unclear") && txt.contains("legacy-sftp-bucket-access"), "{txt}");
    let junit = text(&verify_acme_max_ale(&format!("{ale}"), "junit").stdout);
    let case = junit.split("<testcase name=\"legacy-sftp-bucket-access\"").nth(1).expect("a testcase");
    assert!(!case.split("</testcase>").next().unwrap().contains("<failure"), "{junit}");
}
