//! API tokens for CI and collectors: 256 random bits shown once at creation, stored as their
//! SHA-256, with an expiry (1 to 365 days) and revocation; sent as `Authorization: Bearer`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Event};
use crate::auth::{Caller, TOKEN_PREFIX};
use crate::error::{ApiError, ErrorDoc};
use crate::http::{Body, no_content};
use crate::secret::{in_seconds, now, random_hex, sha256_hex};
use crate::state::AppState;
use crate::store::{Row, first};

/// Days a token lasts when the request does not say.
pub const DEFAULT_DAYS: i64 = 90;
/// The longest a token may last, in days.
pub const MAX_DAYS: i64 = 365;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for (`ci`, `collector-eu`).
    pub name: String,
    /// 1 to 365; 90 when absent.
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct CreatedToken {
    pub id: String,
    pub name: String,
    /// The secret: shown this once, never stored (only its SHA-256 is).
    pub token: String,
    pub expires_at: String,
}

#[derive(Serialize, Deserialize, ToSchema, Debug, PartialEq)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub account: String,
    pub created_at: String,
    pub expires_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

fn info(r: &Row) -> Result<TokenInfo, ApiError> {
    Ok(TokenInfo {
        id: r.text(0)?,
        name: r.text(1)?,
        account: r.text(2)?,
        created_at: r.text(3)?,
        expires_at: r.text(4)?,
        revoked_at: r.opt_text(5)?,
    })
}

/// Create an API token for the caller's account.
#[utoipa::path(post, path = "/api/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, body = CreatedToken, description = "created"), (status = 400, body = ErrorDoc, description = "bad request"), (status = 401, body = ErrorDoc, description = "not signed in, or a bad token")))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Body(req): Body<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let days = req.expires_in_days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::bad_request("invalid_body", format!("expires_in_days is 1 to {MAX_DAYS}")));
    }
    if req.name.trim().is_empty() || req.name.len() > 100 {
        return Err(ApiError::bad_request("invalid_body", "a token's name has 1 to 100 bytes"));
    }
    let id = random_hex(8).map_err(ApiError::internal)?;
    let token = format!("{TOKEN_PREFIX}{}", random_hex(32).map_err(ApiError::internal)?);
    let (hash, expires_at) = (sha256_hex(token.as_bytes()), in_seconds(days * 86_400));
    let (tid, tname, texp) = (id.clone(), req.name.clone(), expires_at.clone());
    state
        .db(move |tx| {
            let t = now();
            let account = caller.account.as_str();
            tx.execute(
                "INSERT INTO tokens (id, hash, account, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                &[
                    tid.as_str().into(),
                    hash.into(),
                    account.into(),
                    tname.as_str().into(),
                    t.as_str().into(),
                    texp.into(),
                ],
            )?;
            let detail = serde_json::json!({ "name": tname, "days": days });
            audit::append(tx, &t, Event { actor: account, action: "token.create", target: &tid, detail })?;
            Ok(())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { id, name: req.name, token, expires_at })))
}

const COLUMNS: &str = "id, name, account, created_at, expires_at, revoked_at";

/// The caller's tokens (every account's for an administrator); never their secrets.
#[utoipa::path(get, path = "/api/tokens", tag = "tokens", responses((status = 200, body = Vec<TokenInfo>, description = "ok"), (status = 401, body = ErrorDoc, description = "not signed in, or a bad token")))]
pub async fn list(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    let rows = state
        .db(move |tx| {
            let sql = format!("SELECT {COLUMNS} FROM tokens WHERE account = ? OR ? = 1 ORDER BY created_at, id");
            Ok(tx.query(&sql, &[caller.account.as_str().into(), caller.administrator.into()])?)
        })
        .await?;
    Ok(Json(rows.iter().map(info).collect::<Result<_, _>>()?))
}

/// Revoke a token (the caller's own; any, for an administrator).
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "tokens", params(("id" = String, Path, description = "the token's id")),
    responses((status = 204, description = "done"), (status = 401, body = ErrorDoc, description = "not signed in, or a bad token"), (status = 404, body = ErrorDoc, description = "not found")))]
pub async fn revoke(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state
        .db(move |tx| {
            let sql = "SELECT account FROM tokens WHERE id = ? AND revoked_at IS NULL AND (account = ? OR ? = 1)";
            let owner =
                first(tx, sql, &[id.as_str().into(), caller.account.as_str().into(), caller.administrator.into()])?
                    .ok_or_else(|| ApiError::not_found(format!("no live token `{id}` of yours")))?
                    .text(0)?;
            let t = now();
            tx.execute("UPDATE tokens SET revoked_at = ? WHERE id = ?", &[t.as_str().into(), id.as_str().into()])?;
            let detail = serde_json::json!({ "owner": owner });
            audit::append(tx, &t, Event { actor: &caller.account, action: "token.revoke", target: &id, detail })?;
            Ok(())
        })
        .await?;
    Ok(no_content())
}
