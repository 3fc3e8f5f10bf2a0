//! The machine-readable analysis document (DESIGN.md "Machine output"), schema version 1.
//! Fields not computed are omitted, never filled with placeholders.

use serde::Serialize;

use riskpath_decide::classes::EndemicClass;
use riskpath_decide::sensitivity::TornadoBar;
use riskpath_engine::AttackGraph;
use riskpath_engine::paths::{AttackPath, ScenarioPaths};
use riskpath_engine::risk::{LecPoint, RiskResult};
use riskpath_model::{Labels, Model};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct AnalysisDoc {
    pub schema_version: u32,
    pub tool: ToolDoc,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trials: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub years: Option<u64>,
    /// Present when the run was driven to `--precision`: the target, the errors reached and
    /// whether a cap stopped it first (`trials` and `years` are then the counts it used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<riskpath_engine::precision::Reached>,
    pub currency: String,
    pub model: ModelSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<RiskDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenarios: Option<Vec<ScenarioDoc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<TargetDoc>>,
    pub paths: Vec<PathDoc>,
    /// Endemic classes, most valuable first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<EndemicClass>>,
    /// The sensitivity tornado, widest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<Vec<TornadoBar>>,
    /// Present when some scenario is saturated (P ≥ 0.99): then `classes` are ranked in the
    /// one-foothold view it describes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saturation: Option<riskpath_decide::saturation::Saturation>,
    /// The day accepted risks are judged on (`YYYY-MM-DD`), when the model records any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// The model's accepted risks measured on this run, when it records any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_risks: Option<Vec<riskpath_decide::accepted::Coverage>>,
}

/// The annual loss distribution.
#[derive(Debug, Serialize)]
pub struct RiskDoc {
    pub ale: f64,
    pub ale_std_error: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    /// P(annual loss > loss) on log-spaced thresholds.
    pub lec: Vec<LecPoint>,
}

#[derive(Debug, Serialize)]
pub struct ScenarioDoc {
    pub actor: String,
    pub target: String,
    /// The target's name ([`riskpath_model::Labels`]), when the model gives it one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    /// P(the target is held after one attempt by the actor).
    pub probability: f64,
    pub std_error: f64,
    /// This scenario's share of the ALE.
    pub ale: f64,
}

#[derive(Debug, Serialize)]
pub struct TargetDoc {
    pub id: String,
    /// The target's name, when the model gives it one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// This target's share of the ALE.
    pub ale: f64,
}

impl AnalysisDoc {
    /// The document for a model, its paths and (when simulated) its risk.
    pub fn new(model: &Model, graph: &AttackGraph, scenarios: &[ScenarioPaths], risk: Option<&RiskResult>) -> Self {
        let name = |n: u32| graph.ids[n as usize].clone();
        let labels = Labels::new(model);
        let display = |n: u32| labels.name(&graph.ids[n as usize]).map(str::to_string);
        AnalysisDoc {
            schema_version: SCHEMA_VERSION,
            tool: ToolDoc { name: "riskpath", version: env!("CARGO_PKG_VERSION") },
            seed: risk.map(|r| r.config.seed),
            trials: risk.map(|r| r.config.trials),
            years: risk.map(|r| r.config.years),
            precision: risk.and_then(|r| r.precision),
            currency: model.settings.currency.clone(),
            model: ModelSummary::of(model),
            risk: risk.map(|r| RiskDoc {
                ale: r.ale,
                ale_std_error: r.ale_std_error,
                p50: r.p50,
                p90: r.p90,
                p95: r.p95,
                p99: r.p99,
                lec: r.lec.clone(),
            }),
            scenarios: risk.map(|r| {
                r.scenarios
                    .iter()
                    .map(|s| ScenarioDoc {
                        actor: model.actors[s.actor].id.clone(),
                        target: name(s.target),
                        target_name: display(s.target),
                        probability: s.probability,
                        std_error: s.std_error,
                        ale: s.ale,
                    })
                    .collect()
            }),
            targets: risk
                .map(|r| r.targets.iter().map(|&(t, ale)| TargetDoc { id: name(t), name: display(t), ale }).collect()),
            paths: path_docs(model, &labels, graph, scenarios),
            classes: None,
            sensitivity: None,
            saturation: None,
            as_of: None,
            accepted_risks: None,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ToolDoc {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ModelSummary {
    pub files: usize,
    pub entry_points: usize,
    pub nodes: usize,
    pub edges: usize,
    pub controls: usize,
    pub actors: usize,
    pub initiatives: usize,
    pub crown_jewels: usize,
}

impl ModelSummary {
    pub fn of(model: &Model) -> Self {
        ModelSummary {
            files: model.sources.files().len(),
            entry_points: model.entry_points.len(),
            nodes: model.nodes.len(),
            edges: model.edges.len(),
            controls: model.controls.len(),
            actors: model.actors.len(),
            initiatives: model.initiatives.len(),
            crown_jewels: model.crown_jewels().count(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PathDoc {
    pub actor: String,
    pub target: String,
    /// The target's name, when the model gives it one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    pub rank: usize,
    /// Product of the edges' mean probabilities for the actor's skill (side conditions not included).
    pub probability: f64,
    pub nodes: Vec<String>,
    /// What a person reads for each of `nodes`: its name, else its id.
    pub names: Vec<String>,
    pub techniques: Vec<String>,
    pub edge_kinds: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub side_conditions: Vec<SideConditionDoc>,
}

#[derive(Debug, Serialize)]
pub struct SideConditionDoc {
    pub from: String,
    pub to: String,
    pub requires: Vec<String>,
}

pub fn path_doc(
    model: &Model,
    labels: &Labels,
    graph: &AttackGraph,
    scenario: &ScenarioPaths,
    rank: usize,
    path: &AttackPath,
) -> PathDoc {
    let name = |n: u32| graph.ids[n as usize].clone();
    PathDoc {
        actor: model.actors[scenario.actor].id.clone(),
        target: name(scenario.target),
        target_name: labels.name(&graph.ids[scenario.target as usize]).map(str::to_string),
        rank: rank + 1,
        probability: path.probability,
        nodes: path.nodes.iter().map(|&n| name(n)).collect(),
        names: path.nodes.iter().map(|&n| labels.label(&graph.ids[n as usize])).collect(),
        techniques: path.edges.iter().map(|&e| graph.edges[e].technique.clone()).collect(),
        edge_kinds: path.edges.iter().map(|&e| graph.edges[e].kind.name.to_string()).collect(),
        side_conditions: path
            .side_conditions
            .iter()
            .map(|(pos, req)| SideConditionDoc {
                from: name(path.nodes[*pos]),
                to: name(path.nodes[*pos + 1]),
                requires: req.iter().map(|&r| name(r)).collect(),
            })
            .collect(),
    }
}

/// All paths of all scenarios, in scenario order then rank.
pub fn path_docs(model: &Model, labels: &Labels, graph: &AttackGraph, scenarios: &[ScenarioPaths]) -> Vec<PathDoc> {
    scenarios
        .iter()
        .flat_map(|s| s.paths.iter().enumerate().map(move |(i, p)| path_doc(model, labels, graph, s, i, p)))
        .collect()
}
