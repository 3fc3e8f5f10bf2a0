//! `analyze`: attack paths per actor and crown jewel, the headline risk, endemic classes, the
//! tornado and accepted risks, as the typed analysis document (schema `analysis.v1`) or text.

use riskpath_decide::{Evaluator, classes, saturation, sensitivity};
use riskpath_engine::paths::all_scenarios;
use riskpath_engine::risk::RiskResult;
use riskpath_model::accepted::Date;
use riskpath_model::{Labels, Model, Problems};
use riskpath_report::json::AnalysisDoc;
use riskpath_report::style::Style;
use riskpath_report::{decisions, text};

use crate::outcome::{Document, Outcome, on_model};
use crate::{AppError, ModelSource, Progress, SimConfig};

/// Most paths one may ask for per actor and target: Yen's algorithm costs k shortest-path searches
/// each, and 100,000 ran past two minutes without a word.
pub const MAX_PATHS: usize = 100;

/// Output formats of the analysis commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned text at 100 columns, coloured when the style says so.
    Text,
    /// The JSON document with its `schema_version`.
    Json,
}

/// What to analyse and how (the flags of `riskpath analyze`).
#[derive(Debug, Clone)]
pub struct AnalyzeConfig {
    pub model: ModelSource,
    pub sim: SimConfig,
    /// Paths to find per actor and target (`-k`, 1 to [`MAX_PATHS`]).
    pub paths: usize,
    /// The day accepted risks are judged on (the caller's today when not given).
    pub as_of: Date,
    pub format: Format,
    /// Colour for text (never for JSON).
    pub style: Style,
    /// Worker threads for this run (`None`: the process's pool). The numbers do not depend on it.
    pub threads: Option<usize>,
}

impl AnalyzeConfig {
    /// The analysis of `model` with the default options (5 paths, model settings, JSON, no colour).
    pub fn new(model: ModelSource, as_of: Date) -> Self {
        AnalyzeConfig {
            model,
            sim: SimConfig::default(),
            paths: 5,
            as_of,
            format: Format::Json,
            style: Style::plain(),
            threads: None,
        }
    }
}

/// An analysis: its document (schema `analysis.v1`), its text when asked for, and the warnings to
/// show (the model's load warnings when the library loaded it, then accepted risks that lapsed).
pub type AnalysisOutcome = Outcome<AnalysisDoc>;

impl Document for AnalysisDoc {}

/// Analyses the model of `config`: loads it when given as a path, simulates the headline, measures
/// the what-ifs, and returns the result; nothing is printed or written.
pub fn analyze(config: &AnalyzeConfig, progress: &dyn Progress) -> Result<AnalysisOutcome, AppError> {
    check_paths(config.paths)?;
    on_model(&config.model, config.threads, |loaded| {
        let model = &loaded.model;
        let (risk, eval) = config.sim.assess(model, progress)?;
        let outcome = document(model, &risk, &eval, config);
        eval.progress_done();
        outcome
    })
}

/// The analysis of `model` from its headline `risk` and the evaluator anchored to it: paths,
/// classes (in the one-foothold view when saturated), the tornado, accepted risks on `as_of`.
/// `merge` gives the headline its shards computed; `config.model` and `threads` are not read.
pub fn document(
    model: &Model,
    risk: &RiskResult,
    eval: &Evaluator,
    config: &AnalyzeConfig,
) -> Result<AnalysisOutcome, AppError> {
    let graph = eval.baseline_graph();
    let scenarios = all_scenarios(model, graph, config.paths);
    // When an actor wins nearly every attempt, classes are ranked in the one-foothold view.
    let (saturation, conditional) = saturation::decision_view(eval, &risk.scenarios);
    let run = config.sim.config(model)?;
    let conditional_eval = conditional.as_ref().map(|m| config.sim.evaluator(m, &run)).transpose()?;
    let decisions_eval = conditional_eval.as_ref().unwrap_or(eval);
    let classes = classes::rank(decisions_eval, decisions_eval.baseline_graph(), 2);
    let tornado = sensitivity::tornado(eval, 15);
    let accepted = riskpath_decide::accepted::cover(eval, &risk.scenarios, config.as_of);
    let labels = Labels::new(model);
    let currency = &model.settings.currency;
    let style = &config.style;
    let text = (config.format == Format::Text).then(|| {
        style.finish(
            text::model_line(model, style)
                + &text::risk_section(model, graph, risk, &accepted, 10, style)
                + &saturation
                    .as_ref()
                    .map_or(String::new(), |s| riskpath_report::saturation::section(s, &labels, style))
                + &decisions::classes_section(&classes, 10, currency, style)
                + &decisions::tornado_section(&tornado, currency, style)
                + &riskpath_report::accepted::text_section(&accepted, config.as_of, &labels, currency, style)
                + &text::paths_section(model, graph, &scenarios, config.paths, style),
        )
    });
    let warnings = lapsed_warnings(model, &accepted, config.as_of);
    let mut doc = AnalysisDoc::new(model, graph, &scenarios, Some(risk));
    doc.classes = Some(classes);
    doc.sensitivity = Some(tornado);
    doc.saturation = saturation;
    if !accepted.is_empty() {
        doc.as_of = Some(config.as_of.to_string());
        doc.accepted_risks = Some(accepted);
    }
    Ok(Outcome { doc, text, warnings })
}

/// `paths` within 1 to [`MAX_PATHS`].
pub fn check_paths(paths: usize) -> Result<(), AppError> {
    if !(1..=MAX_PATHS).contains(&paths) {
        return Err(AppError::usage(format!("-k: {paths} is outside 1..={MAX_PATHS} (paths per actor and target)")));
    }
    Ok(())
}

/// A warning at each accepted risk that has lapsed on `as_of`: expired, or covering more annual
/// loss than its `max_ale`.
pub fn lapsed_warnings(model: &Model, accepted: &[riskpath_decide::accepted::Coverage], as_of: Date) -> Problems {
    Problems { sources: model.sources.clone(), list: riskpath_report::accepted::warnings(model, accepted, as_of) }
}
