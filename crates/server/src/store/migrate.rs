//! Schema migrations: the numbered files of `migrations/`, each applied once in its own
//! transaction and recorded in `schema_version`; a database newer than this build is refused.

use super::{DbError, Store, Value, transact};

/// One migration: its number (1, 2, 3, … without gaps), name and SQL.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "accounts", sql: include_str!("../../migrations/0001_accounts.sql") },
    Migration { version: 2, name: "workspaces", sql: include_str!("../../migrations/0002_workspaces.sql") },
    Migration { version: 3, name: "jobs", sql: include_str!("../../migrations/0003_jobs.sql") },
];

/// The newest schema version this build knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

const CREATE_VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

/// The database's schema version (0 when nothing was applied).
pub fn current(store: &dyn Store) -> Result<i64, DbError> {
    transact(store, |tx| {
        tx.batch(CREATE_VERSION_TABLE)?;
        let rows = tx.query("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])?;
        rows.first().map_or(Ok(0), |r| r.int(0))
    })
}

/// Applies the migrations after the database's version up to `target`; the versions applied.
pub fn migrate_to(store: &dyn Store, target: i64, now: &str) -> Result<Vec<i64>, DbError> {
    let at = current(store)?;
    if at > latest() {
        return Err(DbError(format!(
            "the database is at schema version {at}, newer than this riskpath knows ({}): use a newer riskpath",
            latest()
        )));
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version > at && m.version <= target) {
        transact(store, |tx| {
            tx.batch(m.sql).map_err(|e| DbError(format!("migration {} ({}): {e}", m.version, m.name)))?;
            let params = [Value::Int(m.version), m.name.into(), now.into()];
            tx.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)", &params)?;
            Ok(())
        })?;
        applied.push(m.version);
    }
    Ok(applied)
}

/// Brings the database to the newest version.
pub fn migrate(store: &dyn Store, now: &str) -> Result<Vec<i64>, DbError> {
    migrate_to(store, latest(), now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;

    #[test]
    fn numbered_from_one_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.name);
        }
    }

    #[test]
    fn a_fresh_database_migrates_to_the_latest_and_again_is_a_no_op() {
        let store = SqliteStore::in_memory().unwrap();
        assert_eq!(current(&store).unwrap(), 0);
        let all: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        assert_eq!(migrate(&store, "t").unwrap(), all);
        assert_eq!(current(&store).unwrap(), latest());
        assert!(migrate(&store, "t").unwrap().is_empty());
    }

    #[test]
    fn a_database_one_version_behind_migrates_and_keeps_its_rows() {
        let store = SqliteStore::in_memory().unwrap();
        let behind = latest() - 1;
        migrate_to(&store, behind, "t").unwrap();
        assert_eq!(current(&store).unwrap(), behind);
        transact(&store, |tx| {
            tx.execute("INSERT INTO accounts VALUES ('ann', 'h', 1, 't')", &[])?;
            Ok::<_, DbError>(())
        })
        .unwrap();
        assert_eq!(migrate(&store, "t").unwrap(), vec![latest()]);
        let names = transact(&store, |tx| tx.query("SELECT name FROM accounts", &[])).unwrap();
        assert_eq!(names[0].text(0).unwrap(), "ann");
    }

    #[test]
    fn a_newer_database_is_refused() {
        let store = SqliteStore::in_memory().unwrap();
        migrate(&store, "t").unwrap();
        transact(&store, |tx| {
            tx.execute("INSERT INTO schema_version VALUES (?, 'future', 't')", &[Value::Int(latest() + 1)])
        })
        .unwrap();
        let e = migrate(&store, "t").unwrap_err();
        assert!(e.0.contains("newer than this riskpath knows"), "{e}");
    }
}
