//! Jobs over HTTP: submit an analysis of a model version (answered from the cache when the same
//! model and options ran before), list, read, cancel, stream progress (server-sent events), fetch
//! the result: the bytes `riskpath analyze --format json` writes.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Event as AuditEvent};
use crate::auth::Member;
use crate::error::{ApiError, ErrorDoc};
use crate::http::Body;
use crate::jobs::{self, AnalyzeOptions, JobEvent, JobProgress};
use crate::roles::{EDIT, READ};
use crate::routes::files::{Kind, read_set};
use crate::secret::{now, random_hex};
use crate::state::{AppState, blocking};
use crate::store::{Row, Tx, first};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewJob {
    /// The model version's hash (`POST /api/workspaces/{ws}/models`).
    pub model: String,
    /// `analyze` (the only kind so far).
    pub kind: String,
    #[serde(default)]
    pub options: AnalyzeOptions,
}

#[derive(Serialize, Deserialize, ToSchema, Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub model: String,
    /// The options as run, every default explicit.
    pub options: AnalyzeOptions,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    pub created_by: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

const COLUMNS: &str = "id, kind, model_hash, options, state, created_by, created_at, finished_at, error";

fn job(r: &Row) -> Result<Job, ApiError> {
    Ok(Job {
        id: r.text(0)?,
        kind: r.text(1)?,
        model: r.text(2)?,
        options: serde_json::from_str(&r.text(3)?).map_err(ApiError::internal)?,
        state: r.text(4)?,
        created_by: r.text(5)?,
        created_at: r.text(6)?,
        finished_at: r.opt_text(7)?,
        error: r.opt_text(8)?,
    })
}

fn read_job(tx: &mut dyn Tx, workspace: &str, id: &str) -> Result<Job, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM jobs WHERE workspace = ? AND id = ?");
    let row = first(tx, &sql, &[workspace.into(), id.into()])?;
    job(&row.ok_or_else(|| ApiError::not_found(format!("no job `{id}` in `{workspace}`")))?)
}

/// Sets a job's final state (unless it was cancelled meanwhile) and caches a result; audited.
fn finish(tx: &mut dyn Tx, id: &str, key: &str, outcome: &Result<String, String>) -> Result<String, ApiError> {
    let t = now();
    let row = first(tx, "SELECT state, created_by FROM jobs WHERE id = ?", &[id.into()])?
        .ok_or_else(|| ApiError::internal("job row gone"))?;
    let (state, actor) = (row.text(0)?, row.text(1)?);
    if state == "cancelled" {
        return Ok(state);
    }
    let (state, error) = match outcome {
        Ok(body) => {
            tx.execute("DELETE FROM results WHERE cache_key = ?", &[key.into()])?;
            tx.execute(
                "INSERT INTO results (cache_key, body, created_at) VALUES (?, ?, ?)",
                &[key.into(), body.as_bytes().to_vec().into(), t.as_str().into()],
            )?;
            ("done", None)
        }
        Err(e) => ("failed", Some(e.clone())),
    };
    tx.execute(
        "UPDATE jobs SET state = ?, finished_at = ?, error = ? WHERE id = ?",
        &[state.into(), t.as_str().into(), error.clone().into(), id.into()],
    )?;
    let detail = serde_json::json!({ "state": state });
    audit::append(tx, &t, AuditEvent { actor: &actor, action: "job.finish", target: id, detail })?;
    Ok(state.to_string())
}

/// Runs a queued job when a worker is free; its result, state and last event recorded.
async fn work(
    state: Arc<AppState>,
    id: String,
    workspace: String,
    model: String,
    options: AnalyzeOptions,
    key: String,
) {
    let pool = Arc::clone(&state.jobs);
    let Some(events) = pool.events(&id) else { return };
    let permit = pool.turn(&id).await;
    let outcome = if permit.is_none() {
        None
    } else {
        let (ws, m, j) = (workspace.clone(), model.clone(), id.clone());
        let started = state
            .db(move |tx| {
                tx.execute("UPDATE jobs SET state = 'running' WHERE id = ? AND state = 'queued'", &[j.into()])?;
                read_set(tx, &ws, Kind::Model, &m)
            })
            .await;
        events.send_replace(JobEvent::state("running"));
        match started {
            Ok(set) => {
                let progress = JobProgress(events.clone());
                Some(
                    blocking(move || jobs::analyze(&set, &options, &progress)).await.unwrap_or_else(|e| Err(e.message)),
                )
            }
            Err(e) => Some(Err(e.message)),
        }
    };
    drop(permit);
    let last = match outcome {
        None => "cancelled".to_string(),
        Some(outcome) => {
            let j = id.clone();
            state.db(move |tx| finish(tx, &j, &key, &outcome)).await.unwrap_or_else(|e| {
                eprintln!("riskpath serve: job {id}: {}", e.message);
                "failed".into()
            })
        }
    };
    pool.leave(&id, JobEvent::state(&last));
}

