//! `riskpath diff` end to end on the bundled example: a folder against itself is exactly zero, a
//! change's ΔALE is the difference of the two `analyze` headlines, git revisions read the same
//! models as their folders, `--fail-on` sets exit 1 only when crossed, and bad input exits 2 with
//! nothing written.

mod common;

use common::copy_dir;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");
const ACME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/acme");
const RUN: [&str; 6] = ["--trials", "8000", "--years", "8000", "--seed", "5"];

fn riskpath(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN).current_dir(dir).args(args).env("NO_COLOR", "1").output().expect("run riskpath")
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let out = riskpath(dir, &[args, &RUN, &["--format", "json"]].concat());
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?} is not JSON ({e})"))
}

/// The example with one control no longer deployed and one new step: what a pull request might do.
fn changed_copy(dest: &Path) {
    copy_dir(Path::new(ACME), dest);
    edit(&dest.join("security.yaml"), |s| {
        let at = s.find("  - id: security-awareness").expect("the control");
        let status = at + s[at..].find("status: deployed").expect("its status");
        format!("{}status: planned{}", &s[..status], &s[status + "status: deployed".len()..])
    });
    edit(&dest.join("cloud.yaml"), |s| {
        let line = "  - {from: db-app-credentials, to: customer-db, kind: reads_database}\n";
        assert!(s.contains(line));
        s.replacen(
            line,
            &format!("{line}  - {{from: ssm-legacy-params, to: db-master-password, kind: reads_secret, p: 0.6}}\n"),
            1,
        )
    });
}

fn edit(file: &Path, change: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(file).unwrap();
    std::fs::write(file, change(&text)).unwrap();
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.email=ci@example.com", "-c", "user.name=ci", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A repository with the example at `models/acme` in two commits: as shipped, then changed.
fn repository() -> (tempfile::TempDir, PathBuf) {
    let repo = tempfile::tempdir().unwrap();
    let models = repo.path().join("models/acme");
    copy_dir(Path::new(ACME), &models);
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "base"]);
    std::fs::remove_dir_all(&models).unwrap();
    changed_copy(&models);
    git(repo.path(), &["commit", "-qam", "head"]);
    (repo, models)
}

#[test]
fn a_folder_against_itself_is_exactly_zero() {
    let here = Path::new(".");
    let d = json(here, &["diff", ACME, ACME]);
    for key in ["value", "std_error", "low", "high"] {
        assert_eq!(d["diff"]["ale"][key].as_f64(), Some(0.0), "ale {key}");
        assert_eq!(d["diff"]["p90"][key].as_f64(), Some(0.0), "p90 {key}");
    }
    assert_eq!(d["diff"]["changes"].as_array().map(Vec::len), Some(0));
    assert_eq!(d["diff"]["paths"].as_array().map(Vec::len), Some(0));
    assert!(d["summary"].as_str().unwrap().starts_with("ALE unchanged — no new paths"), "{}", d["summary"]);
}

#[test]
fn the_ale_change_is_the_difference_of_the_two_headlines() {
    let tmp = tempfile::tempdir().unwrap();
    let head = tmp.path().join("acme");
    changed_copy(&head);
    let head = head.to_str().unwrap();
    let d = json(Path::new("."), &["diff", ACME, head]);
    let analyze = |dir: &str| json(Path::new("."), &["analyze", dir])["risk"]["ale"].as_f64().unwrap();
    let (base_ale, head_ale) = (analyze(ACME), analyze(head));
    assert_eq!(d["diff"]["ale"]["value"].as_f64(), Some(head_ale - base_ale));
    assert_eq!(d["diff"]["base"]["ale"].as_f64(), Some(base_ale));
    assert!(head_ale > base_ale);
    // The paired interval is far narrower than the sides' own errors would allow.
    let se = d["diff"]["ale"]["std_error"].as_f64().unwrap();
    assert!(se < d["diff"]["base"]["ale_std_error"].as_f64().unwrap() / 2.0);
    // Both changes listed; the undeployed control carries nearly all of it.
    let changes = d["diff"]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    let control = changes.iter().find(|c| c["kind"] == "control").unwrap();
    assert_eq!(control["key"], "security-awareness");
    assert!(control["share"].as_f64().unwrap() > 0.9, "{control}");
    // The new step opens a path the insider did not have.
    let new =
        d["diff"]["paths"].as_array().unwrap().iter().filter(|p| p["status"] == "new" && p["reason"] == "hop_added");
    assert!(new.clone().any(|p| p["hop"]["from"] == "ssm-legacy-params" && p["hop"]["to"] == "db-master-password"));
}

