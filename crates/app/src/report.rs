//! `report`: the analysis at the right altitude (a one-page executive summary or the engineer's
//! full report) as HTML or Markdown, with the roadmap and the verify history (read-only) when there is one.

use std::path::{Path, PathBuf};

use riskpath_assure::history::Store;
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
use riskpath_model::accepted::Date;
use riskpath_report::view::{self, ControlState, History, HistoryRun, Report, ReportInput, Roadmap};

use crate::analyze::lapsed_warnings;
use crate::outcome::{Outcome, on_model};
use crate::{AppError, ModelSource, Progress, SimConfig};

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
    /// The headline, `paths` most likely paths per scenario, classes, tornado, cut, choke points
    /// and CVEs of `model` (classes and choke points in the one-foothold view when saturated).
    pub fn compute(
        model: &'m Model,
        sim: &SimConfig,
        paths: usize,
        progress: &dyn Progress,
    ) -> Result<Analysis<'m>, AppError> {
        let (risk, eval) = sim.assess(model, progress)?;
        let graph = eval.baseline_graph();
        let scenarios = all_scenarios(model, graph, paths.max(1));
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

/// The report's audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Exec,
    Engineer,
}

/// The report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// One self-contained HTML page.
    Html,
    /// GitHub-flavoured Markdown.
    Md,
}

/// The report to write (the flags of `riskpath report`).
#[derive(Debug, Clone)]
pub struct ReportConfig {
    pub model: ModelSource,
    /// The model's short name in titles ([`model_name`] of its path).
    pub name: String,
    pub sim: SimConfig,
    pub audience: Audience,
    pub format: ReportFormat,
    /// Most likely paths drawn per scenario (`-k`), for `path_scenarios` scenarios by ALE.
    pub paths: usize,
    pub path_scenarios: usize,
    /// Roadmap budget per year; `None`: the initiatives' one-off costs spread over `plan_years`.
    pub budget: Option<f64>,
    pub plan_years: usize,
    pub team_capacity: Option<usize>,
    pub exact_nodes: u64,
    /// The verify history to read the trend and control states from, if any.
    pub history: Option<PathBuf>,
    /// The day the report is as of (accepted risks are judged on it).
    pub as_of: Date,
    pub threads: Option<usize>,
}

/// A report page and the notices about it (a verify history that could not be used); the
/// outcome's warnings are the lapsed acceptances.
#[derive(Debug)]
pub struct ReportPage {
    pub content: String,
    pub notices: Vec<String>,
}

/// The roadmap, or why there is none. The yearly budget defaults to the initiatives' one-off costs
/// spread over the horizon.
fn plan(
    model: &Model,
    config: &ReportConfig,
    eval: &Evaluator,
) -> Result<Result<(PlanResult, bool), String>, AppError> {
    crate::plan::check_years(config.plan_years)?;
    if model.initiatives.is_empty() {
        return Ok(Err(
            "No roadmap: the model has no initiatives. Add candidate initiatives with their costs to plan one.".into(),
        ));
    }
    if model.initiatives.len() > crate::plan::MAX_INITIATIVES {
        return Ok(Err("No roadmap: at most 63 initiatives can be planned at once.".into()));
    }
    let once: f64 = model.initiatives.iter().map(|i| i.cost.once).sum();
    let (budget, assumed) = match config.budget {
        Some(b) => (b, false),
        None if once > 0.0 => (once / config.plan_years as f64, true),
        None => {
            return Ok(Err(
                "No roadmap: no --budget was given and the initiatives have no one-off costs to derive one from."
                    .into(),
            ));
        }
    };
    let options = PlanOptions {
        budget_per_year: budget,
        years: config.plan_years,
        team_capacity: config.team_capacity,
        exact_nodes: config.exact_nodes,
    };
    Ok(Ok((roadmap::plan(eval, options), assumed)))
}

/// The verify history of the model, if it has one; unreadable history is a notice, not a failure.
pub fn read_history(model: &Model, path: &Path, notices: &mut Vec<String>) -> Option<History> {
    if !path.is_file() {
        return None;
    }
    let mut warn = |e: &dyn std::fmt::Display| notices.push(format!("not using the verify history: {e}"));
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

/// The report on the model of `config`.
pub fn report(config: &ReportConfig, progress: &dyn Progress) -> Result<Outcome<ReportPage>, AppError> {
    on_model(&config.model, config.threads, |loaded| {
        let model = &loaded.model;
        let analysis = Analysis::compute(model, &config.sim, config.paths, progress)?;
        let planned = plan(model, config, &analysis.eval)?;
        let roadmap = match &planned {
            Ok((plan, assumed)) => Roadmap::Planned { plan, budget_assumed: *assumed },
            Err(why) => Roadmap::Skipped(why),
        };
        let mut notices = Vec::new();
        let history = config.history.as_ref().and_then(|db| read_history(model, db, &mut notices));
        let accepted = riskpath_decide::accepted::cover(&analysis.eval, &analysis.risk.scenarios, config.as_of);
        let as_of = config.as_of.to_string();
        let input = ReportInput {
            model,
            model_name: &config.name,
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
            paths_per_scenario: config.paths,
            path_scenarios: config.path_scenarios,
            vulnerabilities: analysis.vulnerabilities.as_ref(),
            accepted: &accepted,
        };
        let audience = match config.audience {
            Audience::Exec => view::Audience::Exec,
            Audience::Engineer => view::Audience::Engineer,
        };
        let report = Report::build(&input, audience);
        let content = match config.format {
            ReportFormat::Html => riskpath_report::html::render(&report).map_err(|e| AppError::usage(e.to_string()))?,
            ReportFormat::Md => riskpath_report::markdown::render(&report),
        };
        analysis.eval.progress_done();
        let warnings = lapsed_warnings(model, &accepted, config.as_of);
        Ok(Outcome { doc: ReportPage { content, notices }, text: None, warnings })
    })
}
