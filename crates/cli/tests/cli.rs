//! The command line end to end on the starter model: init, validate, analyze (the JSON contract
//! of DESIGN.md "Machine output", determinism by seed), kb, explain, help.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

fn riskpath(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("NO_COLOR", "1").output().expect("run riskpath")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ok(args: &[&str]) -> Output {
    let out = riskpath(args);
    assert_eq!(out.status.code(), Some(0), "riskpath {args:?} failed:\n{}", stderr(&out));
    out
}

/// A fresh starter model from `riskpath init`, in its own temp dir.
fn starter() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    ok(&["init", dir.to_str().unwrap()]);
    (tmp, dir)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `analyze --format json` with a small, fast simulation.
fn analyze_json(dir: &Path, seed: &str) -> (String, Value) {
    let out = ok(&["analyze", s(dir), "--format", "json", "--trials", "20000", "--years", "20000", "--seed", seed]);
    let text = stdout(&out);
    let doc = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"));
    (text, doc)
}

#[test]
fn init_then_validate_and_analyze() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("new/model");
    let out = ok(&["init", s(&dir)]);
    assert!(dir.join("model.yaml").is_file());
    assert!(stdout(&out).contains("riskpath analyze"), "init says what to do next: {}", stdout(&out));

    let out = ok(&["validate", s(&dir)]);
    assert!(
        stdout(&out).starts_with("ok: 4 nodes, 2 entry points, 6 edges, 2 controls, 1 actor, 1 initiative in 1 file"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).is_empty(), "the starter model has no warnings:\n{}", stderr(&out));

    let out = ok(&["analyze", s(&dir), "--trials", "5000", "--years", "5000"]);
    let text = stdout(&out);
    assert!(text.contains("files-bucket"), "{text}");
    assert!(text.contains("crime"), "{text}");
}

