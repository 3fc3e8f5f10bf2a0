//! `export`: the analysis for other tools: an ATT&CK Navigator layer (techniques scored by their
//! risk contribution), SARIF findings at their place in the model files, the Graphviz attack graph.

use std::path::PathBuf;

use riskpath_decide::chokepoints::{self, CutScope};
use riskpath_decide::classes;
use riskpath_engine::paths::all_scenarios;
use riskpath_engine::{Posture, compile};
use riskpath_report::{dot, navigator, sarif};
use serde_json::Value;

use crate::outcome::{Document, Outcome, on_model};
use crate::{AppError, ModelSource, Progress, SimConfig};

/// Navigator layers and SARIF logs are written as built.
impl Document for Value {}

/// An ATT&CK Navigator layer (the flags of `riskpath export navigator`).
#[derive(Debug, Clone)]
pub struct NavigatorConfig {
    pub model: ModelSource,
    /// The layer's name: `riskpath: <model name>`.
    pub name: String,
    pub sim: SimConfig,
    /// Most likely paths per actor and target named in technique comments.
    pub paths: usize,
    pub threads: Option<usize>,
}

/// The Navigator layer (format 4.5): every technique, even one used by a single step, scored.
pub fn navigator_layer(
    config: &NavigatorConfig,
    progress: &dyn Progress,
) -> Result<Outcome<crate::docs::NavigatorLayer>, AppError> {
    on_model(&config.model, config.threads, |loaded| {
        let model = &loaded.model;
        let (risk, eval) = config.sim.assess(model, progress)?;
        let graph = eval.baseline_graph();
        let scenarios = all_scenarios(model, graph, config.paths.max(1));
        let ranked = classes::rank(&eval, graph, 1);
        let name = format!("riskpath: {}", config.name);
        let layer = navigator::layer(model, graph, &ranked, &scenarios, risk.ale, eval.seed, eval.trials, &name);
        eval.progress_done();
        Ok(Outcome::new(layer, None))
    })
}

/// SARIF findings (the flags of `riskpath export sarif`).
#[derive(Debug, Clone)]
pub struct SarifConfig {
    pub model: ModelSource,
    /// The directory the model's file paths are relative to ([`crate::report::model_dir`]).
    pub model_dir: PathBuf,
    pub sim: SimConfig,
    /// Choke points confirmed by re-simulation and reported as findings.
    pub top: usize,
    pub threads: Option<usize>,
}

/// SARIF 2.1.0: endemic classes and choke points as findings at their place in the model files.
pub fn sarif_log(config: &SarifConfig, progress: &dyn Progress) -> Result<Outcome<crate::docs::SarifLog>, AppError> {
    on_model(&config.model, config.threads, |loaded| {
        let model = &loaded.model;
        let (risk, eval) = config.sim.assess(model, progress)?;
        let graph = eval.baseline_graph();
        let ranked = classes::rank(&eval, graph, 2);
        let (_, points) = chokepoints::analyse(&eval, graph, config.top, &Default::default());
        let log = sarif::sarif(model, &config.model_dir, &ranked, &points, risk.ale, eval.seed, eval.trials);
        eval.progress_done();
        Ok(Outcome::new(log, None))
    })
}

/// The attack graph in Graphviz DOT (the flags of `riskpath export dot`).
#[derive(Debug, Clone)]
pub struct DotConfig {
    pub model: ModelSource,
    /// Only the ways to this crown jewel, or only this actor's ways in.
    pub scope: CutScope,
    /// Only the edges of the K most likely paths (of every actor and target in scope, together).
    pub top_paths: Option<usize>,
}

/// The Graphviz graph, whole or filtered to a target, an actor and the most likely paths.
pub fn dot_graph(config: &DotConfig) -> Result<Outcome<String>, AppError> {
    on_model(&config.model, None, |loaded| {
        let model = &loaded.model;
        let scope = &config.scope;
        scope.check(model).map_err(AppError::Usage)?;
        if config.top_paths == Some(0) {
            return Err(AppError::usage("--top-paths must be at least 1"));
        }
        let graph = compile(model, &Posture::as_deployed(model));
        let shown = match config.top_paths {
            Some(k) => {
                let target = scope.target.as_deref().and_then(|t| graph.index_of(t));
                let scenarios: Vec<_> = all_scenarios(model, &graph, k)
                    .into_iter()
                    .filter(|s| scope.actor.as_deref().is_none_or(|a| model.actors[s.actor].id == a))
                    .filter(|s| target.is_none_or(|t| s.target == t))
                    .collect();
                Some(dot::top_paths(&graph, &scenarios, k))
            }
            None if scope.actor.is_some() || scope.target.is_some() => {
                Some(dot::between(&graph, &scope.attackers(model, &graph)))
            }
            None => None,
        };
        Ok(Outcome::new(dot::dot(model, &graph, &shown), None))
    })
}
