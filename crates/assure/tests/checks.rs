//! Control checks end to end on small models in temporary directories: every state, the Rego
//! conventions, hostile evidence and policies, and the pricing of failing controls.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use riskpath_assure::check::{CheckOptions, ControlResult, State, check_controls, verified_posture};
use riskpath_assure::{Limits, price};
use riskpath_engine::risk::RiskConfig;
use riskpath_model::{LoadOptions, Model};

const MODEL_HEAD: &str = "\
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
";

const PASSING_V1: &str = "package main\n\ndeny contains msg if {\n  some u in input.users\n  not u.mfa\n  msg := sprintf(\"user %s has no MFA\", [u.name])\n}\n";

/// A model directory with one control per `(id, check)` and the given extra files.
fn setup(controls: &[(&str, &str)], files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut model = String::from(MODEL_HEAD);
    for (id, check) in controls {
        model.push_str(&format!("  - id: {id}\n    mitigates: {{T1566: 0.8, T1190: 0.5}}\n"));
        if !check.is_empty() {
            model.push_str(&format!("    check: {check}\n"));
        }
    }
    std::fs::write(dir.path().join("model.yaml"), model).unwrap();
    for (path, content) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

fn load(dir: &Path) -> Model {
    match riskpath_model::load(dir, &LoadOptions::default()) {
        Ok(l) => l.model,
        Err(p) => panic!("{}", p.render_short()),
    }
}

fn run_with(dir: &Path, limits: Limits) -> Vec<ControlResult> {
    let model = load(dir);
    check_controls(&model, &CheckOptions { base: dir, now: SystemTime::now(), limits, sandbox: Default::default() })
}

fn run(dir: &Path) -> Vec<ControlResult> {
    run_with(dir, Limits { policy_timeout: Duration::from_millis(1500), ..Limits::default() })
}

fn only(dir: &Path) -> ControlResult {
    let mut r = run(dir);
    assert_eq!(r.len(), 1);
    r.pop().unwrap()
}

const CHECK: &str = "{policy: checks/p.rego, evidence: [evidence/e.json]}";

#[test]
fn passes_fails_and_reads_warnings() {
    let warn = "package main\n\ndeny contains msg if {\n  some u in input.users\n  not u.mfa\n  msg := sprintf(\"user %s has no MFA\", [u.name])\n}\n\nwarn contains \"2 users share a hardware key\" if { true }\n";
    let dir = setup(
        &[("mfa", CHECK)],
        &[("checks/p.rego", warn.as_bytes()), ("evidence/e.json", br#"{"users": [{"name": "a", "mfa": true}]}"#)],
    );
    let r = only(dir.path());
    assert_eq!(r.state, State::Pass, "{:?}", r.messages);
    assert_eq!(r.warnings, vec!["2 users share a hardware key"]);
    assert_eq!(r.evidence.len(), 1);
    assert_eq!(r.evidence[0].path, "evidence/e.json");
    assert_eq!(r.evidence[0].sha256.len(), 64);

    std::fs::write(dir.path().join("evidence/e.json"), br#"{"users": [{"name": "a", "mfa": true}, {"name": "bob"}]}"#)
        .unwrap();
    let r = only(dir.path());
    assert_eq!(r.state, State::Fail);
    assert_eq!(r.messages, vec!["user bob has no MFA"]);
}

#[test]
fn old_style_deny_rules_and_object_messages() {
    let v0 = "package main\n\ndeny[msg] {\n  u := input.users[_]\n  not u.mfa\n  msg := {\"msg\": sprintf(\"user %s has no MFA\", [u.name]), \"user\": u.name}\n}\n";
    let dir = setup(
        &[("mfa", CHECK)],
        &[("checks/p.rego", v0.as_bytes()), ("evidence/e.json", br#"{"users": [{"name": "eve"}]}"#)],
    );
    let r = only(dir.path());
    assert_eq!(r.state, State::Fail, "{:?}", r.messages);
    assert_eq!(r.messages, vec!["user eve has no MFA"]);
}

#[test]
fn custom_package_and_boolean_deny() {
    let policy = "package acme.backups\n\ndeny if { not input.object_lock }\n";
    let check = "{policy: checks/p.rego, evidence: [evidence/e.json], package: acme.backups}";
    let dir = setup(
        &[("backup", check)],
        &[("checks/p.rego", policy.as_bytes()), ("evidence/e.json", br#"{"object_lock": false}"#)],
    );
    let r = only(dir.path());
    assert_eq!(r.state, State::Fail, "{:?}", r.messages);
    assert_eq!(r.package.as_deref(), Some("acme.backups"));
}

#[test]
fn several_files_are_an_array_one_file_is_the_document() {
    let policy = "package main\n\ndeny contains msg if {\n  not is_array(input)\n  msg := \"expected an array\"\n}\n\ndeny contains msg if {\n  some doc in input\n  doc.mode != \"block\"\n  msg := sprintf(\"%s is in %s mode\", [doc.name, doc.mode])\n}\n";
    let check = "{policy: checks/p.rego, evidence: [evidence/waf-*.yaml]}";
    let dir = setup(
        &[("waf", check)],
        &[
            ("checks/p.rego", policy.as_bytes()),
            ("evidence/waf-a.yaml", b"name: edge\nmode: block\n"),
            ("evidence/waf-b.yaml", b"name: api\nmode: count\n"),
        ],
    );
    let r = only(dir.path());
    assert_eq!(r.state, State::Fail);
    assert_eq!(r.messages, vec!["api is in count mode"]);
    assert_eq!(
        r.evidence.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
        ["evidence/waf-a.yaml", "evidence/waf-b.yaml"]
    );

    std::fs::remove_file(dir.path().join("evidence/waf-b.yaml")).unwrap();
    let r = only(dir.path());
    assert_eq!(r.messages, vec!["expected an array"], "one file is passed as the document itself");
}

#[test]
fn stale_by_observed_at_and_by_mtime() {
    let check = "{policy: checks/p.rego, evidence: [evidence/e.json], max_age: 7d}";
    let old = br#"{"observed_at": "2020-01-01T00:00:00Z", "users": []}"#;
    let dir = setup(&[("mfa", check)], &[("checks/p.rego", PASSING_V1.as_bytes()), ("evidence/e.json", old)]);
    let r = only(dir.path());
    assert_eq!(r.state, State::Stale, "{:?}", r.messages);
    assert!(r.messages[0].contains("evidence/e.json is") && r.messages[0].contains("max_age 7d"), "{:?}", r.messages);
    assert_eq!(r.evidence[0].dated_by, "document");

    // Fresh by its own date, whatever the file time.
    let now = chrono_like_now();
    std::fs::write(dir.path().join("evidence/e.json"), format!(r#"{{"observed_at": "{now}", "users": []}}"#)).unwrap();
    assert_eq!(only(dir.path()).state, State::Pass);

    // No date in the document: the file's modification time counts.
    let path = dir.path().join("evidence/e.json");
    std::fs::write(&path, br#"{"users": []}"#).unwrap();
    assert_eq!(only(dir.path()).state, State::Pass);
    let f = std::fs::File::options().write(true).open(&path).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(8 * 86_400)).unwrap();
    drop(f);
    let r = only(dir.path());
    assert_eq!(r.state, State::Stale);
    assert_eq!(r.evidence[0].dated_by, "mtime");

    // A bad date is an error, not a silent pass.
    std::fs::write(&path, br#"{"observed_at": "last tuesday", "users": []}"#).unwrap();
    let r = only(dir.path());
    assert_eq!(r.state, State::Error);
    assert!(r.messages[0].contains("RFC 3339"), "{:?}", r.messages);
}

fn chrono_like_now() -> String {
    riskpath_assure::timestamp(SystemTime::now())
}

#[test]
fn unchecked_and_planned_controls() {
    let dir = setup(&[("dlp", "")], &[]);
    let r = only(dir.path());
    assert_eq!(r.state, State::Unchecked);
    let model = load(dir.path());
    assert_eq!(verified_posture(&model, &[r]).active, vec![true]);

    let dir = tempfile::tempdir().unwrap();
    let model = format!("{MODEL_HEAD}  - {{id: jit, mitigates: {{T1078: 0.5}}, status: planned, check: {CHECK}}}\n");
    std::fs::write(dir.path().join("model.yaml"), model).unwrap();
    let r = only(dir.path());
    assert_eq!(r.state, State::Planned);
}

#[test]
fn missing_evidence_and_missing_policy_are_errors() {
    let dir = setup(&[("mfa", CHECK)], &[("checks/p.rego", PASSING_V1.as_bytes())]);
    let r = only(dir.path());
    assert_eq!(r.state, State::Error);
    assert_eq!(r.messages, vec!["missing evidence: no file matches `evidence/e.json`"]);

    let dir = setup(&[("mfa", CHECK)], &[("evidence/e.json", b"{}")]);
    let r = only(dir.path());
    assert_eq!(r.state, State::Error);
    assert!(r.messages[0].contains("policy checks/p.rego not found"), "{:?}", r.messages);
}

#[test]
fn evidence_and_policies_must_stay_in_the_model_directory() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.json"), b"{}").unwrap();
    let check = "{policy: checks/p.rego, evidence: [../secret.json]}";
    let dir = setup(&[("mfa", check)], &[("checks/p.rego", PASSING_V1.as_bytes())]);
    let r = only(dir.path());
    assert_eq!(r.state, State::Error);
    assert!(r.messages[0].contains("inside the model directory"), "{:?}", r.messages);

    #[cfg(unix)]
    {
        let dir = setup(&[("mfa", CHECK)], &[("checks/p.rego", PASSING_V1.as_bytes())]);
        std::fs::create_dir_all(dir.path().join("evidence")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.json"), dir.path().join("evidence/e.json")).unwrap();
        let r = only(dir.path());
        assert_eq!(r.state, State::Error);
        assert!(r.messages[0].contains("outside the model directory"), "{:?}", r.messages);
    }
}

#[test]
fn hostile_evidence_is_refused_quickly() {
    let dir = setup(&[("mfa", CHECK)], &[("checks/p.rego", PASSING_V1.as_bytes()), ("evidence/e.json", b"{}")]);
    let path = dir.path().join("evidence/e.json");
    let started = Instant::now();

    // Huge: a 4 GiB sparse file is refused after reading just past the limit.
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(4 << 30).unwrap();
    drop(f);
    let r = only(dir.path());
    assert_eq!(r.state, State::Error);
    assert!(r.messages[0].contains("larger than the 16777216-byte evidence limit"), "{:?}", r.messages);

    // Deeply nested JSON.
    std::fs::write(&path, "[".repeat(100_000) + &"]".repeat(100_000)).unwrap();
    let r = only(dir.path());
    assert_eq!(r.state, State::Error);
    assert!(r.messages[0].contains("not valid JSON") && r.messages[0].contains("recursion limit"), "{:?}", r.messages);

    // Not UTF-8.
    std::fs::write(&path, b"{\"users\": [\"\xff\xfe\"]}").unwrap();
    let r = only(dir.path());
    assert_eq!(r.state, State::Error);
    assert!(r.messages[0].contains("not UTF-8 text (invalid byte at offset 12)"), "{:?}", r.messages);

    // Invalid JSON.
    std::fs::write(&path, b"{\"users\": [").unwrap();
    let r = only(dir.path());
    assert!(r.state == State::Error && r.messages[0].contains("line 1"), "{:?}", r.messages);

    // Deeply nested YAML and a YAML alias bomb.
    let check = "{policy: checks/p.rego, evidence: [evidence/e.yaml]}";
    let deep = setup(
        &[("mfa", check)],
        &[
            ("checks/p.rego", PASSING_V1.as_bytes()),
            ("evidence/e.yaml", ("[".repeat(10_000) + &"]".repeat(10_000)).as_bytes()),
        ],
    );
    let r = only(deep.path());
    assert_eq!(r.state, State::Error);
    assert!(r.messages[0].contains("not valid YAML"), "{:?}", r.messages);
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 0..12 {
        let prev = if i == 0 { "a".to_string() } else { format!("l{}", i - 1) };
        bomb.push_str(&format!(
            "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        ));
    }
    std::fs::write(deep.path().join("evidence/e.yaml"), bomb).unwrap();
    let r = only(deep.path());
    assert_eq!(r.state, State::Error, "{:?}", r.messages);

    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

#[test]
fn malformed_rego_names_file_line_and_column() {
    let bad = "package main\n\ndeny contains msg if {\n  x := \n}\n";
    let dir = setup(&[("mfa", CHECK)], &[("checks/p.rego", bad.as_bytes()), ("evidence/e.json", b"{}")]);
    let r = only(dir.path());
    assert_eq!(r.state, State::Error);
    assert!(r.messages[0].starts_with("checks/p.rego:4:5: "), "{:?}", r.messages);

    // A v0 policy with a mistake is reported in v0 terms, at the mistake.
    let bad_v0 = "package main\n\ndeny[msg] {\n  input.x ==\n}\n";
    std::fs::write(dir.path().join("checks/p.rego"), bad_v0).unwrap();
    let r = only(dir.path());
    assert_eq!(r.state, State::Error);
    let place: Vec<&str> = r.messages[0].splitn(4, ':').collect();
    assert_eq!(place[0], "checks/p.rego", "{:?}", r.messages);
    assert!(place[1].parse::<u32>().is_ok() && place[2].parse::<u32>().is_ok(), "line and column: {:?}", r.messages);
}

#[test]
fn wrong_package_or_no_deny_rule_is_an_error_not_a_pass() {
    let dir = setup(
        &[("mfa", CHECK)],
        &[("checks/p.rego", b"package other\n\ndeny contains \"x\" if { false }\n"), ("evidence/e.json", b"{}")],
    );
    let r = only(dir.path());
    assert_eq!(r.state, State::Error);
    assert!(r.messages[0].contains("no `package main`") && r.messages[0].contains("other"), "{:?}", r.messages);

    std::fs::write(dir.path().join("checks/p.rego"), "package main\n\nviolation contains \"x\" if { true }\n").unwrap();
    let r = only(dir.path());
    assert_eq!(r.state, State::Error);
    assert!(r.messages[0].contains("no `deny` rule"), "{:?}", r.messages);
}

#[test]
fn no_network_no_environment() {
    let http = "package main\n\ndeny contains msg if {\n  r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:9/\"})\n  msg := \"sent\"\n}\n";
    let dir = setup(&[("mfa", CHECK)], &[("checks/p.rego", http.as_bytes()), ("evidence/e.json", b"{}")]);
    let r = only(dir.path());
    assert_eq!(r.state, State::Error);
    assert!(r.messages[0].contains("http.send"), "{:?}", r.messages);

    let env = "package main\n\ndeny contains msg if {\n  r := opa.runtime()\n  msg := sprintf(\"%v\", [r.env])\n}\n";
    std::fs::write(dir.path().join("checks/p.rego"), env).unwrap();
    let r = only(dir.path());
    assert_eq!(r.state, State::Error);
    assert!(r.messages[0].contains("opa.runtime"), "{:?}", r.messages);
}

#[test]
fn expensive_policies_are_stopped_by_the_bound() {
    let expensive = "package main\n\ndeny contains msg if {\n  some i in numbers.range(1, 20000)\n  some j in numbers.range(1, 20000)\n  i * j == -1\n  msg := \"never\"\n}\n";
    let dir = setup(&[("mfa", CHECK)], &[("checks/p.rego", expensive.as_bytes()), ("evidence/e.json", b"{}")]);
    let started = Instant::now();
    let r =
        run_with(dir.path(), Limits { policy_timeout: Duration::from_millis(200), ..Limits::default() }).pop().unwrap();
    let took = started.elapsed();
    assert_eq!(r.state, State::Error);
    assert_eq!(r.messages, vec!["policy exceeded the 200 ms limit"]);
    assert!(took < Duration::from_secs(2), "stopped after {took:?}");
}

#[test]
fn memory_hungry_policies_are_stopped_by_the_bound() {
    // One allocation of 480 MB, and memory that grows 24 kB at a time (each about 500 MB
    // unbounded: if the bound failed, these would fail the test, not exhaust the machine).
    let at_once =
        "package main\n\ndeny contains msg if {\n  count(numbers.range(1, 20000000)) > 0\n  msg := \"never\"\n}\n";
    let growing = "package main\n\nbig := [numbers.range(1, 1000) | some i in numbers.range(1, 20000)]\n\n\
                   deny contains msg if {\n  count(big) < 0\n  msg := \"never\"\n}\n";
    let limits = Limits { policy_timeout: Duration::from_secs(30), max_policy_memory: 128 << 20, ..Limits::default() };
    for policy in [at_once, growing] {
        let dir = setup(&[("mfa", CHECK)], &[("checks/p.rego", policy.as_bytes()), ("evidence/e.json", b"{}")]);
        let r = run_with(dir.path(), limits).pop().unwrap();
        assert_eq!(r.state, State::Error, "{policy}");
        assert_eq!(r.messages, vec!["policy exceeded the 128 MiB memory limit"], "{policy}");
    }
    // The same bound leaves an ordinary policy alone.
    let dir =
        setup(&[("mfa", CHECK)], &[("checks/p.rego", PASSING_V1.as_bytes()), ("evidence/e.json", br#"{"users": []}"#)]);
    assert_eq!(run_with(dir.path(), limits).pop().unwrap().state, State::Pass);
}

#[test]
fn failing_controls_count_as_absent_and_are_priced() {
    let dir = setup(
        &[("mfa", CHECK), ("waf", "{policy: checks/p.rego, evidence: [evidence/missing.json]}"), ("dlp", "")],
        &[("checks/p.rego", PASSING_V1.as_bytes()), ("evidence/e.json", br#"{"users": [{"name": "x"}]}"#)],
    );
    let model = load(dir.path());
    let results = check_controls(
        &model,
        &CheckOptions {
            base: dir.path(),
            now: SystemTime::now(),
            limits: Limits::default(),
            sandbox: Default::default(),
        },
    );
    let states: Vec<State> = results.iter().map(|r| r.state).collect();
    assert_eq!(states, [State::Fail, State::Error, State::Unchecked]);
    assert_eq!(verified_posture(&model, &results).active, vec![false, false, true]);

    let config = RiskConfig { trials: 4_000, years: 4_000, seed: 7 };
    let impact = price(&model, &results, config);
    assert_eq!(impact.per_control.len(), 2);
    for (_, inc) in &impact.per_control {
        assert!(*inc > 0.0, "a failing control that mitigates a used technique costs money");
    }
    assert!(impact.total_increase() >= impact.per_control.iter().map(|x| x.1).fold(0.0, f64::max));
    // Common random numbers: the same inputs give the same numbers.
    assert_eq!(price(&model, &results, config), impact);
}

#[test]
fn evidence_of_one_check_is_bounded_in_total() {
    let check = "{policy: checks/p.rego, evidence: [\"evidence/*.json\"]}";
    let dir = setup(&[("mfa", check)], &[("checks/p.rego", PASSING_V1.as_bytes())]);
    std::fs::create_dir_all(dir.path().join("evidence")).unwrap();
    for i in 0..3 {
        std::fs::write(
            dir.path().join(format!("evidence/{i}.json")),
            format!("{{\"users\": [], \"pad\": \"{}\"}}", "x".repeat(600)),
        )
        .unwrap();
    }
    let limits = Limits { max_evidence_total_bytes: 1_000, ..Limits::default() };
    let r = run_with(dir.path(), limits).pop().unwrap();
    assert_eq!(r.state, State::Error);
    assert!(r.messages[0].contains("more than the 1000-byte limit for one check"), "{:?}", r.messages);
    let r = run_with(dir.path(), Limits { max_evidence_files: 2, ..Limits::default() }).pop().unwrap();
    assert_eq!(r.state, State::Error);
    assert!(r.messages[0].contains("match more than 2 files"), "{:?}", r.messages);
}
