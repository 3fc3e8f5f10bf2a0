//! The run history: one SQLite table of hash-chained records.
//!
//! Each record is stored as its canonical serialization (compact JSON, fields in declaration
//! order), and carries the hash of the record before it; its own hash is SHA-256 over that text.
//! [`Store::verify_chain`] recomputes every hash and link, so an edited, inserted, deleted or
//! renumbered record is found and named. What a chain cannot show by itself is the loss of its
//! newest records, or a history rewritten whole by someone who recomputes every hash: keep the
//! head hash somewhere else (CI logs, a commit) and check it with [`ChainReport::anchored`].
//!
//! Appending reads the last record and inserts the next inside one `BEGIN IMMEDIATE`
//! transaction, so concurrent `verify` runs serialize on SQLite's write lock (WAL mode, busy
//! timeout) and never fork the chain.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::check::{Counts, State};
use crate::evidence::sha256_hex;

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Version of the record format.
pub const RECORD_FORMAT: u32 = 1;

/// One `verify` run, as hashed and stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub format: u32,
    /// 1, 2, 3, … in chain order.
    pub seq: i64,
    /// Hash of record `seq − 1` ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// When the run happened (RFC 3339, UTC).
    pub time: String,
    /// SHA-256 over the model files' contents in path order.
    pub model_hash: String,
    pub currency: String,
    pub seed: u64,
    pub trials: u64,
    pub years: u64,
    /// ALE as verified (failing controls absent) and as designed (every deployed control counts).
    pub ale: f64,
    pub ale_design: f64,
    pub counts: Counts,
    pub controls: Vec<ControlRecord>,
    /// Controls that passed in the previous record and fail, are stale or err in this one.
    pub regressions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlRecord {
    pub id: String,
    pub state: State,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceHash>,
    /// ALE increase caused by this control failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ale_increase: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceHash {
    pub path: String,
    pub sha256: String,
}

/// A record read back from the store, with its stored hash.
#[derive(Debug, Clone)]
pub struct Stored {
    pub record: Record,
    pub hash: String,
}

/// A break in the chain, naming the record where it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainProblem {
    pub seq: i64,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChainReport {
    pub problems: Vec<ChainProblem>,
    /// (seq, stored hash) of every record, oldest first.
    pub hashes: Vec<(i64, String)>,
}

impl ChainReport {
    /// How many records the history holds.
    pub fn records(&self) -> usize {
        self.hashes.len()
    }
    /// Hash of the newest record; compare it with a copy kept elsewhere (see [`Self::anchored`]).
    pub fn head(&self) -> Option<&str> {
        self.hashes.last().map(|(_, hash)| hash.as_str())
    }
    /// The record whose hash starts with `anchor` (a head hash kept elsewhere, whole or its first
    /// 12 or more hex digits). Once the chain is intact, finding it shows that nothing up to it was
    /// rewritten and that the history was not cut back before it; records after it are newer runs.
    pub fn anchored(&self, anchor: &str) -> Result<Option<i64>, HistoryError> {
        let anchor = anchor.trim().to_ascii_lowercase();
        if anchor.len() < 12 || anchor.len() > 64 || !anchor.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(HistoryError(format!(
                "`{anchor}` is not a record hash: give the 64 hex digits `history verify` printed, or at least the first 12"
            )));
        }
        Ok(self.hashes.iter().find(|(_, hash)| hash.starts_with(&anchor)).map(|(seq, _)| *seq))
    }
}

#[derive(Debug)]
pub struct HistoryError(pub String);

impl std::fmt::Display for HistoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for HistoryError {}

/// The history store at one path.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// A private copy read instead of the store when the store's directory cannot be written
    /// (kept alive while the connection is open).
    _copy: Option<tempfile::TempDir>,
}

/// How long a writer waits for another writer before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS runs (
    seq INTEGER PRIMARY KEY,
    record TEXT NOT NULL,
    hash TEXT NOT NULL
)";

/// Switches the database to WAL mode and returns the mode it is in. Connections switching a new
/// database at once can get SQLITE_BUSY without SQLite calling the busy handler (measured: 1 run
/// in 8 of four concurrent writers), so the switch is retried for up to [`BUSY_TIMEOUT`].
fn switch_to_wal(conn: &Connection) -> rusqlite::Result<String> {
    let start = std::time::Instant::now();
    loop {
        match conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                    && start.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            result => return result,
        }
    }
}

