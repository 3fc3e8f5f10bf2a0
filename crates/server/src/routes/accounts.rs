//! Accounts (administrators only): creating local accounts with argon2id password hashes, and
//! listing them.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Event};
use crate::auth::{Administrator, password};
use crate::error::{ApiError, ErrorDoc};
use crate::http::Body;
use crate::routes::check_name;
use crate::secret::now;
use crate::state::{AppState, blocking};
use crate::store::{Row, Tx, first};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// Lower-case letters, digits, `.`, `_` and `-`; 1 to 64 characters.
    pub name: String,
    pub password: String,
    /// Administers the server (accounts, workspaces, the audit log); `admin` in every workspace.
    #[serde(default)]
    pub administrator: bool,
}

#[derive(Serialize, Deserialize, ToSchema, Debug, PartialEq)]
pub struct Account {
    pub name: String,
    pub administrator: bool,
    pub created_at: String,
}

fn account(r: &Row) -> Result<Account, ApiError> {
    Ok(Account { name: r.text(0)?, administrator: r.int(1)? != 0, created_at: r.text(2)? })
}

/// Inserts an account (its password already hashed) and audits it.
pub fn insert(tx: &mut dyn Tx, actor: &str, name: &str, phc: &str, administrator: bool) -> Result<Account, ApiError> {
    if first(tx, "SELECT name FROM accounts WHERE name = ?", &[name.into()])?.is_some() {
        return Err(ApiError::conflict(format!("the account `{name}` exists")));
    }
    let t = now();
    tx.execute(
        "INSERT INTO accounts (name, password_hash, administrator, created_at) VALUES (?, ?, ?, ?)",
        &[name.into(), phc.into(), administrator.into(), t.as_str().into()],
    )?;
    let detail = serde_json::json!({ "administrator": administrator });
    audit::append(tx, &t, Event { actor, action: "account.create", target: name, detail })?;
    Ok(Account { name: name.to_string(), administrator, created_at: t })
}

/// Create an account.
#[utoipa::path(post, path = "/api/accounts", tag = "accounts", request_body = NewAccount,
    responses((status = 201, body = Account, description = "created"), (status = 400, body = ErrorDoc, description = "bad request"), (status = 403, body = ErrorDoc, description = "not allowed"), (status = 409, body = ErrorDoc, description = "exists already")))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    Administrator(caller): Administrator,
    Body(req): Body<NewAccount>,
) -> Result<(StatusCode, Json<Account>), ApiError> {
    check_name("account", &req.name)?;
    password::policy(&req.password).map_err(|m| ApiError::bad_request("weak_password", m))?;
    let given = req.password;
    let phc = blocking(move || password::hash(&given)).await?.map_err(ApiError::internal)?;
    let made = state.db(move |tx| insert(tx, &caller.account, &req.name, &phc, req.administrator)).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Every account.
#[utoipa::path(get, path = "/api/accounts", tag = "accounts",
    responses((status = 200, body = Vec<Account>, description = "ok"), (status = 403, body = ErrorDoc, description = "not allowed")))]
pub async fn list(State(state): State<Arc<AppState>>, _: Administrator) -> Result<Json<Vec<Account>>, ApiError> {
    let rows =
        state.db(|tx| Ok(tx.query("SELECT name, administrator, created_at FROM accounts ORDER BY name", &[])?)).await?;
    Ok(Json(rows.iter().map(account).collect::<Result<_, _>>()?))
}
