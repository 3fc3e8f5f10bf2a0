//! `riskpath verify`: run every control's check, price what the failing ones cost, record the run
//! in the hash-chained history, and report as text, JSON, JUnit or SARIF with CI exit codes.

mod render;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use clap::ValueEnum;
use riskpath_assure::check::{CheckOptions, check_controls};
use riskpath_assure::doc::{AcceptedDoc, Location, Run, RunInfo};
use riskpath_assure::history::{self, Store};
use riskpath_assure::policy::{Sandbox, Worker};
use riskpath_assure::{Limits, model_hash, timestamp};
use riskpath_decide::{Evaluator, Headline};
use riskpath_engine::risk::RiskConfig;

use crate::ModelArgs;
use crate::analyze::RunArgs;
use crate::common::{Failure, OutputFile, load_model, to_json};
use riskpath_report::style::count;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = VerifyFormat::Text)]
    pub format: VerifyFormat,
    #[command(flatten)]
    pub out: OutputFile,
    /// History database [default: DIR/.riskpath/history.db].
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Run the checks and report, but record nothing: the history (if any) is only read, for
    /// regressions since its last run.
    #[arg(long)]
    pub no_record: bool,
    /// Exit 1 on any failing, stale or erroring control (`failure`), or only when a control that
    /// passed in the previous run no longer does (`regression`).
    #[arg(long, value_enum, default_value_t = FailOn::Failure)]
    pub fail_on: FailOn,
    /// Wall-clock limit on evaluating one policy, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = Limits::default().policy_timeout.as_millis() as u64)]
    pub policy_timeout: u64,
    /// Largest evidence file accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_evidence_bytes)]
    pub max_evidence_size: u64,
    /// Most memory one policy evaluation may allocate (its input included), in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_policy_memory)]
    pub max_policy_memory: u64,
    // Every assessment of the run (as deployed, and without each failing control) uses the same
    // trials and seed: common random numbers.
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub as_of: crate::common::AsOf,
}

