//! Files a hostile commit can plant around a model (issue 25): a `.riskpath/history.db` link to
//! another application's database got a `runs` table and WAL mode, a `.riskpath` link to a
//! directory got `history.db` created there; `settings.attack` naming a FIFO blocked forever and
//! `/dev/urandom` read 512 MiB; `validate` wrote an ATT&CK cache beside a bundle outside the
//! model; `history verify` on a read-only checkout exited 2. None of these happen now.
#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

const MODEL: &str = include_str!("../../../data/test/checked.yaml");

/// A model directory; `settings` goes first in its `settings` map (e.g. `attack: x.json, `).
fn model(settings: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("model.yaml", &format!("settings: {{{settings}trials: 500, years: 500}}\n{MODEL}"));
    write("checks/p.rego", "package main\ndeny contains \"x\" if { input.broken }\n");
    write("evidence/e.json", "{\"broken\": false}");
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(dir).env("NO_COLOR", "1").output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_linked_history_database_is_refused_and_left_alone() {
    let dir = model("");
    let other = tempfile::tempdir().unwrap();
    let victim = other.path().join("app.sqlite");
    std::fs::write(&victim, b"not riskpath's").unwrap();
    std::fs::create_dir(dir.path().join(".riskpath")).unwrap();
    symlink(&victim, dir.path().join(".riskpath/history.db")).unwrap();
    for args in [&["verify", "."][..], &["history", "."], &["history", "verify", "."]] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(
                ".riskpath/history.db is a symbolic link; riskpath keeps its state only in a real .riskpath directory"
            ),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(std::fs::read(&victim).unwrap(), b"not riskpath's");
    assert_eq!(std::fs::read_dir(other.path()).unwrap().count(), 1, "no -wal or -shm beside it");
    // `--db` names a store explicitly: the user's own choice, used as given.
    let out = run(dir.path(), &["verify", ".", "--db", "mine.db"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_linked_state_directory_or_log_is_refused() {
    let dir = model("");
    let elsewhere = tempfile::tempdir().unwrap();
    symlink(elsewhere.path(), dir.path().join(".riskpath")).unwrap();
    let out = run(dir.path(), &["verify", "."]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(".riskpath is a symbolic link"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0, "nothing written through the link");

    let dir = model("");
    std::fs::create_dir(dir.path().join(".riskpath")).unwrap();
    symlink(elsewhere.path().join("log"), dir.path().join(".riskpath/history.db-wal")).unwrap();
    let out = run(dir.path(), &["verify", "."]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("history.db-wal is a symbolic link"), "{}", stderr(&out));
    assert!(!elsewhere.path().join("log").exists());
}

#[test]
fn special_files_in_settings_attack_fail_fast() {
    for (target, kind) in [(".pipe.json", "FIFO"), ("/dev/urandom", "character device")] {
        let dir = model(&format!("attack: {target:?}, "));
        assert!(Command::new("mkfifo").arg(dir.path().join(".pipe.json")).status().unwrap().success());
        let started = Instant::now();
        let out = run(dir.path(), &["validate", ".", "--format", "short"]);
        assert!(started.elapsed() < Duration::from_secs(5), "{target}: {:?}", started.elapsed());
        assert_eq!(out.status.code(), Some(1), "{target}: {}", stderr(&out));
        assert!(stderr(&out).contains(&format!("not a regular file (a {kind})")), "{}", stderr(&out));
    }
}

#[test]
fn validate_writes_no_cache_beside_a_bundle_outside_the_model() {
    let outside = tempfile::tempdir().unwrap();
    let bundle = outside.path().join("bundle.json");
    std::fs::write(
        &bundle,
        r#"{"type": "bundle", "id": "bundle--1", "objects": [
          {"type": "attack-pattern", "id": "attack-pattern--a", "name": "Exploit Public-Facing Application",
           "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}],
           "external_references": [{"source_name": "mitre-attack", "external_id": "T1190"}]},
          {"type": "attack-pattern", "id": "attack-pattern--b", "name": "Data from Cloud Storage",
           "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "collection"}],
           "external_references": [{"source_name": "mitre-attack", "external_id": "T1530"}]}]}"#,
    )
    .unwrap();
    let settings = format!("attack: {:?}, ", bundle.to_str().unwrap());
    let dir = model(&settings);
    let out = run(dir.path(), &["validate", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let beside: Vec<_> = std::fs::read_dir(outside.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(beside, ["bundle.json"], "nothing written outside the model");
    assert!(dir.path().join(".riskpath/bundle.riskpath-cache.json").is_file(), "the cache is in the model's state");

    // With the state directory a link, no cache is written anywhere.
    let linked = model(&settings);
    let elsewhere = tempfile::tempdir().unwrap();
    symlink(elsewhere.path(), linked.path().join(".riskpath")).unwrap();
    let out = run(linked.path(), &["validate", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
}

/// A read-only checkout of a history whose last run is still in SQLite's write-ahead log (no
/// `-shm` beside it): SQLite cannot read it in place; riskpath reads a private copy.
#[test]
fn history_verify_reads_a_read_only_checkout() {
    let dir = model("");
    let out = run(dir.path(), &["verify", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Run #2 lands in the log while another connection keeps SQLite from checkpointing it.
    let db = dir.path().join(".riskpath/history.db");
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    let _: i64 = holder.query_row("SELECT count(*) FROM runs", [], |r| r.get(0)).unwrap();
    let out = run(dir.path(), &["verify", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let checkout = tempfile::tempdir().unwrap();
    let copy = checkout.path().join("m");
    std::fs::create_dir_all(copy.join(".riskpath")).unwrap();
    std::fs::copy(dir.path().join("model.yaml"), copy.join("model.yaml")).unwrap();
    std::fs::copy(&db, copy.join(".riskpath/history.db")).unwrap();
    std::fs::copy(db.with_extension("db-wal"), copy.join(".riskpath/history.db-wal")).unwrap();
    drop(holder);
    let as_reader = read_only(checkout.path());
    let Some(mut command) = as_reader else {
        writable(checkout.path());
        eprintln!("skipped: running as root without setpriv, a read-only directory cannot be made");
        return;
    };
    let out = command.args(["history", "verify"]).arg(&copy).output().unwrap();
    writable(checkout.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok: 2 records"), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(!copy.join(".riskpath/history.db-shm").exists(), "nothing written");
}

/// A command that cannot write under `dir`: the directory made read-only, and run as an
/// unprivileged user when the tests run as root (who may write anywhere).
fn read_only(dir: &Path) -> Option<Command> {
    use std::os::unix::fs::PermissionsExt;
    let open_all = |p: &Path, mode: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    for entry in walk(dir) {
        open_all(&entry, if entry.is_dir() { 0o555 } else { 0o444 });
    }
    let root = Command::new("id").arg("-u").output().ok()?.stdout == b"0\n";
    if !root {
        return Some(Command::new(BIN));
    }
    if Command::new("setpriv").arg("--version").output().is_err() {
        return None;
    }
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
    Some(c)
}

/// Undoes [`read_only`] so the temporary directory can be removed.
fn writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for entry in walk(dir) {
        let _ = std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o755));
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        if out[i].is_dir() {
            let children: Vec<_> = std::fs::read_dir(&out[i]).unwrap().map(|e| e.unwrap().path()).collect();
            out.extend(children);
        }
        i += 1;
    }
    out
}
