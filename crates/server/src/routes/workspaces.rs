//! Workspaces and who may do what in each: created by administrators, members and their roles
//! set by the workspace's admins; every change of access audited.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Event};
use crate::auth::{Administrator, Caller, Member};
use crate::error::{ApiError, ErrorDoc};
use crate::http::{Body, no_content};
use crate::roles::{MANAGE, Role};
use crate::routes::check_name;
use crate::routes::session::{WorkspaceRole, workspaces_of};
use crate::secret::now;
use crate::state::AppState;
use crate::store::first;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWorkspace {
    /// Lower-case letters, digits, `.`, `_` and `-`; 1 to 64 characters.
    pub name: String,
}

/// Create a workspace.
#[utoipa::path(post, path = "/api/workspaces", tag = "workspaces", request_body = NewWorkspace,
    responses((status = 201, body = WorkspaceRole, description = "created"), (status = 403, body = ErrorDoc, description = "not allowed"), (status = 409, body = ErrorDoc, description = "exists already")))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    Administrator(caller): Administrator,
    Body(req): Body<NewWorkspace>,
) -> Result<(StatusCode, Json<WorkspaceRole>), ApiError> {
    check_name("workspace", &req.name)?;
    let name = req.name.clone();
    state
        .db(move |tx| {
            if first(tx, "SELECT name FROM workspaces WHERE name = ?", &[name.as_str().into()])?.is_some() {
                return Err(ApiError::conflict(format!("the workspace `{name}` exists")));
            }
            let t = now();
            let params = [name.as_str().into(), t.as_str().into(), caller.account.as_str().into()];
            tx.execute("INSERT INTO workspaces (name, created_at, created_by) VALUES (?, ?, ?)", &params)?;
            let event = Event {
                actor: &caller.account,
                action: "workspace.create",
                target: &name,
                detail: serde_json::json!({}),
            };
            audit::append(tx, &t, event)?;
            Ok(())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(WorkspaceRole { name: req.name, role: Role::Admin })))
}

/// The workspaces the caller may enter, with its role in each.
#[utoipa::path(get, path = "/api/workspaces", tag = "workspaces",
    responses((status = 200, body = Vec<WorkspaceRole>, description = "ok"), (status = 401, body = ErrorDoc, description = "not signed in, or a bad token")))]
pub async fn list(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<Vec<WorkspaceRole>>, ApiError> {
    Ok(Json(state.db(move |tx| workspaces_of(tx, &caller)).await?))
}

#[derive(Serialize, Deserialize, ToSchema, Debug, PartialEq)]
pub struct Membership {
    pub account: String,
    pub role: Role,
}

/// The workspace's members and their roles.
#[utoipa::path(get, path = "/api/workspaces/{ws}/members", tag = "workspaces", params(("ws" = String, Path)),
    responses((status = 200, body = Vec<Membership>, description = "ok"), (status = 403, body = ErrorDoc, description = "not allowed"), (status = 404, body = ErrorDoc, description = "not found")))]
pub async fn members(State(state): State<Arc<AppState>>, m: Member<MANAGE>) -> Result<Json<Vec<Membership>>, ApiError> {
    let rows = state
        .db(move |tx| {
            Ok(tx.query(
                "SELECT account, role FROM members WHERE workspace = ? ORDER BY account",
                &[m.workspace.into()],
            )?)
        })
        .await?;
    let list = rows
        .iter()
        .map(|r| {
            let role = Role::parse(&r.text(1)?).ok_or_else(|| ApiError::internal("unknown role stored"))?;
            Ok(Membership { account: r.text(0)?, role })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(list))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRole {
    pub role: Role,
}

/// Give an account a role in the workspace (or change it).
#[utoipa::path(put, path = "/api/workspaces/{ws}/members/{account}", tag = "workspaces",
    params(("ws" = String, Path), ("account" = String, Path)), request_body = SetRole,
    responses((status = 200, body = Membership, description = "ok"), (status = 403, body = ErrorDoc, description = "not allowed"), (status = 404, body = ErrorDoc, description = "not found")))]
pub async fn set_member(
    State(state): State<Arc<AppState>>,
    m: Member<MANAGE>,
    Path(path): Path<(String, String)>,
    Body(req): Body<SetRole>,
) -> Result<Json<Membership>, ApiError> {
    let account = path.1;
    let who = account.clone();
    state
        .db(move |tx| {
            if first(tx, "SELECT name FROM accounts WHERE name = ?", &[who.as_str().into()])?.is_none() {
                return Err(ApiError::not_found(format!("no account `{who}`")));
            }
            let key = [m.workspace.as_str().into(), who.as_str().into()];
            tx.execute("DELETE FROM members WHERE workspace = ? AND account = ?", &key)?;
            let row = [m.workspace.as_str().into(), who.as_str().into(), req.role.name().into()];
            tx.execute("INSERT INTO members (workspace, account, role) VALUES (?, ?, ?)", &row)?;
            let detail = serde_json::json!({ "workspace": m.workspace, "role": req.role.name() });
            audit::append(tx, &now(), Event { actor: &m.caller.account, action: "member.set", target: &who, detail })?;
            Ok(())
        })
        .await?;
    Ok(Json(Membership { account, role: req.role }))
}

/// Take an account's role in the workspace away.
#[utoipa::path(delete, path = "/api/workspaces/{ws}/members/{account}", tag = "workspaces",
    params(("ws" = String, Path), ("account" = String, Path)),
    responses((status = 204, description = "done"), (status = 403, body = ErrorDoc, description = "not allowed"), (status = 404, body = ErrorDoc, description = "not found")))]
pub async fn remove_member(
    State(state): State<Arc<AppState>>,
    m: Member<MANAGE>,
    Path(path): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let account = path.1;
    state
        .db(move |tx| {
            let key = [m.workspace.as_str().into(), account.as_str().into()];
            if tx.execute("DELETE FROM members WHERE workspace = ? AND account = ?", &key)? == 0 {
                return Err(ApiError::not_found(format!("`{account}` is not a member of `{}`", m.workspace)));
            }
            let detail = serde_json::json!({ "workspace": m.workspace });
            audit::append(
                tx,
                &now(),
                Event { actor: &m.caller.account, action: "member.remove", target: &account, detail },
            )?;
            Ok(())
        })
        .await?;
    Ok(no_content())
}