impl Args {
    fn config(&self, model: &riskpath_model::Model) -> Result<RiskConfig, Failure> {
        self.run.config(model, " per assessment")
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyFormat {
    /// For a person: aligned text at 100 columns, colour only on a terminal.
    Text,
    /// For a machine: one JSON document with a `schema_version`.
    Json,
    /// JUnit XML (one test case per control) for CI test reports.
    Junit,
    /// SARIF 2.1.0: failing controls as results at their place in the model, for code scanning.
    Sarif,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Failure,
    Regression,
}

/// The directory that policies and evidence patterns are relative to.
fn model_base(path: &Path) -> PathBuf {
    if path.is_file() {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    } else {
        path.to_path_buf()
    }
}

/// The newest record of the history at `db`, read-only; none when there is no history yet.
fn last_record(db: &Path) -> Result<Option<history::Record>, Failure> {
    if !db.exists() {
        return Ok(None);
    }
    let store = Store::open_existing(db).map_err(|e| Failure::usage(e.to_string()))?;
    let records = store.records().map_err(|e| Failure::usage(e.to_string()))?;
    Ok(records.into_iter().last().map(|s| s.record))
}

/// Policies run in a worker process: this executable's hidden `policy-worker` command.
fn worker_sandbox() -> Result<Sandbox, Failure> {
    let program = std::env::current_exe()
        .map_err(|e| Failure::usage(format!("cannot find this executable to run policies: {e}")))?;
    Ok(Sandbox::Process(Worker { program, args: vec![WORKER_COMMAND.into()] }))
}

const WORKER_COMMAND: &str = "policy-worker";

/// The hidden `policy-worker` command: one request on stdin, its outcome on stdout.
pub fn serve_worker() -> Result<(), Failure> {
    riskpath_assure::policy::serve(&mut std::io::stdin().lock(), &mut std::io::stdout().lock()).map_err(Failure::usage)
}

pub fn run(args: Args) -> Result<(), Failure> {
    if args.policy_timeout == 0 {
        return Err(Failure::usage("--policy-timeout must be at least 1 ms"));
    }
    if args.max_policy_memory == 0 {
        return Err(Failure::usage("--max-policy-memory must be at least 1 byte"));
    }
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    let config = args.config(model)?;
    let now = SystemTime::now();
    let base = model_base(&args.model.dir);
    let limits = Limits {
        policy_timeout: Duration::from_millis(args.policy_timeout),
        max_evidence_bytes: args.max_evidence_size,
        max_policy_memory: args.max_policy_memory,
        ..Limits::default()
    };
    let sandbox = worker_sandbox()?;
    let started = std::time::Instant::now();
    let results = check_controls(model, &CheckOptions { base: &base, now, limits, sandbox });
    let check_seconds = started.elapsed().as_secs_f64();
    let impact = {
        let failing = results.iter().filter(|r| r.state.is_failing()).count();
        let work = riskpath_engine::risk::expected_work(model, config) * riskpath_assure::impact::assessments(failing);
        let bar = crate::common::Bar::new(work, "pricing the controls");
        riskpath_assure::impact::price_observed(model, &results, config, &bar)
    };
    let accepted = accepted_checks(model, &impact, args.as_of.day());
    let run = Run {
        model,
        model_path: args.model.dir.display().to_string(),
        model_hash: model_hash(model),
        time: timestamp(now),
        results: &results,
        impact: &impact,
        accepted: &accepted,
    };

    let db = match &args.db {
        Some(db) => db.clone(),
        None => history::model_store(&args.model.dir).map_err(|e| Failure::usage(e.to_string()))?,
    };
    let states = || results.iter().map(|r| (r.id.as_str(), r.state));
    let (doc, previous_seq) = if args.no_record {
        let previous = last_record(&db)?;
        let regressions = history::regressions(previous.as_ref(), states());
        (run.doc(&regressions, None), previous.map(|p| p.seq))
    } else {
        let mut store = Store::open(&db).map_err(|e| Failure::usage(e.to_string()))?;
        let mut previous_seq = None;
        let stored = store
            .append(|previous| {
                previous_seq = previous.map(|p| p.seq);
                run.record(history::regressions(previous, states()))
            })
            .map_err(|e| Failure::usage(e.to_string()))?;
        let info =
            RunInfo { db: db.display().to_string(), seq: stored.record.seq, hash: stored.hash.clone(), previous_seq };
        (run.doc(&stored.record.regressions, Some(info)), previous_seq)
    };

    let content = match args.format {
        VerifyFormat::Text => {
            let style = args.out.style();
            style.finish(render::text(&doc, &style))
        }
        VerifyFormat::Json => to_json(&doc)?,
        VerifyFormat::Junit => render::junit(&doc, &base, check_seconds),
        VerifyFormat::Sarif => to_json(&render::sarif(&doc, &base))?,
    };
    args.out.write(&content)?;

    let failing = doc.summary.failing();
    let lapsed = doc.accepted_risks.iter().filter(|a| a.lapsed()).count();
    let regressions = doc.regressions.len();
    let money = riskpath_report::style::money(doc.risk.ale_increase, &doc.currency);
    let lapsed_text = format!("{} lapsed (expired or over max_ale)", count(lapsed, "accepted risk"));
    match args.fail_on {
        FailOn::Failure if failing > 0 => Err(Failure::findings(format!(
            "{} {} not hold ({}); they add {money}/yr to the ALE{}",
            count(failing, "control"),
            if failing == 1 { "does" } else { "do" },
            count(regressions, "regression"),
            if lapsed > 0 { format!("; {lapsed_text}") } else { String::new() }
        ))),
        FailOn::Failure if lapsed > 0 => Err(Failure::findings(lapsed_text)),
        FailOn::Regression if regressions > 0 => Err(Failure::findings(format!(
            "{} regressed since run #{}",
            count(regressions, "control"),
            previous_seq.unwrap_or_default()
        ))),
        _ => Ok(()),
    }
}

/// The model's accepted risks as checks on `as_of`, each measured against the ALE as verified
/// (an evaluator on the verified posture anchored to its assessment, the run's headline).
fn accepted_checks(
    model: &riskpath_model::Model,
    impact: &riskpath_assure::Impact,
    as_of: riskpath_model::accepted::Date,
) -> Vec<AcceptedDoc> {
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
            message: riskpath_report::accepted::summary(&a, &labels, currency)
                + &riskpath_report::accepted::lapse(&a, currency).map(|why| format!(" — {why}")).unwrap_or_default(),
            location: Location::of(model, a.loc),
            id: a.id,
            owner: a.owner,
            expires: a.expires,
            ale: a.ale,
            max_ale: a.max_ale,
            expired: a.expired,
            over_max_ale: a.over_max_ale,
        })
        .collect()
}
