//! The role matrix: every route of the OpenAPI document, called by every kind of caller (an
//! anonymous client, a signed-in outsider, each workspace role, the server's administrator),
//! answers 2xx exactly for the callers this table allows and 401/403 for the others. A route
//! added without an entry here fails the test. Each test runs on SQLite and, when
//! RISKPATH_TEST_DATABASE_URL is set, on PostgreSQL.

mod common;

use axum::http::{Method, StatusCode};
use common::{ADMIN_PASSWORD, Auth, Backend, PASSWORD, STARTER, Server, backends, server_on};
use riskpath_server::jobs::Pool;
use serde_json::{Value, json};

const CALLERS: [&str; 7] = ["anonymous", "outsider", "uploader", "viewer", "analyst", "wsadmin", "administrator"];

const EVERYONE: &[&str] = &CALLERS;
const SIGNED_IN: &[&str] = &["outsider", "uploader", "viewer", "analyst", "wsadmin", "administrator"];
const ADMINISTRATOR: &[&str] = &["administrator"];
const MANAGE: &[&str] = &["wsadmin", "administrator"];
const EDIT: &[&str] = &["analyst", "wsadmin", "administrator"];
const READ: &[&str] = &["viewer", "analyst", "wsadmin", "administrator"];
const PUSH: &[&str] = &["uploader", "analyst", "wsadmin", "administrator"];

/// Who may call each route.
fn allowed(method: &str, path: &str) -> Option<&'static [&'static str]> {
    Some(match (method, path) {
        ("get", "/api/health") | ("get", "/api/openapi.json") | ("post", "/api/login") => EVERYONE,
        ("post", "/api/logout") | ("get", "/api/me") | ("put", "/api/me/password") => SIGNED_IN,
        ("post", "/api/tokens") | ("get", "/api/tokens") | ("delete", "/api/tokens/{id}") => SIGNED_IN,
        ("get", "/api/workspaces") => SIGNED_IN,
        ("get", "/api/audit") | ("post", "/api/accounts") | ("get", "/api/accounts") | ("post", "/api/workspaces") => {
            ADMINISTRATOR
        }
        ("get", "/api/workspaces/{ws}/members") => MANAGE,
        ("put", "/api/workspaces/{ws}/members/{account}") | ("delete", "/api/workspaces/{ws}/members/{account}") => {
            MANAGE
        }
        ("post", "/api/workspaces/{ws}/models") | ("get", "/api/workspaces/{ws}/models/{hash}") => EDIT,
        ("get", "/api/workspaces/{ws}/models") | ("get", "/api/workspaces/{ws}/imports") => READ,
        ("get", "/api/workspaces/{ws}/evidence") => READ,
        ("post", "/api/workspaces/{ws}/imports") | ("post", "/api/workspaces/{ws}/evidence") => PUSH,
        ("post", "/api/workspaces/{ws}/jobs") | ("delete", "/api/workspaces/{ws}/jobs/{id}") => EDIT,
        ("get", "/api/workspaces/{ws}/jobs") | ("get", "/api/workspaces/{ws}/jobs/{id}") => READ,
        ("get", "/api/workspaces/{ws}/jobs/{id}/result") | ("get", "/api/workspaces/{ws}/jobs/{id}/events") => READ,
        _ => return None,
    })
}

struct Fixture {
    s: Server,
    callers: Vec<(&'static str, Auth, &'static str)>,
    hash: String,
}

async fn fixture(backend: Backend) -> Fixture {
    // No workers: submitted jobs stay queued (each allowed caller can cancel one), and a finished
    // job with its result is put in the database directly.
    let s = server_on(backend, false, Some(Pool::new(0, 1000)));
    let admin = s.admin().await;
    s.call(Method::POST, "/api/workspaces", &admin, json!({ "name": "w" })).await;
    let up = s.call(Method::POST, "/api/workspaces/w/models", &admin, json!({ "m.yaml": STARTER })).await;
    let hash = up.json()["hash"].as_str().unwrap().to_string();
    s.account(&admin, "target").await;
    s.exec(&format!(
        "INSERT INTO jobs VALUES ('donejob', 'w', 'analyze', '{hash}', '{{}}', 'k', 'done', 'admin', 't', 't', NULL)"
    ));
    s.exec_with("INSERT INTO results VALUES ('k', ?, 't')", &[b"{}".to_vec().into()]);
    let mut callers = vec![("anonymous", Auth::None, "")];
    for (name, role) in [
        ("outsider", None),
        ("uploader", Some("uploader")),
        ("viewer", Some("viewer")),
        ("analyst", Some("analyst")),
        ("wsadmin", Some("admin")),
    ] {
        let auth = s.account(&admin, name).await;
        if let Some(role) = role {
            let r = s
                .call(Method::PUT, &format!("/api/workspaces/w/members/{name}"), &admin, json!({ "role": role }))
                .await;
            assert_eq!(r.status, StatusCode::OK);
        }
        callers.push((name, auth, PASSWORD));
    }
    callers.push(("administrator", Auth::Token(s.token(&admin).await), ADMIN_PASSWORD));
    Fixture { s, callers, hash }
}

