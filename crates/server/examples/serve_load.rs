//! The load client of `bench/serve_load.sh`: N clients on loopback for S seconds (both bounded),
//! reading a job's result and submitting small analyses; throughput, p50/p99 per kind, errors.
//!
//! Usage: serve_load ADDR TOKEN WORKSPACE MODEL_HASH JOB_ID CLIENTS SECONDS. ADDR must be loopback.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

const MAX_CLIENTS: usize = 200;
const MAX_SECONDS: u64 = 300;
/// Distinct seeds the submissions draw from: the first of each misses the cache, the rest hit.
const SEEDS: u64 = 40;

struct Target {
    addr: SocketAddr,
    token: String,
    workspace: String,
    model: String,
    job: String,
}

/// One request on its own connection: the status, or why none came.
fn call(t: &Target, method: &str, path: &str, body: &str) -> Result<u16, String> {
    let mut s = TcpStream::connect_timeout(&t.addr, Duration::from_secs(10)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        t.addr,
        t.token,
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).map_err(|e| e.to_string())?;
    let head = String::from_utf8_lossy(&out[..out.len().min(16)]).into_owned();
    head.split(' ').nth(1).and_then(|c| c.parse().ok()).ok_or_else(|| format!("no status in {head:?}"))
}

/// One client's loop until `until`: (kind, latency) of every answered request, and the errors.
fn client(t: &Target, id: u64, until: Instant) -> (Vec<(String, Duration)>, Vec<String>) {
    let (mut seen, mut errors, mut n) = (Vec::new(), Vec::new(), 0u64);
    while Instant::now() < until {
        n += 1;
        let start = Instant::now();
        let (kind, result) = if n % 5 == 0 {
            let seed = (id * 7 + n) % SEEDS;
            let body = format!(
                r#"{{"model":"{}","kind":"analyze","options":{{"seed":{seed},"trials":2000,"years":2000,"decision_trials":16,"paths":1,"as_of":"2026-01-15"}}}}"#,
                t.model
            );
            ("submit", call(t, "POST", &format!("/api/workspaces/{}/jobs", t.workspace), &body))
        } else {
            ("read", call(t, "GET", &format!("/api/workspaces/{}/jobs/{}/result", t.workspace, t.job), ""))
        };
        let took = start.elapsed();
        match result {
            Ok(200) if kind == "submit" => seen.push(("submit (cache hit, 200)".to_string(), took)),
            Ok(202) => seen.push(("submit (queued, 202)".to_string(), took)),
            Ok(503) => seen.push(("submit (queue full, 503)".to_string(), took)),
            Ok(200) => seen.push(("read result (200)".to_string(), took)),
            Ok(code) => errors.push(format!("{kind}: {code}")),
            Err(e) => errors.push(format!("{kind}: {e}")),
        }
    }
    (seen, errors)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, token, workspace, model, job, clients, seconds] = args.as_slice() else {
        return Err("usage: serve_load ADDR TOKEN WORKSPACE MODEL_HASH JOB_ID CLIENTS SECONDS".into());
    };
    let addr: SocketAddr = addr.parse().map_err(|e| format!("ADDR {addr}: {e}"))?;
    if !addr.ip().is_loopback() {
        return Err(format!("ADDR {addr}: loopback only"));
    }
    let clients: usize = clients.parse().map_err(|e| format!("CLIENTS: {e}"))?;
    let seconds: u64 = seconds.parse().map_err(|e| format!("SECONDS: {e}"))?;
    if !(1..=MAX_CLIENTS).contains(&clients) || !(1..=MAX_SECONDS).contains(&seconds) {
        return Err(format!("CLIENTS 1 to {MAX_CLIENTS}, SECONDS 1 to {MAX_SECONDS}"));
    }
    let t = Target { addr, token: token.clone(), workspace: workspace.clone(), model: model.clone(), job: job.clone() };
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|i| {
                s.spawn({
                    let t = &t;
                    move || client(t, i as u64, until)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
    });
    let wall = started.elapsed().as_secs_f64();
    let mut kinds: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for (seen, errs) in results {
        for (kind, took) in seen {
            kinds.entry(kind).or_default().push(took);
        }
        for e in errs {
            *errors.entry(e).or_default() += 1;
        }
    }
    let total: usize = kinds.values().map(Vec::len).sum();
    println!("{clients} clients, {wall:.1} s, {total} answered requests, {:.0} req/s", total as f64 / wall);
    println!("| request | count | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|");
    for (kind, mut times) in kinds {
        times.sort();
        let (p50, p99) = (percentile(&times, 0.50), percentile(&times, 0.99));
        println!("| {kind} | {} | {:.1} | {p50:.1} | {p99:.1} |", times.len(), times.len() as f64 / wall);
    }
    println!("errors: {}", if errors.is_empty() { "none".to_string() } else { format!("{errors:?}") });
    Ok(())
}
