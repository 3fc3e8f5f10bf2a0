//! Jobs: an analysis run by the pool gives the library's bytes for the same files and options,
//! is cached by (model, options), streams its progress, can be cancelled, and the queue is bounded.

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::{Auth, STARTER, Server, server, server_with_pool};
use riskpath_server::jobs::{AnalyzeOptions, Pool};
use serde_json::{Value, json};

const OPTIONS: &str =
    r#"{"seed": 7, "trials": 2000, "years": 2000, "decision_trials": 64, "paths": 3, "as_of": "2026-01-15"}"#;

async fn workspace_with_model(s: &Server) -> (Auth, String) {
    let admin = s.admin().await;
    s.call(Method::POST, "/api/workspaces", &admin, json!({ "name": "w" })).await;
    let r = s.call(Method::POST, "/api/workspaces/w/models", &admin, json!({ "m.yaml": STARTER })).await;
    (admin, r.json()["hash"].as_str().unwrap().to_string())
}

async fn submit(s: &Server, auth: &Auth, model: &str, options: Value) -> common::Reply {
    s.call(
        Method::POST,
        "/api/workspaces/w/jobs",
        auth,
        json!({ "model": model, "kind": "analyze", "options": options }),
    )
    .await
}

async fn wait(s: &Server, auth: &Auth, id: &str) -> Value {
    for _ in 0..1200 {
        let job = s.call(Method::GET, &format!("/api/workspaces/w/jobs/{id}"), auth, Value::Null).await.json();
        if !matches!(job["state"].as_str(), Some("queued" | "running")) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {id} did not finish");
}

/// The library's analysis of the same files with the same options (what `riskpath analyze` writes).
fn library(options: &AnalyzeOptions) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.yaml"), STARTER).unwrap();
    let mut config = riskpath_app::AnalyzeConfig::new(
        riskpath_app::ModelSource::path(dir.path()),
        riskpath_model::accepted::Date::parse(options.as_of.as_deref().unwrap()).unwrap(),
    );
    config.sim.run = riskpath_app::RunConfig { trials: options.trials, seed: options.seed, years: options.years };
    config.sim.decision_trials = options.decision_trials.unwrap();
    config.paths = options.paths.unwrap();
    riskpath_app::analyze(&config, &riskpath_app::Silent).unwrap().render().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_gives_the_librarys_bytes_and_the_same_request_is_answered_from_the_cache() {
    let s = server();
    let (admin, model) = workspace_with_model(&s).await;
    let options: Value = serde_json::from_str(OPTIONS).unwrap();
    let r = submit(&s, &admin, &model, options.clone()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_str().unwrap().to_string();
    let job = wait(&s, &admin, &id).await;
    assert_eq!(job["state"], "done", "{job}");
    let result = s.call(Method::GET, &format!("/api/workspaces/w/jobs/{id}/result"), &admin, Value::Null).await;
    let typed: AnalyzeOptions = serde_json::from_value(options.clone()).unwrap();
    assert_eq!(String::from_utf8(result.body.clone()).unwrap(), library(&typed), "byte for byte");
    let again = submit(&s, &admin, &model, options.clone()).await;
    assert_eq!((again.status, again.json()["state"].as_str()), (StatusCode::OK, Some("done")), "from the cache");
    let id2 = again.json()["id"].as_str().unwrap().to_string();
    let cached = s.call(Method::GET, &format!("/api/workspaces/w/jobs/{id2}/result"), &admin, Value::Null).await;
    assert_eq!(cached.body, result.body);
    let mut other = options;
    other["seed"] = json!(8);
    assert_eq!(submit(&s, &admin, &model, other).await.status, StatusCode::ACCEPTED, "another seed is another key");
    let events = s.call(Method::GET, &format!("/api/workspaces/w/jobs/{id}/events"), &admin, Value::Null).await;
    let text = String::from_utf8(events.body).unwrap();
    assert!(text.starts_with("event: done\ndata: {\"state\":\"done\""), "{text}");
    let audit: Vec<String> = s
        .sql("SELECT action FROM audit WHERE action LIKE 'job.%' ORDER BY seq")
        .iter()
        .map(|r| r.text(0).unwrap())
        .collect();
    assert_eq!(&audit[..3], ["job.submit", "job.finish", "job.submit"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_streams_until_the_job_ends() {
    let s = server();
    let (admin, model) = workspace_with_model(&s).await;
    let r = submit(&s, &admin, &model, json!({ "trials": 20000, "years": 20000, "decision_trials": 64 })).await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let events = s.call(Method::GET, &format!("/api/workspaces/w/jobs/{id}/events"), &admin, Value::Null).await;
    assert_eq!(events.headers["content-type"], "text/event-stream");
    let text = String::from_utf8(events.body).unwrap();
    let data: Vec<Value> =
        text.lines().filter_map(|l| l.strip_prefix("data: ")).map(|d| serde_json::from_str(d).unwrap()).collect();
    assert_eq!(data.last().unwrap()["state"], "done", "{text}");
    assert!(text.contains("event: progress"), "{text}");
    let simulating: Vec<u64> =
        data.iter().filter(|e| e["what"] == "simulating").map(|e| e["done"].as_u64().unwrap()).collect();
    assert!(simulating.windows(2).all(|w| w[0] <= w[1]), "counts only grow: {simulating:?}");
    if let Some(last) = data.iter().rev().find(|e| e["what"] == "simulating") {
        assert!(last["done"].as_u64() <= last["total"].as_u64(), "{last}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_jobs_cancel_and_the_queue_is_bounded() {
    let s = server_with_pool(Pool::new(0, 2));
    let (admin, model) = workspace_with_model(&s).await;
    let a = submit(&s, &admin, &model, json!({ "seed": 1 })).await;
    let b = submit(&s, &admin, &model, json!({ "seed": 2 })).await;
    assert_eq!((a.status, b.status), (StatusCode::ACCEPTED, StatusCode::ACCEPTED));
    let full = submit(&s, &admin, &model, json!({ "seed": 3 })).await;
    assert_eq!((full.status, full.code().as_str()), (StatusCode::SERVICE_UNAVAILABLE, "queue_full"));
    let id = a.json()["id"].as_str().unwrap().to_string();
    let cancelled = s.call(Method::DELETE, &format!("/api/workspaces/w/jobs/{id}"), &admin, Value::Null).await;
    assert_eq!(cancelled.json()["state"], "cancelled");
    let events = s.call(Method::GET, &format!("/api/workspaces/w/jobs/{id}/events"), &admin, Value::Null).await;
    assert!(String::from_utf8(events.body).unwrap().contains("event: cancelled"));
    let again = s.call(Method::DELETE, &format!("/api/workspaces/w/jobs/{id}"), &admin, Value::Null).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let result = s.call(Method::GET, &format!("/api/workspaces/w/jobs/{id}/result"), &admin, Value::Null).await;
    assert_eq!(result.code(), "not_ready");
    for _ in 0..50 {
        if submit(&s, &admin, &model, json!({ "seed": 3 })).await.status == StatusCode::ACCEPTED {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the cancelled job's place was not freed");
}

#[tokio::test]
async fn bad_requests_are_refused_by_name() {
    let s = server();
    let (admin, model) = workspace_with_model(&s).await;
    let r = submit(&s, &admin, &model, json!({ "paths": 0 })).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::BAD_REQUEST, "invalid_body"));
    let r = submit(&s, &admin, &model, json!({ "as_of": "2026-13-01" })).await;
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("as_of"));
    let r = submit(&s, &admin, &model, json!({ "sed": 1 })).await;
    assert_eq!(r.code(), "invalid_body");
    let r = submit(&s, &admin, &"0".repeat(64), json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = s.call(Method::POST, "/api/workspaces/w/jobs", &admin, json!({ "model": model, "kind": "plan" })).await;
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("analyze"));
    let r = submit(&s, &admin, &model, json!({ "trials": 0 })).await;
    let job = wait(&s, &admin, r.json()["id"].as_str().unwrap()).await;
    assert_eq!(job["state"], "failed");
    assert!(job["error"].as_str().unwrap().contains("at least 1"), "{job}");
}
