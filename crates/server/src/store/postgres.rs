//! The PostgreSQL backend of [`Store`] (`--database-url postgres://…`): one connection, opened
//! again when it breaks, each transaction serialized by an advisory lock like SQLite's writer.
//!
//! The client is the `postgres` crate (sync, on tokio-postgres; no libpq, no SQLite). Its calls
//! block, so they run on tokio's blocking pool like the SQLite backend's, never on an async worker.
//! Plain TCP or a Unix socket: TLS to the database is not supported (docs/server.md).

use std::sync::Mutex;
use std::time::Duration;

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls};

use super::dialect::placeholders;
use super::{DbError, Row, Store, Tx, Value};

/// Longest wait for a connection, a statement, or the transaction lock.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const SESSION: &str =
    "SET statement_timeout = '60s'; SET lock_timeout = '30s'; SET idle_in_transaction_session_timeout = '60s'";

pub struct PostgresStore {
    config: postgres::Config,
    /// The schema the tables live in (`search_path`), when not the database's default.
    schema: Option<String>,
    conn: Mutex<Option<Client>>,
}

fn err(e: postgres::Error) -> DbError {
    DbError(match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => match std::error::Error::source(&e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    })
}

impl PostgresStore {
    /// Connects to the database `url` (`postgres://user:password@host:port/db`, or the key=value
    /// form); with `schema`, the tables live in that schema, created when absent.
    pub fn open(url: &str, schema: Option<&str>) -> Result<PostgresStore, DbError> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| DbError(format!("--database-url: {e} (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")))?;
        config.connect_timeout(CONNECT_TIMEOUT).application_name("riskpath serve");
        if let Some(s) = schema {
            check_schema(s)?;
        }
        let store = PostgresStore { config, schema: schema.map(str::to_string), conn: Mutex::new(None) };
        *store.conn.lock().unwrap_or_else(|p| p.into_inner()) = Some(store.connect()?);
        Ok(store)
    }

    fn connect(&self) -> Result<Client, DbError> {
        let mut client =
            self.config.connect(NoTls).map_err(|e| DbError(format!("connecting to PostgreSQL: {}", err(e))))?;
        client.batch_execute(SESSION).map_err(err)?;
        if let Some(s) = &self.schema {
            client
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{s}\"; SET search_path TO \"{s}\""))
                .map_err(err)?;
        }
        Ok(client)
    }

    /// Drops the store's own schema and everything in it (tests).
    pub fn drop_schema(&self) -> Result<(), DbError> {
        let Some(s) = &self.schema else { return Err(DbError("no schema of its own".into())) };
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let client = guard.as_mut().ok_or_else(|| DbError("not connected".into()))?;
        client.batch_execute(&format!("DROP SCHEMA \"{s}\" CASCADE")).map_err(err)
    }
}

impl Drop for PostgresStore {
    /// The client closes by blocking on its own runtime, which tokio forbids on an async worker
    /// (where the server's state may be dropped): it closes on a thread of its own.
    fn drop(&mut self) {
        if let Some(client) = self.conn.get_mut().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = std::thread::spawn(move || drop(client)).join();
        }
    }
}

/// A schema name the store may quote: lower-case letters, digits and `_`, at most 63 bytes.
fn check_schema(s: &str) -> Result<(), DbError> {
    let ok = (1..=63).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok { Ok(()) } else { Err(DbError(format!("schema `{}`: lower-case letters, digits and `_`", s.escape_debug()))) }
}

impl Store for PostgresStore {
    fn transaction(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<(), DbError>) -> Result<(), DbError> {
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        if guard.as_ref().is_none_or(Client::is_closed) {
            *guard = None;
            *guard = Some(self.connect()?);
        }
        let client = guard.as_mut().ok_or_else(|| DbError("not connected".into()))?;
        let mut tx = client.transaction().map_err(err)?;
        // One transaction at a time per schema, across processes too: the audit chain and
        // every read-then-write rely on it, as on SQLite's single writer.
        tx.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema()))", &[]).map_err(err)?;
        work(&mut PostgresTx(&mut tx))?;
        tx.commit().map_err(err)
    }

    fn schema_sql(&self, sql: &str) -> String {
        super::dialect::schema(sql)
    }
}

struct PostgresTx<'a, 'c>(&'a mut postgres::Transaction<'c>);

fn params(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl Tx for PostgresTx<'_, '_> {
    fn execute(&mut self, sql: &str, values: &[Value]) -> Result<usize, DbError> {
        let n = self.0.execute(placeholders(sql).as_str(), &params(values)).map_err(err)?;
        usize::try_from(n).map_err(|e| DbError(e.to_string()))
    }

    fn query(&mut self, sql: &str, values: &[Value]) -> Result<Vec<Row>, DbError> {
        let rows = self.0.query(placeholders(sql).as_str(), &params(values)).map_err(err)?;
        rows.iter().map(row).collect()
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.0.batch_execute(sql).map_err(err)
    }
}

/// A row's values, by each column's type (the schema's TEXT, BIGINT, BYTEA and what queries
/// compute from them).
fn row(r: &postgres::Row) -> Result<Row, DbError> {
    (0..r.len()).map(|i| column(r, i)).collect::<Result<_, _>>().map(Row)
}

fn column(r: &postgres::Row, i: usize) -> Result<Value, DbError> {
    let ty = r.columns()[i].type_().clone();
    let get_err = |e: postgres::Error| DbError(format!("column {i}: {e}"));
    let value = match ty {
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
            r.try_get::<_, Option<String>>(i).map_err(get_err)?.map(Value::Text)
        }
        Type::INT8 => r.try_get::<_, Option<i64>>(i).map_err(get_err)?.map(Value::Int),
        Type::INT4 => r.try_get::<_, Option<i32>>(i).map_err(get_err)?.map(|n| Value::Int(n.into())),
        Type::INT2 => r.try_get::<_, Option<i16>>(i).map_err(get_err)?.map(|n| Value::Int(n.into())),
        Type::BOOL => r.try_get::<_, Option<bool>>(i).map_err(get_err)?.map(Value::from),
        Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i).map_err(get_err)?.map(Value::Blob),
        other => return Err(DbError(format!("column {i}: type {other}: the schema uses none"))),
    };
    Ok(value.unwrap_or(Value::Null))
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// A value as the parameter of the type PostgreSQL inferred for it; a value of another kind
/// is an error naming both (never bytes of the wrong type).
impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(n), &Type::INT8) => n.to_sql(ty, out),
            (Value::Int(n), &Type::INT4) => i32::try_from(*n)?.to_sql(ty, out),
            (Value::Int(n), &Type::INT2) => i16::try_from(*n)?.to_sql(ty, out),
            (Value::Int(n), &Type::BOOL) => (*n != 0).to_sql(ty, out),
            (Value::Text(t), &Type::TEXT | &Type::VARCHAR | &Type::BPCHAR | &Type::NAME | &Type::UNKNOWN) => {
                t.as_str().to_sql(ty, out)
            }
            (Value::Blob(b), &Type::BYTEA) => b.as_slice().to_sql(ty, out),
            (value, ty) => Err(format!("a parameter of type {ty} given {value:?}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain() {
        assert!(check_schema("t_0af3").is_ok());
        for bad in ["", "T", "a\"b", "a-b", "1a", &"a".repeat(64)] {
            assert!(check_schema(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bad_url_is_named() {
        let e = PostgresStore::open("postgres://u@h:notaport/d", None).err().unwrap();
        assert!(e.0.starts_with("--database-url: ") && e.0.contains("postgres://USER"), "{e}");
    }
}
