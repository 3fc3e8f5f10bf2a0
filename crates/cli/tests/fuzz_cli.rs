//! The commands, not only the loader, on mutated models: whatever the model says, every command
//! ends within its time with exit 0, 1 or 2, never a panic, and never echoes a raw control character.
//!
//! Mutations of a valid model (lines deleted, duplicated, swapped; numbers made huge, negative,
//! NaN or infinite; ids pointed elsewhere; YAML punctuation and terminal escapes inserted), with a
//! fixed seed; `RISKPATH_FUZZ_CASES` sets how many (default 80: a few seconds).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

/// A valid model touching AND conditions, alternatives, campaigns, controls, initiatives and costs.
const VALID: &str = "settings: {currency: USD, respond: 0.5, day_rate: 800, tolerance: 5e6}
entry_points:
  - {id: internet, kind: internet}
  - {id: phishing, kind: email, name: Phishing}
nodes:
  - {id: web, kind: service, zone: dmz, tags: [internet-facing]}
  - {id: staff, kind: identity, tags: [employee]}
  - {id: admin, kind: identity}
  - {id: key, kind: secret}
  - {id: files, kind: bucket, crown_jewel: true, loss: {confidentiality: {low: 2e6, high: 4e7}}}
  - {id: db, kind: datastore, crown_jewel: true, loss: {integrity: 3e6}}
edges:
  - {from: internet, to: web, kind: exploits, fix_cost: 3}
  - {from: phishing, to: staff, kind: phishes}
  - {id: web-key, from: web, to: key, kind: steals_credential, p: 0.4}
  - {from: staff, to: admin, kind: member_of, removable: false}
  - {from: staff, to: files, kind: reads, requires: [key], p: {low: 0.1, high: 0.3}}
  - {from: admin, to: db, kind: reads_database, requires_any: [[key], [web]], fix_cost: 20000}
  - {from: web, to: db, kind: reads_database, p: 0.05}
controls:
  - id: mfa
    mitigates: {T1566: 0.9, T1078: {low: 0.6, high: 0.9}}
    detects: {T1078: 0.3}
    scope: [tag:employee, staff]
    cost: {once: 12000, yearly: 4000}
  - id: waf
    status: planned
    mitigates: {T1190: 0.5}
    scope: [web]
actors:
  - {id: crime, frequency: {low: 2, high: 12}, entry: [internet, phishing], skill: medium}
  - {id: apt, frequency: 0.5, entry: [phishing], skill: high, targets: [db]}
initiatives:
  - {id: harden, deploys: [waf], removes: [web-key], cost: {once: 30000, yearly: 2000}, duration: 1q}
";

/// Values that stress typed readers and the numbers behind them.
const VALUES: &[&str] = &[
    "1e300",
    "-1",
    "-0.0",
    "NaN",
    ".nan",
    ".inf",
    "-.inf",
    "0",
    "1e-300",
    "18446744073709551616",
    "\"\"",
    "null",
    "[]",
    "{}",
    "web",
    "files",
    "crime",
    "\"\\e]0;PWNED\\a\\e[2J\"",
    "\"x\\u0007y\"",
    "&a 1",
    "*a",
    "T1078.004",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    /// Replace the `n`th scalar after a `: ` on a line with a value from [`VALUES`].
    Value(usize, usize),
    /// Insert a token at a byte position of a line.
    Insert(usize, usize, usize),
}

