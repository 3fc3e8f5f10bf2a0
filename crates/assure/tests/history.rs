//! The hash-chained history: appends, tamper detection (edited, re-hashed, deleted, inserted and
//! renumbered records) and concurrent writers.

use riskpath_assure::check::{Counts, State};
use riskpath_assure::history::{self, ControlRecord, GENESIS, Record, Store};
use rusqlite::{Connection, params};

fn record(ale: f64, states: &[(&str, State)]) -> Record {
    Record {
        format: 0,
        seq: 0,
        prev_hash: String::new(),
        time: "2025-11-27T10:00:00Z".into(),
        model_hash: "ab".repeat(32),
        currency: "USD".into(),
        seed: 1,
        trials: 1000,
        years: 1000,
        ale,
        ale_design: 1.0,
        counts: Counts::default(),
        controls: states
            .iter()
            .map(|(id, s)| ControlRecord {
                id: id.to_string(),
                state: *s,
                messages: vec![],
                policy_sha256: None,
                evidence: vec![],
                ale_increase: None,
            })
            .collect(),
        regressions: vec![],
    }
}

fn store_with(n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".riskpath/history.db");
    let mut store = Store::open(&path).unwrap();
    for i in 0..n {
        store.append(|_| record(i as f64 * 10.0, &[("mfa", State::Pass)])).unwrap();
    }
    (dir, path)
}

fn problems(path: &std::path::Path) -> Vec<(i64, String)> {
    let report = Store::open_existing(path).unwrap().verify_chain().unwrap();
    report.problems.into_iter().map(|p| (p.seq, p.message)).collect()
}

#[test]
fn appends_link_each_record_to_the_last() {
    let (_dir, path) = store_with(3);
    let store = Store::open_existing(&path).unwrap();
    let records = store.records().unwrap();
    assert_eq!(records.iter().map(|s| s.record.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(records[0].record.prev_hash, GENESIS);
    assert_eq!(records[1].record.prev_hash, records[0].hash);
    assert_eq!(records[2].record.prev_hash, records[1].hash);
    let report = store.verify_chain().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.records(), 3);
    assert_eq!(report.head(), Some(records[2].hash.as_str()));
    let journal: String = Connection::open(&path).unwrap().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(journal, "wal");
}

#[test]
fn an_edited_record_is_named() {
    let (_dir, path) = store_with(4);
    let conn = Connection::open(&path).unwrap();
    conn.execute("UPDATE runs SET record = replace(record, '\"ale\":20.0', '\"ale\":2.0') WHERE seq = 3", []).unwrap();
    let p = problems(&path);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, 3);
    assert!(p[0].1.contains("record #3 was altered"), "{p:?}");
}

#[test]
fn an_edited_and_rehashed_record_breaks_the_next_link() {
    let (_dir, path) = store_with(4);
    let conn = Connection::open(&path).unwrap();
    let text: String = conn.query_row("SELECT record FROM runs WHERE seq = 2", [], |r| r.get(0)).unwrap();
    let forged = text.replace("\"ale\":10.0", "\"ale\":1.0");
    assert_ne!(forged, text);
    let hash = riskpath_assure::evidence::sha256_hex(forged.as_bytes());
    conn.execute("UPDATE runs SET record = ?1, hash = ?2 WHERE seq = 2", params![forged, hash]).unwrap();
    let p = problems(&path);
    assert_eq!(p.iter().map(|x| x.0).collect::<Vec<_>>(), [3], "{p:?}");
    assert!(p[0].1.contains("does not link"), "{p:?}");
}

#[test]
fn a_deleted_record_is_named() {
    let (_dir, path) = store_with(5);
    Connection::open(&path).unwrap().execute("DELETE FROM runs WHERE seq = 3", []).unwrap();
    let p = problems(&path);
    assert!(p.iter().any(|(seq, m)| *seq == 4 && m.contains("record #3 is missing")), "{p:?}");
}

