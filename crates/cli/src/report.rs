//! `riskpath report`: the analysis at the right altitude — a one-page executive summary or the
//! engineer's full report — as a self-contained HTML page or GitHub Markdown. Reads the verify
//! history (read-only) for the ALE trend and the control states when the model has one.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use riskpath_assure::history::{self, Store};
use riskpath_decide::Evaluator;
use riskpath_decide::chokepoints::{self, ChokePoint, MinCut};
use riskpath_decide::classes::{self, EndemicClass};
use riskpath_decide::roadmap::{self, PlanOptions, PlanResult};
use riskpath_decide::saturation::{self, Saturation};
use riskpath_decide::sensitivity::{self, TornadoBar};
use riskpath_engine::AttackGraph;
use riskpath_engine::paths::{ScenarioPaths, all_scenarios};
use riskpath_engine::risk::RiskResult;
use riskpath_model::Model;
use riskpath_report::view::{self, ControlState, History, HistoryRun, Report, ReportInput, Roadmap};

use crate::ModelArgs;
use crate::analyze::SimArgs;
use crate::common::{Failure, OutputFile, load_model};

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

/// Everything the report and export commands compute from one model.
pub struct Analysis<'m> {
    /// The what-if evaluator, anchored to the headline (the plan is priced with it too).
    pub eval: Evaluator<'m>,
    pub risk: RiskResult,
    pub scenarios: Vec<ScenarioPaths>,
    pub classes: Vec<EndemicClass>,
    pub tornado: Vec<TornadoBar>,
    pub cut: MinCut,
    pub choke_points: Vec<ChokePoint>,
    /// Some scenario is saturated: classes and choke points are in its one-foothold view.
    pub saturation: Option<Saturation>,
    /// The CVEs ranked by the money they carry (when edges list vulnerabilities).
    pub vulnerabilities: Option<riskpath_decide::patch::VulnRanking>,
}

