//! Model text an attacker controls reaches terminals and documents inert (issue 25): `validate`
//! echoed `\e]0;PWNED\a\e[2J` raw (terminal title set, screen cleared) even with `NO_COLOR`, as did
//! `analyze`, `chokepoints`, `verify` and `incident`; `incident --format md` let `</title><svg …>`
//! and newline-injected headings through; a problem past column 65,535 of a minified JSON model
//! panicked (exit 101) in every command that prints a warning.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

/// Terminal control: the escapes a hostile id carries (OSC title, clear screen, BEL, CSI as C1).
const EVIL: &str = "\\e]0;PWNED\\a\\e[2J\\u009b31m";
/// Markup and a forged heading.
const MARKUP: &str = "</title><svg onload=alert(1)>\\n# Injected heading\\n- [x](javascript:alert(1))";

fn model(dir: &Path) {
    let text = format!(
        "settings: {{trials: 400, seed: 1}}
entry_points: [{{id: internet, kind: internet}}]
nodes:
  - {{id: \"web{EVIL}\", kind: service, name: \"{MARKUP}\", description: \"{EVIL} {MARKUP}\"}}
  - {{id: files, kind: datastore, crown_jewel: true, loss: {{confidentiality: {{low: 1e6, high: 1e7}}}}}}
edges:
  - {{from: internet, to: \"web{EVIL}\", kind: exploits, relation: \"{MARKUP}\"}}
  - {{from: \"web{EVIL}\", to: files, kind: reads, remediation: \"{EVIL}{MARKUP}\"}}
actors:
  - {{id: \"crime{EVIL}\", frequency: {{low: 2, high: 10}}, entry: [internet], skill: medium}}
controls:
  - {{id: \"waf{EVIL}\", mitigates: {{T1190: 0.5}}, check: {{policy: checks/p.rego, evidence: [\"evidence/*.json\"]}}}}
"
    );
    std::fs::write(dir.join("model.yaml"), text).unwrap();
    std::fs::create_dir_all(dir.join("checks")).unwrap();
    std::fs::write(
        dir.join("checks/p.rego"),
        "package main\ndeny contains sprintf(\"bad %s\", [\"\\u001b]0;POLICY\\u0007\\u001b[2J\"]) if { true }\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("evidence")).unwrap();
    std::fs::write(dir.join("evidence/e\u{1b}]0;FILE\u{7}.json"), "{}").unwrap();
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(dir).env("NO_COLOR", "1").output().unwrap()
}

/// No byte a terminal acts on: ESC, BEL, CSI (C1, as UTF-8), bidirectional overrides.
fn assert_inert(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let bad = text.chars().find(|&c| riskpath_model::escape::is_unsafe(c) && !matches!(c, '\n' | '\t'));
    assert!(bad.is_none(), "{what}: {bad:?} reached the output:\n{text}");
}

#[test]
fn terminal_output_shows_control_characters_as_escapes() {
    let tmp = tempfile::tempdir().unwrap();
    model(tmp.path());
    let web = "web\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{9b}31m";
    let commands: Vec<Vec<&str>> = vec![
        vec!["validate", "."],
        vec!["validate", "--format", "short", "."],
        vec!["analyze", "."],
        vec!["chokepoints", "."],
        vec!["plan", ".", "--budget", "100000"],
        vec!["gaps", "."],
        vec!["incident", ".", "--compromised", web],
        vec!["incident", ".", "--compromised", "nope\u{1b}[2J"],
        vec!["explain", "edge", ".", "internet", web],
        vec!["verify", "."],
        vec!["history", "."],
    ];
    for args in &commands {
        let out = run(tmp.path(), args);
        assert!(matches!(out.status.code(), Some(0..=2)), "{args:?}: {:?}", out.status);
        assert_inert(&format!("{args:?} stdout"), &out.stdout);
        assert_inert(&format!("{args:?} stderr"), &out.stderr);
    }
    let verify = run(tmp.path(), &["verify", "."]);
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(text.contains("\\e]0;POLICY"), "the policy's message is shown, escaped:\n{text}");
}

#[test]
fn markdown_output_renders_model_text_as_text() {
    let tmp = tempfile::tempdir().unwrap();
    model(tmp.path());
    let web = "web\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{9b}31m";
    for args in [
        vec!["incident", ".", "--compromised", web, "--format", "md"],
        vec!["report", ".", "--format", "md", "--audience", "engineer"],
        vec!["report", ".", "--format", "md", "--audience", "exec"],
    ] {
        let out = run(tmp.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let md = String::from_utf8_lossy(&out.stdout);
        assert_inert(&format!("{args:?}"), &out.stdout);
        assert!(!md.contains("<svg") && !md.contains("</title>"), "{args:?}: raw markup:\n{md}");
        assert!(!md.lines().any(|l| l.trim_start().starts_with("# Injected")), "{args:?}: forged heading:\n{md}");
        assert!(!md.contains("[x](javascript"), "{args:?}: a live link:\n{md}");
    }
}

/// A minified JSON model whose only problem (a warning) sits past column 65,535.
#[test]
fn a_warning_past_column_65535_is_shown_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let pad = "x".repeat(70_000);
    let json = format!(
        r#"{{"entry_points":[{{"id":"internet","kind":"internet"}}],"nodes":[{{"id":"web","kind":"service","description":"{pad}"}},{{"id":"files","kind":"datastore","crown_jewel":true,"loss":{{"confidentiality":1000000}},"description":"late \u001b[2J"}}],"edges":[{{"from":"internet","to":"web","kind":"exploits"}},{{"from":"web","to":"files","kind":"reads"}}],"actors":[{{"id":"crime","frequency":2,"entry":["internet"],"skill":"medium"}}],"settings":{{"trials":300}}}}"#
    );
    std::fs::write(tmp.path().join("model.json"), &json).unwrap();
    let column = json.find("\"late").unwrap() + 1;
    for args in [
        vec!["validate", "."],
        vec!["analyze", "."],
        vec!["chokepoints", "."],
        vec!["gaps", "."],
        vec!["export", "dot", "."],
        vec!["incident", ".", "--compromised", "web"],
    ] {
        let out = run(tmp.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.contains(&format!("model.json:1:{column}: text holds U+001B")), "{args:?}: {stderr}");
        assert!(stderr.len() < 4_000, "{args:?}: a window of the line, not the line: {} bytes", stderr.len());
    }
}

/// A file with CR-only line ends gave a parse error with no file name, and bytes that are not
/// UTF-8 an offset with no line and column (issue 25): both are located now.
#[test]
fn cr_line_ends_and_bytes_not_utf8_are_located() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("model.yaml");
    std::fs::write(&file, "nodes:\r  - {id: a, kind: service}\r  - {id: b, kind: [\r").unwrap();
    let out = run(tmp.path(), &["validate", "--format", "short", "."]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("./model.yaml:3:19: error: cannot parse this file"), "{stderr}");
    std::fs::write(&file, b"nodes:\r\n  - {id: a, kind: s\xffervice}\n").unwrap();
    let out = run(tmp.path(), &["validate", "--format", "short", "."]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("./model.yaml:2:20: not UTF-8 (invalid byte at offset 27)"), "{stderr}");
}
