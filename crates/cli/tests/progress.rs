//! Progress on every command that can take seconds: on a terminal, a count of the work done on
//! stderr (what-ifs measured, trials simulated); when stderr is not a terminal, not a byte of it.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const FAST: [&str; 6] = ["--trials", "4000", "--seed", "7", "--decision-trials", "256"];

fn acme() -> String {
    format!("{ROOT}/examples/acme")
}

/// Every command that simulates, with small counts (the accepted risk judged on a day it holds).
fn commands(db: &str) -> Vec<Vec<String>> {
    let a = acme();
    let bundle = format!("{ROOT}/data/attack/enterprise-attack-v18.1-core.json.zst");
    let with_fast = |args: &[&str]| args.iter().chain(FAST.iter()).map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        with_fast(&["analyze", &a, "-k", "1", "--as-of", "2026-12-05"]),
        with_fast(&["chokepoints", &a]),
        with_fast(&["plan", &a, "--budget", "500k", "--exact-nodes", "10"]),
        with_fast(&["gaps", &a, "--attack", &bundle]),
        with_fast(&["report", &a, "--format", "md", "--as-of", "2026-12-05"]),
        with_fast(&["export", "sarif", &a]),
        ["incident", &a, "--compromised", "laptops-eng", "--trials", "4000"].map(String::from).to_vec(),
        ["verify", &a, "--no-record", "--db", db, "--trials", "4000", "--as-of", "2026-12-05"]
            .map(String::from)
            .to_vec(),
    ]
}

fn run(args: &[String]) -> Output {
    Command::new(BIN).args(args).env("NO_COLOR", "1").output().expect("run riskpath")
}

#[test]
fn nothing_on_stderr_when_it_is_not_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("h.db");
    for args in commands(db.to_str().unwrap()) {
        let out = run(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.stdout.is_empty(), "{args:?}: {stderr}");
        if args[0] == "verify" {
            // acme has failing controls: one line saying so, and nothing else.
            assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
            assert!(stderr.contains("do not hold"), "{stderr}");
        } else {
            assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
            assert!(stderr.is_empty(), "{args:?} wrote to a stderr that is not a terminal:\n{stderr}");
        }
    }
}

/// Runs riskpath with stderr on a pseudo-terminal (`script`) and stdout discarded; returns what
/// the terminal showed.
fn on_a_terminal(args: &[&str]) -> Option<String> {
    let script = ["/usr/bin/script", "/bin/script"].into_iter().find(|p| std::path::Path::new(p).exists())?;
    let line = std::iter::once(BIN).chain(args.iter().copied()).map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" ");
    let out = Command::new(script)
        .args(["-qec", &format!("{line} > /dev/null"), "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run script");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_terminal_sees_the_work_counted() {
    let a = acme();
    let shown = [
        (vec!["chokepoints", &a, "--trials", "4000", "--decision-trials", "2048"], "what-ifs measured"),
        (vec!["incident", &a, "--compromised", "laptops-eng", "--trials", "200000"], "trials simulated"),
        // Enough simulated attempts for a bar (20 million units of work); nothing recorded.
        (
            vec!["verify", &a, "--no-record", "--fail-on", "regression", "--trials", "2000", "--years", "2500000"],
            "pricing the controls",
        ),
    ];
    for (args, what) in shown {
        let Some(terminal) = on_a_terminal(&args) else {
            eprintln!("notice: no `script` to make a terminal; skipping");
            return;
        };
        assert!(terminal.contains(what), "{args:?} showed no progress on a terminal:\n{terminal:?}");
    }
}
