//! Bounded, sandboxed Rego evaluation with regorus, by the conftest convention: `deny` rules in
//! package `main` (or the check's `package`) give failure messages, optional `warn` rules warnings.
//!
//! Sandbox: regorus is built without its `http`, `opa-runtime`, `yaml`, `jsonschema` and `uuid`
//! features, so `http.send` and `opa.runtime` do not exist and no builtin reads files or the
//! environment. Bounds: the policy text is size-limited; evaluation runs on a worker thread with
//! regorus's cooperative execution timer set to the limit, and the caller stops waiting at a hard
//! deadline shortly after, so a builtin that runs long without yielding cannot stall the run either.
//! Memory: regorus's allocator counts every live byte of the process, and regorus stops an
//! evaluation once they exceed what the process held when it started plus the policy's budget
//! (`numbers.range(1, 1e10)` is an error, not an out-of-memory abort). The count is process-wide,
//! so policies evaluate one at a time; the limit stays set afterwards, which also bounds a policy
//! still running past its deadline.
//!
//! Before it runs, a policy's rules and functions are checked for recursion and nesting depth
//! ([`shape`]). [`Sandbox::Process`] evaluates in a worker process ([`sandbox`]) that the kernel
//! bounds and the caller kills at the deadline: a builtin that makes one huge allocation or
//! crashes the evaluator costs that process, never the run.

mod sandbox;
mod shape;

pub use sandbox::{Sandbox, Worker, serve};
pub use shape::MAX_DEPTH;

use std::num::NonZeroU32;
use std::sync::{Mutex, mpsc};
use std::time::Duration;

use regorus::utils::limits::ExecutionTimerConfig;
use regorus::{Engine, Value};

use crate::Limits;

/// Most messages kept per rule; a hostile policy cannot flood the report.
pub const MAX_MESSAGES: usize = 100;
/// Longest message kept, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2_000;

/// What a policy said about its input.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    pub deny: Vec<String>,
    pub warn: Vec<String>,
}

/// Is `package` a dotted Rego package name (`main`, `acme.mfa`)?
pub fn valid_package(package: &str) -> bool {
    !package.is_empty()
        && package.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// Evaluates `text` in `sandbox`: on a thread of this process ([`evaluate`]) or in a worker process.
pub fn evaluate_in(
    sandbox: &Sandbox,
    name: &str,
    text: &str,
    package: &str,
    input: serde_json::Value,
    limits: &Limits,
) -> Result<Outcome, String> {
    match sandbox {
        Sandbox::Thread => evaluate(name, text, package, input, limits),
        Sandbox::Process(worker) => sandbox::evaluate(worker, name, text, package, input, limits),
    }
}

/// Evaluates `text` (shown as `name` in messages) against `input` on a worker thread of this
/// process and returns its `deny` and `warn` messages, or an error message that names the policy
/// file (with line and column when regorus reports them).
pub fn evaluate(
    name: &str,
    text: &str,
    package: &str,
    input: serde_json::Value,
    limits: &Limits,
) -> Result<Outcome, String> {
    if !valid_package(package) {
        return Err(format!("`{package}` is not a valid Rego package name"));
    }
    let timeout = limits.policy_timeout;
    let _one_at_a_time = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let held = regorus_mimalloc::global_allocation_stats_snapshot().allocated;
    regorus::utils::limits::set_global_memory_limit(Some(held.saturating_add(limits.max_policy_memory)));
    let (tx, rx) = mpsc::channel();
    let (name_owned, text_owned, package_owned) = (name.to_string(), text.to_string(), package.to_string());
    let worker = std::thread::Builder::new()
        .name(format!("rego {name}"))
        .stack_size(64 << 20)
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                evaluate_here(&name_owned, &text_owned, &package_owned, input, timeout)
            }));
            let _ = tx.send(result);
        })
        .map_err(|e| format!("cannot start policy evaluation: {e}"))?;
    let exceeded = || format!("policy exceeded the {} ms limit", timeout.as_millis());
    // The cooperative timer normally fires first; the hard deadline covers builtins that do not yield.
    let deadline = timeout + timeout / 4 + Duration::from_millis(50);
    match rx.recv_timeout(deadline) {
        Ok(Ok(result)) => {
            let _ = worker.join();
            result.map_err(|e| match e.as_str() {
                TIMED_OUT => exceeded(),
                OUT_OF_MEMORY => format!("policy exceeded the {} memory limit", mebibytes(limits.max_policy_memory)),
                _ => e,
            })
        }
        Ok(Err(panic)) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(format!("{name}: policy evaluation failed inside regorus: {what}"))
        }
        // The worker is left to finish on its own (its timer stops it, or the process ends).
        Err(_) => Err(exceeded()),
    }
}

/// Held while a policy evaluates: the memory bound counts the whole process.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const TIMED_OUT: &str = "\u{0}timed out";
const OUT_OF_MEMORY: &str = "\u{0}out of memory";

/// `bytes` in MiB for messages: `1024 MiB`, or `95.4 MiB` when not a whole number of them.
fn mebibytes(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    }
}

