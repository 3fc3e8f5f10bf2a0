//! `riskpath completions SHELL` and `riskpath man`: scripts that the shells accept, and a man page
//! per command generated from the same argument definitions the parser uses.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// The subcommands `riskpath --help` lists (the page and completion set must cover each).
fn subcommands() -> Vec<String> {
    let help = String::from_utf8(run(&["--help"]).stdout).unwrap();
    let commands = help.split("Commands:").nth(1).unwrap().split("\n\n").next().unwrap();
    commands
        .lines()
        // A command's line starts with its name after two spaces; wrapped descriptions are indented more.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completion_is_valid_bash_and_knows_every_command() {
    let out = run(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("riskpath.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let check = Command::new("bash").arg("-n").arg(&script).output().unwrap();
    assert!(check.status.success(), "bash -n: {}", String::from_utf8_lossy(&check.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let commands = subcommands();
    assert!(commands.len() >= 10, "{commands:?}");
    for c in &commands {
        assert!(text.contains(c.as_str()), "bash completion lacks {c}");
    }
    // Options of a subcommand are completed too.
    assert!(text.contains("--compromised") && text.contains("--budget"));
}

#[test]
fn every_shell_gets_a_script() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(String::from_utf8(out.stdout).unwrap().contains("chokepoints"), "{shell}");
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn man_prints_the_main_page() {
    let out = run(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with(".ie") || page.contains("\n.TH riskpath 1"), "{}", &page[..200.min(page.len())]);
    assert!(page.contains(".SH SUBCOMMANDS") && page.contains("chokepoints"));
}

#[test]
fn man_out_dir_writes_a_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["man", "--out-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("riskpath.1").is_file());
    for c in subcommands() {
        let page = dir.path().join(format!("riskpath-{c}.1"));
        let text = std::fs::read_to_string(&page).unwrap_or_else(|_| panic!("no page {}", page.display()));
        assert!(text.contains(&format!(".TH riskpath-{c} 1")), "{c}");
    }
}

#[test]
fn man_into_a_missing_directory_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let out = run(&["man", "--out-dir", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such directory"));
    assert!(!missing.exists());
}