#[test]
fn git_revisions_read_the_same_models_as_their_folders() {
    let (repo, models) = repository();
    let from_git = json(repo.path(), &["diff", "git:HEAD~1:models/acme", "git:HEAD:models/acme"]);
    let tmp = tempfile::tempdir().unwrap();
    changed_copy(&tmp.path().join("acme"));
    let from_dirs = json(Path::new("."), &["diff", ACME, tmp.path().join("acme").to_str().unwrap()]);
    assert_eq!(from_git["diff"], from_dirs["diff"]);
    assert_eq!(from_git["base_label"], "git:HEAD~1:models/acme");
    // A revision against the work tree; an uncommitted edit there is seen, the revision is not
    // touched (no checkout): the work tree keeps its edit.
    edit(&models.join("settings.yaml"), |s| format!("{s}\n# uncommitted\n"));
    let mixed = json(repo.path(), &["diff", "git:HEAD:models/acme", "models/acme"]);
    assert_eq!(mixed["diff"]["ale"]["value"].as_f64(), Some(0.0));
    assert!(std::fs::read_to_string(models.join("settings.yaml")).unwrap().ends_with("# uncommitted\n"));
    // The whole tree of a revision, and the model inside it.
    let root = riskpath(repo.path(), &[&["diff", "git:HEAD~1:models", "git:HEAD:models"][..], &RUN].concat());
    assert_eq!(root.status.code(), Some(0), "{}", String::from_utf8_lossy(&root.stderr));
}

#[test]
fn thresholds_set_the_exit_code_and_say_which() {
    let (repo, _models) = repository();
    let gate = |list: &str| {
        let args = [&["diff", "git:HEAD~1:models/acme", "git:HEAD:models/acme", "--fail-on", list][..], &RUN].concat();
        riskpath(repo.path(), &args)
    };
    for crossed in ["ale-increase=5%", "new-path", "ale-increase=100k", "p90-above=1M", "ale-increase=50%,new-path"] {
        let out = gate(crossed);
        assert_eq!(out.status.code(), Some(1), "{crossed}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--fail-on crossed:"), "{stderr}");
        assert!(!out.stdout.is_empty(), "the report is still written");
    }
    let named = String::from_utf8(gate("ale-increase=50%,new-path").stderr).unwrap();
    assert!(named.contains("crossed: new-path") && !named.contains("ale-increase=50%"), "{named}");
    for passed in ["ale-increase=90%", "ale-increase=1B", "p90-above=10B"] {
        let out = gate(passed);
        assert_eq!(out.status.code(), Some(0), "{passed}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("Gate passed"), "{passed}");
    }
    // The reverse change lowers the ALE: no increase to fail on, and no new path either way round
    // for the insider's new step.
    let args = [&["diff", "git:HEAD:models/acme", "git:HEAD~1:models/acme", "--fail-on", "ale-increase=0%"][..], &RUN]
        .concat();
    assert_eq!(riskpath(repo.path(), &args).status.code(), Some(0));
}

#[test]
fn markdown_starts_with_the_summary_line() {
    let (repo, _models) = repository();
    let out = riskpath(
        repo.path(),
        &[&["diff", "git:HEAD~1:models/acme", "git:HEAD:models/acme", "--format", "md"][..], &RUN].concat(),
    );
    let md = String::from_utf8(out.stdout).unwrap();
    let first = md.lines().next().unwrap();
    assert!(first.starts_with("### riskpath: ALE +$"), "{first}");
    assert!(first.contains("new paths") || first.contains("new path"), "{first}");
    assert!(md.len() < 20_000, "sized for a comment: {} bytes", md.len());
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let (repo, _models) = repository();
    let tmp = tempfile::tempdir().unwrap();
    let out_file = tmp.path().join("review.md");
    let out_path = out_file.to_str().unwrap();
    let cases: [(&[&str], &str); 7] = [
        (&["diff", "models/acme", "models/acme", "--fail-on", "ale-increase"], "needs a value"),
        (&["diff", "models/acme", "models/acme", "--fail-on", "fewer-paths"], "unknown threshold"),
        (&["diff", "models/acme", "models/acme", "--fail-on", "p90-above=lots"], "is not a number"),
        (&["diff", "git:no-such-branch", "models/acme"], "unknown revision"),
        (&["diff", "git:HEAD:models/nothing", "models/acme"], "no `models/nothing` in HEAD"),
        (&["diff", "models/acme", "no/such/dir"], "no such file or directory"),
        (&["diff", "git:", "models/acme"], "no revision"),
    ];
    for (args, says) in cases {
        let out = riskpath(repo.path(), &[args, &["-o", out_path]].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out_file.exists(), "{args:?} wrote output");
    }
    // A broken model in a revision: located problems, exit 2.
    edit(&repo.path().join("models/acme/settings.yaml"), |s| s.replace("actors:", "actors: [oops"));
    git(repo.path(), &["commit", "-qam", "broken"]);
    let out = riskpath(repo.path(), &["diff", "git:HEAD~1:models/acme", "git:HEAD:models/acme", "-o", out_path]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("settings.yaml") && stderr.contains("head git:HEAD:models/acme"), "{stderr}");
    assert!(!out_file.exists());
}

