//! The SQLite backend of [`Store`]: one connection in the data directory (WAL, foreign keys,
//! busy timeout), a file only its owner can read, transactions taken with `BEGIN IMMEDIATE`.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params_from_iter};

use super::{DbError, Row, Store, Tx, Value};

pub struct SqliteStore {
    conn: Mutex<Connection>,
}

fn err(e: rusqlite::Error) -> DbError {
    DbError(e.to_string())
}

impl SqliteStore {
    /// Opens (creating it when absent) the database file `path`, readable by its owner only.
    pub fn open(path: &Path) -> Result<SqliteStore, DbError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| DbError(format!("{}: {e}", path.display())))?;
        restrict(path)?;
        Self::configure(conn)
    }

    /// A private database in memory (tests).
    pub fn in_memory() -> Result<SqliteStore, DbError> {
        Self::configure(Connection::open_in_memory().map_err(err)?)
    }

    fn configure(conn: Connection) -> Result<SqliteStore, DbError> {
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")
            .map_err(err)?;
        Ok(SqliteStore { conn: Mutex::new(conn) })
    }
}

#[cfg(unix)]
fn restrict(path: &Path) -> Result<(), DbError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| DbError(format!("{}: {e}", path.display())))
}

#[cfg(not(unix))]
fn restrict(_: &Path) -> Result<(), DbError> {
    Ok(())
}

impl Store for SqliteStore {
    fn transaction(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<(), DbError>) -> Result<(), DbError> {
        let mut conn = self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let mut wrapped = SqliteTx(&tx);
        work(&mut wrapped)?;
        tx.commit().map_err(err)
    }
}

struct SqliteTx<'a>(&'a rusqlite::Transaction<'a>);

fn to_sql(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Int(n) => rusqlite::types::Value::Integer(*n),
        Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
        Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
    }
}

fn from_sql(v: ValueRef<'_>) -> Result<Value, DbError> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Int(n),
        ValueRef::Text(t) => Value::Text(String::from_utf8(t.to_vec()).map_err(|e| DbError(e.to_string()))?),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        ValueRef::Real(_) => return Err(DbError("a REAL column: the schema uses none".into())),
    })
}

impl Tx for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize, DbError> {
        self.0.execute(sql, params_from_iter(params.iter().map(to_sql))).map_err(err)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let mut stmt = self.0.prepare_cached(sql).map_err(err)?;
        let width = stmt.column_count();
        let mut rows = stmt.query(params_from_iter(params.iter().map(to_sql))).map_err(err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            let values = (0..width).map(|i| from_sql(row.get_ref(i).map_err(err)?)).collect::<Result<_, _>>()?;
            out.push(Row(values));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.0.execute_batch(sql).map_err(err)
    }
}
