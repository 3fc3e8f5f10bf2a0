//! The API end to end in process: errors, headers, sessions and CSRF, login limits, tokens,
//! uploads and the audit rows they leave.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{ADMIN_PASSWORD, Auth, PASSWORD, STARTER, server, server_with};
use riskpath_server::audit::{Verdict, check};
use serde_json::{Value, json};

#[tokio::test]
async fn errors_are_json_with_stable_codes() {
    let s = server();
    let admin = s.admin().await;
    let r = s.call(Method::GET, "/api/nowhere", &Auth::None, Value::Null).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let r = s.call(Method::DELETE, "/api/health", &Auth::None, Value::Null).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
    let r = s.call(Method::POST, "/api/workspaces", &admin, json!({ "name": "x", "extra": 1 })).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::BAD_REQUEST, "invalid_body"));
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("extra"));
    let r = s.call(Method::POST, "/api/workspaces", &admin, json!({ "name": "Bad Name" })).await;
    assert_eq!(r.code(), "invalid_name");
    let r = s.call(Method::GET, "/api/audit?limit=abc", &admin, Value::Null).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::BAD_REQUEST, "bad_request"));
    let big = json!({ "name": "x".repeat(2 << 20), "password": "y" });
    let r = s.call(Method::POST, "/api/login", &Auth::None, big).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "too_large"));
    let req = Request::post("/api/login").header(header::CONTENT_TYPE, "text/plain").body(Body::from("x")).unwrap();
    assert_eq!(s.send(req).await.code(), "unsupported_media_type");
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_hsts_only_under_tls() {
    for tls in [false, true] {
        let s = server_with(tls);
        for path in ["/api/health", "/api/nowhere"] {
            let r = s.call(Method::GET, path, &Auth::None, Value::Null).await;
            let h = |n: header::HeaderName| r.headers.get(n).map(|v| v.to_str().unwrap().to_string());
            assert_eq!(
                h(header::CONTENT_SECURITY_POLICY).as_deref(),
                Some("default-src 'none'; frame-ancestors 'none'")
            );
            assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS).as_deref(), Some("nosniff"));
            assert_eq!(h(header::REFERRER_POLICY).as_deref(), Some("no-referrer"));
            assert_eq!(h(header::STRICT_TRANSPORT_SECURITY).is_some(), tls);
        }
    }
}

#[tokio::test]
async fn sessions_are_strict_cookies_and_unsafe_methods_need_the_csrf_token() {
    for tls in [false, true] {
        let s = server_with(tls);
        let r = s
            .call(Method::POST, "/api/login", &Auth::None, json!({ "name": "admin", "password": ADMIN_PASSWORD }))
            .await;
        let cookie = r.headers[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Strict"), "{cookie}");
        assert_eq!(cookie.contains("; Secure"), tls, "{cookie}");
    }
    let s = server();
    let Auth::Session(cookie, csrf) = s.admin().await else { unreachable!() };
    let me = s.call(Method::GET, "/api/me", &Auth::Session(cookie.clone(), String::new()), Value::Null).await;
    assert_eq!(me.json()["account"], "admin", "reads need no CSRF token");
    let body = json!({ "name": "w1" });
    for wrong in ["", "0000", &csrf[..63]] {
        let r =
            s.call(Method::POST, "/api/workspaces", &Auth::Session(cookie.clone(), wrong.into()), body.clone()).await;
        assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "csrf"));
    }
    let r = s.call(Method::POST, "/api/workspaces", &Auth::Session(cookie.clone(), csrf.clone()), body).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = s.call(Method::POST, "/api/logout", &Auth::Session(cookie.clone(), csrf.clone()), Value::Null).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = s.call(Method::GET, "/api/me", &Auth::Session(cookie, csrf), Value::Null).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "the session ended");
    let stored = s.sql("SELECT COUNT(*) FROM sessions");
    assert_eq!(stored[0].int(0).unwrap(), 0, "logging out deletes the session");
}

#[tokio::test]
async fn logins_are_limited_per_account_and_per_address() {
    let s = server();
    let wrong = json!({ "name": "admin", "password": "wrong wrong wrong" });
    for i in 0..5 {
        let r = s.call_from(&format!("10.0.0.{i}:1"), Method::POST, "/api/login", &Auth::None, wrong.clone()).await;
        assert_eq!(r.code(), "bad_credentials");
    }
    let right = json!({ "name": "admin", "password": ADMIN_PASSWORD });
    let r = s.call_from("10.0.1.1:1", Method::POST, "/api/login", &Auth::None, right.clone()).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        "per account, any address"
    );
    let s = server();
    for i in 0..5 {
        let who = json!({ "name": format!("nobody{i}"), "password": "wrong wrong wrong" });
        s.call_from("10.0.0.9:1", Method::POST, "/api/login", &Auth::None, who).await;
    }
    let r = s.call_from("10.0.0.9:2", Method::POST, "/api/login", &Auth::None, right.clone()).await;
    assert_eq!(r.code(), "rate_limited", "per address, any account");
    let r = s.call_from("10.0.0.10:1", Method::POST, "/api/login", &Auth::None, right).await;
    assert_eq!(r.status, StatusCode::OK, "another address signs in");
    let failed = s.sql("SELECT COUNT(*) FROM audit WHERE action = 'login.failed'");
    assert_eq!(failed[0].int(0).unwrap(), 6);
}