#[test]
fn init_refuses_to_overwrite() {
    let (_tmp, dir) = starter();
    let file = dir.join("model.yaml");
    std::fs::write(&file, "# my own work\n").unwrap();
    let out = riskpath(&["init", s(&dir)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("exists; not overwriting it"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "# my own work\n");
}

#[test]
fn help_mentions_dir() {
    let out = ok(&["--help"]);
    assert!(stdout(&out).contains("DIR"), "{}", stdout(&out));
    for command in ["analyze", "validate", "init"] {
        let out = ok(&[command, "--help"]);
        let text = stdout(&out);
        assert!(text.contains("<DIR>"), "riskpath {command} --help:\n{text}");
    }
    let out = ok(&["analyze", "--help"]);
    for flag in ["--format", "--output", "--seed", "--trials", "--max-file-size"] {
        assert!(stdout(&out).contains(flag), "analyze --help lacks {flag}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let out = riskpath(&["analyze"]);
    assert_eq!(out.status.code(), Some(2));
    let out = riskpath(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
    let (_tmp, dir) = starter();
    let out = riskpath(&["analyze", s(&dir), "--trials", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn kb_json_lists_the_edge_kinds() {
    let out = ok(&["kb", "--format", "json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("kb --format json is JSON");
    assert_eq!(doc["schema_version"], 1);
    let kinds = doc["edge_kinds"].as_array().expect("edge_kinds is a list");
    assert!(kinds.len() >= 25, "only {} edge kinds", kinds.len());
    for k in kinds {
        assert!(k["name"].is_string() && k["technique"].as_str().is_some_and(|t| t.starts_with('T')), "{k}");
        let base = k["base"].as_array().expect("base per skill");
        assert_eq!(base.len(), 3);
        assert!(base.iter().all(|p| p.as_f64().is_some_and(|p| (0.0..=1.0).contains(&p))), "{k}");
    }
    for name in ["exploits", "phishes", "steals_credential", "reads"] {
        assert!(kinds.iter().any(|k| k["name"] == name), "no edge kind {name}");
    }
    assert!(doc["techniques"].as_array().is_some_and(|t| !t.is_empty()));
}

#[test]
fn explain_edge_shows_base_and_control_factor() {
    let (_tmp, dir) = starter();
    let out = ok(&["explain", "edge", s(&dir), "phishing", "staff"]);
    let text = stdout(&out);
    assert!(text.contains("phishing → staff"), "{text}");
    assert!(text.contains("T1566"), "the technique is shown:\n{text}");
    // Base probabilities of `phishes` per skill, then fido2's prevent factor (1 − 0.9).
    let base = text.lines().find(|l| l.starts_with("base")).unwrap_or_else(|| panic!("no base line:\n{text}"));
    assert!(base.contains("0.2500"), "medium-skill base of phishes:\n{text}");
    let fido2 = text.lines().find(|l| l.contains("fido2")).unwrap_or_else(|| panic!("no fido2 line:\n{text}"));
    assert!(fido2.contains("0.1000") && fido2.contains("prevent 0.900"), "{fido2}");
    let result = text.lines().find(|l| l.starts_with("= p")).unwrap_or_else(|| panic!("no result:\n{text}"));
    assert!(result.contains("0.0250"), "0.25 × 0.1 for medium skill:\n{text}");
}

#[test]
fn explain_edge_with_a_misspelt_id_suggests_the_right_one() {
    let (_tmp, dir) = starter();
    let out = riskpath(&["explain", "edge", s(&dir), "phishing", "staf"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("no edge from `phishing` to `staf`"), "{err}");
    assert!(err.contains("did you mean `staff`?"), "{err}");
    let out = riskpath(&["explain", "edge", s(&dir), "phising", "staff"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did you mean `phishing`?"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

/// DESIGN.md "Machine output": the fields and their meaning.
#[test]
fn analyze_json_follows_the_contract() {
    let (_tmp, dir) = starter();
    let (_, doc) = analyze_json(&dir, "7");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["seed"], 7);
    assert_eq!(doc["trials"], 20000);
    assert_eq!(doc["currency"], "USD");

    let risk = &doc["risk"];
    let ale = risk["ale"].as_f64().expect("risk.ale is a number");
    assert!(ale >= 0.0 && ale.is_finite());
    let q: Vec<f64> = ["p50", "p90", "p95", "p99"].iter().map(|k| risk[k].as_f64().unwrap()).collect();
    assert!(q.windows(2).all(|w| w[0] <= w[1]), "quantiles not increasing: {q:?}");
    let lec = risk["lec"].as_array().expect("risk.lec is a list");
    assert!(!lec.is_empty());
    for pair in lec.windows(2) {
        assert!(pair[0]["loss"].as_f64() < pair[1]["loss"].as_f64(), "lec losses increase");
        assert!(pair[0]["probability"].as_f64() >= pair[1]["probability"].as_f64(), "lec is an exceedance curve");
    }

    let scenarios = doc["scenarios"].as_array().expect("scenarios is a list");
    assert!(!scenarios.is_empty());
    for sc in scenarios {
        assert!(sc["actor"].is_string() && sc["target"].is_string(), "{sc}");
        let p = sc["probability"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "{sc}");
        assert!(sc["std_error"].as_f64().is_some_and(|e| e >= 0.0), "{sc}");
    }
    assert!(scenarios.iter().any(|sc| sc["actor"] == "crime" && sc["target"] == "files-bucket"));

    let targets = doc["targets"].as_array().expect("targets is a list");
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0]["id"], "files-bucket");
    let share = targets[0]["ale"].as_f64().unwrap();
    assert!((share - ale).abs() <= 1e-6 * ale.max(1.0), "one jewel carries the whole ALE: {share} vs {ale}");

    let paths = doc["paths"].as_array().expect("paths is a list");
    assert!(!paths.is_empty());
    for p in paths {
        let nodes: Vec<&str> = p["nodes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        let techniques = p["techniques"].as_array().unwrap();
        assert_eq!(techniques.len() + 1, nodes.len(), "one technique per step: {p}");
        assert!(["internet", "phishing"].contains(&nodes[0]), "a path starts at an entry point: {p}");
        assert_eq!(*nodes.last().unwrap(), p["target"].as_str().unwrap());
        assert!((0.0..=1.0).contains(&p["probability"].as_f64().unwrap()));
        assert!(p["actor"].is_string());
    }
}

#[test]
fn analyze_json_is_deterministic_by_seed() {
    let (_tmp, dir) = starter();
    let (a, doc_a) = analyze_json(&dir, "11");
    let (b, _) = analyze_json(&dir, "11");
    assert_eq!(a, b, "the same seed must give byte-identical JSON");
    let (_, doc_c) = analyze_json(&dir, "12");
    assert_ne!(doc_a["risk"]["ale"], doc_c["risk"]["ale"], "a different seed must give a different sample");
    assert_eq!(doc_c["seed"], 12);
}

#[test]
fn analyze_writes_the_output_file_atomically() {
    let (tmp, dir) = starter();
    let out_json = tmp.path().join("out.json");
    std::fs::write(&out_json, "old").unwrap();
    let out = ok(&["analyze", s(&dir), "--format", "json", "--trials", "2000", "--years", "2000", "-o", s(&out_json)]);
    assert!(out.stdout.is_empty(), "with -o nothing goes to stdout");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&out_json).unwrap()).unwrap();
    assert_eq!(doc["schema_version"], 1);
    // Only the model dir and out.json: no temp file left behind.
    let mut names: Vec<String> =
        std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["model", "out.json"]);
}

/// "The same seed gives the same numbers, whatever the thread count."
#[test]
fn analyze_json_does_not_depend_on_the_thread_count() {
    let (_tmp, dir) = starter();
    let run = |threads: &str| {
        let out = Command::new(BIN)
            .args(["analyze", s(&dir), "--format", "json", "--trials", "30000", "--years", "30000", "--seed", "5"])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("3"), "1 thread and 3 threads disagree");
    assert_eq!(one, run("8"), "1 thread and 8 threads disagree");
}

#[test]
fn decision_trials_are_used_as_given_not_capped_by_trials() {
    let (_tmp, dir) = starter();
    let out = ok(&[
        "plan",
        s(&dir),
        "--budget",
        "1000000",
        "--format",
        "json",
        "--trials",
        "100",
        "--decision-trials",
        "3000",
    ]);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["trials"], 3000, "what-ifs ran with --decision-trials, not min(--trials, it)");
    let out = riskpath(&["plan", s(&dir), "--budget", "1000000", "--decision-trials", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--decision-trials must be between 1 and 1e9"), "{}", stderr(&out));
}

#[test]
fn budgets_read_the_way_people_write_them() {
    let (_tmp, dir) = starter();
    let plan = |budget: &str| {
        riskpath(&["plan", s(&dir), "--budget", budget, "--format", "json", "--trials", "500", "--years", "500"])
    };
    let plain = plan("1500000");
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    let doc: Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert_eq!(doc["plan"]["budget_per_year"], 1_500_000.0);
    for spelling in ["1.5M", "$1,500,000", "1500k"] {
        assert_eq!(plan(spelling).stdout, plain.stdout, "--budget {spelling} is not 1500000");
    }
    let bad = plan("1.5Q");
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
    assert!(stderr(&bad).contains("unknown scale 'Q'"), "{}", stderr(&bad));
}

#[test]
fn validate_warns_about_expired_acceptances_as_of_a_day() {
    let (_tmp, dir) = starter();
    let model = std::fs::read_to_string(dir.join("model.yaml")).unwrap();
    let edge = model
        .lines()
        .find_map(|l| l.split("id: ").nth(1).filter(|_| l.contains("from:")))
        .map(|r| r.split([',', '}']).next().unwrap().trim().to_string());
    let scope = match edge {
        Some(id) => format!("{{edge: {id}}}"),
        None => "{class: technique:T1078}".into(),
    };
    let accepted = format!(
        "accepted_risks:\n  - {{id: legacy, scope: {scope}, owner: CISO, expires: 2026-06-30, justification: replaced soon}}\n"
    );
    std::fs::write(dir.join("accepted.yaml"), accepted).unwrap();
    let before = ok(&["validate", s(&dir), "--as-of", "2026-06-30"]);
    assert!(!stderr(&before).contains("expired"), "{}", stderr(&before));
    let after = ok(&["validate", s(&dir), "--as-of", "2026-07-01", "--format", "short"]);
    let warning = "accepted risk `legacy` (owner CISO) expired on 2026-06-30 (as of 2026-07-01)";
    assert!(stderr(&after).contains(warning) && stderr(&after).contains("accepted.yaml:2:"), "{}", stderr(&after));
    let bad = riskpath(&["validate", s(&dir), "--as-of", "2026-13-01"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("not a calendar day"), "{}", stderr(&bad));
}