fn evaluate_here(
    name: &str,
    text: &str,
    package: &str,
    input: serde_json::Value,
    timeout: Duration,
) -> Result<Outcome, String> {
    let timer = ExecutionTimerConfig { limit: timeout, check_interval: NonZeroU32::new(16).expect("non-zero") };
    let mut engine = load(name, text, timer)?;
    for module in engine.get_modules() {
        shape::check(name, module)?;
    }
    let packages = engine.get_packages().map_err(|e| located(name, &e.to_string()))?;
    let wanted = format!("data.{package}");
    if !packages.contains(&wanted) {
        let found = packages.iter().map(|p| p.trim_start_matches("data.")).collect::<Vec<_>>().join(", ");
        return Err(format!(
            "{name}: no `package {package}` in the policy (it declares `{found}`); rules go in package main by \
             convention, or set `package:` in the check"
        ));
    }
    // A policy that cannot see its evidence must not pass: a failed conversion is an error.
    let input: Value = serde_json::from_value(input).map_err(|e| {
        let e = e.to_string();
        if e.contains("exceeded memory limit") {
            OUT_OF_MEMORY.to_string()
        } else {
            format!("{name}: the evidence cannot be given to the policy: {e}")
        }
    })?;
    engine.set_input(input);
    engine.set_gather_prints(true);
    let deny = match rule(&mut engine, name, &format!("{wanted}.deny"))? {
        Some(v) => v,
        None => return Err(format!("{name}: package {package} has no `deny` rule, so it can never fail")),
    };
    let warn = rule(&mut engine, name, &format!("{wanted}.warn"))?.unwrap_or_default();
    Ok(Outcome { deny, warn })
}

/// Parses the policy as Rego v1, or as v0 (`deny[msg] { … }`) when v1 rejects a v0-only form.
fn load(name: &str, text: &str, timer: ExecutionTimerConfig) -> Result<Engine, String> {
    let attempt = |v0: bool| {
        let mut engine = Engine::new();
        engine.set_rego_v0(v0);
        engine.set_execution_timer_config(timer);
        engine.add_policy(name.to_string(), text.to_string()).map(|_| engine)
    };
    match attempt(false) {
        Ok(engine) => Ok(engine),
        Err(v1) => {
            let v1 = v1.to_string();
            // Only these errors mean "this is v0 syntax"; other errors are the author's to fix.
            if v1.contains("keyword is required") {
                attempt(true).map_err(|v0| located(name, &v0.to_string()))
            } else {
                Err(located(name, &v1))
            }
        }
    }
}

/// Evaluates a rule; `None` when the package has no such rule.
fn rule(engine: &mut Engine, name: &str, path: &str) -> Result<Option<Vec<String>>, String> {
    match engine.eval_rule(path.to_string()) {
        Ok(value) => Ok(Some(messages(&value))),
        Err(e) => {
            let text = e.to_string();
            if text.contains("not a valid rule path") {
                Ok(None)
            } else if text.contains("exceeded time limit") {
                Err(TIMED_OUT.to_string())
            } else if text.contains("exceeded memory limit") {
                Err(OUT_OF_MEMORY.to_string())
            } else {
                Err(located(name, &text))
            }
        }
    }
}

/// Messages from a rule's value: a set or array of strings (or `{msg: …}` objects), or a boolean.
fn messages(value: &Value) -> Vec<String> {
    let items: Vec<Value> = match value {
        Value::Set(s) => s.iter().cloned().collect(),
        Value::Array(a) => a.iter().cloned().collect(),
        Value::Bool(true) => return vec!["deny is true".into()],
        Value::Bool(false) | Value::Undefined | Value::Null => return Vec::new(),
        other => vec![other.clone()],
    };
    let total = items.len();
    let mut out: Vec<String> = items.iter().take(MAX_MESSAGES).map(message).collect();
    if total > MAX_MESSAGES {
        out.push(format!("… and {} more", total - MAX_MESSAGES));
    }
    out
}

fn message(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.to_string(),
        Value::Object(o) => match o.get(&Value::from("msg")) {
            Some(Value::String(s)) => s.to_string(),
            _ => compact(value),
        },
        other => compact(other),
    };
    if text.chars().count() > MAX_MESSAGE_CHARS {
        text.chars().take(MAX_MESSAGE_CHARS).collect::<String>() + "…"
    } else {
        text
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| format!("{value}"))
}

/// Turns regorus's multi-line diagnostic (`--> file:line:col`, snippet, `error: …`) into one line,
/// `file:line:col: message`, always naming the policy file.
fn located(name: &str, diagnostic: &str) -> String {
    let place = diagnostic.lines().find_map(|l| l.trim_start().strip_prefix("--> ")).map(str::trim);
    let message = diagnostic
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("error: "))
        .map(str::trim)
        .unwrap_or_else(|| diagnostic.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("unknown error"));
    match place {
        Some(place) if place.starts_with(name) => format!("{place}: {message}"),
        Some(place) => format!("{name}: {place}: {message}"),
        None => format!("{name}: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        assert!(valid_package("main"));
        assert!(valid_package("acme.mfa_v2"));
        assert!(!valid_package("acme..mfa"));
        assert!(!valid_package("x; y"));
        assert!(!valid_package("1abc"));
    }

    #[test]
    fn one_line_diagnostics() {
        let d = "\n--> checks/x.rego:4:5\n  |\n4 |   x := \n  |     ^\nerror: expecting `}` while parsing set";
        assert_eq!(located("checks/x.rego", d), "checks/x.rego:4:5: expecting `}` while parsing set");
        assert_eq!(located("p.rego", "boom"), "p.rego: boom");
    }
}