#[tokio::test]
async fn tokens_are_shown_once_stored_hashed_expire_and_revoke() {
    let s = server();
    let admin = s.admin().await;
    let r = s.call(Method::POST, "/api/tokens", &admin, json!({ "name": "ci", "expires_in_days": 7 })).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let (id, token) = (r.json()["id"].as_str().unwrap().to_string(), r.json()["token"].as_str().unwrap().to_string());
    assert!(token.starts_with("rpt_") && token.len() == 4 + 64, "{token}");
    let stored = s.sql("SELECT hash FROM tokens");
    assert_eq!(stored[0].text(0).unwrap(), riskpath_server::secret::sha256_hex(token.as_bytes()));
    assert!(
        !s.sql("SELECT * FROM tokens").iter().any(|r| format!("{r:?}").contains(&token[4..])),
        "the secret is not stored"
    );
    let listed = s.call(Method::GET, "/api/tokens", &admin, Value::Null).await;
    assert!(!String::from_utf8_lossy(&listed.body).contains(&token[4..]));
    let bearer = Auth::Token(token.clone());
    let r = s.call(Method::POST, "/api/workspaces", &bearer, json!({ "name": "w" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "a token needs no CSRF token");
    for (days, ok) in [(0, false), (366, false), (365, true)] {
        let r = s.call(Method::POST, "/api/tokens", &admin, json!({ "name": "t", "expires_in_days": days })).await;
        assert_eq!(r.status == StatusCode::CREATED, ok, "{days} days");
    }
    s.exec(&format!("UPDATE tokens SET expires_at = '2000-01-01T00:00:00Z' WHERE id = '{id}'"));
    let r = s.call(Method::GET, "/api/me", &bearer, Value::Null).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::UNAUTHORIZED, "invalid_token"));
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("expired"));
    let other = s.token(&admin).await;
    let other_id = s.sql(&format!(
        "SELECT id FROM tokens WHERE hash = '{}'",
        riskpath_server::secret::sha256_hex(other.as_bytes())
    ));
    let r = s.call(Method::DELETE, &format!("/api/tokens/{}", other_id[0].text(0).unwrap()), &admin, Value::Null).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = s.call(Method::GET, "/api/me", &Auth::Token(other), Value::Null).await;
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("revoked"));
    let r = s.call(Method::GET, "/api/me", &Auth::Token("rpt_nothing".into()), Value::Null).await;
    assert_eq!(r.code(), "invalid_token");
    let r = s.call(Method::GET, "/api/me", &Auth::Token("nope".into()), Value::Null).await;
    assert_eq!(r.code(), "invalid_token");
}

#[tokio::test]
async fn a_token_of_another_account_cannot_be_revoked_and_non_administrators_see_their_own() {
    let s = server();
    let admin = s.admin().await;
    let ann = s.account(&admin, "ann").await;
    s.token(&admin).await;
    let admins_token = s.sql("SELECT id FROM tokens WHERE account = 'admin'")[0].text(0).unwrap();
    let r = s.call(Method::DELETE, &format!("/api/tokens/{admins_token}"), &ann, Value::Null).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = s.call(Method::GET, "/api/tokens", &ann, Value::Null).await;
    let list = r.json();
    assert!(list.as_array().unwrap().iter().all(|t| t["account"] == "ann"));
}

fn files(pairs: &[(&str, &str)]) -> Value {
    Value::Object(pairs.iter().map(|(p, t)| (p.to_string(), Value::String(t.to_string()))).collect())
}

