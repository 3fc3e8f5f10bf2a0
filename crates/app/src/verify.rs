//! `verify`: run every control's check, price what the failing ones cost, judge the accepted risks,
//! record the run in the hash-chained history, and say whether CI should fail (the findings).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use riskpath_assure::check::{CheckOptions, check_controls};
use riskpath_assure::doc::{AcceptedDoc, Location, Run, RunInfo, VerifyDoc};
use riskpath_assure::history::{self, Store};
use riskpath_assure::policy::Sandbox;
use riskpath_assure::{Impact, Limits, model_hash, timestamp};
use riskpath_decide::{Evaluator, Headline};
use riskpath_model::Model;
use riskpath_model::accepted::Date;
use riskpath_report::style::{Style, count, money};
use serde::Serialize;

use crate::outcome::{Document, Outcome, on_model};
use crate::{AppError, ModelSource, Progress, RunConfig};

/// The outputs of `verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyFormat {
    Text,
    Json,
    /// JUnit XML, one test case per control.
    Junit,
    /// SARIF 2.1.0, failing controls at their place in the model.
    Sarif,
}

/// When a verify run is a finding (the CLI exits 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Any failing, stale or erroring control, or a lapsed accepted risk.
    Failure,
    /// Only a control that passed in the previous run and no longer does.
    Regression,
}

/// The run to verify (the flags of `riskpath verify`).
#[derive(Debug, Clone)]
pub struct VerifyConfig {
    pub model: ModelSource,
    /// The model's path as given: policies and evidence are relative to it, and it is recorded.
    pub model_path: PathBuf,
    /// Trials, seed and years of every assessment of the run (common random numbers).
    pub run: RunConfig,
    /// The history database; `None`: the model's `.riskpath/history.db`.
    pub db: Option<PathBuf>,
    /// Append the run to the history (else the history is only read, for regressions).
    pub record: bool,
    pub limits: Limits,
    /// Where policies are evaluated (the CLI: a worker process of its own executable).
    pub sandbox: Sandbox,
    /// The run's time: evidence ages are measured against it.
    pub now: SystemTime,
    /// The day accepted risks are judged on.
    pub as_of: Date,
    pub format: VerifyFormat,
    pub style: Style,
    pub fail_on: FailOn,
}

/// A verify run: its document (schema `verify.v1`) and, when CI should fail, why.
#[derive(Debug)]
pub struct Verification {
    pub doc: VerifyDoc,
    pub findings: Option<String>,
}

impl Serialize for Verification {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.doc.serialize(s)
    }
}

impl Document for Verification {}

/// The directory that policies and evidence patterns are relative to.
pub fn model_base(path: &Path) -> PathBuf {
    if path.is_file() {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    } else {
        path.to_path_buf()
    }
}

/// A policy needs some time and some memory to run.
pub fn check_limits(limits: &Limits) -> Result<(), AppError> {
    if limits.policy_timeout.is_zero() {
        return Err(AppError::usage("--policy-timeout must be at least 1 ms"));
    }
    if limits.max_policy_memory == 0 {
        return Err(AppError::usage("--max-policy-memory must be at least 1 byte"));
    }
    Ok(())
}

/// The newest record of the history at `db`, read-only; none when there is no history yet.
fn last_record(db: &Path) -> Result<Option<history::Record>, AppError> {
    if !db.exists() {
        return Ok(None);
    }
    let store = Store::open_existing(db).map_err(|e| AppError::usage(e.to_string()))?;
    let records = store.records().map_err(|e| AppError::usage(e.to_string()))?;
    Ok(records.into_iter().last().map(|s| s.record))
}