/// A request each allowed caller can make succeed, and no caller's request disturbs the others.
async fn request(f: &Fixture, method: &str, template: &str, who: &str, auth: &Auth, password: &str) -> (String, Value) {
    let mut path = template.replace("{ws}", "w").replace("{hash}", &f.hash).replace("{account}", "target");
    let mut body = match (method, template) {
        ("post", "/api/login") => json!({ "name": "target", "password": PASSWORD }),
        ("put", "/api/me/password") => json!({ "current": password, "new": password }),
        ("post", "/api/tokens") => json!({ "name": "matrix" }),
        ("post", "/api/accounts") => json!({ "name": format!("new-{who}"), "password": PASSWORD }),
        ("post", "/api/workspaces") => json!({ "name": format!("ws-{who}") }),
        ("put", "/api/workspaces/{ws}/members/{account}") => json!({ "role": "viewer" }),
        ("post", "/api/workspaces/{ws}/jobs") => {
            json!({ "model": f.hash, "kind": "analyze", "options": { "paths": 1 } })
        }
        ("post", "/api/workspaces/{ws}/models") => json!({ "m.yaml": STARTER }),
        ("post", _) if template.ends_with("/imports") || template.ends_with("/evidence") => json!({ "e.json": "{}" }),
        _ => Value::Null,
    };
    if template == "/api/tokens/{id}" {
        // The caller's own token (signed-in callers), or any id (anonymous: refused before lookup).
        let own = match auth {
            Auth::None => "0".to_string(),
            _ => f.s.call(Method::POST, "/api/tokens", auth, json!({ "name": "to-revoke" })).await.json()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        };
        path = path.replace("{id}", &own);
    }
    if template.contains("/jobs/{id}") {
        let id = if method == "delete" {
            let admin = &f.callers.last().unwrap().1;
            let queued = json!({ "model": f.hash, "kind": "analyze", "options": { "paths": 2 } });
            f.s.call(Method::POST, "/api/workspaces/w/jobs", admin, queued).await.json()["id"]
                .as_str()
                .unwrap()
                .to_string()
        } else {
            "donejob".to_string()
        };
        path = path.replace("{id}", &id);
    }
    if method == "delete" && template.ends_with("/members/{account}") {
        // Put the member back first, so that every allowed caller has someone to remove.
        let admin = &f.callers.last().unwrap().1;
        f.s.call(Method::PUT, "/api/workspaces/w/members/target", admin, json!({ "role": "viewer" })).await;
        body = Value::Null;
    }
    (path, body)
}

#[tokio::test]
async fn every_route_admits_exactly_its_roles() {
    for backend in backends() {
        walk_every_route(backend).await;
    }
}

async fn walk_every_route(backend: Backend) {
    let f = fixture(backend).await;
    let doc: Value = serde_json::from_str(&riskpath_server::routes::openapi_json()).unwrap();
    let mut checked = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        for method in
            item.as_object().unwrap().keys().filter(|k| ["get", "post", "put", "delete", "patch"].contains(&k.as_str()))
        {
            let allowed = allowed(method, template)
                .unwrap_or_else(|| panic!("{method} {template} has no entry in the role matrix"));
            for (who, auth, password) in &f.callers {
                let (path, body) = request(&f, method, template, who, auth, password).await;
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let r = f.s.call(m, &path, auth, body).await;
                let shown =
                    format!("{backend:?}: {method} {path} as {who}: {} {}", r.status, String::from_utf8_lossy(&r.body));
                if allowed.contains(who) {
                    assert!(r.status.is_success(), "{shown}");
                } else if *who == "anonymous" {
                    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{shown}");
                } else {
                    assert_eq!(r.status, StatusCode::FORBIDDEN, "{shown}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 7 * 20, "{checked} calls");
}

#[tokio::test]
async fn a_workspace_role_does_not_reach_another_workspace() {
    for backend in backends() {
        other_workspace(backend).await;
    }
}

async fn other_workspace(backend: Backend) {
    let f = fixture(backend).await;
    let admin = &f.callers.last().unwrap().1;
    f.s.call(Method::POST, "/api/workspaces", admin, json!({ "name": "other" })).await;
    for (who, auth, _) in &f.callers[1..6] {
        let r = f.s.call(Method::GET, "/api/workspaces/other/models", auth, Value::Null).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    let r = f.s.call(Method::GET, "/api/workspaces/nowhere/models", admin, Value::Null).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
