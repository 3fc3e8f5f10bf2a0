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
        tx.batch(&store.schema_sql(CREATE_VERSION_TABLE))?;
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
        let sql = store.schema_sql(m.sql);
        transact(store, |tx| {
            tx.batch(&sql).map_err(|e| DbError(format!("migration {} ({}): {e}", m.version, m.name)))?;
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

    #[test]
    fn numbered_from_one_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.name);
        }
    }
}
