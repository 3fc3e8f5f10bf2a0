//! `riskpath serve` as a process: the bind rule, the first run's one-time password (printed once,
//! never in the access log), a request over loopback, and `audit-check` catching a tampered row.

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
}

/// A running server and the lines it writes on stderr.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(data: &str) -> Running {
        let mut child = Command::new(BIN)
            .args(["serve", "--data", data, "--bind", "127.0.0.1:0"])
            .env_remove("RISKPATH_ADMIN_PASSWORD")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
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

fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.split(' ').nth(1).unwrap().parse().unwrap();
    (status, out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
}

#[test]
fn a_first_run_prints_a_one_time_password_once_and_serves_on_loopback() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let data = data.to_str().unwrap();
    let mut server = Running::start(data);
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

    let mut again = Running::start(data);
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
