//! Control state: run each deployed control's check and decide pass, fail, stale or error.
//! A control without a check is `unchecked` and counts as deployed; planned controls are not checked.

use std::path::Path;
use std::time::{Duration, SystemTime};

use riskpath_engine::Posture;
use riskpath_model::{Check, Control, ControlStatus, Model};
use serde::{Deserialize, Serialize};

use crate::evidence::{self, EvidenceFile, human_age};
use crate::{Limits, policy};

/// What a control's check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// The policy found nothing to deny in fresh evidence.
    Pass,
    /// The policy denied: the control does not hold.
    Fail,
    /// The evidence is older than the check's `max_age`.
    Stale,
    /// The check could not run: missing or unparsable evidence, a bad policy, a time-out.
    Error,
    /// Deployed, with no check: trusted as written.
    Unchecked,
    /// Not deployed yet (`status: planned`): not checked, does not count.
    Planned,
}

impl State {
    pub const ALL: [State; 6] =
        [State::Pass, State::Fail, State::Stale, State::Error, State::Unchecked, State::Planned];
    pub fn name(self) -> &'static str {
        match self {
            State::Pass => "pass",
            State::Fail => "fail",
            State::Stale => "stale",
            State::Error => "error",
            State::Unchecked => "unchecked",
            State::Planned => "planned",
        }
    }
    /// Fail, stale and error: the control counts as absent in the risk model.
    pub fn is_failing(self) -> bool {
        matches!(self, State::Fail | State::Stale | State::Error)
    }
}

/// One control's result.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlResult {
    /// Index into `model.controls`.
    pub control: usize,
    pub id: String,
    pub state: State,
    /// Why it is not passing: the policy's `deny` messages, staleness or the error.
    pub messages: Vec<String>,
    /// The policy's `warn` messages (they never fail a check).
    pub warnings: Vec<String>,
    /// Policy path as written (relative to the model directory) and the SHA-256 of its text.
    pub policy: Option<String>,
    pub policy_sha256: Option<String>,
    pub package: Option<String>,
    pub evidence: Vec<EvidenceFile>,
    pub max_age_secs: Option<u64>,
}

/// Where and when checks run, and within which bounds.
#[derive(Debug, Clone)]
pub struct CheckOptions<'a> {
    /// The model directory: policies and evidence patterns are relative to it.
    pub base: &'a Path,
    /// The time of the run (evidence ages are measured against it).
    pub now: SystemTime,
    pub limits: Limits,
    /// Where policies run: a thread of this process, or a worker process (what the CLI uses).
    pub sandbox: policy::Sandbox,
}

/// Runs every deployed control's check, in model order.
pub fn check_controls(model: &Model, options: &CheckOptions) -> Vec<ControlResult> {
    model.controls.iter().enumerate().map(|(i, c)| check_control(i, c, options)).collect()
}

/// Runs one control's check.
pub fn check_control(index: usize, control: &Control, options: &CheckOptions) -> ControlResult {
    let mut result = ControlResult {
        control: index,
        id: control.id.clone(),
        state: State::Unchecked,
        messages: Vec::new(),
        warnings: Vec::new(),
        policy: None,
        policy_sha256: None,
        package: None,
        evidence: Vec::new(),
        max_age_secs: None,
    };
    if control.status == ControlStatus::Planned {
        result.state = State::Planned;
        return result;
    }
    let Some(check) = &control.check else { return result };
    result.policy = Some(check.policy.value.clone());
    result.package = Some(check.package.clone().unwrap_or_else(|| "main".into()));
    result.max_age_secs = check.max_age_secs;
    run(check, options, &mut result);
    result
}