/// Submit a job: `202` queued, or `200` done at once from the cache (same model and options).
#[utoipa::path(post, path = "/api/workspaces/{ws}/jobs", tag = "jobs", params(("ws" = String, Path)), request_body = NewJob,
    responses((status = 202, body = Job, description = "queued"), (status = 200, body = Job, description = "answered from the cache"),
        (status = 400, body = ErrorDoc, description = "bad options"), (status = 403, body = ErrorDoc, description = "not allowed"),
        (status = 404, body = ErrorDoc, description = "no such model version"), (status = 503, body = ErrorDoc, description = "the queue is full")))]
pub async fn submit(
    State(state): State<Arc<AppState>>,
    m: Member<EDIT>,
    Body(req): Body<NewJob>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    if req.kind != "analyze" {
        return Err(ApiError::bad_request(
            "invalid_body",
            format!("job kind `{}`: the kinds are: analyze", req.kind.escape_debug()),
        ));
    }
    let options = req.options.resolved(&now()[..10]).map_err(|e| ApiError::bad_request("invalid_body", e))?;
    let key = options.cache_key(&req.model);
    let id = random_hex(8).map_err(ApiError::internal)?;
    if !state.jobs.reserve(&id) {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "queue_full",
            format!("{} jobs are queued or running: try again later", state.jobs.max_pending),
        ));
    }
    let (ws, model, opts, k, j) = (m.workspace.clone(), req.model.clone(), options.clone(), key.clone(), id.clone());
    let actor = m.caller.account.clone();
    let created = state
        .db(move |tx| {
            read_set(tx, &ws, Kind::Model, &model)?;
            let cached = first(tx, "SELECT cache_key FROM results WHERE cache_key = ?", &[k.as_str().into()])?.is_some();
            let t = now();
            let job_state = if cached { "done" } else { "queued" };
            let finished = cached.then(|| t.clone());
            let text = serde_json::to_string(&opts).map_err(ApiError::internal)?;
            tx.execute(
                "INSERT INTO jobs (id, workspace, kind, model_hash, options, cache_key, state, created_by, created_at, finished_at) \
                 VALUES (?, ?, 'analyze', ?, ?, ?, ?, ?, ?, ?)",
                &[j.as_str().into(), ws.as_str().into(), model.as_str().into(), text.into(), k.into(), job_state.into(), actor.as_str().into(), t.as_str().into(), finished.into()],
            )?;
            let detail = serde_json::json!({ "workspace": ws, "model": model, "cached": cached });
            audit::append(tx, &t, AuditEvent { actor: &actor, action: "job.submit", target: &j, detail })?;
            read_job(tx, &ws, &j)
        })
        .await;
    let job = match created {
        Ok(job) => job,
        Err(e) => {
            state.jobs.leave(&id, JobEvent::state("failed"));
            return Err(e);
        }
    };
    if job.state == "done" {
        state.jobs.leave(&id, JobEvent::state("done"));
        return Ok((StatusCode::OK, Json(job)));
    }
    tokio::spawn(work(Arc::clone(&state), id, m.workspace, req.model, options, key));
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// The workspace's jobs, newest first (at most 1000).
#[utoipa::path(get, path = "/api/workspaces/{ws}/jobs", tag = "jobs", params(("ws" = String, Path)),
    responses((status = 200, body = Vec<Job>, description = "ok"), (status = 403, body = ErrorDoc, description = "not allowed")))]
pub async fn list(State(state): State<Arc<AppState>>, m: Member<READ>) -> Result<Json<Vec<Job>>, ApiError> {
    let rows = state
        .db(move |tx| {
            let sql = format!("SELECT {COLUMNS} FROM jobs WHERE workspace = ? ORDER BY created_at DESC, id LIMIT 1000");
            Ok(tx.query(&sql, &[m.workspace.into()])?)
        })
        .await?;
    Ok(Json(rows.iter().map(job).collect::<Result<_, _>>()?))
}

/// One job.
#[utoipa::path(get, path = "/api/workspaces/{ws}/jobs/{id}", tag = "jobs", params(("ws" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = Job, description = "ok"), (status = 403, body = ErrorDoc, description = "not allowed"), (status = 404, body = ErrorDoc, description = "not found")))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    m: Member<READ>,
    Path(path): Path<(String, String)>,
) -> Result<Json<Job>, ApiError> {
    Ok(Json(state.db(move |tx| read_job(tx, &m.workspace, &path.1)).await?))
}

