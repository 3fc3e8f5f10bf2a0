//! `riskpath verify` and `riskpath history` end to end: every control state and exit code,
//! regressions with `--fail-on regression`, the four output formats, the hash-chained history
//! (tampering found and named), concurrent runs against one database, and bounded policies.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");
/// Small simulations keep the tests fast; the numbers only need to be consistent.
const SIM: [&str; 4] = ["--trials", "2000", "--years", "2000"];

const MODEL: &str = "\
settings: {currency: USD, seed: 3}
entry_points: [{id: internet, kind: internet}, {id: phishing, kind: email}]
nodes:
  - {id: web, kind: service, tags: [internet-facing]}
  - {id: staff, kind: identity}
  - {id: files, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e6, high: 1e7}}}
edges:
  - {from: internet, to: web, kind: exploits}
  - {from: phishing, to: staff, kind: phishes}
  - {from: web, to: files, kind: reads}
  - {from: staff, to: files, kind: reads}
actors:
  - {id: crime, frequency: {low: 2, high: 10}, entry: [internet, phishing], skill: medium}
controls:
  - id: mfa
    mitigates: {T1566: 0.8}
    scope: [staff]
    check: {policy: checks/mfa.rego, evidence: [evidence/idp.json], max_age: 7d}
  - id: waf
    mitigates: {T1190: 0.6}
    scope: [tag:internet-facing]
    check: {policy: checks/waf.rego, evidence: [evidence/waf-*.yaml]}
  - id: dlp
    mitigates: {T1530: 0.3}
";