/// The `riskpath diff` lines of the CI examples in docs/ci-review.md.
fn workflow_commands() -> Vec<String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/ci-review.md")).unwrap();
    let mut in_yaml = false;
    let mut out = Vec::new();
    for line in doc.lines() {
        match line.trim() {
            "```yaml" => in_yaml = true,
            "```" => in_yaml = false,
            l if in_yaml && l.trim_start_matches("- ").starts_with("riskpath diff") => {
                out.push(l.trim_start_matches("- ").to_string())
            }
            _ => {}
        }
    }
    out
}

#[test]
fn the_ci_examples_commands_gate_two_versions_of_the_example() {
    let commands = workflow_commands();
    assert_eq!(commands.len(), 2, "one in the GitHub workflow, one in the GitLab job: {commands:?}");
    // The model repository: `models/` on main (also as origin/main), then a pull request's commit.
    let repo = tempfile::tempdir().unwrap();
    let models = repo.path().join("models");
    copy_dir(Path::new(ACME), &models);
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "base"]);
    git(repo.path(), &["update-ref", "refs/remotes/origin/main", "main"]);
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let run = |command: &str| {
        let _ = std::fs::remove_file(repo.path().join("risk-review.md"));
        let script = format!("status=0\n{command}\nexit $status\n");
        let out = Command::new("sh")
            .current_dir(repo.path())
            .args(["-c", &script])
            .env("PATH", &path)
            .env("GITHUB_BASE_REF", "main")
            .env("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let review = std::fs::read_to_string(repo.path().join("risk-review.md")).unwrap_or_default();
        (out.status.code(), review, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    for command in &commands {
        // The pull request's branch changed nothing in the model yet: the gate passes.
        let (code, review, stderr) = run(command);
        assert_eq!(code, Some(0), "{command}: {stderr}");
        assert!(review.starts_with("### riskpath: ALE unchanged — no new paths"), "{review}");
        assert!(review.contains("Gate passed"), "{review}");
    }
    std::fs::remove_dir_all(&models).unwrap();
    changed_copy(&models);
    git(repo.path(), &["checkout", "-qb", "feature"]);
    git(repo.path(), &["commit", "-qam", "switch a control off, add a step"]);
    for command in &commands {
        let (code, review, stderr) = run(command);
        assert_eq!(code, Some(1), "{command}: {stderr}");
        assert!(review.starts_with("### riskpath: ALE +$"), "{review}");
        assert!(review.contains("**Gate failed: ale-increase=5%"), "{review}");
        assert!(stderr.contains("--fail-on crossed: ale-increase=5%, new-path"), "{stderr}");
    }
}

#[test]
fn control_states_are_compared_between_each_sides_newest_verify_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, head) = (tmp.path().join("base"), tmp.path().join("head"));
    copy_dir(Path::new(ACME), &base);
    changed_copy(&head);
    // The head also lost the evidence of one control's check.
    std::fs::remove_file(head.join("evidence/okta/org-security.json")).unwrap();
    let db = tmp.path().join("history.db");
    let db = db.to_str().unwrap();
    let here = Path::new(".");
    let (b, h) = (base.to_str().unwrap(), head.to_str().unwrap());
    // Without a run of either version the history says so and nothing is compared.
    let verify = |dir: &str| {
        let out = riskpath(here, &["verify", dir, "--db", db, "--trials", "2000"]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    };
    verify(b);
    let one = json(here, &["diff", b, h, "--db", db]);
    assert_eq!(one["control_states"]["base_run"][0].as_i64(), Some(1));
    assert!(one["control_states"]["head_run"].is_null());
    assert_eq!(one["control_states"]["changed"].as_array().map(Vec::len), Some(0));
    verify(h);
    verify(b); // the base verified again: its newest run is #3
    let d = json(here, &["diff", b, h, "--db", db]);
    let states = &d["control_states"];
    assert_eq!((states["base_run"][0].as_i64(), states["head_run"][0].as_i64()), (Some(3), Some(2)));
    let changed = states["changed"].as_array().unwrap();
    let okta = changed.iter().find(|c| c["control"] == "okta-threatinsight").unwrap_or_else(|| panic!("{changed:?}"));
    assert_eq!(okta["head"], "error");
    assert_ne!(okta["base"], "error");
    // security-awareness is planned in the head: not checked there.
    let awareness = changed.iter().find(|c| c["control"] == "security-awareness").unwrap();
    assert_eq!(awareness["head"], "planned");
    assert_eq!(changed.len(), 2, "{changed:?}");
    // The same verdict in Markdown; and a --db that does not exist is bad input.
    let md = riskpath(here, &[&["diff", b, h, "--db", db, "--format", "md"][..], &RUN].concat());
    assert!(String::from_utf8_lossy(&md.stdout).contains("#### Control states (newest verify runs)"));
    let missing = riskpath(here, &["diff", b, h, "--db", "/no/such/history.db"]);
    assert_eq!(missing.status.code(), Some(2));
    // No history anywhere: the JSON has no control_states at all.
    let none = json(here, &["diff", ACME, ACME]);
    assert!(none.get("control_states").is_none());
}
