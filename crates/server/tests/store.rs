//! The database backends behind `Store`, each test on SQLite and, when RISKPATH_TEST_DATABASE_URL
//! is set, on PostgreSQL: the migrations, the same schema on both, values, rollback, serialization.

mod common;

use std::sync::Arc;

use common::{Backend, Db, backends};
use riskpath_server::error::ApiError;
use riskpath_server::store::migrate::{MIGRATIONS, current, latest, migrate, migrate_to};
use riskpath_server::store::postgres::PostgresStore;
use riskpath_server::store::{DbError, Row, Store, Value, first, transact};

fn query(store: &dyn Store, sql: &str, params: &[Value]) -> Vec<Row> {
    transact(store, |tx| tx.query(sql, params)).unwrap()
}

#[test]
fn a_fresh_database_migrates_to_the_latest_and_again_is_a_no_op() {
    for backend in backends() {
        let db = Db::new(backend);
        let store = db.store.as_ref();
        assert_eq!(current(store).unwrap(), 0, "{backend:?}");
        let all: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        assert_eq!(migrate(store, "t").unwrap(), all, "{backend:?}");
        assert_eq!(current(store).unwrap(), latest(), "{backend:?}");
        assert!(migrate(store, "t").unwrap().is_empty(), "{backend:?}");
    }
}

#[test]
fn a_database_one_version_behind_migrates_and_keeps_its_rows() {
    for backend in backends() {
        let db = Db::new(backend);
        let store = db.store.as_ref();
        let behind = latest() - 1;
        migrate_to(store, behind, "t").unwrap();
        assert_eq!(current(store).unwrap(), behind, "{backend:?}");
        transact(store, |tx| tx.execute("INSERT INTO accounts VALUES ('ann', 'h', 1, 't')", &[])).unwrap();
        assert_eq!(migrate(store, "t").unwrap(), vec![latest()], "{backend:?}");
        assert_eq!(query(store, "SELECT name FROM accounts", &[])[0].text(0).unwrap(), "ann");
    }
}

#[test]
fn a_newer_database_is_refused() {
    for backend in backends() {
        let db = Db::new(backend);
        let store = db.store.as_ref();
        migrate(store, "t").unwrap();
        let future = [Value::Int(latest() + 1)];
        transact(store, |tx| tx.execute("INSERT INTO schema_version VALUES (?, 'future', 't')", &future)).unwrap();
        let e = migrate(store, "t").unwrap_err();
        assert!(e.0.contains("newer than this riskpath knows"), "{backend:?}: {e}");
    }
}

/// Every table's columns as (table, column, type, nullable), types in the migrations' words.
fn columns(backend: Backend, store: &dyn Store) -> Vec<String> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT m.name, p.name, p.type, CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 'NO' ELSE 'YES' END \
             FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid"
        }
        Backend::Postgres => {
            "SELECT table_name::text, column_name::text, upper(data_type), is_nullable::text FROM information_schema.columns \
             WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        }
    };
    let rows = query(store, sql, &[]);
    let kind = |t: String| if t == "BYTEA" { "BLOB".to_string() } else { t };
    rows.iter()
        .map(|r| {
            format!(
                "{}.{} {} null={}",
                r.text(0).unwrap(),
                r.text(1).unwrap(),
                kind(r.text(2).unwrap()),
                r.text(3).unwrap()
            )
        })
        .collect()
}

#[test]
fn both_backends_reach_the_same_schema() {
    let schemas: Vec<(Backend, Vec<String>)> = backends()
        .into_iter()
        .map(|backend| {
            let db = Db::new(backend);
            migrate(db.store.as_ref(), "t").unwrap();
            (backend, columns(backend, db.store.as_ref()))
        })
        .collect();
    let (_, sqlite) = &schemas[0];
    assert!(sqlite.contains(&"audit.hash TEXT null=NO".to_string()), "{sqlite:?}");
    assert!(sqlite.contains(&"results.body BLOB null=NO".to_string()), "{sqlite:?}");
    assert!(sqlite.contains(&"jobs.error TEXT null=YES".to_string()), "{sqlite:?}");
    for (backend, other) in &schemas[1..] {
        assert_eq!(other, sqlite, "{backend:?} and SQLite differ");
    }
}

