//! `riskpath report`: the analysis at the right altitude — a one-page executive summary or the
//! engineer's full report — as a self-contained HTML page or GitHub Markdown. Reads the verify
//! history (read-only) for the ALE trend and the control states when the model has one.

use std::path::PathBuf;

use clap::ValueEnum;
use riskpath_app::ModelSource;
use riskpath_app::report::{ReportConfig, model_name};
use riskpath_assure::history;
use riskpath_decide::roadmap;

use crate::ModelArgs;
use crate::analyze::SimArgs;
use crate::common::{Failure, OutputFile, Terminal, load_model, print_problems, stderr_color};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// One page for leadership: money, trend, loss exceedance against tolerance, top risks,
    /// roadmap burn-down and the decisions asked.
    Exec,
    /// Attack path diagrams, choke points, endemic classes, sensitivity, control states,
    /// per-scenario tables, how each probability was derived, method.
    Engineer,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// One self-contained HTML page (inline CSS and SVG charts, no script, prints well).
    Html,
    /// GitHub-flavoured Markdown.
    Md,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Who the report is for.
    #[arg(long, value_enum, default_value_t = Audience::Exec)]
    pub audience: Audience,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub out: OutputFile,
    /// Most likely paths drawn per scenario.
    #[arg(short = 'k', long, default_value_t = 3, value_parser = crate::common::path_count)]
    pub paths: usize,
    /// Scenarios (by ALE) whose paths are drawn.
    #[arg(long, default_value_t = 6)]
    pub path_scenarios: usize,
    /// Roadmap budget per year, in the model's currency: 1500000, 1.5M, 250k or $1,500,000
    /// [default: the initiatives' one-off costs spread over --plan-years].
    #[arg(long, value_name = "AMOUNT", value_parser = crate::amount::parse)]
    pub budget: Option<f64>,
    /// Roadmap horizon in years (`--years` is the simulated years, as in `analyze`).
    #[arg(long, value_name = "YEARS", default_value_t = 3)]
    pub plan_years: usize,
    /// At most this many initiatives in progress at once per owning team.
    #[arg(long)]
    pub team_capacity: Option<usize>,
    /// Branch-and-bound nodes the exact roadmap solver may use (0: greedy only).
    #[arg(long, default_value_t = roadmap::DEFAULT_EXACT_NODES)]
    pub exact_nodes: u64,
    /// Verify history to read the trend and control states from [default: DIR/.riskpath/history.db].
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub as_of: crate::common::AsOf,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    riskpath_app::plan::check_years(args.plan_years)?;
    let history = match &args.db {
        Some(db) => Some(db.clone()),
        None => history::model_store(&args.model.dir)
            .map_err(|e| eprintln!("riskpath: warning: not using the verify history: {e}"))
            .ok(),
    };
    let as_of = match args.as_of.as_of {
        Some(day) => day,
        None => riskpath_model::accepted::Date::parse(&report_date()?).map_err(Failure::usage)?,
    };
    let config = ReportConfig {
        model: ModelSource::Loaded(loaded),
        name: model_name(&args.model.dir),
        sim: args.sim.sim_config(),
        audience: match args.audience {
            Audience::Exec => riskpath_app::report::Audience::Exec,
            Audience::Engineer => riskpath_app::report::Audience::Engineer,
        },
        format: match args.format {
            ReportFormat::Html => riskpath_app::report::ReportFormat::Html,
            ReportFormat::Md => riskpath_app::report::ReportFormat::Md,
        },
        paths: args.paths,
        path_scenarios: args.path_scenarios,
        budget: args.budget,
        plan_years: args.plan_years,
        team_capacity: args.team_capacity,
        exact_nodes: args.exact_nodes,
        history,
        as_of,
        threads: None,
    };
    let outcome = riskpath_app::report::report(&config, &Terminal)?;
    for notice in &outcome.doc.notices {
        eprintln!("riskpath: warning: {notice}");
    }
    print_problems(&outcome.warnings, false, stderr_color());
    args.out.write(&outcome.doc.content)
}

/// The day a report is as of: today (UTC), or the day of `SOURCE_DATE_EPOCH` (seconds since 1970,
/// the reproducible-builds convention) so that a report can be rebuilt byte for byte.
fn report_date() -> Result<String, Failure> {
    let at = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => {
            let seconds: i64 = text.trim().parse().map_err(|_| {
                Failure::usage(format!("SOURCE_DATE_EPOCH={text:?}: expected whole seconds since 1970-01-01"))
            })?;
            chrono::DateTime::from_timestamp(seconds, 0)
                .ok_or_else(|| Failure::usage(format!("SOURCE_DATE_EPOCH={seconds}: out of range")))?
        }
        Err(_) => chrono::Utc::now(),
    };
    Ok(at.format("%Y-%m-%d").to_string())
}
