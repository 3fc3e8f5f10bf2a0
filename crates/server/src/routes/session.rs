//! Signing in and out, who am I, changing one's password: sessions (an HttpOnly, SameSite=Strict
//! cookie, Secure under TLS, with a CSRF token), logins rate-limited per account and address.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Event};
use crate::auth::{COOKIE, Caller, LoggedUser, Via, password};
use crate::error::{ApiError, ErrorDoc};
use crate::http::{Body, ClientAddr, no_content};
use crate::roles::Role;
use crate::secret::{in_seconds, now, random_hex, sha256_hex};
use crate::state::{AppState, blocking};
use crate::store::{Tx, first};

/// How long a session lasts, in seconds.
pub const SESSION_SECONDS: i64 = 12 * 3600;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub name: String,
    pub password: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct LoginOk {
    pub account: String,
    pub administrator: bool,
    /// Send it as `X-CSRF-Token` on every POST, PUT and DELETE made with the session cookie.
    pub csrf_token: String,
}

fn cookie(state: &AppState, value: &str, max_age: i64) -> Result<HeaderValue, ApiError> {
    let secure = if state.tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{COOKIE}={value}; Path=/api; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"))
        .map_err(ApiError::internal)
}

fn stored_hash(tx: &mut dyn Tx, name: &str) -> Result<Option<(String, bool)>, ApiError> {
    let row = first(tx, "SELECT password_hash, administrator FROM accounts WHERE name = ?", &[name.into()])?;
    row.map(|r| Ok::<_, ApiError>((r.text(0)?, r.int(1)? != 0))).transpose()
}

fn rate_limited(wait: std::time::Duration) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many failed logins: try again in {} s", wait.as_secs() + 1),
    )
}

fn audit_login(tx: &mut dyn Tx, ok: bool, name: &str, address: &str, reason: &str) -> Result<(), ApiError> {
    let (actor, action) = if ok { (name, "login.ok") } else { ("-", "login.failed") };
    let detail = serde_json::json!({ "address": address, "reason": reason });
    audit::append(tx, &now(), Event { actor, action, target: name, detail })?;
    Ok(())
}

/// Sign in with a name and password: sets the session cookie, returns the CSRF token.
#[utoipa::path(post, path = "/api/login", tag = "session", request_body = Login, security(()),
    responses((status = 200, body = LoginOk, description = "ok"), (status = 401, body = ErrorDoc, description = "not signed in, or a bad token"), (status = 429, body = ErrorDoc, description = "too many failed logins")))]
pub async fn login(
    State(state): State<Arc<AppState>>,
    ClientAddr(address): ClientAddr,
    Body(req): Body<Login>,
) -> Result<Response, ApiError> {
    let keys = [format!("account:{}", req.name), format!("address:{address}")];
    let start = Instant::now();
    if let Some(wait) = keys.iter().filter_map(|k| state.logins.blocked(k, start)).max() {
        let (name, addr) = (req.name.clone(), address.clone());
        state.db(move |tx| audit_login(tx, false, &name, &addr, "rate_limited")).await?;
        return Err(rate_limited(wait));
    }
    let name = req.name.clone();
    let stored = state.db(move |tx| stored_hash(tx, &name)).await?;
    let phc = stored.as_ref().map(|(h, _)| h.clone());
    let given = req.password.clone();
    let ok = blocking(move || password::verify(phc.as_deref(), &given)).await?;
    let (name, addr) = (req.name.clone(), address.clone());
    let Some((_, administrator)) = stored.filter(|_| ok) else {
        keys.iter().for_each(|k| state.logins.fail(k, Instant::now()));
        state.db(move |tx| audit_login(tx, false, &name, &addr, "bad_credentials")).await?;
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", "wrong name or password"));
    };
    state.logins.clear(&keys[0]);
    let (secret, csrf) = (random_hex(32).map_err(ApiError::internal)?, random_hex(32).map_err(ApiError::internal)?);
    let (id_hash, token) = (sha256_hex(secret.as_bytes()), csrf.clone());
    state
        .db(move |tx| {
            let t = now();
            tx.execute("DELETE FROM sessions WHERE expires_at <= ?", &[t.as_str().into()])?;
            tx.execute(
                "INSERT INTO sessions (id_hash, account, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                &[id_hash.into(), name.as_str().into(), token.into(), t.into(), in_seconds(SESSION_SECONDS).into()],
            )?;
            audit_login(tx, true, &name, &addr, "password")
        })
        .await?;
    let user = LoggedUser(req.name.clone());
    let body = LoginOk { account: req.name, administrator, csrf_token: csrf };
    let mut response = Json(body).into_response();
    response.extensions_mut().insert(user);
    response.headers_mut().insert(header::SET_COOKIE, cookie(&state, &secret, SESSION_SECONDS)?);
    Ok(response)
}

