//! `riskpath verify`: run every control's check, price what the failing ones cost, record the run
//! in the hash-chained history, and report as text, JSON, JUnit or SARIF with CI exit codes.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::ValueEnum;
use riskpath_app::ModelSource;
use riskpath_app::verify::VerifyConfig;
use riskpath_assure::Limits;
use riskpath_assure::policy::{Sandbox, Worker};

use crate::ModelArgs;
use crate::analyze::RunArgs;
use crate::common::{Failure, OutputFile, Terminal, load_model, write_outcome};

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
    let limits = Limits {
        policy_timeout: Duration::from_millis(args.policy_timeout),
        max_evidence_bytes: args.max_evidence_size,
        max_policy_memory: args.max_policy_memory,
        ..Limits::default()
    };
    riskpath_app::verify::check_limits(&limits)?;
    let loaded = load_model(&args.model)?;
    let config = VerifyConfig {
        model: ModelSource::Loaded(loaded),
        model_path: args.model.dir.clone(),
        run: args.run.run_config(),
        db: args.db.clone(),
        record: !args.no_record,
        limits,
        sandbox: worker_sandbox()?,
        now: SystemTime::now(),
        as_of: args.as_of.day(),
        format: match args.format {
            VerifyFormat::Text => riskpath_app::verify::VerifyFormat::Text,
            VerifyFormat::Json => riskpath_app::verify::VerifyFormat::Json,
            VerifyFormat::Junit => riskpath_app::verify::VerifyFormat::Junit,
            VerifyFormat::Sarif => riskpath_app::verify::VerifyFormat::Sarif,
        },
        style: args.out.style(),
        fail_on: match args.fail_on {
            FailOn::Failure => riskpath_app::verify::FailOn::Failure,
            FailOn::Regression => riskpath_app::verify::FailOn::Regression,
        },
    };
    let outcome = riskpath_app::verify::verify(&config, &Terminal)?;
    write_outcome(&args.out, &outcome)?;
    match &outcome.doc.findings {
        Some(findings) => Err(Failure::findings(findings.clone())),
        None => Ok(()),
    }
}
