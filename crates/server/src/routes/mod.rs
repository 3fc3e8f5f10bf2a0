//! The API's routes and their OpenAPI 3.1 document, built from the same registrations (utoipa-axum),
//! so every route is documented; and the envelope's layers in order.

pub mod accounts;
pub mod files;
pub mod jobs;
pub mod meta;
pub mod session;
pub mod tokens;
pub mod workspaces;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{COOKIE, authenticate};
use crate::error::ApiError;
use crate::http::{access_log, json_errors, security_headers};
use crate::state::AppState;
use crate::upload::Limits;

/// How long a request may take to answer (a job's events stream after its headers, unbounded).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a client may take to send a body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest request body: an upload, compressed.
pub const BODY_LIMIT: usize = 64 << 20;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(COOKIE))));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "riskpath server", description = "Attack paths and risk in money, shared: workspaces, roles, uploads, audit. docs/server.md."),
    modifiers(&Security),
    security(("token" = []), ("session" = [])),
    tags((name = "meta"), (name = "session"), (name = "accounts"), (name = "tokens"), (name = "workspaces"), (name = "files"), (name = "jobs"), (name = "audit"))
)]
struct ApiDoc;

/// Every route with its documentation, before state and layers.
pub fn api() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(meta::health))
        .routes(routes!(meta::openapi))
        .routes(routes!(meta::audit_log))
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
        .routes(routes!(session::me))
        .routes(routes!(session::change_password))
        .routes(routes!(accounts::create, accounts::list))
        .routes(routes!(tokens::create, tokens::list))
        .routes(routes!(tokens::revoke))
        .routes(routes!(workspaces::create, workspaces::list))
        .routes(routes!(workspaces::members))
        .routes(routes!(workspaces::set_member, workspaces::remove_member))
        .routes(routes!(files::push_model, files::list_models))
        .routes(routes!(files::get_model))
        .routes(routes!(files::push_import, files::list_imports))
        .routes(routes!(files::push_evidence, files::list_evidence))
        .routes(routes!(jobs::submit, jobs::list))
        .routes(routes!(jobs::get, jobs::cancel))
        .routes(routes!(jobs::result))
        .routes(routes!(jobs::events))
}

/// The OpenAPI document, as served.
pub fn openapi_json() -> String {
    let (_, doc) = api().split_for_parts();
    doc.to_pretty_json().unwrap_or_default()
}

/// The application: routes, state and the layers (outermost first: access log, security headers,
/// JSON errors, timeouts, body limit, authentication).
pub fn app(state: AppState) -> Router {
    let (router, doc) = api().split_for_parts();
    let state = Arc::new(AppState { openapi: doc.to_pretty_json().unwrap_or_default(), ..state });
    router
        .fallback(|| async { ApiError::not_found("no such route (GET /api/openapi.json lists them)") })
        .layer(from_fn_with_state(Arc::clone(&state), authenticate))
        .layer(DefaultBodyLimit::max(BODY_LIMIT.max(Limits::default().max_file_bytes as usize)))
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(from_fn(json_errors))
        .layer(from_fn_with_state(Arc::clone(&state), security_headers))
        .layer(from_fn_with_state(Arc::clone(&state), access_log))
        .with_state(state)
}

/// Account and workspace names: lower-case letters, digits, `.`, `_`, `-`, starting with a
/// letter or digit, 1 to 64 characters (safe in paths, URLs and logs).
pub fn check_name(what: &str, name: &str) -> Result<(), ApiError> {
    let ok = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "invalid_name",
        format!("{what} name `{}`: lower-case letters, digits, `.`, `_`, `-`; 1 to 64 characters", name.escape_debug()),
    ))
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_are_plain() {
        for ok in ["a", "ci-bot", "team.eu_1", &"x".repeat(64)] {
            assert!(check_name("account", ok).is_ok(), "{ok}");
        }
        for bad in ["", "Admin", "-x", "a b", "a/b", "é", &"x".repeat(65)] {
            assert!(check_name("account", bad).is_err(), "{bad}");
        }
    }
}