/// Cancel a queued or running job (a running analysis is abandoned: its result is discarded).
#[utoipa::path(delete, path = "/api/workspaces/{ws}/jobs/{id}", tag = "jobs", params(("ws" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = Job, description = "cancelled"), (status = 403, body = ErrorDoc, description = "not allowed"),
        (status = 404, body = ErrorDoc, description = "not found"), (status = 409, body = ErrorDoc, description = "already finished")))]
pub async fn cancel(
    State(state): State<Arc<AppState>>,
    m: Member<EDIT>,
    Path(path): Path<(String, String)>,
) -> Result<Json<Job>, ApiError> {
    let id = path.1;
    let (ws, j, actor) = (m.workspace.clone(), id.clone(), m.caller.account.clone());
    let job = state
        .db(move |tx| {
            let job = read_job(tx, &ws, &j)?;
            if !matches!(job.state.as_str(), "queued" | "running") {
                return Err(ApiError::conflict(format!("job `{j}` is {} already", job.state)));
            }
            let t = now();
            tx.execute(
                "UPDATE jobs SET state = 'cancelled', finished_at = ? WHERE id = ?",
                &[t.as_str().into(), j.as_str().into()],
            )?;
            audit::append(
                tx,
                &t,
                AuditEvent { actor: &actor, action: "job.cancel", target: &j, detail: serde_json::json!({}) },
            )?;
            read_job(tx, &ws, &j)
        })
        .await?;
    state.jobs.cancel(&id);
    Ok(Json(job))
}

/// A finished job's result: the analysis document, as `riskpath analyze --format json` writes it.
#[utoipa::path(get, path = "/api/workspaces/{ws}/jobs/{id}/result", tag = "jobs", params(("ws" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "the analysis document (schema analysis.v1)", content_type = "application/json"),
        (status = 403, body = ErrorDoc, description = "not allowed"), (status = 404, body = ErrorDoc, description = "not found"),
        (status = 409, body = ErrorDoc, description = "not done")))]
pub async fn result(
    State(state): State<Arc<AppState>>,
    m: Member<READ>,
    Path(path): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path.1;
    let body = state
        .db(move |tx| {
            let row = first(
                tx,
                "SELECT state, cache_key FROM jobs WHERE workspace = ? AND id = ?",
                &[m.workspace.as_str().into(), id.as_str().into()],
            )?
            .ok_or_else(|| ApiError::not_found(format!("no job `{id}` in `{}`", m.workspace)))?;
            let job_state = row.text(0)?;
            if job_state != "done" {
                return Err(ApiError::new(StatusCode::CONFLICT, "not_ready", format!("job `{id}` is {job_state}")));
            }
            let stored = first(tx, "SELECT body FROM results WHERE cache_key = ?", &[row.text(1)?.into()])?;
            stored.ok_or_else(|| ApiError::internal("a done job without its result")).and_then(|r| Ok(r.blob(0)?))
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

fn sse(event: &JobEvent) -> Event {
    let name = if event.is_final() { event.state.as_str() } else { "progress" };
    Event::default().event(name).json_data(event).unwrap_or_else(|_| Event::default().event(name))
}

/// The job's progress as server-sent events: `progress` events while queued or running, then one
/// `done`, `failed` or `cancelled` event, and the stream ends.
#[utoipa::path(get, path = "/api/workspaces/{ws}/jobs/{id}/events", tag = "jobs", params(("ws" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "server-sent events, data: a JobEvent", content_type = "text/event-stream"),
        (status = 403, body = ErrorDoc, description = "not allowed"), (status = 404, body = ErrorDoc, description = "not found")))]
pub async fn events(
    State(state): State<Arc<AppState>>,
    m: Member<READ>,
    Path(path): Path<(String, String)>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let id = path.1;
    let live = state.jobs.subscribe(&id);
    let (ws, j) = (m.workspace.clone(), id.clone());
    let job = state.db(move |tx| read_job(tx, &ws, &j)).await?;
    let first_event = live.as_ref().map_or_else(|| JobEvent::state(&job.state), |rx| rx.borrow().clone());
    let stream = stream::unfold((Some(first_event), live, false), |(pending, rx, ended)| async move {
        if ended {
            return None;
        }
        if let Some(event) = pending {
            let end = event.is_final() || rx.is_none();
            return Some((Ok(sse(&event)), (None, rx, end)));
        }
        let mut rx = rx?;
        let event = match rx.changed().await {
            Ok(()) => rx.borrow_and_update().clone(),
            Err(_) => rx.borrow().clone(),
        };
        let end = event.is_final();
        Some((Ok(sse(&event)), (None, Some(rx), end)))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
