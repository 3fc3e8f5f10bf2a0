//! `riskpath serve` as a process: the bind rule, the first run's one-time password (printed once,
//! never in the access log), jobs, a kill during a job, and `audit-check` catching a tampered row.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

fn serve(args: &[&str]) -> std::process::Output {
    Command::new(BIN).arg("serve").args(args).env_remove("RISKPATH_ADMIN_PASSWORD").output().unwrap()
}

#[test]
fn off_loopback_without_tls_it_refuses_to_start_and_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = serve(&["--data", data.to_str().unwrap(), "--bind", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a loopback address") && err.contains("--tls-cert"), "{err}");
    assert!(!data.exists());
    let out = serve(&["--data", data.to_str().unwrap(), "--tls-cert", "c.pem"]);
    assert_eq!(out.status.code(), Some(2), "a certificate without its key");
    let out = serve(&[
        "--data",
        data.to_str().unwrap(),
        "--bind",
        "127.0.0.1:0",
        "--tls-cert",
        "/nonexistent/c.pem",
        "--tls-key",
        "/nonexistent/k.pem",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/c.pem"));
    let url = "postgres://riskpath@127.0.0.1:1/riskpath";
    let data = tmp.path().join("unused");
    for args in
        [&["--data", data.to_str().unwrap(), "--database-url", url][..], &["--database-url", url, "audit-check"]]
    {
        let out = serve(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("connecting to PostgreSQL"), "{err}");
    }
    let out = serve(&["--database-url", "postgres://u@h:port/d"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--database-url: "), "a URL that does not parse");
    assert!(!data.exists(), "with --database-url the data folder is not used");
}

/// A running server and the lines it writes on stderr.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    /// `riskpath serve` on a free loopback port; the first run's administrator gets `password`
    /// when given (else a generated one, printed once).
    fn start(data: &str, password: Option<&str>) -> Running {
        Self::start_with(data, password, &[])
    }

    /// [`Running::start`] with more flags.
    fn start_with(data: &str, password: Option<&str>, flags: &[&str]) -> Running {
        let mut command = Command::new(BIN);
        command.args(["serve", "--data", data, "--bind", "127.0.0.1:0"]).args(flags).stderr(Stdio::piped());
        match password {
            Some(p) => command.env("RISKPATH_ADMIN_PASSWORD", p),
            None => command.env_remove("RISKPATH_ADMIN_PASSWORD"),
        };
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Running { child, lines, seen: Vec::new() }
    }

    fn wait_for(&mut self, prefix: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no `{prefix}` in {:?}", self.seen));
            self.seen.push(line.clone());
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.to_string();
            }
        }
    }

    fn drain(&mut self) {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(300)) {
            self.seen.push(line);
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response as read off the wire.
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    /// A string field of the JSON body.
    fn field(&self, key: &str) -> String {
        let v: serde_json::Value = serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body));
        v[key].as_str().unwrap_or_else(|| panic!("no {key} in {}", self.body)).to_string()
    }
}

/// One HTTP/1.1 request on its own connection, with `headers` besides the JSON content type.
fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("no status: {out}"));
    Reply { status, head: head.to_string(), body: body.to_string() }
}

fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let r = request(addr, method, path, &[], body);
    (r.status, r.body)
}