fn run(check: &Check, options: &CheckOptions, result: &mut ControlResult) {
    let limits = &options.limits;
    let fail = |result: &mut ControlResult, messages: Vec<String>| {
        result.state = State::Error;
        result.messages = messages;
    };
    // The policy.
    let policy_name = check.policy.value.clone();
    let text = match read_policy(options.base, &policy_name, limits) {
        Ok(text) => text,
        Err(e) => return fail(result, vec![e]),
    };
    result.policy_sha256 = Some(evidence::sha256_hex(text.as_bytes()));
    // The evidence.
    if check.evidence.is_empty() {
        return fail(result, vec!["the check lists no `evidence`, so there is nothing to judge".into()]);
    }
    let patterns: Vec<String> = check.evidence.iter().map(|e| e.value.clone()).collect();
    let files = match evidence::resolve(options.base, &patterns, limits) {
        Ok(files) => files,
        Err(errors) => return fail(result, errors),
    };
    // A file over the per-file limit is reported as such by `evidence::load`, not here.
    let total: u64 =
        files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len().min(limits.max_evidence_bytes)).sum();
    if total > limits.max_evidence_total_bytes {
        return fail(
            result,
            vec![format!(
                "the evidence files add up to {total} bytes, more than the {}-byte limit for one check",
                limits.max_evidence_total_bytes
            )],
        );
    }
    let mut documents = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for path in &files {
        match evidence::load(options.base, path, options.now, limits) {
            Ok(loaded) => {
                result.evidence.push(loaded.file);
                documents.push(loaded.document);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return fail(result, errors);
    }
    // One file: the document itself; several: an array of documents, in path order.
    let input = if documents.len() == 1 { documents.pop().expect("one") } else { serde_json::Value::Array(documents) };
    let package = result.package.clone().unwrap_or_else(|| "main".into());
    let outcome = match policy::evaluate_in(&options.sandbox, &policy_name, &text, &package, input, limits) {
        Ok(outcome) => outcome,
        Err(e) => return fail(result, vec![e]),
    };
    result.warnings = outcome.warn;
    let stale: Vec<String> = match check.max_age_secs {
        Some(max) => result
            .evidence
            .iter()
            .filter(|e| e.age_secs > max)
            .map(|e| {
                let by = if e.dated_by == "document" { "observed_at" } else { "file modified" };
                format!(
                    "{} is {} old ({by} {}; max_age {})",
                    e.path,
                    human_age(e.age_secs),
                    e.observed_at,
                    human_age(max)
                )
            })
            .collect(),
        None => Vec::new(),
    };
    if !outcome.deny.is_empty() {
        result.state = State::Fail;
        result.messages = outcome.deny;
        result.messages.extend(stale.into_iter().map(|s| format!("also stale: {s}")));
    } else if !stale.is_empty() {
        result.state = State::Stale;
        result.messages = stale;
    } else {
        result.state = State::Pass;
    }
}

fn read_policy(base: &Path, written: &str, limits: &Limits) -> Result<String, String> {
    evidence::check_relative(written, "policy path")?;
    let path = base.join(written);
    if !path.exists() {
        return Err(format!("policy {written} not found in the model directory"));
    }
    let real = evidence::check_inside(base, &path, written)?;
    let max = limits.max_policy_bytes as u64;
    let (bytes, _) = riskpath_model::files::read_regular(&real, max).map_err(|e| match e {
        riskpath_model::files::FileError::TooLarge(_) => {
            format!("policy {written} is larger than the {max}-byte limit")
        }
        e => format!("cannot read policy {written}: {e}"),
    })?;
    String::from_utf8(bytes)
        .map_err(|e| format!("policy {written} is not UTF-8 (invalid byte at offset {})", e.utf8_error().valid_up_to()))
}

/// The posture as verified: deployed controls count unless their check fails, is stale or errs.
pub fn verified_posture(model: &Model, results: &[ControlResult]) -> Posture {
    let mut posture = Posture::as_deployed(model);
    for r in results {
        if r.state.is_failing() {
            posture.active[r.control] = false;
        }
    }
    posture
}

/// How many controls are in each state, in [`State::ALL`] order.
pub fn counts(results: &[ControlResult]) -> Counts {
    let mut c = Counts::default();
    for r in results {
        match r.state {
            State::Pass => c.pass += 1,
            State::Fail => c.fail += 1,
            State::Stale => c.stale += 1,
            State::Error => c.error += 1,
            State::Unchecked => c.unchecked += 1,
            State::Planned => c.planned += 1,
        }
    }
    c
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub stale: usize,
    pub error: usize,
    pub unchecked: usize,
    pub planned: usize,
}

impl Counts {
    pub fn failing(&self) -> usize {
        self.fail + self.stale + self.error
    }
}

/// Default bound on one policy evaluation.
pub const DEFAULT_POLICY_TIMEOUT: Duration = Duration::from_secs(2);