#[test]
fn an_inserted_or_renumbered_record_is_named() {
    let (_dir, path) = store_with(3);
    let conn = Connection::open(&path).unwrap();
    // A copy of record 2 slipped in after the head with a plausible number.
    let (text, hash): (String, String) =
        conn.query_row("SELECT record, hash FROM runs WHERE seq = 2", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    conn.execute("INSERT INTO runs (seq, record, hash) VALUES (4, ?1, ?2)", params![text, hash]).unwrap();
    let p = problems(&path);
    assert!(p.iter().all(|x| x.0 == 4) && p.len() == 2, "{p:?}");
    assert!(p.iter().any(|x| x.1.contains("says it is record #2")), "{p:?}");

    let (_dir, path) = store_with(3);
    Connection::open(&path).unwrap().execute("UPDATE runs SET seq = 10 WHERE seq = 3", []).unwrap();
    let p = problems(&path);
    assert!(p.iter().any(|x| x.0 == 10 && x.1.contains("records #3–#9 are missing")), "{p:?}");
}

#[test]
fn regressions_compare_with_the_previous_record() {
    let prev = record(1.0, &[("mfa", State::Pass), ("edr", State::Fail), ("waf", State::Pass)]);
    let now = [("mfa", State::Stale), ("edr", State::Fail), ("waf", State::Pass), ("new", State::Fail)];
    assert_eq!(history::regressions(Some(&prev), now), vec!["mfa"]);
    assert!(history::regressions(None, now).is_empty());
}

#[test]
fn concurrent_writers_never_fork_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                // Each writer opens its own connection, as separate processes would.
                let mut store = Store::open(&path).unwrap();
                for i in 0..10 {
                    store.append(|_| record((t * 100 + i) as f64, &[("mfa", State::Pass)])).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let store = Store::open_existing(&path).unwrap();
    let report = store.verify_chain().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.records(), 40);
    let mut ales: Vec<i64> = store.records().unwrap().iter().map(|s| s.record.ale as i64).collect();
    ales.sort();
    let mut expected: Vec<i64> = (0..4).flat_map(|t| (0..10).map(move |i| t * 100 + i)).collect();
    expected.sort();
    assert_eq!(ales, expected, "every run is recorded exactly once");
}

/// A head hash kept elsewhere finds its record while the history holds it, whole or by a 12-digit
/// prefix in either case; a history cut back before it, or rewritten whole with every hash
/// recomputed (an intact chain), no longer does.
#[test]
fn an_anchor_detects_a_history_cut_back_or_rewritten_whole() {
    let (_dir, path) = store_with(3);
    let report = Store::open_existing(&path).unwrap().verify_chain().unwrap();
    let second = report.hashes[1].1.clone();
    assert_eq!(report.hashes.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(report.anchored(&second).unwrap(), Some(2));
    assert_eq!(report.anchored(&second[..12].to_uppercase()).unwrap(), Some(2));

    Connection::open(&path).unwrap().execute("DELETE FROM runs WHERE seq >= 2", []).unwrap();
    let cut = Store::open_existing(&path).unwrap().verify_chain().unwrap();
    assert!(cut.problems.is_empty(), "removing the newest records leaves an intact chain");
    assert_eq!(cut.anchored(&second).unwrap(), None);

    let dir = tempfile::tempdir().unwrap();
    let forged_path = dir.path().join("history.db");
    let mut forged = Store::open(&forged_path).unwrap();
    for ale in [0.0, 1.0, 2.0] {
        forged.append(|_| record(ale, &[("mfa", State::Pass)])).unwrap();
    }
    let forged = forged.verify_chain().unwrap();
    assert!(forged.problems.is_empty());
    assert_eq!(forged.anchored(&second).unwrap(), None);

    for bad in ["", "abc123", "not-a-hash-at-all", &"a".repeat(65)] {
        assert!(report.anchored(bad).is_err(), "{bad:?}");
    }
}

/// The model hash changes with any byte of a JSON Lines file (whose text is not kept: its SHA-256,
/// taken while it was read, stands for it) and not otherwise.
#[test]
fn model_hash_covers_json_lines_files() {
    use riskpath_model::{LoadOptions, load};
    let dir = tempfile::tempdir().unwrap();
    let line = |p: &str| {
        format!(
            "{{\"entry_point\": {{\"id\": \"i\", \"kind\": \"internet\"}}}}\n\
             {{\"node\": {{\"id\": \"j\", \"kind\": \"datastore\", \"crown_jewel\": true, \"loss\": {{\"confidentiality\": 1000}}}}}}\n\
             {{\"edge\": {{\"from\": \"i\", \"to\": \"j\", \"kind\": \"exploits\", \"p\": {p}}}}}\n"
        )
    };
    std::fs::write(dir.path().join("actors.yaml"), "actors: [{id: a, frequency: 1, entry: [i]}]\n").unwrap();
    let hash = |p: &str| {
        std::fs::write(dir.path().join("items.jsonl"), line(p)).unwrap();
        let loaded = load(dir.path(), &LoadOptions::default()).unwrap();
        assert!(loaded.model.sources.files().iter().any(|f| f.streamed().is_some()));
        riskpath_assure::model_hash(&loaded.model)
    };
    let (a, again, b) = (hash("0.5"), hash("0.5"), hash("0.6"));
    assert_eq!(a, again);
    assert_ne!(a, b);
}
