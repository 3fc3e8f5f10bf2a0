//! Policy evaluation in a worker process: the request (policy, input, limits) goes to the worker's
//! stdin as JSON, the outcome comes back on its stdout; the caller kills it at the deadline.
//!
//! The worker ([`serve`]) caps itself before it evaluates anything: its data segment at what it
//! holds plus the policy's memory budget and a fixed headroom (so one huge allocation fails at
//! once instead of growing the process), no core dumps, no file writes. A worker that dies (an
//! allocation refused, a stack overflow in the evaluator, any crash) turns into an error for that
//! control; the run goes on.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Outcome, mebibytes};
use crate::Limits;

/// Where policies are evaluated.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Sandbox {
    /// On a worker thread of this process (bounded cooperatively; for tests and embedding).
    #[default]
    Thread,
    /// In a worker process: `program args…` must run [`serve`] on its stdin and stdout.
    Process(Worker),
}

/// The command that starts a policy worker (for the CLI: its own executable and a hidden command).
#[derive(Debug, Clone, PartialEq)]
pub struct Worker {
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

/// Memory the worker may use beyond the policy's budget: its own code, stacks and allocator slack.
pub const HEADROOM: u64 = 256 << 20;
/// Most bytes read back from a worker (its outcome is a few hundred kilobytes at most).
const MAX_REPLY: u64 = 16 << 20;
const MAX_STDERR: u64 = 64 << 10;

#[derive(Serialize, Deserialize)]
struct Request {
    name: String,
    text: String,
    package: String,
    input: serde_json::Value,
    timeout_ms: u64,
    max_policy_memory: u64,
}

/// Evaluates the policy in a worker started by `worker`, bounded by `limits`.
pub(super) fn evaluate(
    worker: &Worker,
    name: &str,
    text: &str,
    package: &str,
    input: serde_json::Value,
    limits: &Limits,
) -> Result<Outcome, String> {
    let request = Request {
        name: name.to_string(),
        text: text.to_string(),
        package: package.to_string(),
        input,
        timeout_ms: limits.policy_timeout.as_millis().min(u64::MAX as u128) as u64,
        max_policy_memory: limits.max_policy_memory,
    };
    let bytes = serde_json::to_vec(&request).map_err(|e| format!("{name}: cannot encode the policy input: {e}"))?;
    drop(request);
    let mut child = Command::new(&worker.program)
        .args(&worker.args)
        .env_clear()
        // mimalloc reserves 1 GiB of address space up front by default, which the data-segment cap
        // would count without it being used; the worker allocates from the OS as it goes instead.
        .env("MIMALLOC_ARENA_RESERVE", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{name}: cannot start the policy worker {}: {e}", worker.program.display()))?;
    let deadline = deadline(limits.policy_timeout, bytes.len());
    let mut stdin = child.stdin.take().expect("piped");
    let writer = std::thread::spawn(move || {
        // A worker that dies early closes the pipe; its exit status says why.
        let _ = stdin.write_all(&bytes);
    });
    let stdout = reader(child.stdout.take().expect("piped"), MAX_REPLY);
    let stderr = reader(child.stderr.take().expect("piped"), MAX_STDERR);
    let status = wait(&mut child, deadline);
    let _ = writer.join();
    let stdout = stdout.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
    let exceeded = || format!("policy exceeded the {} ms limit", limits.policy_timeout.as_millis());
    match status {
        None => Err(exceeded()),
        Some(status) if status.success() => serde_json::from_slice::<Result<Outcome, String>>(&stdout)
            .unwrap_or_else(|e| Err(format!("{name}: the policy worker's reply is unreadable: {e}"))),
        Some(status) => Err(died(name, status, &stderr, limits)),
    }
}

/// How long to wait for a worker: the evaluation's own deadline, plus time to start and to pass
/// the input (a second per 32 MiB).
fn deadline(timeout: Duration, request_bytes: usize) -> Duration {
    let evaluation = timeout + timeout / 4 + Duration::from_millis(50);
    evaluation + Duration::from_secs(2) + Duration::from_secs((request_bytes >> 25) as u64)
}

/// Reads up to `max` bytes on a thread (so a full pipe never blocks the worker).
fn reader(mut from: impl Read + Send + 'static, max: u64) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = from.by_ref().take(max).read_to_end(&mut out);
        // Drain the rest so the worker does not block on a full pipe.
        let _ = std::io::copy(&mut from, &mut std::io::sink());
        out
    })
}

/// Waits for the worker until `timeout`; kills it then (`None`).
fn wait(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if start.elapsed() < timeout => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// Why a worker died, from its exit status and what it printed.
fn died(name: &str, status: ExitStatus, stderr: &str, limits: &Limits) -> String {
    if stderr.contains("has overflowed its stack") {
        return format!(
            "{name}: policy evaluation overflowed its stack: the policy nests too deeply (more than {} levels)",
            super::MAX_DEPTH
        );
    }
    if stderr.contains("memory allocation of") {
        return format!("policy exceeded the {} memory limit", mebibytes(limits.max_policy_memory));
    }
    let said = stderr.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("no message");
    format!("{name}: policy evaluation failed ({}): {said}", describe(status))
}

fn describe(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("worker killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("worker exited with status {code}"),
        None => "worker ended abnormally".to_string(),
    }
}

/// The worker: reads one request from `input`, caps this process, evaluates the policy on a
/// thread ([`super::evaluate`]) and writes the outcome (or the error) to `output` as JSON.
pub fn serve(input: &mut dyn Read, output: &mut dyn Write) -> Result<(), String> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(|e| format!("cannot read the policy request: {e}"))?;
    let request: Request =
        serde_json::from_slice(&bytes).map_err(|e| format!("the policy request is not valid: {e}"))?;
    drop(bytes);
    let limits = Limits {
        policy_timeout: Duration::from_millis(request.timeout_ms),
        max_policy_memory: request.max_policy_memory,
        ..Limits::default()
    };
    let outcome = match cap_this_process(request.max_policy_memory) {
        Ok(()) => super::evaluate(&request.name, &request.text, &request.package, request.input, &limits),
        Err(e) => Err(format!("{}: cannot bound the policy worker: {e}", request.name)),
    };
    let reply = serde_json::to_vec(&outcome).map_err(|e| format!("cannot encode the outcome: {e}"))?;
    output.write_all(&reply).and_then(|_| output.flush()).map_err(|e| format!("cannot write the outcome: {e}"))
}

/// No core dumps and no file writes; on Linux, a data segment of what the process holds now plus
/// `budget` and [`HEADROOM`].
fn cap_this_process(budget: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        let zero = Rlimit { current: Some(0), maximum: Some(0) };
        setrlimit(Resource::Core, zero)?;
        setrlimit(Resource::Fsize, zero)?;
        #[cfg(target_os = "linux")]
        {
            let cap = data_bytes()?.saturating_add(budget).saturating_add(HEADROOM);
            setrlimit(Resource::Data, Rlimit { current: Some(cap), maximum: Some(cap) })?;
        }
    }
    let _ = budget;
    Ok(())
}

/// The process's data segment now (`/proc/self/statm`'s data field: heap, anonymous mappings, stacks).
#[cfg(target_os = "linux")]
fn data_bytes() -> std::io::Result<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm")?;
    let pages: u64 = statm
        .split_whitespace()
        .nth(5)
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| std::io::Error::other("unreadable /proc/self/statm"))?;
    Ok(pages.saturating_mul(rustix::param::page_size() as u64))
}