#[test]
fn every_value_comes_back_as_it_went_in() {
    let values = [
        Value::Null,
        Value::Int(i64::MIN),
        Value::Int(i64::MAX),
        Value::Text("it's ? \"quoted\" — ünïcode\n".into()),
        Value::Text(String::new()),
        Value::Blob(vec![0, 1, 255, 0]),
        Value::Blob(Vec::new()),
    ];
    for backend in backends() {
        let db = Db::new(backend);
        let store = db.store.as_ref();
        transact(store, |tx| tx.batch(&store.schema_sql("CREATE TABLE v (i BIGINT, t TEXT, b BLOB)"))).unwrap();
        for v in &values {
            let row = match v {
                Value::Int(_) => [v.clone(), Value::Null, Value::Null],
                Value::Text(_) => [Value::Null, v.clone(), Value::Null],
                Value::Blob(_) => [Value::Null, Value::Null, v.clone()],
                Value::Null => [Value::Null, Value::Null, Value::Null],
            };
            transact(store, |tx| {
                tx.execute("DELETE FROM v", &[])?;
                tx.execute("INSERT INTO v (i, t, b) VALUES (?, ?, ?)", &row)?;
                Ok::<_, DbError>(())
            })
            .unwrap();
            let back = query(store, "SELECT i, t, b FROM v WHERE ? = 1", &[Value::Int(1)]);
            assert_eq!(back, vec![Row(row.to_vec())], "{backend:?}");
        }
    }
}

#[test]
fn a_failed_transaction_leaves_nothing_behind() {
    for backend in backends() {
        let db = Db::new(backend);
        let store = db.store.as_ref();
        migrate(store, "t").unwrap();
        let r: Result<(), DbError> = transact(store, |tx| {
            tx.execute("INSERT INTO accounts VALUES ('ann', 'h', 1, 't')", &[])?;
            tx.execute("INSERT INTO accounts VALUES ('ann', 'h', 1, 't')", &[])?;
            Ok(())
        });
        assert!(r.is_err(), "{backend:?}: a duplicate key");
        assert!(query(store, "SELECT name FROM accounts", &[]).is_empty(), "{backend:?}: rolled back");
        let r: Result<(), ApiError> = transact(store, |tx| {
            tx.execute("INSERT INTO accounts VALUES ('bob', 'h', 1, 't')", &[])?;
            Err(ApiError::conflict("the caller's own error"))
        });
        assert_eq!(r.unwrap_err().message, "the caller's own error");
        assert!(query(store, "SELECT name FROM accounts", &[]).is_empty(), "{backend:?}: rolled back");
    }
}

/// Read-then-write increments from many threads through two stores on one database (two
/// servers, as far as the database knows): none is lost, because transactions are serialized.
#[test]
fn transactions_are_serialized_across_connections() {
    for backend in backends() {
        let db = Db::on_disk(backend);
        let twin = db.twin();
        let stores: [Arc<dyn Store>; 2] = [Arc::clone(&db.store), twin];
        transact(stores[0].as_ref(), |tx| {
            tx.batch("CREATE TABLE counter (n BIGINT NOT NULL)")?;
            tx.execute("INSERT INTO counter VALUES (0)", &[])
        })
        .unwrap();
        std::thread::scope(|s| {
            for t in 0..6 {
                let store = Arc::clone(&stores[t % 2]);
                s.spawn(move || {
                    for _ in 0..15 {
                        transact(store.as_ref(), |tx| {
                            let n = first(tx, "SELECT n FROM counter", &[])?.unwrap().int(0)?;
                            std::thread::yield_now();
                            tx.execute("UPDATE counter SET n = ?", &[Value::Int(n + 1)])
                        })
                        .unwrap();
                    }
                });
            }
        });
        let n = query(stores[1].as_ref(), "SELECT n FROM counter", &[])[0].int(0).unwrap();
        assert_eq!(n, 6 * 15, "{backend:?}: no increment lost");
    }
}

#[test]
fn on_postgresql_a_value_of_the_wrong_type_is_an_error_naming_both() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let db = Db::new(Backend::Postgres);
    let store = db.store.as_ref();
    migrate(store, "t").unwrap();
    let e = transact(store, |tx| tx.execute("INSERT INTO accounts VALUES (?, 'h', ?, 't')", &["a".into(), "x".into()]))
        .unwrap_err();
    assert!(e.0.contains("int8") && e.0.contains("Text"), "{e}");
    let e = PostgresStore::open("postgres://nobody@127.0.0.1:1/none", None).err().unwrap();
    assert!(e.0.starts_with("connecting to PostgreSQL: "), "{e}");
}
