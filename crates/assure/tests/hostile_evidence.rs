//! Evidence globs and files that a hostile commit can plant (issue 25): symbolic-link loops and
//! links to `/` used to make `evidence/**/x.json` walk for minutes; a link to `/etc` listed its
//! file names in the output and the history; a FIFO blocked forever in `open`. Links to
//! directories are not followed, special files are errors, and the glob still means what it says.
#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use riskpath_assure::Limits;
use riskpath_assure::evidence::{load, resolve};

fn tree(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let p = dir.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "{\"ok\": true}").unwrap();
    }
    dir
}

/// The matched files as written relative to the model directory, or the errors.
fn matched(base: &Path, patterns: &[&str]) -> Result<Vec<String>, Vec<String>> {
    let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
    resolve(base, &patterns, &Limits::default()).map(|files| files.iter().map(|f| rel(base, f)).collect())
}

fn rel(base: &Path, f: &Path) -> String {
    f.strip_prefix(base).unwrap().to_string_lossy().into_owned()
}

#[test]
fn globs_keep_their_meaning() {
    let dir = tree(&[
        "evidence/waf-edge.yaml",
        "evidence/waf-api.yaml",
        "evidence/other.yaml",
        "evidence/a/x.json",
        "evidence/a/b/x.json",
        "evidence/.hidden/x.json",
        "evidence/x.json",
        "other/x.json",
    ]);
    let base = dir.path();
    assert_eq!(matched(base, &["evidence/waf-*.yaml"]).unwrap(), ["evidence/waf-api.yaml", "evidence/waf-edge.yaml"]);
    assert_eq!(
        matched(base, &["evidence/**/x.json"]).unwrap(),
        ["evidence/a/b/x.json", "evidence/a/x.json", "evidence/x.json"],
        "`**` matches zero or more directories, never a hidden one"
    );
    assert_eq!(matched(base, &["*/x.json"]).unwrap(), ["evidence/x.json", "other/x.json"]);
    assert_eq!(matched(base, &["evidence/*/x.json"]).unwrap(), ["evidence/a/x.json"]);
    assert_eq!(matched(base, &["evidence/.hidden/x.json"]).unwrap(), ["evidence/.hidden/x.json"]);
    assert_eq!(matched(base, &["evidence/x.json", "evidence/*.json"]).unwrap(), ["evidence/x.json"]);
    assert_eq!(
        matched(base, &["evidence/none-*.json"]).unwrap_err(),
        ["missing evidence: no file matches `evidence/none-*.json`"]
    );
    assert!(matched(base, &["evidence/[.json"]).unwrap_err()[0].contains("is not a valid glob"));
}

#[test]
fn link_loops_and_links_to_root_are_not_walked() {
    let dir = tree(&["evidence/real/x.json"]);
    let e = dir.path().join("evidence");
    // Two loops (each directory links back to its parent) and a link to the root of the disk.
    symlink("..", e.join("real/up")).unwrap();
    symlink("..", e.join("loop")).unwrap();
    symlink("/", e.join("root")).unwrap();
    let started = Instant::now();
    assert_eq!(matched(dir.path(), &["evidence/**/x.json"]).unwrap(), ["evidence/real/x.json"]);
    assert_eq!(matched(dir.path(), &["**/x.json"]).unwrap(), ["evidence/real/x.json"]);
    assert_eq!(
        matched(dir.path(), &["evidence/root/etc/*"]).unwrap_err(),
        ["missing evidence: no file matches `evidence/root/etc/*`"]
    );
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[test]
fn a_linked_evidence_directory_lists_nothing_outside() {
    let dir = tree(&["model.yaml"]);
    symlink("/etc", dir.path().join("evidence")).unwrap();
    let errors = matched(dir.path(), &["evidence/*"]).unwrap_err();
    assert_eq!(errors, ["missing evidence: no file matches `evidence/*`"]);
    assert!(!errors.concat().contains("passwd") && !errors.concat().contains("hostname"));
}

#[test]
fn special_files_are_errors_and_never_opened() {
    let dir = tree(&["evidence/ok.json"]);
    let e = dir.path().join("evidence");
    assert!(std::process::Command::new("mkfifo").arg(e.join("pipe.json")).status().unwrap().success());
    symlink("/dev/urandom", e.join("random.json")).unwrap();
    let started = Instant::now();
    let files = resolve(dir.path(), &["evidence/*.json".to_string()], &Limits::default());
    let errors = files.unwrap_err();
    assert_eq!(errors, ["evidence/pipe.json is not a regular file (a FIFO)"]);
    // A link to a device inside the pattern resolves outside the model: refused when loaded.
    let only_link = resolve(dir.path(), &["evidence/random.json".to_string()], &Limits::default()).unwrap();
    let err = load(dir.path(), &only_link[0], SystemTime::now(), &Limits::default()).unwrap_err();
    assert_eq!(err, "evidence/random.json is a symbolic link to outside the model directory; it is not read");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_link_to_a_device_inside_the_model_is_not_read() {
    // Even a path that resolves inside the model directory must be a regular file.
    let dir = tree(&["evidence/ok.json"]);
    assert!(std::process::Command::new("mkfifo").arg(dir.path().join("evidence/fifo")).status().unwrap().success());
    symlink("fifo", dir.path().join("evidence/via-link.json")).unwrap();
    let started = Instant::now();
    let err = load(dir.path(), &dir.path().join("evidence/via-link.json"), SystemTime::now(), &Limits::default());
    assert_eq!(err.unwrap_err(), "cannot read evidence/via-link.json: not a regular file (a FIFO)");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn the_walk_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let e = dir.path().join("evidence");
    for i in 0..30 {
        let d = e.join(format!("d{i}"));
        std::fs::create_dir_all(&d).unwrap();
        for j in 0..70 {
            std::fs::write(d.join(format!("f{j}")), "").unwrap();
        }
    }
    let limits = Limits { max_evidence_visits: 2_000, ..Limits::default() };
    let errors = resolve(dir.path(), &["evidence/**/x.json".to_string()], &limits).unwrap_err();
    assert_eq!(
        errors,
        ["evidence patterns visit more than 2000 files and directories; narrow them (at `evidence/**/x.json`)"]
    );
    assert_eq!(Limits::default().max_evidence_visits, 200_000);
}
