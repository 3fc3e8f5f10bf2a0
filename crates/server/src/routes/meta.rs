//! The server about itself: health, the OpenAPI document, and the audit log (administrators).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::{self, Entry};
use crate::auth::Administrator;
use crate::error::{ApiError, ErrorDoc};
use crate::state::AppState;
use crate::store::migrate;

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    /// The riskpath version serving.
    pub version: String,
    pub schema_version: i64,
}

/// Whether the server is up (no sign-in needed).
#[utoipa::path(get, path = "/api/health", tag = "meta", security(()), responses((status = 200, body = Health, description = "ok")))]
pub async fn health(State(state): State<Arc<AppState>>) -> Result<Json<Health>, ApiError> {
    let version = state.db(|tx| Ok(tx.query("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])?)).await?;
    let schema_version = version.first().map_or(Ok(0), |r| r.int(0))?;
    debug_assert!(schema_version <= migrate::latest());
    Ok(Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into(), schema_version }))
}

/// This API's OpenAPI 3.1 document (no sign-in needed).
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", security(()), responses((status = 200, description = "the OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi(State(state): State<Arc<AppState>>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], state.openapi.clone()).into_response()
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// Rows after this sequence number (0: from the first).
    #[serde(default)]
    pub after: i64,
    /// At most this many (1 to 1000; 100 when absent).
    pub limit: Option<i64>,
}

/// The audit log, oldest first, a page at a time.
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(Page),
    responses((status = 200, body = Vec<Entry>, description = "ok"), (status = 400, body = ErrorDoc, description = "bad request"), (status = 403, body = ErrorDoc, description = "not allowed")))]
pub async fn audit_log(
    State(state): State<Arc<AppState>>,
    _: Administrator,
    Query(page): Query<Page>,
) -> Result<Json<Vec<Entry>>, ApiError> {
    let limit = page.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request("invalid_query", "limit is 1 to 1000"));
    }
    Ok(Json(state.db(move |tx| Ok(audit::list(tx, page.after, limit)?)).await?))
}