fn zip_of(pairs: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in pairs {
        w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(data.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[tokio::test]
async fn model_versions_are_checked_by_the_loader_content_hashed_and_stored_once() {
    let s = server();
    let admin = s.admin().await;
    s.call(Method::POST, "/api/workspaces", &admin, json!({ "name": "prod" })).await;
    let pairs = [("model/main.yaml", STARTER)];
    let r = s.call(Method::POST, "/api/workspaces/prod/models", &admin, files(&pairs)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&r.body));
    let hash = r.json()["hash"].as_str().unwrap().to_string();
    let mut framed = b"model/main.yaml\0".to_vec();
    framed.extend((STARTER.len() as u64).to_be_bytes());
    framed.extend(STARTER.as_bytes());
    assert_eq!(hash, riskpath_server::secret::sha256_hex(&framed), "the documented content hash");
    let again = s.call(Method::POST, "/api/workspaces/prod/models", &admin, files(&pairs)).await;
    assert_eq!((again.status, again.json()["hash"].as_str().unwrap()), (StatusCode::OK, hash.as_str()));
    let Auth::Session(cookie, csrf) = &admin else { unreachable!() };
    let req = Request::post("/api/workspaces/prod/models")
        .header(header::CONTENT_TYPE, "application/zip")
        .header(header::COOKIE, format!("riskpath_session={cookie}"))
        .header("x-csrf-token", csrf)
        .body(Body::from(zip_of(&pairs)))
        .unwrap();
    let zipped = s.send(req).await;
    assert_eq!(
        (zipped.status, zipped.json()["hash"].as_str().unwrap()),
        (StatusCode::OK, hash.as_str()),
        "a zip of the same files"
    );
    let got = s.call(Method::GET, &format!("/api/workspaces/prod/models/{hash}"), &admin, Value::Null).await;
    assert_eq!(got.json()["files"]["model/main.yaml"], STARTER);
    let list = s.call(Method::GET, "/api/workspaces/prod/models", &admin, Value::Null).await;
    assert_eq!(list.json().as_array().unwrap().len(), 1);
    let uploads = s.sql("SELECT COUNT(*) FROM audit WHERE action = 'upload.model'");
    assert_eq!(uploads[0].int(0).unwrap(), 1, "one version, one upload row");
}

#[tokio::test]
async fn a_model_that_does_not_load_is_refused_with_located_problems() {
    let s = server();
    let admin = s.admin().await;
    s.call(Method::POST, "/api/workspaces", &admin, json!({ "name": "prod" })).await;
    let broken =
        STARTER.replace("{from: internet, to: web, kind: exploits}", "{from: internet, to: nowhere, kind: exploits}");
    let r = s.call(Method::POST, "/api/workspaces/prod/models", &admin, files(&[("a/main.yaml", &broken)])).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "model_invalid"));
    let problems = r.json()["error"]["problems"].as_array().unwrap().clone();
    let line = broken.lines().position(|l| l.contains("to: nowhere")).unwrap() + 1;
    let p =
        problems.iter().find(|p| p["message"].as_str().unwrap().contains("nowhere")).expect("the dangling node named");
    assert_eq!((p["file"].as_str(), p["line"].as_u64()), (Some("a/main.yaml"), Some(line as u64)));
    assert!(!String::from_utf8_lossy(&r.body).contains("riskpath-upload-"), "no server path leaks");
    let outside = STARTER.replace("settings:\n", "settings:\n  attack: ../../etc/attack.json\n");
    let r = s.call(Method::POST, "/api/workspaces/prod/models", &admin, files(&[("m.yaml", &outside)])).await;
    assert_eq!(r.code(), "model_invalid");
    let p = &r.json()["error"]["problems"][0];
    assert!(p["message"].as_str().unwrap().contains("outside the model's folder"), "{p}");
    let line = outside.lines().position(|l| l.contains("attack:")).unwrap() + 1;
    assert_eq!((p["file"].as_str(), p["line"].as_u64()), (Some("m.yaml"), Some(line as u64)));
    let r = s.call(Method::POST, "/api/workspaces/prod/models", &admin, files(&[("../m.yaml", STARTER)])).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::BAD_REQUEST, "bad_upload"));
    assert_eq!(s.sql("SELECT COUNT(*) FROM file_sets")[0].int(0).unwrap(), 0, "nothing stored");
}

#[tokio::test]
async fn every_action_leaves_an_audit_row_and_the_chain_holds() {
    let s = server();
    let admin = s.admin().await;
    let ann = s.account(&admin, "ann").await;
    s.call(Method::POST, "/api/workspaces", &admin, json!({ "name": "prod" })).await;
    s.call(Method::PUT, "/api/workspaces/prod/members/ann", &admin, json!({ "role": "uploader" })).await;
    s.call(Method::POST, "/api/workspaces/prod/evidence", &ann, files(&[("e.json", "{}")])).await;
    s.call(Method::DELETE, "/api/workspaces/prod/members/ann", &admin, Value::Null).await;
    s.call(Method::POST, "/api/login", &Auth::None, json!({ "name": "ann", "password": "wrong wrong wrong" })).await;
    let actions: Vec<String> =
        s.sql("SELECT action FROM audit ORDER BY seq").iter().map(|r| r.text(0).unwrap()).collect();
    for a in [
        "bootstrap",
        "login.ok",
        "account.create",
        "token.create",
        "workspace.create",
        "member.set",
        "token.use",
        "upload.evidence",
        "member.remove",
        "login.failed",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    let log = s.call(Method::GET, "/api/audit?limit=1000", &admin, Value::Null).await;
    let text = String::from_utf8_lossy(&log.body).to_string();
    assert!(
        !text.contains(PASSWORD) && !text.contains(ADMIN_PASSWORD) && !text.contains("rpt_"),
        "no secret in the log"
    );
    assert!(matches!(check(s.store.as_ref()).unwrap(), Verdict::Intact { .. }));
    s.exec("UPDATE audit SET target = 'someone-else' WHERE action = 'member.set'");
    let seq = s.sql("SELECT seq FROM audit WHERE action = 'member.set'")[0].int(0).unwrap();
    assert!(matches!(check(s.store.as_ref()).unwrap(), Verdict::Broken { seq: n, .. } if n == seq));
}