impl<'m> Analysis<'m> {
    pub fn compute(model: &'m Model, sim: &SimArgs, paths: usize) -> Result<Analysis<'m>, Failure> {
        let (risk, eval) = sim.assess(model)?;
        let graph = eval.baseline_graph();
        let scenarios = all_scenarios(model, graph, paths.max(1));
        // When an actor wins nearly every attempt, classes and choke points are ranked in the
        // one-foothold view (riskpath_decide::saturation).
        let (saturation, conditional) = saturation::decision_view(&eval, &risk.scenarios);
        let config = sim.config(model)?;
        let conditional_eval = conditional.as_ref().map(|m| sim.evaluator(m, &config)).transpose()?;
        let decisions = conditional_eval.as_ref().unwrap_or(&eval);
        let classes = classes::rank(decisions, decisions.baseline_graph(), 2);
        let tornado = sensitivity::tornado(&eval, 12);
        let (cut, choke_points) = chokepoints::analyse(decisions, decisions.baseline_graph(), 10, &Default::default());
        let vulnerabilities = riskpath_decide::patch::rank(&eval);
        Ok(Analysis { eval, risk, scenarios, classes, tornado, cut, choke_points, saturation, vulnerabilities })
    }

    pub fn graph(&self) -> &AttackGraph {
        self.eval.baseline_graph()
    }
}

/// A short name for the model: its directory's (or file's) name.
pub fn model_name(path: &Path) -> String {
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let name = if resolved.is_file() { resolved.file_stem() } else { resolved.file_name() };
    name.map_or_else(|| "model".into(), |n| n.to_string_lossy().into_owned())
}

/// The directory model file paths are relative to.
pub fn model_dir(path: &Path) -> PathBuf {
    if path.is_file() { path.parent().map(Path::to_path_buf).unwrap_or_default() } else { path.to_path_buf() }
}

/// The roadmap, or why there is none. The yearly budget defaults to the initiatives' one-off costs
/// spread over the horizon.
fn plan(model: &Model, args: &Args, eval: &Evaluator) -> Result<Result<(PlanResult, bool), String>, Failure> {
    if args.plan_years == 0 || args.plan_years > 10 {
        return Err(Failure::usage("--plan-years must be between 1 and 10"));
    }
    if model.initiatives.is_empty() {
        return Ok(Err(
            "No roadmap: the model has no initiatives. Add candidate initiatives with their costs to plan one.".into(),
        ));
    }
    if model.initiatives.len() > 63 {
        return Ok(Err("No roadmap: at most 63 initiatives can be planned at once.".into()));
    }
    let once: f64 = model.initiatives.iter().map(|i| i.cost.once).sum();
    let (budget, assumed) = match args.budget {
        Some(b) => (b, false),
        None if once > 0.0 => (once / args.plan_years as f64, true),
        None => {
            return Ok(Err(
                "No roadmap: no --budget was given and the initiatives have no one-off costs to derive one from."
                    .into(),
            ));
        }
    };
    let options = PlanOptions {
        budget_per_year: budget,
        years: args.plan_years,
        team_capacity: args.team_capacity,
        exact_nodes: args.exact_nodes,
    };
    Ok(Ok((roadmap::plan(eval, options), assumed)))
}

/// The verify history of the model, if it has one; unreadable history is a warning, not a failure.
pub fn read_history(model: &Model, path: &Path) -> Option<History> {
    if !path.is_file() {
        return None;
    }
    let warn = |e: &dyn std::fmt::Display| eprintln!("riskpath: warning: not using the verify history: {e}");
    let store = Store::open_existing(path).map_err(|e| warn(&e)).ok()?;
    let records = store.records().map_err(|e| warn(&e)).ok()?;
    let chain = store.verify_chain().map_err(|e| warn(&e)).ok()?;
    let latest = records.last()?;
    Some(History {
        db: path.display().to_string(),
        runs: records
            .iter()
            .map(|s| HistoryRun {
                seq: s.record.seq,
                time: s.record.time.clone(),
                ale: s.record.ale,
                ale_design: s.record.ale_design,
            })
            .collect(),
        chain_problems: chain.problems.iter().map(|p| format!("record #{}: {}", p.seq, p.message)).collect(),
        latest_controls: latest
            .record
            .controls
            .iter()
            .map(|c| ControlState {
                id: c.id.clone(),
                state: c.state.name().to_string(),
                messages: c.messages.clone(),
                ale_increase: c.ale_increase,
            })
            .collect(),
        same_model: latest.record.model_hash == riskpath_assure::model_hash(model),
    })
}

pub fn run(args: Args) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    let analysis = Analysis::compute(model, &args.sim, args.paths)?;
    let planned = plan(model, &args, &analysis.eval)?;
    let roadmap = match &planned {
        Ok((plan, assumed)) => Roadmap::Planned { plan, budget_assumed: *assumed },
        Err(why) => Roadmap::Skipped(why),
    };
    let db = match &args.db {
        Some(db) => Some(db.clone()),
        None => history::model_store(&args.model.dir)
            .map_err(|e| eprintln!("riskpath: warning: not using the verify history: {e}"))
            .ok(),
    };
    let history = db.and_then(|db| read_history(model, &db));
    let name = model_name(&args.model.dir);
    let day = match args.as_of.as_of {
        Some(day) => day,
        None => riskpath_model::accepted::Date::parse(&report_date()?).map_err(Failure::usage)?,
    };
    let accepted = riskpath_decide::accepted::cover(&analysis.eval, &analysis.risk.scenarios, day);
    crate::common::warn_lapsed(model, &accepted, day);
    let as_of = day.to_string();
    let input = ReportInput {
        model,
        model_name: &name,
        as_of: &as_of,
        graph: analysis.graph(),
        risk: &analysis.risk,
        scenarios: &analysis.scenarios,
        classes: &analysis.classes,
        tornado: &analysis.tornado,
        cut: Some(&analysis.cut),
        choke_points: &analysis.choke_points,
        saturation: analysis.saturation.as_ref(),
        roadmap,
        history: history.as_ref(),
        decision_trials: analysis.eval.trials,
        paths_per_scenario: args.paths,
        path_scenarios: args.path_scenarios,
        vulnerabilities: analysis.vulnerabilities.as_ref(),
        accepted: &accepted,
    };
    let audience = match args.audience {
        Audience::Exec => view::Audience::Exec,
        Audience::Engineer => view::Audience::Engineer,
    };
    let report = Report::build(&input, audience);
    let content = match args.format {
        ReportFormat::Html => riskpath_report::html::render(&report).map_err(|e| Failure::usage(e.to_string()))?,
        ReportFormat::Md => riskpath_report::markdown::render(&report),
    };
    analysis.eval.progress_done();
    args.out.write(&content)
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