/// Sign out: ends the session and clears its cookie (nothing to do for an API token).
#[utoipa::path(post, path = "/api/logout", tag = "session", responses((status = 204, description = "done"), (status = 401, body = ErrorDoc, description = "not signed in, or a bad token")))]
pub async fn logout(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Response, ApiError> {
    let Via::Session(id_hash) = caller.via.clone() else { return Ok(no_content()) };
    state
        .db(move |tx| {
            tx.execute("DELETE FROM sessions WHERE id_hash = ?", &[id_hash.into()])?;
            let event = Event {
                actor: &caller.account,
                action: "logout",
                target: &caller.account,
                detail: serde_json::json!({}),
            };
            audit::append(tx, &now(), event)?;
            Ok(())
        })
        .await?;
    let mut response = no_content();
    response.headers_mut().insert(header::SET_COOKIE, cookie(&state, "", 0)?);
    Ok(response)
}

#[derive(Serialize, Deserialize, ToSchema, Debug, PartialEq)]
pub struct WorkspaceRole {
    pub name: String,
    pub role: Role,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub account: String,
    pub administrator: bool,
    /// The workspaces the account may enter and its role in each.
    pub workspaces: Vec<WorkspaceRole>,
}

/// The caller's workspaces and roles (every workspace, as admin, for an administrator).
pub fn workspaces_of(tx: &mut dyn Tx, caller: &Caller) -> Result<Vec<WorkspaceRole>, ApiError> {
    let rows = if caller.administrator {
        tx.query("SELECT name, 'admin' FROM workspaces ORDER BY name", &[])?
    } else {
        tx.query(
            "SELECT workspace, role FROM members WHERE account = ? ORDER BY workspace",
            &[caller.account.as_str().into()],
        )?
    };
    rows.iter()
        .map(|r| {
            let role = r.text(1)?;
            let role = Role::parse(&role).ok_or_else(|| ApiError::internal(format!("unknown role `{role}` stored")))?;
            Ok(WorkspaceRole { name: r.text(0)?, role })
        })
        .collect()
}

/// Who the caller is, and where they may go.
#[utoipa::path(get, path = "/api/me", tag = "session", responses((status = 200, body = Me, description = "ok"), (status = 401, body = ErrorDoc, description = "not signed in, or a bad token")))]
pub async fn me(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<Me>, ApiError> {
    let who = caller.clone();
    let workspaces = state.db(move |tx| workspaces_of(tx, &who)).await?;
    Ok(Json(Me { account: caller.account, administrator: caller.administrator, workspaces }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// Change one's password: ends the account's other sessions.
#[utoipa::path(put, path = "/api/me/password", tag = "session", request_body = PasswordChange,
    responses((status = 204, description = "done"), (status = 400, body = ErrorDoc, description = "bad request"), (status = 401, body = ErrorDoc, description = "not signed in, or a bad token")))]
pub async fn change_password(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Body(req): Body<PasswordChange>,
) -> Result<Response, ApiError> {
    password::policy(&req.new).map_err(|m| ApiError::bad_request("weak_password", m))?;
    let name = caller.account.clone();
    let stored = state.db(move |tx| stored_hash(tx, &name)).await?.map(|(h, _)| h);
    let (current, new) = (req.current, req.new);
    let phc = blocking(move || password::verify(stored.as_deref(), &current).then(|| password::hash(&new))).await?;
    let phc =
        phc.ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", "the current password is wrong"))?;
    let phc = phc.map_err(ApiError::internal)?;
    let keep = match &caller.via {
        Via::Session(h) => h.clone(),
        Via::Token(_) => String::new(),
    };
    state
        .db(move |tx| {
            let name = caller.account.as_str();
            tx.execute("UPDATE accounts SET password_hash = ? WHERE name = ?", &[phc.into(), name.into()])?;
            tx.execute("DELETE FROM sessions WHERE account = ? AND id_hash <> ?", &[name.into(), keep.into()])?;
            audit::append(
                tx,
                &now(),
                Event { actor: name, action: "password.change", target: name, detail: serde_json::json!({}) },
            )?;
            Ok(())
        })
        .await?;
    Ok(no_content())
}
