//! The audit log: one row per login, token use, upload, job and change of access, hash-chained
//! so that an edited, inserted, deleted or renumbered row is found by [`check`] and named.
//!
//! Row `seq` stores `prev_hash` (the hash of row `seq − 1`, [`GENESIS`] for the first) and
//! `hash = SHA-256(prev_hash ‖ "\n" ‖ canonical)`, where `canonical` is the compact JSON object
//! `{"seq","time","actor","action","target","detail"}` in that order. Rows are appended inside
//! the transaction of what they record, so a change and its audit row commit together. Like the
//! verify history, a chain cannot show the loss of its newest rows by itself: keep the head hash.

use serde::Serialize;
use utoipa::ToSchema;

use crate::secret::sha256_hex;
use crate::store::{DbError, Row, Store, Tx, Value, first, transact};

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit row.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Entry {
    pub seq: i64,
    pub time: String,
    /// The account that acted (`-` for none, e.g. a failed login of an unknown name).
    pub actor: String,
    /// What happened: `login.ok`, `login.failed`, `token.use`, `upload.model`, `member.set`, …
    pub action: String,
    /// What it happened to (an account, a token id, `workspace/kind/hash`, a job id).
    pub target: String,
    /// More, as compact JSON (never a secret).
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Serialize)]
struct Canonical<'a> {
    seq: i64,
    time: &'a str,
    actor: &'a str,
    action: &'a str,
    target: &'a str,
    detail: &'a str,
}

/// The hash of a row from its fields and the previous row's hash.
pub fn row_hash(
    prev_hash: &str,
    seq: i64,
    time: &str,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> String {
    let canonical = Canonical { seq, time, actor, action, target, detail };
    let text = serde_json::to_string(&canonical).unwrap_or_default();
    sha256_hex(format!("{prev_hash}\n{text}").as_bytes())
}

/// What a new row says (the chain fields are filled in by [`append`]).
pub struct Event<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: serde_json::Value,
}

/// Appends one row in the caller's transaction; its sequence number.
pub fn append(tx: &mut dyn Tx, time: &str, event: Event<'_>) -> Result<i64, DbError> {
    let last = first(tx, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &[])?;
    let (seq, prev) = match last {
        Some(row) => (row.int(0)? + 1, row.text(1)?),
        None => (1, GENESIS.to_string()),
    };
    let detail = event.detail.to_string();
    let hash = row_hash(&prev, seq, time, event.actor, event.action, event.target, &detail);
    let params: Vec<Value> = vec![
        seq.into(),
        time.into(),
        event.actor.into(),
        event.action.into(),
        event.target.into(),
        detail.into(),
        prev.into(),
        hash.into(),
    ];
    tx.execute(
        "INSERT INTO audit (seq, time, actor, action, target, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &params,
    )?;
    Ok(seq)
}

fn entry(row: &Row) -> Result<Entry, DbError> {
    Ok(Entry {
        seq: row.int(0)?,
        time: row.text(1)?,
        actor: row.text(2)?,
        action: row.text(3)?,
        target: row.text(4)?,
        detail: row.text(5)?,
        prev_hash: row.text(6)?,
        hash: row.text(7)?,
    })
}

const COLUMNS: &str = "seq, time, actor, action, target, detail, prev_hash, hash";

/// Rows after `after`, oldest first, at most `limit`.
pub fn list(tx: &mut dyn Tx, after: i64, limit: i64) -> Result<Vec<Entry>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM audit WHERE seq > ? ORDER BY seq LIMIT ?");
    tx.query(&sql, &[after.into(), limit.into()])?.iter().map(entry).collect()
}

/// The outcome of [`check`].
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Every row links to the one before and hashes to what it stores: how many, and the head hash.
    Intact { rows: i64, head: String },
    /// The first row that does not: its sequence number and why.
    Broken { seq: i64, reason: String },
}

/// Recomputes every row's hash and link, in sequence order.
pub fn check(store: &dyn Store) -> Result<Verdict, DbError> {
    let rows = transact(store, |tx| tx.query(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"), &[]))?;
    let mut prev = GENESIS.to_string();
    for (i, row) in rows.iter().enumerate() {
        let e = entry(row)?;
        let expected_seq = i as i64 + 1;
        if e.seq != expected_seq {
            return Ok(Verdict::Broken {
                seq: e.seq,
                reason: format!("row {expected_seq} is missing (found {})", e.seq),
            });
        }
        if e.prev_hash != prev {
            return Ok(Verdict::Broken {
                seq: e.seq,
                reason: "its prev_hash is not the hash of the row before".into(),
            });
        }
        let hash = row_hash(&e.prev_hash, e.seq, &e.time, &e.actor, &e.action, &e.target, &e.detail);
        if hash != e.hash {
            return Ok(Verdict::Broken {
                seq: e.seq,
                reason: "its contents do not hash to its stored hash (edited)".into(),
            });
        }
        prev = e.hash;
    }
    Ok(Verdict::Intact { rows: rows.len() as i64, head: prev })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrate::migrate;
    use crate::store::sqlite::SqliteStore;

    fn store_with(n: usize) -> SqliteStore {
        let store = SqliteStore::in_memory().unwrap();
        migrate(&store, "t").unwrap();
        for i in 0..n {
            transact(&store, |tx| {
                let detail = serde_json::json!({ "i": i });
                append(tx, "2026-01-01T00:00:00Z", Event { actor: "ann", action: "login.ok", target: "ann", detail })
            })
            .unwrap();
        }
        store
    }

    fn run(store: &SqliteStore, sql: &str) {
        transact(store, |tx| tx.execute(sql, &[])).unwrap();
    }

    #[test]
    fn the_first_row_hashes_the_documented_canonical_text() {
        let store = store_with(1);
        let rows = transact(&store, |tx| list(tx, 0, 10)).unwrap();
        let text = r#"{"seq":1,"time":"2026-01-01T00:00:00Z","actor":"ann","action":"login.ok","target":"ann","detail":"{\"i\":0}"}"#;
        assert_eq!(rows[0].prev_hash, GENESIS);
        assert_eq!(rows[0].hash, sha256_hex(format!("{GENESIS}\n{text}").as_bytes()));
    }

    #[test]
    fn an_intact_chain_reports_its_rows_and_head() {
        let store = store_with(3);
        let rows = transact(&store, |tx| list(tx, 0, 10)).unwrap();
        assert_eq!(check(&store).unwrap(), Verdict::Intact { rows: 3, head: rows[2].hash.clone() });
    }

    #[test]
    fn an_edited_row_is_named() {
        let store = store_with(4);
        run(&store, "UPDATE audit SET actor = 'mallory' WHERE seq = 2");
        assert!(matches!(check(&store).unwrap(), Verdict::Broken { seq: 2, .. }));
    }

    #[test]
    fn a_deleted_row_is_named() {
        let store = store_with(4);
        run(&store, "DELETE FROM audit WHERE seq = 3");
        assert!(matches!(check(&store).unwrap(), Verdict::Broken { seq: 4, .. }));
    }

    #[test]
    fn a_row_rehashed_after_editing_breaks_the_next_link() {
        let store = store_with(3);
        let h = row_hash(GENESIS, 1, "2026-01-01T00:00:00Z", "mallory", "login.ok", "ann", r#"{"i":0}"#);
        run(&store, &format!("UPDATE audit SET actor = 'mallory', hash = '{h}' WHERE seq = 1"));
        assert_eq!(
            check(&store).unwrap(),
            Verdict::Broken { seq: 2, reason: "its prev_hash is not the hash of the row before".into() }
        );
    }
}
