//! Database access behind one small trait: a backend runs a closure in a transaction, the closure
//! speaks portable SQL (`?` placeholders, TEXT/INTEGER/BLOB columns, no backend-specific syntax).
//!
//! [`Store`] is all a backend implements: SQLite in [`sqlite`], PostgreSQL in [`postgres`] (the same
//! SQL through [`dialect`]). [`migrate`] applies the numbered schema files. Calls block: the server
//! runs them on tokio's blocking pool ([`crate::state::AppState::db`]), never on the async workers.

pub mod dialect;
pub mod migrate;
pub mod postgres;
pub mod sqlite;

use std::fmt;

/// One SQL value, the portable subset.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// A failure of the database (I/O, constraint, a column of an unexpected type).
#[derive(Debug, Clone, PartialEq)]
pub struct DbError(pub String);

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DbError {}

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn get(&self, i: usize) -> Result<&Value, DbError> {
        self.0.get(i).ok_or_else(|| DbError(format!("no column {i}")))
    }
    pub fn text(&self, i: usize) -> Result<String, DbError> {
        match self.get(i)? {
            Value::Text(t) => Ok(t.clone()),
            other => Err(DbError(format!("column {i}: expected text, found {other:?}"))),
        }
    }
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.get(i)? {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }
    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        match self.get(i)? {
            Value::Int(n) => Ok(*n),
            other => Err(DbError(format!("column {i}: expected an integer, found {other:?}"))),
        }
    }
    pub fn blob(&self, i: usize) -> Result<Vec<u8>, DbError> {
        match self.get(i)? {
            Value::Blob(b) => Ok(b.clone()),
            other => Err(DbError(format!("column {i}: expected a blob, found {other:?}"))),
        }
    }
}

/// Statements inside one transaction.
pub trait Tx {
    /// Runs one statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize, DbError>;
    /// Runs one query; every row.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError>;
    /// Runs a script of statements without parameters (a migration).
    fn batch(&mut self, sql: &str) -> Result<(), DbError>;
}

/// A database: runs work in a transaction that commits when the work returns `Ok`, and rolls
/// back otherwise. Transactions are serializable with respect to each other.
pub trait Store: Send + Sync + 'static {
    fn transaction(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<(), DbError>) -> Result<(), DbError>;

    /// A schema script (a migration) in this backend's dialect; the portable text by default.
    fn schema_sql(&self, sql: &str) -> String {
        sql.to_string()
    }
}

/// Runs `work` in one transaction of `store` and returns its value; an error of `work` (a
/// database error or the caller's own) rolls the transaction back and is returned as it was.
pub fn transact<T, E: From<DbError>>(
    store: &dyn Store,
    work: impl FnOnce(&mut dyn Tx) -> Result<T, E>,
) -> Result<T, E> {
    let mut work = Some(work);
    let mut out: Option<Result<T, E>> = None;
    let ran = store.transaction(&mut |tx| {
        let f = work.take().ok_or_else(|| DbError("transaction body ran twice".into()))?;
        match f(tx) {
            Ok(v) => {
                out = Some(Ok(v));
                Ok(())
            }
            Err(e) => {
                out = Some(Err(e));
                Err(DbError("rolled back".into()))
            }
        }
    });
    match (out, ran) {
        (Some(Err(e)), _) => Err(e),
        (_, Err(e)) => Err(e.into()),
        (Some(Ok(v)), Ok(())) => Ok(v),
        (None, Ok(())) => Err(DbError("transaction body did not run".into()).into()),
    }
}

/// The first row of a query, if any.
pub fn first(tx: &mut dyn Tx, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
    Ok(tx.query(sql, params)?.into_iter().next())
}