/// Logs in and makes an API token: the `Authorization` header's value.
fn bearer(addr: &str, name: &str, password: &str) -> String {
    let login = request(
        addr,
        "POST",
        "/api/login",
        &[],
        &serde_json::json!({ "name": name, "password": password }).to_string(),
    );
    assert_eq!(login.status, 200, "{}", login.body);
    // The cookie is HttpOnly: a raw client reads it from the response's head.
    let cookie = login.head.lines().find_map(|l| l.strip_prefix("set-cookie: ")).unwrap().split(';').next().unwrap();
    let csrf = login.field("csrf_token");
    let made = request(addr, "POST", "/api/tokens", &[("Cookie", cookie), ("X-CSRF-Token", &csrf)], r#"{"name":"ci"}"#);
    assert_eq!(made.status, 201, "{}", made.body);
    format!("Bearer {}", made.field("token"))
}

#[test]
fn a_first_run_prints_a_one_time_password_once_and_serves_on_loopback() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let data = data.to_str().unwrap();
    let mut server = Running::start(data, None);
    server.wait_for("riskpath serve: first run: created the administrator `admin`");
    let password = server.lines.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(password.len(), 32, "{password}");
    let addr = server.wait_for("riskpath serve: listening on http://");
    let (status, body) = http(&addr, "GET", "/api/health", "");
    assert_eq!(status, 200, "{body}");
    let (status, _) = http(&addr, "POST", "/api/login", &format!(r#"{{"name":"admin","password":"{password}"}}"#));
    assert_eq!(status, 200);
    let (status, body) = http(&addr, "POST", "/api/login", r#"{"name":"admin","password":"wrong wrong wrong"}"#);
    assert_eq!(status, 401);
    assert!(body.contains("bad_credentials"), "{body}");
    server.drain();
    let log = server.seen.join("\n");
    assert_eq!(log.matches(&password).count(), 0, "the password line was read apart; the log never repeats it");
    assert!(log.contains(" POST /api/login 200 admin ") && log.contains(" GET /api/health 200 - "), "{log}");
    drop(server);

    let mut again = Running::start(data, None);
    again.wait_for("riskpath serve: listening on http://");
    assert!(!again.seen.iter().any(|l| l.contains("first run")), "{:?}", again.seen);
    drop(again);

    let check = Command::new(BIN).args(["serve", "--data", data, "audit-check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(out.starts_with("audit log intact: 4 rows, head "), "{out}");
    let db = rusqlite::Connection::open(std::path::Path::new(data).join("riskpath.db")).unwrap();
    db.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 3", []).unwrap();
    drop(db);
    let check = Command::new(BIN).args(["serve", "--data", data, "audit-check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(1));
    let err = String::from_utf8_lossy(&check.stderr);
    assert!(err.contains("audit log broken at row 3"), "{err}");
    let none = Command::new(BIN)
        .args(["serve", "--data", tmp.path().join("none").to_str().unwrap(), "audit-check"])
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2));
}

const PASSWORD: &str = "correct horse battery staple";

#[test]
fn a_job_gives_the_bytes_of_riskpath_analyze_for_the_same_model_seed_and_options() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    std::fs::create_dir(&model).unwrap();
    let starter = include_str!("../src/starter.yaml");
    std::fs::write(model.join("main.yaml"), starter).unwrap();
    let mut server = Running::start(tmp.path().join("data").to_str().unwrap(), Some(PASSWORD));
    let addr = server.wait_for("riskpath serve: listening on http://");
    let bearer = bearer(&addr, "admin", PASSWORD);
    let auth = [("Authorization", bearer.as_str())];
    assert_eq!(request(&addr, "POST", "/api/workspaces", &auth, r#"{"name":"prod"}"#).status, 201);
    let files = serde_json::json!({ "main.yaml": starter }).to_string();
    let version = request(&addr, "POST", "/api/workspaces/prod/models", &auth, &files);
    assert_eq!(version.status, 201, "{}", version.body);
    let hash = version.field("hash");
    let job = format!(
        r#"{{"model":"{hash}","kind":"analyze","options":{{"seed":7,"trials":3000,"years":3000,"decision_trials":128,"paths":3,"as_of":"2026-01-15"}}}}"#
    );
    let submitted = request(&addr, "POST", "/api/workspaces/prod/jobs", &auth, &job);
    assert_eq!(submitted.status, 202, "{}", submitted.body);
    let id = submitted.field("id");
    let events = request(&addr, "GET", &format!("/api/workspaces/prod/jobs/{id}/events"), &auth, "");
    assert!(events.body.contains("event: done"), "{}", events.body);
    let result = request(&addr, "GET", &format!("/api/workspaces/prod/jobs/{id}/result"), &auth, "");
    assert_eq!(result.status, 200);
    let cli = Command::new(BIN)
        .args(["analyze", model.to_str().unwrap(), "--format", "json", "--seed", "7", "--trials", "3000"])
        .args(["--years", "3000", "--decision-trials", "128", "-k", "3", "--as-of", "2026-01-15"])
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    assert_eq!(
        result.body,
        String::from_utf8(cli.stdout).unwrap(),
        "the server's result is the CLI's output, byte for byte"
    );
    drop(server);
}

/// Every file of the bundled example, as an upload: `{path: text}`.
fn example_upload() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme");
    let mut files = serde_json::Map::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(&root).unwrap().to_str().unwrap().replace('\\', "/");
                files.insert(name, std::fs::read_to_string(&path).unwrap().into());
            }
        }
    }
    serde_json::Value::Object(files).to_string()
}

/// Polls a job until `done` says its state is reached; the job's JSON.
fn wait_job(addr: &str, auth: &[(&str, &str)], id: &str, done: impl Fn(&str) -> bool) -> serde_json::Value {
    for _ in 0..600 {
        let job = request(addr, "GET", &format!("/api/workspaces/prod/jobs/{id}"), auth, "");
        let v: serde_json::Value = serde_json::from_str(&job.body).unwrap();
        if done(v["state"].as_str().unwrap_or("")) {
            return v;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("job {id} never reached the state");
}

#[test]
fn a_server_killed_during_a_job_restarts_with_everything_committed_and_the_job_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let data = data.to_str().unwrap();
    let mut server = Running::start(data, Some(PASSWORD));
    let addr = server.wait_for("riskpath serve: listening on http://");
    let bearer = bearer(&addr, "admin", PASSWORD);
    let auth = [("Authorization", bearer.as_str())];
    assert_eq!(request(&addr, "POST", "/api/workspaces", &auth, r#"{"name":"prod"}"#).status, 201);
    let upload = request(&addr, "POST", "/api/workspaces/prod/models", &auth, &example_upload());
    assert_eq!(upload.status, 201, "{}", upload.body);
    let hash = upload.field("hash");
    let job = format!(r#"{{"model":"{hash}","kind":"analyze","options":{{"trials":50000000}}}}"#);
    let submitted = request(&addr, "POST", "/api/workspaces/prod/jobs", &auth, &job);
    assert_eq!(submitted.status, 202, "{}", submitted.body);
    let id = submitted.field("id");
    wait_job(&addr, &auth, &id, |s| s == "running");
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no cleanup
    server.child.wait().unwrap();
    drop(server);

    let mut again = Running::start(data, None);
    let addr = again.wait_for("riskpath serve: listening on http://");
    let auth = [("Authorization", bearer.as_str())];
    let models = request(&addr, "GET", "/api/workspaces/prod/models", &auth, "");
    assert_eq!(models.status, 200, "the token and the workspace survived: {}", models.body);
    assert!(models.body.contains(&hash), "{}", models.body);
    let stored = request(&addr, "GET", &format!("/api/workspaces/prod/models/{hash}"), &auth, "");
    assert_eq!(stored.status, 200);
    let sent: serde_json::Value = serde_json::from_str(&example_upload()).unwrap();
    let back: serde_json::Value = serde_json::from_str(&stored.body).unwrap();
    assert_eq!(back["files"], sent, "the upload, file for file");
    let login = serde_json::json!({ "name": "admin", "password": PASSWORD }).to_string();
    assert_eq!(request(&addr, "POST", "/api/login", &[], &login).status, 200, "the account and its password survived");
    let failed = wait_job(&addr, &auth, &id, |s| s != "running" && s != "queued");
    assert_eq!(failed["state"], "failed", "{failed}");
    assert!(failed["error"].as_str().unwrap().contains("server stopped"), "{failed}");
    let audit = request(&addr, "GET", "/api/audit?after=0&limit=1000", &auth, "");
    assert!(audit.body.contains(r#"\"reason\":\"server stopped\""#), "{}", audit.body);
    drop(again);

    let check = Command::new(BIN).args(["serve", "--data", data, "audit-check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));
    let db = rusqlite::Connection::open(std::path::Path::new(data).join("riskpath.db")).unwrap();
    let integrity: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
}

/// Reads until the peer closes; a close without TLS's close_notify is an end like any other.
fn read_all(stream: &mut impl Read) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn over_tls_a_client_trusting_the_certificate_signs_in_with_a_secure_cookie_and_plain_http_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let made = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (cert, key) = (tmp.path().join("cert.pem"), tmp.path().join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    let data = tmp.path().join("data");
    let flags = ["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()];
    let mut server = Running::start_with(data.to_str().unwrap(), Some(PASSWORD), &flags);
    let addr = server.wait_for("riskpath serve: listening on https://");

    let mut roots = rustls::RootCertStore::empty();
    roots.add(made.cert.der().clone()).unwrap();
    // The one crypto provider built in (ring, as the server's), picked by rustls itself.
    let config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, TcpStream::connect(&addr).unwrap());
    let body = serde_json::json!({ "name": "admin", "password": PASSWORD }).to_string();
    let login = format!(
        "POST /api/login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(login.as_bytes()).unwrap();
    let reply = read_all(&mut tls);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let cookie =
        reply.lines().find(|l| l.starts_with("set-cookie: riskpath_session=")).unwrap_or_else(|| panic!("{reply}"));
    for attribute in ["; Secure", "; HttpOnly", "; SameSite=Strict"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(reply.to_ascii_lowercase().contains("strict-transport-security: "), "{reply}");

    let mut plain = TcpStream::connect(&addr).unwrap();
    plain.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    plain.write_all(login.as_bytes()).unwrap();
    let answer = read_all(&mut plain);
    assert!(!answer.contains("HTTP/1.1 200") && !answer.contains("csrf_token"), "plain HTTP was served: {answer}");
    drop(server);
}
