//! Who is calling: the middleware that resolves a session cookie or an API token to a [`Caller`]
//! (checking CSRF on cookie-authenticated unsafe methods), and the extractors routes state their
//! access with: [`Caller`] (signed in), [`Administrator`], [`Member<SET>`] (a role in the workspace).

pub mod limit;
pub mod password;

use std::sync::Arc;

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::audit::{self, Event};
use crate::error::ApiError;
use crate::roles::{self, Role};
use crate::secret::{now, same, sha256_hex};
use crate::state::AppState;
use crate::store::{Tx, first};

/// The session cookie's name.
pub const COOKIE: &str = "riskpath_session";
/// The header carrying a session's CSRF token on unsafe methods.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// What an API token starts with (so secret scanners can find leaked ones).
pub const TOKEN_PREFIX: &str = "rpt_";

/// How a caller proved who they are.
#[derive(Debug, Clone, PartialEq)]
pub enum Via {
    /// A session cookie; the session's id hash.
    Session(String),
    /// An API token; its id.
    Token(String),
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account: String,
    pub administrator: bool,
    pub via: Via,
}

/// The account named in the access log (response extension set by [`authenticate`]).
#[derive(Debug, Clone)]
pub struct LoggedUser(pub String);

fn invalid_token(why: &str) -> ApiError {
    ApiError::new(axum::http::StatusCode::UNAUTHORIZED, "invalid_token", format!("the API token is {why}"))
}

fn bearer(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let text = value.to_str().map_err(|_| invalid_token("not text"))?;
    match text.strip_prefix("Bearer ") {
        Some(token) if token.starts_with(TOKEN_PREFIX) => Ok(Some(token.trim().to_string())),
        _ => Err(invalid_token("not `Authorization: Bearer rpt_…`")),
    }
}

/// The session cookie's value, if sent.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('=').map(str::to_string))
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A token's owner, checked unrevoked and unexpired; its use is audited in the same transaction.
fn token_caller(tx: &mut dyn Tx, token: &str, method: &str, route: &str) -> Result<Caller, ApiError> {
    let sql = "SELECT t.id, t.account, a.administrator, t.expires_at, t.revoked_at FROM tokens t \
               JOIN accounts a ON a.name = t.account WHERE t.hash = ?";
    let row = first(tx, sql, &[sha256_hex(token.as_bytes()).into()])?.ok_or_else(|| invalid_token("unknown"))?;
    let (id, account) = (row.text(0)?, row.text(1)?);
    if row.opt_text(4)?.is_some() {
        return Err(invalid_token("revoked"));
    }
    let time = now();
    if row.text(3)? <= time {
        return Err(invalid_token("expired"));
    }
    let detail = serde_json::json!({ "method": method, "route": route });
    audit::append(tx, &time, Event { actor: &account, action: "token.use", target: &id, detail })?;
    Ok(Caller { account, administrator: row.int(2)? != 0, via: Via::Token(id) })
}

/// A live session's account and CSRF token.
fn session_caller(tx: &mut dyn Tx, cookie: &str) -> Result<Option<(Caller, String)>, ApiError> {
    let id_hash = sha256_hex(cookie.as_bytes());
    let sql = "SELECT s.account, a.administrator, s.csrf FROM sessions s JOIN accounts a ON a.name = s.account \
               WHERE s.id_hash = ? AND s.expires_at > ?";
    let Some(row) = first(tx, sql, &[id_hash.clone().into(), now().into()])? else { return Ok(None) };
    let caller = Caller { account: row.text(0)?, administrator: row.int(1)? != 0, via: Via::Session(id_hash) };
    Ok(Some((caller, row.text(2)?)))
}

async fn resolve(state: &AppState, parts: &Parts) -> Result<Option<Caller>, ApiError> {
    if let Some(token) = bearer(&parts.headers)? {
        let method = parts.method.to_string();
        let route = parts.extensions.get::<MatchedPath>().map_or("-".to_string(), |m| m.as_str().to_string());
        return state.db(move |tx| token_caller(tx, &token, &method, &route)).await.map(Some);
    }
    let Some(cookie) = session_cookie(&parts.headers) else { return Ok(None) };
    let Some((caller, csrf)) = state.db(move |tx| session_caller(tx, &cookie)).await? else { return Ok(None) };
    if is_unsafe(&parts.method) {
        let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !same(sent, &csrf) {
            return Err(ApiError::forbidden(format!(
                "a signed-in {} needs the session's CSRF token in the {CSRF_HEADER} header (from the login response)",
                parts.method
            ))
            .with_code("csrf"));
        }
    }
    Ok(Some(caller))
}

/// Middleware: resolves the caller into the request's extensions (none: anonymous) and names it
/// for the access log; a bad token or a missing CSRF token ends the request here.
pub async fn authenticate(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    match resolve(&state, &parts).await {
        Err(e) => e.into_response(),
        Ok(caller) => {
            let user = caller.as_ref().map(|c| c.account.clone());
            if let Some(c) = caller {
                parts.extensions.insert(c);
            }
            let mut response = next.run(Request::from_parts(parts, body)).await;
            if let Some(user) = user {
                response.extensions_mut().insert(LoggedUser(user));
            }
            response
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(ApiError::unauthenticated)
    }
}

/// A caller who administers the server (accounts, workspaces, the audit log).
pub struct Administrator(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for Administrator {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if !caller.administrator {
            return Err(ApiError::forbidden("only an administrator of the server may do this"));
        }
        Ok(Administrator(caller))
    }
}

/// A caller whose role in the workspace of the path's `{ws}` is in the set `ALLOWED`
/// (see [`crate::roles`]); an administrator of the server is `admin` everywhere.
pub struct Member<const ALLOWED: u8> {
    pub caller: Caller,
    pub workspace: String,
    pub role: Role,
}

/// The caller's role in `workspace`: `Ok(None)` when not a member; `not_found` when there is no
/// such workspace.
pub fn role_in(tx: &mut dyn Tx, workspace: &str, caller: &Caller) -> Result<Option<Role>, ApiError> {
    if first(tx, "SELECT name FROM workspaces WHERE name = ?", &[workspace.into()])?.is_none() {
        return Err(ApiError::not_found(format!("no workspace `{workspace}`")));
    }
    if caller.administrator {
        return Ok(Some(Role::Admin));
    }
    let row = first(
        tx,
        "SELECT role FROM members WHERE workspace = ? AND account = ?",
        &[workspace.into(), caller.account.as_str().into()],
    )?;
    Ok(row.map(|r| r.text(0)).transpose()?.and_then(|r| Role::parse(&r)))
}

impl<const ALLOWED: u8> FromRequestParts<Arc<AppState>> for Member<ALLOWED> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::internal(format!("path parameters: {e}")))?;
        let workspace = params
            .iter()
            .find(|(k, _)| *k == "ws")
            .map(|(_, v)| v.to_string())
            .ok_or_else(|| ApiError::internal("a workspace route without {ws}"))?;
        let (ws, who) = (workspace.clone(), caller.clone());
        let role = state.db(move |tx| role_in(tx, &ws, &who)).await?;
        match role {
            Some(role) if roles::allows(ALLOWED, role) => Ok(Member { caller, workspace, role }),
            Some(role) => Err(ApiError::forbidden(format!(
                "the role `{}` may not do this in `{workspace}` (allowed: {})",
                role.name(),
                roles::names(ALLOWED)
            ))),
            None => Err(ApiError::forbidden(format!("`{}` is not a member of `{workspace}`", caller.account))),
        }
    }
}