impl Store {
    /// Opens (creating if needed, with its directory) the store for writing.
    pub fn open(path: &Path) -> Result<Store, HistoryError> {
        let err = |e: &dyn std::fmt::Display| HistoryError(format!("history {}: {e}", path.display()));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
        }
        let conn = Connection::open(path).map_err(|e| err(&e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| err(&e))?;
        let mode = switch_to_wal(&conn).map_err(|e| err(&e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(err(&format!("cannot switch to WAL mode (journal_mode is {mode})")));
        }
        let mut store = Store { conn, path: path.to_path_buf(), _copy: None };
        let tx = store.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| err(&e))?;
        tx.execute(SCHEMA, []).map_err(|e| err(&e))?;
        tx.commit().map_err(|e| err(&e))?;
        store.path = path.to_path_buf();
        Ok(store)
    }

    /// Opens an existing store read-only; a missing store is an error. Nothing is ever written:
    /// where SQLite cannot read the store in place (a WAL store in a directory it may not write,
    /// such as a read-only checkout), it reads a private copy of the store and its log.
    pub fn open_existing(path: &Path) -> Result<Store, HistoryError> {
        if !path.is_file() {
            return Err(HistoryError(format!("no history at {} (run `riskpath verify` first)", path.display())));
        }
        let err = |e: &dyn std::fmt::Display| HistoryError(format!("history {}: {e}", path.display()));
        match read_only(path) {
            Ok(conn) => Ok(Store { conn, path: path.to_path_buf(), _copy: None }),
            Err(in_place) => {
                let copy = tempfile::tempdir().map_err(|e| err(&e))?;
                let copied = copy.path().join("history.db");
                std::fs::copy(path, &copied).map_err(|e| err(&e))?;
                let wal = sibling(path, "-wal");
                if wal.is_file() {
                    std::fs::copy(&wal, sibling(&copied, "-wal")).map_err(|e| err(&e))?;
                }
                let conn = Connection::open(&copied).map_err(|_| err(&in_place))?;
                Ok(Store { conn, path: path.to_path_buf(), _copy: Some(copy) })
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends the record `make` builds from the newest stored record (if any), atomically:
    /// the read of the chain head and the insert happen in one immediate transaction.
    /// `make` receives the previous record and must fill in everything but `seq` and `prev_hash`.
    pub fn append<F>(&mut self, make: F) -> Result<Stored, HistoryError>
    where
        F: FnOnce(Option<&Record>) -> Record,
    {
        let err = |e: &dyn std::fmt::Display| HistoryError(format!("history {}: {e}", self.path.display()));
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| err(&e))?;
        let last: Option<(i64, String, String)> = tx
            .query_row("SELECT seq, record, hash FROM runs ORDER BY seq DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .map_err(|e| err(&e))?;
        let previous = match &last {
            Some((seq, text, _)) => Some(
                serde_json::from_str::<Record>(text)
                    .map_err(|e| err(&format!("record #{seq} is unreadable ({e}); run `riskpath history verify`")))?,
            ),
            None => None,
        };
        let mut record = make(previous.as_ref());
        record.format = RECORD_FORMAT;
        record.seq = last.as_ref().map_or(1, |(seq, _, _)| seq + 1);
        record.prev_hash = last.map_or_else(|| GENESIS.to_string(), |(_, _, hash)| hash);
        let text = canonical(&record);
        let hash = sha256_hex(text.as_bytes());
        tx.execute("INSERT INTO runs (seq, record, hash) VALUES (?1, ?2, ?3)", params![record.seq, text, hash])
            .map_err(|e| err(&e))?;
        tx.commit().map_err(|e| err(&e))?;
        Ok(Stored { record, hash })
    }

    /// Every record in chain order. Unreadable records are reported by [`Store::verify_chain`].
    pub fn records(&self) -> Result<Vec<Stored>, HistoryError> {
        let err = |e: &dyn std::fmt::Display| HistoryError(format!("history {}: {e}", self.path.display()));
        let mut stmt = self.conn.prepare("SELECT seq, record, hash FROM runs ORDER BY seq").map_err(|e| err(&e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
            .map_err(|e| err(&e))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, text, hash) = row.map_err(|e| err(&e))?;
            let record = serde_json::from_str(&text)
                .map_err(|e| err(&format!("record #{seq} is unreadable ({e}); run `riskpath history verify`")))?;
            out.push(Stored { record, hash });
        }
        Ok(out)
    }

    /// Recomputes every hash and link of the chain.
    pub fn verify_chain(&self) -> Result<ChainReport, HistoryError> {
        let err = |e: &dyn std::fmt::Display| HistoryError(format!("history {}: {e}", self.path.display()));
        let mut stmt = self.conn.prepare("SELECT seq, record, hash FROM runs ORDER BY seq").map_err(|e| err(&e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
            .map_err(|e| err(&e))?;
        let mut problems = Vec::new();
        let mut expected_seq = 1i64;
        // The hash the next record must link to: the stored hash of the row before it.
        let mut link = GENESIS.to_string();
        let mut hashes = Vec::new();
        for row in rows {
            let (seq, text, hash) = row.map_err(|e| err(&e))?;
            let mut problem = |message: String| problems.push(ChainProblem { seq, message });
            if seq > expected_seq {
                let gap = if seq - expected_seq == 1 {
                    format!("record #{expected_seq} is missing (deleted)")
                } else {
                    format!("records #{expected_seq}–#{} are missing (deleted)", seq - 1)
                };
                problem(gap);
            }
            let actual = sha256_hex(text.as_bytes());
            if actual != hash {
                problem(format!("record #{seq} was altered: its content does not match its hash"));
            }
            match serde_json::from_str::<Record>(&text) {
                Ok(record) => {
                    if record.seq != seq {
                        problem(format!("record #{seq} says it is record #{}: it was moved or renumbered", record.seq));
                    }
                    if record.prev_hash != link {
                        problem(format!(
                            "record #{seq} does not link to the record before it: a record was inserted, deleted or \
                             altered before #{seq}"
                        ));
                    }
                }
                Err(e) => problem(format!("record #{seq} was altered: it is not a valid record ({e})")),
            }
            link = hash.clone();
            hashes.push((seq, hash));
            expected_seq = seq + 1;
        }
        Ok(ChainReport { problems, hashes })
    }
}

/// Opens `path` read-only and reads its schema, so that a store SQLite cannot read in place fails here.
fn read_only(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    Ok(conn)
}

/// `history.db` → `history.db-wal` and the like.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// The canonical serialization that is stored and hashed: compact JSON, fields in declaration order.
pub fn canonical(record: &Record) -> String {
    serde_json::to_string(record).expect("records serialize")
}

/// Controls that passed in `previous` and are failing in `current` (by control id).
pub fn regressions<'a>(previous: Option<&Record>, current: impl IntoIterator<Item = (&'a str, State)>) -> Vec<String> {
    let Some(previous) = previous else { return Vec::new() };
    current
        .into_iter()
        .filter(|(id, state)| {
            state.is_failing() && previous.controls.iter().any(|c| c.id == *id && c.state == State::Pass)
        })
        .map(|(id, _)| id.to_string())
        .collect()
}

/// The default store of a model: `DIR/.riskpath/history.db` (beside the file for a one-file model).
pub fn default_path(model_path: &Path) -> PathBuf {
    let dir = if model_path.is_file() { model_path.parent().unwrap_or(Path::new(".")) } else { model_path };
    dir.join(".riskpath").join("history.db")
}

/// The model's own store ([`default_path`]), refused when its directory or any of its files is a
/// symbolic link or not what it should be: a model is committed by others, and a committed link
/// would make `verify` write another application's database or a directory outside the model.
/// (A store named with `--db` is the user's own choice and is not checked.)
pub fn model_store(model_path: &Path) -> Result<PathBuf, HistoryError> {
    let db = default_path(model_path);
    let refuse = |path: &Path, what: &str| {
        HistoryError(format!(
            "{} is {what}; riskpath keeps its state only in a real .riskpath directory of the model (remove it, or \
             name a store with --db PATH)",
            path.display()
        ))
    };
    let dir = db.parent().expect("has a parent");
    if let Ok(meta) = std::fs::symlink_metadata(dir) {
        if meta.file_type().is_symlink() {
            return Err(refuse(dir, "a symbolic link"));
        }
        if !meta.is_dir() {
            return Err(refuse(dir, "not a directory"));
        }
    }
    for file in [db.clone(), sibling(&db, "-wal"), sibling(&db, "-shm"), sibling(&db, "-journal")] {
        match std::fs::symlink_metadata(&file) {
            Ok(meta) if meta.file_type().is_symlink() => return Err(refuse(&file, "a symbolic link")),
            Ok(meta) if !meta.is_file() => return Err(refuse(&file, "not a regular file")),
            _ => {}
        }
    }
    Ok(db)
}

/// The newest record of a model version: the last in chain order whose model hash is `hash`.
pub fn newest_of<'a>(records: &'a [Record], hash: &str) -> Option<&'a Record> {
    records.iter().rev().find(|r| r.model_hash == hash)
}

/// A control whose state differs between two runs (`None`: not in that run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    pub control: String,
    pub before: Option<State>,
    pub after: Option<State>,
}

/// The controls whose state differs from run `before` to run `after`, in `after`'s order, then
/// those only in `before`.
pub fn state_changes(before: &Record, after: &Record) -> Vec<StateChange> {
    let state = |r: &Record, id: &str| r.controls.iter().find(|c| c.id == id).map(|c| c.state);
    let mut seen = std::collections::HashSet::new();
    after
        .controls
        .iter()
        .chain(&before.controls)
        .map(|c| c.id.as_str())
        .filter(|id| seen.insert(*id))
        .map(|id| StateChange { control: id.to_string(), before: state(before, id), after: state(after, id) })
        .filter(|c| c.before != c.after)
        .collect()
}
