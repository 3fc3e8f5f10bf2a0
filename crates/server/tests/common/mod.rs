//! The test client: the server's application on an in-memory database, called in process
//! (tower's `oneshot`), with the administrator bootstrapped and helpers to sign in and make tokens.
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
use riskpath_server::store::sqlite::SqliteStore;
use riskpath_server::store::{Store, transact};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const ADMIN_PASSWORD: &str = "correct horse battery staple";
pub const PASSWORD: &str = "a long enough password";

pub struct Server {
    pub app: Router,
    pub store: Arc<dyn Store>,
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
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    migrate(store.as_ref(), "2026-01-01T00:00:00Z").unwrap();
    bootstrap(store.as_ref(), Some(ADMIN_PASSWORD.into())).unwrap();
    let mut state = AppState::new(store.clone(), tls);
    state.access_log = false;
    if let Some(pool) = pool {
        state.jobs = Arc::new(pool);
    }
    Server { app: riskpath_server::routes::app(state), store }
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
        transact(self.store.as_ref(), |tx| tx.query(sql, &[])).unwrap()
    }

    pub fn exec(&self, sql: &str) {
        transact(self.store.as_ref(), |tx| tx.execute(sql, &[])).unwrap();
    }
}

/// The starter model `riskpath init` writes: a small model that loads.
pub const STARTER: &str = include_str!("../../../cli/src/starter.yaml");
