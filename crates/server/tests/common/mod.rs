//! The test client: the server's application on a fresh database (SQLite, or PostgreSQL when asked),
//! called in process (tower's `oneshot`), the administrator bootstrapped, helpers to sign in.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use riskpath_server::jobs::Pool;
use riskpath_server::serve::bootstrap;
use riskpath_server::state::AppState;
use riskpath_server::store::migrate::migrate;
use riskpath_server::store::postgres::PostgresStore;
use riskpath_server::store::sqlite::SqliteStore;
use riskpath_server::store::{Store, Value as SqlValue, transact};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const ADMIN_PASSWORD: &str = "correct horse battery staple";
pub const PASSWORD: &str = "a long enough password";

pub struct Server {
    pub app: Router,
    pub store: Arc<dyn Store>,
    /// Declared last: dropped after the application, it drops a PostgreSQL schema.
    _db: Db,
}

/// The PostgreSQL database the tests may use, each test in a schema of its own.
pub const DATABASE_URL_ENV: &str = "RISKPATH_TEST_DATABASE_URL";
/// When `1` (as in CI), a missing [`DATABASE_URL_ENV`] fails the tests instead of leaving
/// PostgreSQL out.
pub const REQUIRE_ENV: &str = "RISKPATH_REQUIRE_POSTGRES";

/// A database backend under test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

fn database_url() -> Option<String> {
    std::env::var(DATABASE_URL_ENV).ok().filter(|u| !u.is_empty())
}

/// The backends to test: SQLite always, PostgreSQL when [`DATABASE_URL_ENV`] is set; with
/// [`REQUIRE_ENV`]`=1` and no URL this panics, so that CI cannot skip PostgreSQL silently.
pub fn backends() -> Vec<Backend> {
    let url = database_url();
    let required = std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1");
    assert!(
        url.is_some() || !required,
        "{REQUIRE_ENV}=1 but {DATABASE_URL_ENV} is not set: PostgreSQL cannot be tested"
    );
    let mut out = vec![Backend::Sqlite];
    if url.is_some() {
        out.push(Backend::Postgres);
    }
    out
}

/// Runs `f` on a thread of its own: the PostgreSQL client blocks on a runtime of its own, which
/// tokio forbids on an async test's thread.
pub fn off_async<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
}

/// A fresh, empty database: SQLite in memory (or in a temporary folder), or a PostgreSQL schema
/// of its own, dropped with it.
pub struct Db {
    pub store: Arc<dyn Store>,
    sqlite: Option<tempfile::TempDir>,
    schema: Option<String>,
}

impl Db {
    pub fn new(backend: Backend) -> Db {
        Self::make(backend, false)
    }

    /// A database that [`Db::twin`] can open again: SQLite in a file.
    pub fn on_disk(backend: Backend) -> Db {
        Self::make(backend, true)
    }

    fn make(backend: Backend, disk: bool) -> Db {
        off_async(|| match backend {
            Backend::Sqlite if !disk => {
                Db { store: Arc::new(SqliteStore::in_memory().unwrap()), sqlite: None, schema: None }
            }
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let store = Arc::new(SqliteStore::open(&dir.path().join("t.db")).unwrap());
                Db { store, sqlite: Some(dir), schema: None }
            }
            Backend::Postgres => {
                let schema = format!("t_{}", riskpath_server::secret::random_hex(8).unwrap());
                Db { store: postgres(&schema), sqlite: None, schema: Some(schema) }
            }
        })
    }

    /// A second store on the same database (another server, as far as the database knows).
    pub fn twin(&self) -> Arc<dyn Store> {
        off_async(|| match (&self.sqlite, &self.schema) {
            (Some(dir), _) => Arc::new(SqliteStore::open(&dir.path().join("t.db")).unwrap()) as Arc<dyn Store>,
            (None, Some(schema)) => postgres(schema),
            (None, None) => panic!("an in-memory database has no twin: use Db::on_disk"),
        })
    }
}

fn postgres(schema: &str) -> Arc<dyn Store> {
    let url = database_url().expect("the PostgreSQL backend is only listed with its URL");
    Arc::new(PostgresStore::open(&url, Some(schema)).unwrap_or_else(|e| panic!("{DATABASE_URL_ENV}: {e}")))
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(schema) = &self.schema {
            let url = database_url().unwrap_or_default();
            off_async(|| PostgresStore::open(&url, Some(schema)).and_then(|s| s.drop_schema())).ok();
        }
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or("").to_string()
    }
}

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Token(String),
    /// Session cookie and CSRF token.
    Session(String, String),
}