const MFA: &str = "package main\n\ndeny contains msg if {\n  some u in input.users\n  not u.mfa\n  msg := sprintf(\"user %s has no MFA\", [u.name])\n}\n";
const WAF: &str = "package main\n\ndeny[msg] {\n  doc := input[_]\n  doc.mode != \"block\"\n  msg := sprintf(\"WAF %s is in %s mode\", [doc.name, doc.mode])\n}\n";

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    /// A model whose checks all pass.
    fn passing() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let f = Fixture { dir };
        f.write("model.yaml", MODEL);
        f.write("checks/mfa.rego", MFA);
        f.write("checks/waf.rego", WAF);
        f.write("evidence/idp.json", r#"{"users": [{"name": "ana", "mfa": true}]}"#);
        f.write("evidence/waf-edge.yaml", "name: edge\nmode: block\n");
        f.write("evidence/waf-api.yaml", "name: api\nmode: block\n");
        f
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn write(&self, rel: &str, content: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    fn db(&self) -> PathBuf {
        self.path().join(".riskpath/history.db")
    }
    /// Runs riskpath in the model directory, so it is `.` and paths print relative.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN).args(args).current_dir(self.path()).env("NO_COLOR", "1").output().expect("run riskpath")
    }
    fn verify(&self, extra: &[&str]) -> Output {
        let mut args = vec!["verify", "."];
        args.extend(SIM);
        args.extend(extra);
        self.run(&args)
    }
    fn verify_json(&self, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["--format", "json"];
        args.extend(extra);
        let out = self.verify(&args);
        let doc =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
        (out.status.code().unwrap(), doc)
    }
    fn break_mfa(&self) {
        self.write("evidence/idp.json", r#"{"users": [{"name": "ana", "mfa": true}, {"name": "bob", "mfa": false}]}"#);
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}
fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn control<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["controls"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no control {id}"))
}

#[test]
fn all_passing_exits_0_and_records_the_run() {
    let f = Fixture::passing();
    let out = f.verify(&[]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("3 controls: 2 pass, 1 unchecked"), "{text}");
    assert!(text.contains("✓ mfa") && text.contains("· 1 unchecked (no check, trusted as written): dlp"), "{text}");
    assert!(text.contains("run #1 recorded in"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
    assert!(f.db().is_file());

    let (code, doc) = f.verify_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["summary"]["pass"], 2);
    assert_eq!(doc["summary"]["unchecked"], 1);
    assert_eq!(doc["risk"]["ale_design"], doc["risk"]["ale_verified"]);
    assert_eq!(doc["risk"]["ale_increase"], 0.0);
    assert_eq!(doc["history"]["seq"], 2);
    assert_eq!(doc["history"]["previous_seq"], 1);
    assert_eq!(doc["model"]["hash"].as_str().unwrap().len(), 64);
    let mfa = control(&doc, "mfa");
    assert_eq!(mfa["state"], "pass");
    assert_eq!(mfa["evidence"][0]["path"], "evidence/idp.json");
    assert_eq!(mfa["location"]["file"], "model.yaml");
    assert_eq!(mfa["location"]["line"], 15);
    assert!(control(&doc, "waf")["ale_increase"].is_null(), "passing controls have no increase");
}

#[test]
fn each_state_is_reported_and_failures_exit_1() {
    let f = Fixture::passing();
    f.break_mfa();
    // waf: one evidence file unparsable -> error.
    f.write("evidence/waf-api.yaml", "name: [unclosed\n");
    // A third checked control with stale evidence.
    let model = MODEL.to_string()
        + "  - id: backups\n    mitigates: {T1485: 0.5}\n    check: {policy: checks/backups.rego, evidence: [evidence/backups.json], max_age: 1d}\n";
    f.write("model.yaml", &model);
    f.write(
        "checks/backups.rego",
        "package main\n\ndeny contains \"object lock is off\" if { not input.object_lock }\n",
    );
    f.write("evidence/backups.json", r#"{"observed_at": "2021-03-01T00:00:00Z", "object_lock": true}"#);

    let (code, doc) = f.verify_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(control(&doc, "mfa")["state"], "fail");
    assert_eq!(control(&doc, "mfa")["messages"][0], "user bob has no MFA");
    assert_eq!(control(&doc, "waf")["state"], "error");
    assert!(control(&doc, "waf")["messages"][0].as_str().unwrap().starts_with("evidence/waf-api.yaml: not valid YAML"));
    assert_eq!(control(&doc, "backups")["state"], "stale");
    assert_eq!(control(&doc, "dlp")["state"], "unchecked");
    let s = &doc["summary"];
    assert_eq!(
        (s["pass"].as_u64(), s["fail"].as_u64(), s["stale"].as_u64(), s["error"].as_u64()),
        (Some(0), Some(1), Some(1), Some(1))
    );
    // Failing controls are priced; together they cost at least as much as the dearest alone.
    let mfa_cost = control(&doc, "mfa")["ale_increase"].as_f64().unwrap();
    let waf_cost = control(&doc, "waf")["ale_increase"].as_f64().unwrap();
    assert!(mfa_cost > 0.0 && waf_cost > 0.0);
    let total = doc["risk"]["ale_increase"].as_f64().unwrap();
    assert!(total >= mfa_cost.max(waf_cost), "{total} vs {mfa_cost}, {waf_cost}");
    assert!(doc["risk"]["ale_verified"].as_f64().unwrap() > doc["risk"]["ale_design"].as_f64().unwrap());
    // Failing controls come first, dearest first.
    let order: Vec<&str> = doc["controls"].as_array().unwrap().iter().map(|c| c["state"].as_str().unwrap()).collect();
    assert!(
        order.iter().rposition(|s| ["fail", "stale", "error"].contains(s))
            < order.iter().position(|s| *s == "unchecked")
    );

    let out = f.verify(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("3 controls do not hold"), "{}", stderr(&out));
}

#[test]
fn usage_and_model_errors_exit_2() {
    let f = Fixture::passing();
    assert_eq!(f.verify(&["--format", "yaml"]).status.code(), Some(2));
    assert_eq!(f.verify(&["--policy-timeout", "0"]).status.code(), Some(2));
    assert_eq!(f.verify(&["--max-policy-memory", "0"]).status.code(), Some(2));
    f.write("model.yaml", &MODEL.replace("kind: exploits", "kind: explodes"));
    let out = f.verify(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!f.db().exists(), "an invalid model records nothing");
}

#[test]
fn regressions_are_listed_first_with_money_and_gate_ci() {
    let f = Fixture::passing();
    f.write("evidence/waf-api.yaml", "name: api\nmode: count\n");
    // Run 1: waf fails, mfa passes. With --fail-on regression a known failure is not a regression.
    let out = f.verify(&["--fail-on", "regression"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Run 2: mfa breaks -> regression.
    f.break_mfa();
    let out = f.verify(&["--fail-on", "regression"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("1 control regressed since run #1"), "{}", stderr(&out));
    let text = stdout(&out);
    let regressions = text.find("Regressions").expect("a regressions section");
    assert!(regressions < text.find("Controls").unwrap(), "{text}");
    assert!(text[regressions..].lines().nth(1).unwrap().contains("✗ mfa") && text.contains("+$"), "{text}");
    // Run 3: still failing, but no longer a new regression.
    let (code, doc) = f.verify_json(&["--fail-on", "regression"]);
    assert_eq!(code, 0);
    assert_eq!(doc["regressions"], serde_json::json!([]));
    // Back to passing, then failing again: a regression against the run before.
    f.write("evidence/idp.json", r#"{"users": []}"#);
    assert_eq!(f.verify(&["--fail-on", "regression"]).status.code(), Some(0));
    f.break_mfa();
    let (code, doc) = f.verify_json(&["--fail-on", "regression"]);
    assert_eq!(code, 1);
    assert_eq!(doc["regressions"][0]["id"], "mfa");
    assert_eq!(doc["regressions"][0]["passed_in"], 4);
    assert!(doc["regressions"][0]["ale_increase"].as_f64().unwrap() > 0.0);
    assert_eq!(doc["controls"][0]["id"], "mfa");
    assert_eq!(doc["controls"][0]["regression"], true);
}

#[test]
fn junit_and_sarif_outputs() {
    let f = Fixture::passing();
    f.break_mfa();
    let out = f.verify(&["--format", "junit", "-o", "verify.xml"]);
    assert_eq!(out.status.code(), Some(1));
    let xml = std::fs::read_to_string(f.path().join("verify.xml")).unwrap();
    assert!(xml.starts_with("<?xml"));
    assert_eq!(xml.matches("<testcase ").count(), 3);
    assert!(xml.contains("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""), "{xml}");
    assert!(xml.contains("<failure type=\"fail\" message=\"user bob has no MFA (+$"), "{xml}");
    assert!(xml.contains("<skipped message=\"no check: trusted as written\"/>"), "{xml}");

    let out = f.verify(&["--format", "sarif", "-o", "verify.sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(f.path().join("verify.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!(r["ruleId"], "RP-CONTROL-FAILS");
    assert_eq!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"], "MODELDIR");
    assert_eq!(r["level"], "error");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "model.yaml");
    assert_eq!(loc["region"]["startLine"], 15);
    assert_eq!(loc["region"]["startColumn"], 9);
    assert_eq!(r["relatedLocations"][0]["physicalLocation"]["region"]["startLine"], 18);
    assert!(r["message"]["text"].as_str().unwrap().contains("user bob has no MFA"));
    let rule_index = r["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(sarif["runs"][0]["tool"]["driver"]["rules"][rule_index]["id"], "RP-CONTROL-FAILS");
}

#[test]
fn history_lists_runs_and_detects_tampering() {
    let f = Fixture::passing();
    assert_eq!(f.run(&["history", "."]).status.code(), Some(2), "no history yet");
    for i in 0..4 {
        if i == 2 {
            f.break_mfa();
        }
        f.verify(&[]);
    }
    let out = f.run(&["history", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("(4 runs)") && text.contains("#4") && text.contains("ALE trend"), "{text}");
    assert!(text.lines().any(|l| l.contains("#3") && l.contains("mfa") && l.contains('+')), "{text}");

    let out = f.run(&["history", "--format", "json", "."]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["runs"].as_array().unwrap().len(), 4);
    assert_eq!(doc["runs"][2]["regressions"][0], "mfa");

    let out = f.run(&["history", "verify", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("4 records") && stdout(&out).contains("chain intact"));
    // The head printed now, kept elsewhere, anchors later checks.
    let head = stdout(&out).split("head ").nth(1).and_then(|s| s.split_whitespace().next()).unwrap().to_string();
    assert_eq!(head.len(), 64, "{}", stdout(&out));
    let out = f.run(&["history", "verify", ".", "--anchor", &head[..16]]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("intact through the anchored record #4"), "{}", stdout(&out));
    assert_eq!(f.run(&["history", "verify", ".", "--anchor", "zz"]).status.code(), Some(2));

    let conn = rusqlite::Connection::open(f.db()).unwrap();
    conn.execute(
        "UPDATE runs SET record = replace(record, '\"state\":\"fail\"', '\"state\":\"pass\"') WHERE seq = 3",
        [],
    )
    .unwrap();
    let out = f.run(&["history", "verify", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("record #3: record #3 was altered"), "{}", stdout(&out));
    assert!(stderr(&out).contains("first at record #3"), "{}", stderr(&out));

    let f = Fixture::passing();
    for _ in 0..3 {
        f.verify(&[]);
    }
    rusqlite::Connection::open(f.db()).unwrap().execute("DELETE FROM runs WHERE seq = 2", []).unwrap();
    let out = f.run(&["history", "verify", "--db", ".riskpath/history.db"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("record #2 is missing"), "{}", stdout(&out));

    // Cutting the newest record off leaves an intact chain: only an anchor kept elsewhere shows it.
    let f = Fixture::passing();
    for _ in 0..3 {
        f.verify(&[]);
    }
    let head = f.run(&["history", "verify", "."]).stdout;
    let head = String::from_utf8_lossy(&head)
        .split("head ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_string();
    rusqlite::Connection::open(f.db()).unwrap().execute("DELETE FROM runs WHERE seq = 3", []).unwrap();
    assert_eq!(f.run(&["history", "verify", "."]).status.code(), Some(0));
    let out = f.run(&["history", "verify", ".", "--anchor", &head]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("does not contain the anchored record"), "{}", stderr(&out));
}

#[test]
fn concurrent_verify_processes_share_one_history() {
    let f = Fixture::passing();
    let db = f.path().join("shared.db");
    let spawn = || {
        Command::new(BIN)
            .args(["verify", ".", "--db", "shared.db", "--format", "json"])
            .args(SIM)
            .current_dir(f.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children: Vec<_> = (0..4).map(|_| spawn()).collect();
    let mut seqs: Vec<i64> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            doc["history"]["seq"].as_i64().unwrap()
        })
        .collect();
    seqs.sort();
    assert_eq!(seqs, [1, 2, 3, 4], "each run got its own record");
    assert!(db.is_file());
    let out = f.run(&["history", "verify", "--db", "shared.db"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("4 records"));
}

#[test]
fn a_looping_policy_is_stopped_and_reported() {
    let f = Fixture::passing();
    f.write(
        "checks/mfa.rego",
        "package main\n\ndeny contains msg if {\n  some i in numbers.range(1, 50000)\n  some j in numbers.range(1, 50000)\n  i == j + 50000\n  msg := \"never\"\n}\n",
    );
    let started = std::time::Instant::now();
    let (code, doc) = f.verify_json(&["--policy-timeout", "300"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(code, 1);
    assert_eq!(control(&doc, "mfa")["state"], "error");
    assert_eq!(control(&doc, "mfa")["messages"][0], "policy exceeded the 300 ms limit");
}

#[test]
fn a_memory_hungry_policy_is_stopped_and_reported() {
    let f = Fixture::passing();
    // 480 MB in one allocation: without the bound, the process would abort where memory is short.
    f.write(
        "checks/mfa.rego",
        "package main\n\ndeny contains msg if {\n  count(numbers.range(1, 20000000)) > 0\n  msg := \"never\"\n}\n",
    );
    let (code, doc) = f.verify_json(&["--max-policy-memory", "100000000"]);
    assert_eq!(code, 1);
    assert_eq!(control(&doc, "mfa")["state"], "error");
    assert_eq!(control(&doc, "mfa")["messages"][0], "policy exceeded the 95.4 MiB memory limit");
}

#[test]
fn malformed_rego_is_an_error_with_its_location() {
    let f = Fixture::passing();
    f.write("checks/waf.rego", "package main\n\ndeny contains msg if {\n  msg := input[\n}\n");
    let out = f.verify(&[]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("✗ waf") && text.contains("- checks/waf.rego:4:7: expecting"), "{text}");
}

#[test]
fn the_acme_example_has_passing_failing_and_stale_controls() {
    let acme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme");
    let db = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["verify", acme.to_str().unwrap(), "--format", "json", "--db"])
        .arg(db.path().join("h.db"))
        .args(SIM)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(control(&doc, "branch-protection")["state"], "fail");
    assert_eq!(control(&doc, "backup-vault-lock")["state"], "stale");
    for id in [
        "edr",
        "phr-mfa-eng",
        "waf",
        "imdsv2",
        "pod-security",
        "okta-threatinsight",
        "tailscale-posture",
        "oauth-app-allowlist",
        "cf-access-posture",
    ] {
        assert_eq!(control(&doc, id)["state"], "pass", "{id}: {}", control(&doc, id)["messages"]);
    }
    assert_eq!(doc["summary"]["error"], 0);
    assert!(control(&doc, "branch-protection")["ale_increase"].as_f64().unwrap() > 0.0);
}

/// What the history holds: the database file's bytes (hashed; a recorded run on a checkpointed
/// store changes them) and every record as `history --format json` lists it.
fn history_state(f: &Fixture) -> (u64, String) {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::fs::read(f.db()).unwrap().hash(&mut h);
    let listed = f.run(&["history", ".", "--format", "json"]);
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    (h.finish(), stdout(&listed))
}

#[test]
fn no_record_runs_the_checks_and_leaves_the_history_unchanged() {
    let f = Fixture::passing();
    // Without a history, --no-record creates none.
    let (code, doc) = f.verify_json(&["--no-record"]);
    assert_eq!(code, 0);
    assert_eq!(doc["summary"]["pass"], 2);
    assert!(doc.get("history").is_none(), "no run was recorded: {doc}");
    assert!(!f.path().join(".riskpath").exists(), "--no-record created the history");

    assert_eq!(f.verify(&[]).status.code(), Some(0));
    let before = history_state(&f);
    // A regression against the recorded run is still found, reported and gates CI.
    f.break_mfa();
    let out = f.verify(&["--no-record", "--fail-on", "regression"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("Regressions") && !stdout(&out).contains("recorded in"), "{}", stdout(&out));
    assert!(history_state(&f) == before, "--no-record wrote to the history");
    let out = f.run(&["history", "."]);
    assert!(stdout(&out).contains("(1 run)"), "{}", stdout(&out));
    // The next recorded run is #2: nothing was recorded in between.
    let (_, doc) = f.verify_json(&[]);
    assert_eq!(doc["history"]["seq"], 2);
}
