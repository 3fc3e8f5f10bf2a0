//! The HTTP envelope every route shares: JSON request bodies within a size limit, error
//! responses no handler wrote turned into the JSON error shape, security headers, the access log.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body as HttpBody, to_bytes};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::auth::LoggedUser;
use crate::error::{ApiError, code_for};
use crate::state::AppState;

/// Largest JSON request body (uploads have their own bound), in bytes.
pub const JSON_LIMIT: usize = 1 << 20;

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")))
}

/// A JSON request body: `application/json`, at most [`JSON_LIMIT`] bytes, of the type `T`
/// (unknown fields refused where `T` says so); every failure a JSON error.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ));
        }
        let bytes = to_bytes(req.into_body(), JSON_LIMIT).await.map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("a JSON body has at most {JSON_LIMIT} bytes"),
            )
        })?;
        serde_json::from_slice(&bytes)
            .map(Body)
            .map_err(|e| ApiError::bad_request("invalid_body", format!("the JSON body: {e}")))
    }
}

/// The client's address (`unknown` when the listener did not record it).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip().to_string());
        Ok(ClientAddr(addr.unwrap_or_else(|| "unknown".into())))
    }
}

/// Middleware: an error response that is not JSON (the router's 404 and 405, a path that does not
/// parse, the timeout's 408) becomes the JSON error shape with the status's stable code.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = to_bytes(body, 2048).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let message = if text.is_empty() { status.canonical_reason().unwrap_or("error").to_string() } else { text };
    let mut rewritten = ApiError::new(status, code_for(status), message).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            rewritten.headers_mut().insert(name, v.clone());
        }
    }
    rewritten
}

/// Middleware: the security headers of every response (an API: nothing may be framed, run or
/// sniffed; no referrer; nothing cached), and HSTS under TLS.
pub async fn security_headers(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let set = [
        (header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in set {
        h.insert(name, HeaderValue::from_static(value));
    }
    if state.tls {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    response
}

/// One access-log line: time, method, route (the template, never the raw path or query), status,
/// account and duration. Never bodies, headers, cookies or tokens.
pub fn access_line(time: &str, method: &str, route: &str, status: u16, user: &str, millis: u128) -> String {
    format!("{time} {method} {route} {status} {user} {millis}ms")
}

/// Middleware: the access log on stderr.
pub async fn access_log(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map_or("(no route)".to_string(), |m| m.as_str().to_string());
    let response = next.run(request).await;
    if state.access_log {
        let user = response.extensions().get::<LoggedUser>().map_or("-", |u| u.0.as_str());
        let line = access_line(
            &crate::secret::now(),
            &method,
            &route,
            response.status().as_u16(),
            user,
            start.elapsed().as_millis(),
        );
        eprintln!("{line}");
    }
    response
}

/// An empty body (204).
pub fn no_content() -> Response {
    (StatusCode::NO_CONTENT, HttpBody::empty()).into_response()
}