const TOKENS: &[&str] = &["{", "}", "[", "]", ": ", "- ", ",", "\t", "#", "'", "\"", "&x ", "*x", "\u{1b}[2J", "\r"];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => (0usize..64).prop_map(Mutation::Delete),
        1 => (0usize..64).prop_map(Mutation::Duplicate),
        1 => (0usize..64, 0usize..64).prop_map(|(a, b)| Mutation::Swap(a, b)),
        4 => (0usize..64, 0..VALUES.len()).prop_map(|(l, v)| Mutation::Value(l, v)),
        2 => (0usize..64, 0usize..80, 0..TOKENS.len()).prop_map(|(l, at, t)| Mutation::Insert(l, at, t)),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for m in mutations {
        let n = lines.len().max(1);
        match *m {
            Mutation::Delete(l) if !lines.is_empty() => {
                lines.remove(l % n);
            }
            Mutation::Duplicate(l) if !lines.is_empty() => {
                let line = lines[l % n].clone();
                lines.insert(l % n, line);
            }
            Mutation::Swap(a, b) if !lines.is_empty() => lines.swap(a % n, b % n),
            Mutation::Value(l, v) if !lines.is_empty() => {
                let line = &mut lines[l % n];
                if let Some(i) = line.rfind(": ") {
                    let end = line[i + 2..].find([',', '}', ']']).map_or(line.len(), |j| i + 2 + j);
                    line.replace_range(i + 2..end, VALUES[v]);
                }
            }
            Mutation::Insert(l, at, t) if !lines.is_empty() => {
                let line = &mut lines[l % n];
                let mut at = at.min(line.len());
                while !line.is_char_boundary(at) {
                    at -= 1;
                }
                line.insert_str(at, TOKENS[t]);
            }
            _ => {}
        }
    }
    lines.join("\n") + "\n"
}

/// Runs riskpath with `args` in `dir`; its exit code and output, or an error when it outlives
/// `limit` (then killed).
fn run(dir: &Path, args: &[&str], limit: Duration) -> Result<(Option<i32>, String, String), String> {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("riskpath {args:?} still running after {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let (out, err) = (reader.join().unwrap(), err_reader.join().unwrap());
    Ok((status.code(), String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned()))
}

/// Control characters a terminal acts on (everything below 0x20 but tab and newline, and DEL).
fn raw_control(text: &str) -> Option<char> {
    text.chars().find(|&c| (c < ' ' && c != '\n' && c != '\t') || c == '\u{7f}')
}

const COMMANDS: &[&[&str]] = &[
    &["validate", "m"],
    &["analyze", "m", "--trials", "300", "--years", "300", "--decision-trials", "64"],
    &["chokepoints", "m", "--trials", "300", "--years", "300", "--decision-trials", "64", "--top", "3"],
    &["plan", "m", "--budget", "100000", "--trials", "300", "--years", "300", "--decision-trials", "64"],
    &["incident", "m", "--compromised", "web", "--trials", "300"],
];

#[test]
fn every_command_ends_cleanly_on_mutated_models() {
    // The unmutated model passes every command: the fuzz starts from working ground.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("m")).unwrap();
    std::fs::write(dir.path().join("m/model.yaml"), VALID).unwrap();
    for args in COMMANDS {
        let (code, _, err) = run(dir.path(), args, Duration::from_secs(60)).unwrap();
        assert_eq!(code, Some(0), "riskpath {args:?} on the valid model: {err}");
    }
    let cases = std::env::var("RISKPATH_FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(80);
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[25; 32]));
    let (failing, passing) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
    runner
        .run(&proptest::collection::vec(mutation(), 1..3), |mutations| {
            let text = apply(VALID, &mutations);
            std::fs::write(dir.path().join("m/model.yaml"), &text).unwrap();
            for args in COMMANDS {
                let (code, out, err) = run(dir.path(), args, Duration::from_secs(60))
                    .map_err(|e| TestCaseError::fail(format!("{e}\n--- model:\n{text}")))?;
                prop_assert!(
                    matches!(code, Some(0..=2)),
                    "riskpath {:?} exited {:?}:\n{}\n--- model:\n{}",
                    args,
                    code,
                    err,
                    text
                );
                prop_assert!(!err.contains("panicked"), "riskpath {:?} panicked:\n{}\n--- model:\n{}", args, err, text);
                for (name, stream) in [("stdout", &out), ("stderr", &err)] {
                    if let Some(c) = raw_control(stream) {
                        prop_assert!(false, "riskpath {:?} wrote {:?} raw to {}\n--- model:\n{}", args, c, name, text);
                    }
                }
                let count = if code == Some(0) { &passing } else { &failing };
                count.set(count.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    // The mutations must reach both the error paths and the computations on odd but valid models.
    let (failing, passing) = (failing.get(), passing.get());
    assert!(
        failing >= cases / 2 && passing >= cases / 2,
        "{failing} runs failed, {passing} passed over {cases} models"
    );
}
