//! Uploads: model versions (checked by the loader, refused with located problems), imports and
//! evidence, each a file set stored once per content hash in its workspace and audited.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Event};
use crate::auth::Member;
use crate::error::{ApiError, ErrorDoc, Located};
use crate::modelcheck;
use crate::roles::{EDIT, PUSH, READ};
use crate::secret::now;
use crate::state::{AppState, blocking};
use crate::store::{Row, Tx, first};
use crate::upload::{self, FileSet, Limits, UploadError};

/// What a file set is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Model,
    Import,
    Evidence,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Model => "model",
            Kind::Import => "import",
            Kind::Evidence => "evidence",
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema, Debug, PartialEq)]
pub struct SetInfo {
    /// SHA-256 over the files (docs/server.md: the framing).
    pub hash: String,
    pub files: i64,
    pub bytes: i64,
    pub created_at: String,
    pub created_by: String,
    /// The loader's warnings (model versions only, on upload).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Located>,
}

fn info(r: &Row) -> Result<SetInfo, ApiError> {
    Ok(SetInfo {
        hash: r.text(0)?,
        files: r.int(1)?,
        bytes: r.int(2)?,
        created_at: r.text(3)?,
        created_by: r.text(4)?,
        warnings: Vec::new(),
    })
}

const COLUMNS: &str = "hash, files, bytes, created_at, created_by";

fn upload_error(e: UploadError) -> ApiError {
    match e {
        UploadError::TooLarge(m) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", m),
        UploadError::Bad(m) => ApiError::bad_request("bad_upload", m),
    }
}

/// Stores `set` unless the workspace holds it already; whether it was new.
fn store_set(
    tx: &mut dyn Tx,
    workspace: &str,
    kind: Kind,
    set: &FileSet,
    actor: &str,
) -> Result<(bool, SetInfo), ApiError> {
    let hash = set.hash();
    let key = [workspace.into(), kind.name().into(), hash.as_str().into()];
    let sql = format!("SELECT {COLUMNS} FROM file_sets WHERE workspace = ? AND kind = ? AND hash = ?");
    if let Some(row) = first(tx, &sql, &key)? {
        return Ok((false, info(&row)?));
    }
    let t = now();
    let (files, bytes) = (set.files.len() as i64, set.bytes() as i64);
    tx.execute(
        "INSERT INTO file_sets (workspace, kind, hash, files, bytes, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        &[workspace.into(), kind.name().into(), hash.as_str().into(), files.into(), bytes.into(), t.as_str().into(), actor.into()],
    )?;
    for (path, text) in &set.files {
        tx.execute(
            "INSERT INTO files (workspace, kind, hash, path, content) VALUES (?, ?, ?, ?, ?)",
            &[
                workspace.into(),
                kind.name().into(),
                hash.as_str().into(),
                path.as_str().into(),
                text.as_bytes().to_vec().into(),
            ],
        )?;
    }
    let target = format!("{workspace}/{}/{hash}", kind.name());
    let detail = serde_json::json!({ "files": files, "bytes": bytes });
    let action = format!("upload.{}", kind.name());
    audit::append(tx, &t, Event { actor, action: &action, target: &target, detail })?;
    Ok((true, SetInfo { hash, files, bytes, created_at: t, created_by: actor.to_string(), warnings: Vec::new() }))
}

/// Reads, checks (a model with the loader) and stores one upload.
async fn push(
    state: &AppState,
    workspace: String,
    actor: String,
    kind: Kind,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<SetInfo>), ApiError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let set = blocking(move || upload::parse(content_type.as_deref(), &body, &Limits::default()))
        .await?
        .map_err(upload_error)?;
    let (set, warnings) = match kind {
        Kind::Model => blocking(move || modelcheck::check(&set).map(|w| (set, w))).await?.map_err(|problems| {
            let n = problems.iter().filter(|p| p.severity == "error").count();
            let mut e = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "model_invalid",
                format!("the model does not load: {n} error(s)"),
            );
            e.problems = problems;
            e
        })?,
        _ => (set, Vec::new()),
    };
    let (new, mut info) = state.db(move |tx| store_set(tx, &workspace, kind, &set, &actor)).await?;
    info.warnings = warnings;
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(info)))
}

async fn list_sets(state: &AppState, workspace: String, kind: Kind) -> Result<Json<Vec<SetInfo>>, ApiError> {
    let rows = state
        .db(move |tx| {
            let sql =
                format!("SELECT {COLUMNS} FROM file_sets WHERE workspace = ? AND kind = ? ORDER BY created_at, hash");
            Ok(tx.query(&sql, &[workspace.into(), kind.name().into()])?)
        })
        .await?;
    Ok(Json(rows.iter().map(info).collect::<Result<_, _>>()?))
}

/// Upload a model version: a JSON object of path → text, or a zip archive. The loader checks it
/// as the CLI does; a model that does not load is refused with every problem located.
#[utoipa::path(post, path = "/api/workspaces/{ws}/models", tag = "files", params(("ws" = String, Path)),
    request_body(content((std::collections::BTreeMap<String, String> = "application/json"), (Vec<u8> = "application/zip"))),
    responses((status = 201, body = SetInfo, description = "stored"), (status = 200, body = SetInfo, description = "already stored"),
        (status = 400, body = ErrorDoc, description = "bad request"), (status = 403, body = ErrorDoc, description = "not allowed"), (status = 413, body = ErrorDoc, description = "too large"), (status = 422, body = ErrorDoc, description = "the model does not load")))]