pub fn server_with(tls: bool) -> Server {
    server_of(tls, None)
}

/// A server whose job pool is `pool` (e.g. no workers: jobs stay queued).
pub fn server_with_pool(pool: Pool) -> Server {
    server_of(false, Some(pool))
}

fn server_of(tls: bool, pool: Option<Pool>) -> Server {
    server_on(Backend::Sqlite, tls, pool)
}

/// A server on a fresh database of `backend`.
pub fn server_on(backend: Backend, tls: bool, pool: Option<Pool>) -> Server {
    let db = Db::new(backend);
    let store = Arc::clone(&db.store);
    off_async(|| {
        migrate(store.as_ref(), "2026-01-01T00:00:00Z").unwrap();
        bootstrap(store.as_ref(), Some(ADMIN_PASSWORD.into())).unwrap();
    });
    let mut state = AppState::new(store.clone(), tls);
    state.access_log = false;
    if let Some(pool) = pool {
        state.jobs = Arc::new(pool);
    }
    Server { app: riskpath_server::routes::app(state), store, _db: db }
}

pub fn server() -> Server {
    server_with(false)
}

impl Server {
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec();
        Reply { status, headers, body }
    }

    /// A request from `addr` with `auth`, a JSON body when `body` is not null.
    pub async fn call_from(&self, addr: &str, method: Method, path: &str, auth: &Auth, body: Value) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        match auth {
            Auth::None => {}
            Auth::Token(t) => req = req.header(header::AUTHORIZATION, format!("Bearer {t}")),
            Auth::Session(cookie, csrf) => {
                req = req.header(header::COOKIE, format!("riskpath_session={cookie}")).header("x-csrf-token", csrf)
            }
        }
        let body = if body.is_null() {
            Body::empty()
        } else {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(body.to_string())
        };
        let mut req = req.body(body).unwrap();
        let addr: SocketAddr = addr.parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
        self.send(req).await
    }

    pub async fn call(&self, method: Method, path: &str, auth: &Auth, body: Value) -> Reply {
        self.call_from("127.0.0.1:50000", method, path, auth, body).await
    }

    /// Signs in; the session cookie and CSRF token.
    pub async fn login(&self, name: &str, password: &str) -> Auth {
        let r = self.call(Method::POST, "/api/login", &Auth::None, json!({ "name": name, "password": password })).await;
        assert_eq!(r.status, StatusCode::OK, "{}", String::from_utf8_lossy(&r.body));
        let cookie = r.headers[header::SET_COOKIE].to_str().unwrap();
        let value = cookie.split(';').next().unwrap().strip_prefix("riskpath_session=").unwrap().to_string();
        Auth::Session(value, r.json()["csrf_token"].as_str().unwrap().to_string())
    }

    pub async fn admin(&self) -> Auth {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// A new token of the signed-in `auth`.
    pub async fn token(&self, auth: &Auth) -> String {
        let r = self.call(Method::POST, "/api/tokens", auth, json!({ "name": "test" })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&r.body));
        r.json()["token"].as_str().unwrap().to_string()
    }

    /// Creates account `name`, returning a token of it.
    pub async fn account(&self, admin: &Auth, name: &str) -> Auth {
        let r = self.call(Method::POST, "/api/accounts", admin, json!({ "name": name, "password": PASSWORD })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&r.body));
        let session = self.login(name, PASSWORD).await;
        Auth::Token(self.token(&session).await)
    }

    pub fn sql(&self, sql: &str) -> Vec<riskpath_server::store::Row> {
        off_async(|| transact(self.store.as_ref(), |tx| tx.query(sql, &[])).unwrap())
    }

    pub fn exec(&self, sql: &str) {
        self.exec_with(sql, &[]);
    }

    pub fn exec_with(&self, sql: &str, params: &[SqlValue]) {
        off_async(|| transact(self.store.as_ref(), |tx| tx.execute(sql, params)).unwrap());
    }
}

/// The starter model `riskpath init` writes: a small model that loads.
pub const STARTER: &str = include_str!("../../../cli/src/starter.yaml");