/// Checks, prices, records and renders the run of `config`.
pub fn verify(config: &VerifyConfig, progress: &dyn Progress) -> Result<Outcome<Verification>, AppError> {
    check_limits(&config.limits)?;
    on_model(&config.model, None, |loaded| {
        let model = &loaded.model;
        let run_config = config.run.config(model, " per assessment")?;
        let base = model_base(&config.model_path);
        let options =
            CheckOptions { base: &base, now: config.now, limits: config.limits, sandbox: config.sandbox.clone() };
        let started = std::time::Instant::now();
        let results = check_controls(model, &options);
        let check_seconds = started.elapsed().as_secs_f64();
        let impact = {
            let failing = results.iter().filter(|r| r.state.is_failing()).count();
            let work =
                riskpath_engine::risk::expected_work(model, run_config) * riskpath_assure::impact::assessments(failing);
            let bar = progress.bar(work, "pricing the controls");
            riskpath_assure::impact::price_observed(model, &results, run_config, bar.as_ref())
        };
        let accepted = accepted_checks(model, &impact, config.as_of);
        let run = Run {
            model,
            model_path: config.model_path.display().to_string(),
            model_hash: model_hash(model),
            time: timestamp(config.now),
            results: &results,
            impact: &impact,
            accepted: &accepted,
        };
        let db = match &config.db {
            Some(db) => db.clone(),
            None => history::model_store(&config.model_path).map_err(|e| AppError::usage(e.to_string()))?,
        };
        let states = || results.iter().map(|r| (r.id.as_str(), r.state));
        let (doc, previous_seq) = if config.record {
            let mut store = Store::open(&db).map_err(|e| AppError::usage(e.to_string()))?;
            let mut previous_seq = None;
            let stored = store
                .append(|previous| {
                    previous_seq = previous.map(|p| p.seq);
                    run.record(history::regressions(previous, states()))
                })
                .map_err(|e| AppError::usage(e.to_string()))?;
            let info = RunInfo {
                db: db.display().to_string(),
                seq: stored.record.seq,
                hash: stored.hash.clone(),
                previous_seq,
            };
            (run.doc(&stored.record.regressions, Some(info)), previous_seq)
        } else {
            let previous = last_record(&db)?;
            let regressions = history::regressions(previous.as_ref(), states());
            (run.doc(&regressions, None), previous.map(|p| p.seq))
        };
        let rendered = match config.format {
            VerifyFormat::Text => Some(config.style.finish(riskpath_report::verify::text(&doc, &config.style))),
            VerifyFormat::Json => None,
            VerifyFormat::Junit => Some(riskpath_report::verify::junit(&doc, &base, check_seconds)),
            VerifyFormat::Sarif => Some(crate::to_json(&riskpath_report::verify::sarif(&doc, &base))?),
        };
        let findings = findings(&doc, config.fail_on, previous_seq);
        Ok(Outcome::new(Verification { doc, findings }, rendered))
    })
}

/// Why CI should fail on this run under `fail_on`, if it should: failing controls (and lapsed
/// accepted risks), or regressions since run `previous_seq`.
pub fn findings(doc: &VerifyDoc, fail_on: FailOn, previous_seq: Option<i64>) -> Option<String> {
    let failing = doc.summary.failing();
    let lapsed = doc.accepted_risks.iter().filter(|a| a.lapsed()).count();
    let regressions = doc.regressions.len();
    let money = money(doc.risk.ale_increase, &doc.currency);
    let lapsed_text = format!("{} lapsed (expired or over max_ale)", count(lapsed, "accepted risk"));
    match fail_on {
        FailOn::Failure if failing > 0 => Some(format!(
            "{} {} not hold ({}); they add {money}/yr to the ALE{}",
            count(failing, "control"),
            if failing == 1 { "does" } else { "do" },
            count(regressions, "regression"),
            if lapsed > 0 { format!("; {lapsed_text}") } else { String::new() }
        )),
        FailOn::Failure if lapsed > 0 => Some(lapsed_text),
        FailOn::Regression if regressions > 0 => {
            Some(format!("{} regressed since run #{}", count(regressions, "control"), previous_seq.unwrap_or_default()))
        }
        _ => None,
    }
}

/// The model's accepted risks as checks on `as_of`, each measured against the ALE as verified
/// (an evaluator on the verified posture anchored to its assessment, the run's headline).
fn accepted_checks(model: &Model, impact: &Impact, as_of: Date) -> Vec<AcceptedDoc> {
    if model.accepted_risks.is_empty() {
        return Vec::new();
    }
    let c = impact.config;
    let mut eval = Evaluator::new(model, impact.verified_posture.clone(), c.trials, c.seed);
    eval.anchor(Headline::of(&impact.verified));
    let labels = riskpath_model::Labels::new(model);
    let currency = &model.settings.currency;
    riskpath_decide::accepted::cover(&eval, &impact.verified.scenarios, as_of)
        .into_iter()
        .map(|a| AcceptedDoc {
            message: accepted_message(&a, &labels, currency),
            location: Location::of(model, a.loc),
            id: a.id,
            owner: a.owner,
            expires: a.expires,
            ale: a.ale,
            max_ale: a.max_ale,
            ale_std_error: a.ale_std_error,
            expired: a.expired,
            over_max_ale: a.over_max_ale,
            near_max_ale: a.near_max_ale,
        })
        .collect()
}

/// What an acceptance covers, then why it lapsed or why this run cannot tell, after a dash.
fn accepted_message(
    a: &riskpath_decide::accepted::Coverage,
    labels: &riskpath_model::Labels,
    currency: &str,
) -> String {
    use riskpath_report::accepted::{lapse, summary, undecided};
    let state = lapse(a, currency).or_else(|| undecided(a, currency));
    summary(a, labels, currency) + &state.map(|why| format!(" — {why}")).unwrap_or_default()
}