pub async fn push_model(
    State(state): State<Arc<AppState>>,
    m: Member<EDIT>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<SetInfo>), ApiError> {
    push(&state, m.workspace, m.caller.account, Kind::Model, &headers, body).await
}

/// The workspace's model versions, oldest first.
#[utoipa::path(get, path = "/api/workspaces/{ws}/models", tag = "files", params(("ws" = String, Path)),
    responses((status = 200, body = Vec<SetInfo>, description = "ok"), (status = 403, body = ErrorDoc, description = "not allowed")))]
pub async fn list_models(State(state): State<Arc<AppState>>, m: Member<READ>) -> Result<Json<Vec<SetInfo>>, ApiError> {
    list_sets(&state, m.workspace, Kind::Model).await
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Version {
    pub hash: String,
    /// Path → text.
    pub files: std::collections::BTreeMap<String, String>,
}

/// Read a set's files.
pub fn read_set(tx: &mut dyn Tx, workspace: &str, kind: Kind, hash: &str) -> Result<FileSet, ApiError> {
    let key = [workspace.into(), kind.name().into(), hash.into()];
    if first(tx, "SELECT hash FROM file_sets WHERE workspace = ? AND kind = ? AND hash = ?", &key)?.is_none() {
        return Err(ApiError::not_found(format!("no {} `{hash}` in `{workspace}`", kind.name())));
    }
    let rows =
        tx.query("SELECT path, content FROM files WHERE workspace = ? AND kind = ? AND hash = ? ORDER BY path", &key)?;
    let mut set = FileSet::default();
    for r in rows {
        let text = String::from_utf8(r.blob(1)?).map_err(|_| ApiError::internal("a stored file is not UTF-8"))?;
        set.files.insert(r.text(0)?, text);
    }
    Ok(set)
}

/// A model version's files.
#[utoipa::path(get, path = "/api/workspaces/{ws}/models/{hash}", tag = "files", params(("ws" = String, Path), ("hash" = String, Path)),
    responses((status = 200, body = Version, description = "ok"), (status = 403, body = ErrorDoc, description = "not allowed"), (status = 404, body = ErrorDoc, description = "not found")))]
pub async fn get_model(
    State(state): State<Arc<AppState>>,
    m: Member<EDIT>,
    Path(path): Path<(String, String)>,
) -> Result<Json<Version>, ApiError> {
    let hash = path.1;
    let h = hash.clone();
    let set = state.db(move |tx| read_set(tx, &m.workspace, Kind::Model, &h)).await?;
    Ok(Json(Version { hash, files: set.files }))
}

/// Push an import run's files (an importer's generated folder): JSON object of path → text, or zip.
#[utoipa::path(post, path = "/api/workspaces/{ws}/imports", tag = "files", params(("ws" = String, Path)),
    request_body(content((std::collections::BTreeMap<String, String> = "application/json"), (Vec<u8> = "application/zip"))),
    responses((status = 201, body = SetInfo, description = "created"), (status = 200, body = SetInfo, description = "ok"), (status = 400, body = ErrorDoc, description = "bad request"), (status = 403, body = ErrorDoc, description = "not allowed"), (status = 413, body = ErrorDoc, description = "too large")))]
pub async fn push_import(
    State(state): State<Arc<AppState>>,
    m: Member<PUSH>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<SetInfo>), ApiError> {
    push(&state, m.workspace, m.caller.account, Kind::Import, &headers, body).await
}

/// The workspace's import runs.
#[utoipa::path(get, path = "/api/workspaces/{ws}/imports", tag = "files", params(("ws" = String, Path)),
    responses((status = 200, body = Vec<SetInfo>, description = "ok"), (status = 403, body = ErrorDoc, description = "not allowed")))]
pub async fn list_imports(State(state): State<Arc<AppState>>, m: Member<READ>) -> Result<Json<Vec<SetInfo>>, ApiError> {
    list_sets(&state, m.workspace, Kind::Import).await
}

/// Push verify evidence: JSON object of path → text, or zip.
#[utoipa::path(post, path = "/api/workspaces/{ws}/evidence", tag = "files", params(("ws" = String, Path)),
    request_body(content((std::collections::BTreeMap<String, String> = "application/json"), (Vec<u8> = "application/zip"))),
    responses((status = 201, body = SetInfo, description = "created"), (status = 200, body = SetInfo, description = "ok"), (status = 400, body = ErrorDoc, description = "bad request"), (status = 403, body = ErrorDoc, description = "not allowed"), (status = 413, body = ErrorDoc, description = "too large")))]
pub async fn push_evidence(
    State(state): State<Arc<AppState>>,
    m: Member<PUSH>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<SetInfo>), ApiError> {
    push(&state, m.workspace, m.caller.account, Kind::Evidence, &headers, body).await
}

/// The workspace's evidence sets.
#[utoipa::path(get, path = "/api/workspaces/{ws}/evidence", tag = "files", params(("ws" = String, Path)),
    responses((status = 200, body = Vec<SetInfo>, description = "ok"), (status = 403, body = ErrorDoc, description = "not allowed")))]
pub async fn list_evidence(
    State(state): State<Arc<AppState>>,
    m: Member<READ>,
) -> Result<Json<Vec<SetInfo>>, ApiError> {
    list_sets(&state, m.workspace, Kind::Evidence).await
}
