//! What a report says at one altitude — executive or engineer — worked out once from the computed
//! analysis and rendered by [`crate::html`] and [`crate::markdown`]: numbers formatted in the model's
//! currency, the top risks in plain words, the decisions asked of leadership, and the data behind
//! each chart. Nothing here simulates; every number comes from the engine and decide crates.

use std::collections::BTreeMap;

use serde::Serialize;

use riskpath_decide::accepted::Coverage;
use riskpath_decide::chokepoints::{ChokePoint, MinCut};
use riskpath_decide::classes::{ClassKind, EndemicClass};
use riskpath_decide::roadmap::PlanResult;
use riskpath_decide::sensitivity::TornadoBar;
use riskpath_engine::AttackGraph;
use riskpath_engine::explain::explain_edge;
use riskpath_engine::paths::ScenarioPaths;
use riskpath_engine::risk::RiskResult;

use riskpath_model::kb;
use riskpath_model::{ControlStatus, Labels, Model};

use crate::decisions;
use crate::style::{count, money, percent};

/// Who the report is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// One page: money, trend, the curve against tolerance, top risks, the roadmap, decisions.
    Exec,
    /// Paths, choke points, classes, sensitivity, control states, derivations and method.
    Engineer,
}

impl Audience {
    pub fn name(self) -> &'static str {
        match self {
            Audience::Exec => "exec",
            Audience::Engineer => "engineer",
        }
    }
}

/// The roadmap section: planned, or skipped with the reason.
#[derive(Debug, Clone, Copy)]
pub enum Roadmap<'a> {
    Planned {
        plan: &'a PlanResult,
        /// The budget was not given and was derived from the initiatives' costs.
        budget_assumed: bool,
    },
    Skipped(&'a str),
}

/// The verify history of the model, as read from its store.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub db: String,
    /// Recorded runs in chain order (the newest last).
    pub runs: Vec<HistoryRun>,
    /// Problems found recomputing the hash chain (empty: intact).
    pub chain_problems: Vec<String>,
    /// Control states of the newest run.
    pub latest_controls: Vec<ControlState>,
    /// Whether the newest run was recorded for the model as it is now (same model hash).
    pub same_model: bool,
}

#[derive(Debug, Clone)]
pub struct HistoryRun {
    pub seq: i64,
    pub time: String,
    /// ALE as verified (failing controls absent) and as designed.
    pub ale: f64,
    pub ale_design: f64,
}

#[derive(Debug, Clone)]
pub struct ControlState {
    pub id: String,
    /// `pass`, `fail`, `stale`, `error`, `unchecked` or `planned`.
    pub state: String,
    pub messages: Vec<String>,
    pub ale_increase: Option<f64>,
}

/// Everything a report is made from, computed by the caller.
pub struct ReportInput<'a> {
    pub model: &'a Model,
    /// A short name for the model (its directory's name).
    pub model_name: &'a str,
    /// The day the report is as of (`YYYY-MM-DD`), shown under its title.
    pub as_of: &'a str,
    pub graph: &'a AttackGraph,
    pub risk: &'a RiskResult,
    pub scenarios: &'a [ScenarioPaths],
    pub classes: &'a [EndemicClass],
    pub tornado: &'a [TornadoBar],
    pub cut: Option<&'a MinCut>,
    pub choke_points: &'a [ChokePoint],
    /// Some scenario is saturated: classes and choke points are ranked in its one-foothold view.
    pub saturation: Option<&'a riskpath_decide::saturation::Saturation>,
    pub roadmap: Roadmap<'a>,
    pub history: Option<&'a History>,
    /// Trials per actor of each what-if (classes, sensitivity, choke points, plan).
    pub decision_trials: u64,
    /// At most this many most likely paths per scenario are drawn.
    pub paths_per_scenario: usize,
    /// At most this many scenarios (by ALE) have their paths drawn.
    pub path_scenarios: usize,
    /// The CVEs ranked by the money they carry, when edges list vulnerabilities.
    pub vulnerabilities: Option<&'a riskpath_decide::patch::VulnRanking>,
    /// The model's accepted risks measured on this run, as of the report's day.
    pub accepted: &'a [Coverage],
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub audience: &'static str,
    pub title: String,
    pub model_name: String,
    /// The day the report is as of (`YYYY-MM-DD`).
    pub as_of: String,
    pub currency: String,
    pub model_line: String,
    pub headline: Headline,
    pub trend: Option<Trend>,
    /// Loss exceedance curve points (loss, P(annual loss > loss)).
    #[serde(skip)]
    pub lec: Vec<(f64, f64)>,
    /// A few points of the curve for tables: the losses exceeded 1 year in 2, 10, 20, 100.
    pub lec_rows: Vec<LecRow>,
    pub top_risks: Vec<RiskLine>,
    pub roadmap: Option<RoadmapView>,
    pub roadmap_note: Option<String>,
    pub decisions: Vec<Decision>,
    pub paths: Vec<PathView>,
    /// What the model says (name, description) about the nodes and entry points on the paths shown.
    pub path_notes: Vec<NodeNote>,
    pub cut: Option<CutView>,
    /// Why choke points and classes are ranked in the one-foothold view, when some scenario is
    /// saturated.
    pub saturation_note: Option<String>,
    pub choke_points: Vec<ChokeView>,
    pub classes: Vec<ClassView>,
    pub tornado: Vec<TornadoView>,
    pub controls: Vec<ControlView>,
    pub controls_source: String,
    pub scenarios: Vec<ScenarioView>,
    pub explanations: Vec<ExplainView>,
    pub method: Method,
    /// The CVEs that carry the money (null without scanned vulnerabilities; templates test it).
    pub vulnerabilities: Option<crate::vulns::VulnView>,
    pub accepted: Vec<AcceptedView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Headline {
    #[serde(skip)]
    pub ale: f64,
    pub ale_text: String,
    pub ale_se_text: String,
    pub p50_text: String,
    pub p90_text: String,
    pub p95_text: String,
    pub p99_text: String,
    pub tolerance_text: Option<String>,
    #[serde(skip)]
    pub tolerance: Option<f64>,
    #[serde(skip)]
    pub exceedance: Option<f64>,
    /// P(annual loss > tolerance).
    pub exceedance_text: Option<String>,
    /// The tolerance is exceeded more often than 1 year in 20.
    pub over_tolerance: bool,
    /// One sentence with the headline numbers.
    pub sentence: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LecRow {
    pub label: String,
    pub probability_text: String,
    pub loss_text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub runs: Vec<TrendRun>,
    #[serde(skip)]
    pub points: Vec<(String, f64)>,
    pub first_text: String,
    pub last_text: String,
    /// Change of the verified ALE from the previous run, e.g. `+$1.2M`; empty with one run.
    pub change_text: String,
    /// `up`, `down` or `flat`.
    pub direction: &'static str,
    pub sentence: String,
    pub chain_text: String,
    pub chain_ok: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrendRun {
    pub seq: i64,
    pub time: String,
    pub ale_text: String,
    pub ale_design_text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RiskLine {
    pub rank: usize,
    pub actor: String,
    pub actor_name: String,
    pub target: String,
    pub target_name: String,
    pub probability_text: String,
    pub ale_text: String,
    pub share_text: String,
    /// The most likely path, `a → b → c`, if any.
    pub via: Option<String>,
    pub sentence: String,
    pub accepted: Vec<AcceptedNote>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoadmapView {
    pub budget_text: String,
    pub budget_assumed: bool,
    pub years: usize,
    pub baseline_text: String,
    pub final_text: String,
    pub reduction_text: String,
    pub sentence: String,
    /// Which solver produced the plan and how close to optimal it is known to be.
    pub solver_text: String,
    pub rows: Vec<InitiativeRow>,
    pub not_chosen: Vec<String>,
    pub dropped_by_budget_cut: Vec<String>,
    pub burn_down: Vec<BurnRow>,
    #[serde(skip)]
    pub burn_points: Vec<(String, f64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InitiativeRow {
    pub id: String,
    pub owner: String,
    pub start: String,
    pub live: String,
    pub ale_reduction_text: String,
    pub once_text: String,
    pub yearly_text: String,
    pub return_text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BurnRow {
    pub quarter: String,
    pub ale_text: String,
    #[serde(skip)]
    pub ale: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub title: String,
    pub detail: String,
    /// Something lapsed the decision depends on, in words: shown in red (HTML), bold with ⚠ (Markdown).
    pub alert: Option<String>,
}

/// An accepted risk on the page.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptedView {
    pub id: String,
    /// What it covers, in words (names, not ids).
    pub scope: String,
    pub ale_text: String,
    pub max_ale_text: Option<String>,
    pub owner: String,
    pub expires: String,
    pub justification: String,
    /// Why it no longer covers what it says (expired, over max_ale), in words.
    pub lapse: Option<String>,
}

/// "accepted by OWNER until DATE" beside a risk it covers.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptedNote {
    pub text: String,
    pub lapsed: bool,
}

fn accepted_notes(accepted: &[Coverage], actor: &str, target: &str, cur: &str) -> Vec<AcceptedNote> {
    crate::accepted::covering(accepted, actor, target)
        .into_iter()
        .map(|(c, part)| AcceptedNote { text: crate::accepted::note(c, part, cur), lapsed: c.lapsed() })
        .collect()
}

fn accepted_views(accepted: &[Coverage], labels: &Labels, cur: &str) -> Vec<AcceptedView> {
    accepted
        .iter()
        .map(|c| AcceptedView {
            id: c.id.clone(),
            scope: crate::accepted::scope_words(c, labels),
            ale_text: money(c.ale, cur),
            max_ale_text: c.max_ale.map(|m| money(m, cur)),
            owner: c.owner.clone(),
            expires: c.expires.clone(),
            justification: c.justification.clone(),
            lapse: crate::accepted::lapse(c, cur),
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct PathView {
    /// `path-N`, unique in the report.
    pub anchor: String,
    pub actor: String,
    pub target: String,
    pub rank: usize,
    pub probability_text: String,
    pub chain: String,
    pub steps: Vec<StepView>,
    #[serde(skip)]
    pub nodes: Vec<(String, &'static str)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub from: String,
    pub to: String,
    pub kind: String,
    pub technique: String,
    pub technique_name: String,
    #[serde(skip)]
    pub p: f64,
    pub p_text: String,
    pub requires: Vec<String>,
    /// The concrete relation the edge stands for, if the model says.
    pub relation: Option<String>,
}

/// What the model says about a node or entry point on a path.
#[derive(Debug, Clone, Serialize)]
pub struct NodeNote {
    pub id: String,
    pub kind: String,
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CutView {
    /// The total with its unit, or [`crate::style::NO_FINITE_CUT`] when no cut exists.
    pub cost_text: String,
    /// A cut at finite cost exists.
    pub separable: bool,
    /// The crown jewels no cut protects, in a sentence ([`crate::style::unprotectable_text`]).
    pub unprotectable: Option<String>,
    /// What the cut separates the entry points from.
    pub scope: String,
    /// What the cut is and how it was found ([`riskpath_decide::chokepoints::CutMethod::statement`]).
    pub definition: &'static str,
    pub edges: Vec<CutEdgeView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CutEdgeView {
    pub from: String,
    pub to: String,
    pub id: String,
    pub fix_cost_text: String,
    pub kind: String,
    pub relation: Option<String>,
    /// What removing it means: its own `remediation`, else its kind's default.
    pub instruction: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChokeView {
    pub kind: String,
    pub id: String,
    /// What a person reads for it, when that is not the id.
    pub name: Option<String>,
    pub dominated_text: String,
    pub risk_share_text: String,
    pub stopped_text: String,
    pub ale_reduction_text: String,
    /// For an edge: the relation (if any) and what removing it means.
    pub instruction: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClassView {
    pub kind: String,
    pub key: String,
    pub name: String,
    pub edges: usize,
    #[serde(skip)]
    pub ale_reduction: f64,
    pub ale_reduction_text: String,
    pub share_text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TornadoView {
    pub input: String,
    pub low_text: String,
    pub high_text: String,
    #[serde(skip)]
    pub ale_at_low: f64,
    #[serde(skip)]
    pub ale_at_high: f64,
    pub ale_at_low_text: String,
    pub ale_at_high_text: String,
    pub swing_text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlView {
    pub id: String,
    pub name: String,
    pub status: String,
    /// `pass`, `fail`, `stale`, `error`, `unchecked`, `planned` or `not verified`.
    pub state: String,
    /// `ok`, `bad`, `warn` or `none`: how to colour the state.
    pub tone: &'static str,
    pub detail: String,
    pub ale_increase_text: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioView {
    pub actor: String,
    pub target: String,
    pub skill: String,
    pub probability_text: String,
    pub ale_text: String,
    pub share_text: String,
    pub accepted: Vec<AcceptedNote>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExplainView {
    pub edge: String,
    pub kind: String,
    pub technique: String,
    pub technique_name: String,
    pub base_source: String,
    pub base_text: String,
    pub factors: Vec<FactorView>,
    pub p_text: String,
    pub requires: String,
    pub relation: Option<String>,
    pub description: Option<String>,
    /// What removing the edge means, and whether the edge or its kind says so.
    pub remediation: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FactorView {
    pub control: String,
    /// The scope selector that covers the edge (`tag:employee`, `from:kind:host`).
    pub scope: String,
    pub counted: bool,
    pub prevent_text: String,
    pub detect_text: String,
    pub factor_text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Method {
    pub seed: u64,
    pub trials: u64,
    pub years: u64,
    pub decision_trials: u64,
    /// When the run was driven to `--precision`: what it reached ([`crate::text::precision_summary`]).
    pub precision: Option<String>,
    pub version: &'static str,
    pub respond_text: String,
    pub paragraphs: Vec<String>,
}

fn quarter(q: usize) -> String {
    format!("Y{}Q{}", q / 4 + 1, q % 4 + 1)
}

fn triple(v: [f64; 3]) -> String {
    format!("{:.3} / {:.3} / {:.3}", v[0], v[1], v[2])
}

fn p_text(p: f64) -> String {
    if p >= 0.995 || p == 0.0 {
        format!("{p:.2}")
    } else if p >= 0.01 {
        format!("{p:.3}")
    } else {
        format!("{p:.1e}")
    }
}

/// An input value of the tornado in its unit, guessed from the input's description.
fn input_value(input: &str, value: f64, currency: &str) -> String {
    if input.starts_with("frequency of ") {
        format!("{value:.2}/yr")
    } else if input.contains(" loss of ") {
        money(value, currency)
    } else {
        percent(value)
    }
}

impl Report {
    /// Works out the report for `audience` from the analysis.
    pub fn build(input: &ReportInput, audience: Audience) -> Report {
        let model = input.model;
        let graph = input.graph;
        let risk = input.risk;
        let cur = model.settings.currency.as_str();
        let labels = Labels::new(model);
        let name = |n: u32| labels.label(&graph.ids[n as usize]);

        // Headline.
        let tolerance = model.settings.tolerance;
        let exceedance =
            tolerance.map(|t| risk.annual.iter().filter(|&&x| x > t).count() as f64 / risk.annual.len().max(1) as f64);
        let over_tolerance = exceedance.is_some_and(|p| p > 0.05);
        let mut sentence = format!(
            "Expected annual loss {} (± {} simulation error); 1 year in 10 loses more than {}, 1 in 20 more than {}.",
            money(risk.ale, cur),
            money(risk.ale_std_error, cur),
            money(risk.p90, cur),
            money(risk.p95, cur)
        );
        if let (Some(t), Some(p)) = (tolerance, exceedance) {
            sentence += &if over_tolerance {
                format!(
                    " The stated tolerance of {} at the 1-in-20 level is exceeded in {} of years: above tolerance.",
                    money(t, cur),
                    percent(p)
                )
            } else {
                format!(
                    " The stated tolerance of {} is exceeded in {} of years: within tolerance.",
                    money(t, cur),
                    percent(p)
                )
            };
        }
        let headline = Headline {
            ale: risk.ale,
            ale_text: money(risk.ale, cur),
            ale_se_text: money(risk.ale_std_error, cur),
            p50_text: money(risk.p50, cur),
            p90_text: money(risk.p90, cur),
            p95_text: money(risk.p95, cur),
            p99_text: money(risk.p99, cur),
            tolerance_text: tolerance.map(|t| money(t, cur)),
            tolerance,
            exceedance,
            exceedance_text: exceedance.map(percent),
            over_tolerance,
            sentence,
        };
        let lec_rows = [(0.5, "1 year in 2"), (0.1, "1 year in 10"), (0.05, "1 year in 20"), (0.01, "1 year in 100")]
            .into_iter()
            .map(|(q, label)| {
                let loss = riskpath_engine::risk::quantile(&risk.annual, 1.0 - q);
                LecRow { label: label.into(), probability_text: percent(q), loss_text: money(loss, cur) }
            })
            .collect();

        // Scenarios by ALE, and the most likely path of each.
        let mut order: Vec<usize> = (0..risk.scenarios.len()).collect();
        order.sort_by(|&a, &b| risk.scenarios[b].ale.total_cmp(&risk.scenarios[a].ale).then(a.cmp(&b)));
        let best_path = |actor: usize, target: u32| {
            input
                .scenarios
                .iter()
                .find(|s| s.actor == actor && s.target == target)
                .and_then(|s| s.paths.first())
                .map(|p| p.nodes.iter().map(|&n| name(n)).collect::<Vec<_>>().join(" → "))
        };
        let share = |x: f64| if risk.ale > 0.0 { percent(x / risk.ale) } else { "0%".into() };
        let top_risks = order
            .iter()
            .filter(|&&i| risk.scenarios[i].ale > 0.0)
            .take(5)
            .enumerate()
            .map(|(rank, &i)| {
                let s = &risk.scenarios[i];
                let actor = &model.actors[s.actor];
                let actor_name = actor.name.clone().unwrap_or_else(|| actor.id.clone());
                let target_name = name(s.target);
                let via = best_path(s.actor, s.target);
                let mut sentence = format!(
                    "{actor_name} reaches {target_name} in {} of attempts, costing {} a year on average ({} of the total)",
                    percent(s.probability),
                    money(s.ale, cur),
                    share(s.ale)
                );
                if let Some(v) = &via {
                    sentence += &format!("; most likely via {v}");
                }
                sentence.push('.');
                RiskLine {
                    rank: rank + 1,
                    actor: actor.id.clone(),
                    actor_name,
                    target: graph.ids[s.target as usize].clone(),
                    target_name,
                    probability_text: percent(s.probability),
                    ale_text: money(s.ale, cur),
                    share_text: share(s.ale),
                    accepted: accepted_notes(input.accepted, &actor.id, &graph.ids[s.target as usize], cur),
                    via,
                    sentence,
                }
            })
            .collect();

        // Roadmap.
        let (roadmap, roadmap_note) = match input.roadmap {
            Roadmap::Planned { plan, budget_assumed } => (Some(roadmap_view(plan, budget_assumed, cur)), None),
            Roadmap::Skipped(why) => (None, Some(why.to_string())),
        };

        let trend = input.history.filter(|h| !h.runs.is_empty()).map(|h| trend_view(h, cur));
        let decisions = decisions(input, &headline, roadmap.as_ref());

        // Engineer: paths of the scenarios carrying the most risk.
        let mut paths = Vec::new();
        let mut shown_edges: Vec<usize> = Vec::new();
        let mut on_paths: Vec<&str> = Vec::new();
        for &i in order.iter().take(input.path_scenarios) {
            let s = &risk.scenarios[i];
            let Some(sp) = input.scenarios.iter().find(|x| x.actor == s.actor && x.target == s.target) else {
                continue;
            };
            let actor = &model.actors[sp.actor];
            for (rank, path) in sp.paths.iter().take(input.paths_per_scenario).enumerate() {
                let nodes: Vec<(String, &'static str)> = path
                    .nodes
                    .iter()
                    .map(|&n| {
                        if !on_paths.contains(&graph.ids[n as usize].as_str()) {
                            on_paths.push(&graph.ids[n as usize]);
                        }
                        let role = if graph.is_entry(n) {
                            "entry"
                        } else if model.node(&graph.ids[n as usize]).is_some_and(|x| x.crown_jewel) {
                            "jewel"
                        } else {
                            "node"
                        };
                        (name(n), role)
                    })
                    .collect();
                let steps = path
                    .edges
                    .iter()
                    .enumerate()
                    .map(|(pos, &e)| {
                        if !shown_edges.contains(&e) {
                            shown_edges.push(e);
                        }
                        let ce = &graph.edges[e];
                        let requires = path
                            .side_conditions
                            .iter()
                            .filter(|(at, _)| *at == pos)
                            .flat_map(|(_, r)| r.iter().map(|&n| name(n)))
                            .collect();
                        let p = ce.p(actor.skill);
                        let relation = model.edges[ce.model_index].extra().relation.clone();
                        StepView {
                            from: name(ce.from),
                            to: name(ce.to),
                            kind: ce.kind.name.to_string(),
                            technique: ce.technique.clone(),
                            technique_name: kb::technique(&ce.technique).map_or(String::new(), |t| t.name.to_string()),
                            p,
                            p_text: p_text(p),
                            requires,
                            relation,
                        }
                    })
                    .collect();
                paths.push(PathView {
                    anchor: format!("path-{}", paths.len() + 1),
                    actor: actor.id.clone(),
                    target: name(sp.target),
                    rank: rank + 1,
                    probability_text: percent(path.probability),
                    chain: nodes.iter().map(|n| n.0.as_str()).collect::<Vec<_>>().join(" → "),
                    steps,
                    nodes,
                });
            }
        }
        let path_notes = node_notes(model, on_paths.into_iter());
        let explanations = shown_edges
            .iter()
            .take(60)
            .map(|&e| {
                let x = explain_edge(model, graph, e);
                ExplainView {
                    edge: format!("{} → {}", labels.get(&x.from), labels.get(&x.to)),
                    kind: x.kind.clone(),
                    technique: x.technique.clone(),
                    technique_name: x.technique_name.clone().unwrap_or_default(),
                    base_source: x.base_source.to_string(),
                    base_text: triple(x.base),
                    factors: x
                        .controls
                        .iter()
                        .map(|c| FactorView {
                            control: c.control.clone(),
                            scope: c.scope.clone(),
                            counted: c.counted,
                            prevent_text: c.prevent.map_or("—".into(), |v| format!("{v:.3}")),
                            detect_text: c.detect.map_or("—".into(), |v| format!("{v:.3}")),
                            factor_text: format!("{:.4}", c.factor),
                        })
                        .collect(),
                    p_text: triple(x.p),
                    requires: x.requires.join(", "),
                    relation: x.relation.clone(),
                    description: x.description.clone(),
                    remediation: x.remediation.as_ref().map(|r| {
                        let whose =
                            if r.source == "edge" { "the edge's remediation" } else { "the edge kind's default" };
                        format!("{} ({whose})", r.instruction)
                    }),
                }
            })
            .collect();

        let cut_cost = |amount: f64, unit| crate::style::cost(amount, unit, cur);
        let cut = input.cut.map(|c| CutView {
            cost_text: c.cost.map_or_else(|| crate::style::NO_FINITE_CUT.to_string(), |t| cut_cost(t, c.unit)),
            separable: c.cost.is_some(),
            unprotectable: (!c.unprotectable.is_empty()).then(|| {
                crate::style::unprotectable_text(&c.unprotectable.iter().map(|id| labels.label(id)).collect::<Vec<_>>())
            }),
            definition: c.method.statement(),
            scope: if c.unprotectable.is_empty() {
                "every crown jewel an actor targets".to_string()
            } else {
                "every crown jewel an actor targets that a cut can protect".to_string()
            },
            edges: c
                .edges
                .iter()
                .map(|e| CutEdgeView {
                    from: labels.label(&e.from),
                    to: labels.label(&e.to),
                    id: e.id.clone().unwrap_or_default(),
                    fix_cost_text: cut_cost(e.fix_cost, c.unit),
                    kind: e.kind.clone(),
                    relation: e.relation.clone(),
                    instruction: e.instruction.clone(),
                })
                .collect(),
        });
        let choke_points = stable_order(input.choke_points)
            .into_iter()
            .map(|p| ChokeView {
                kind: p.shown_kind().to_string(),
                id: p.id.clone(),
                name: p.name.clone(),
                dominated_text: percent(p.dominated_share),
                risk_share_text: percent(p.risk_share),
                stopped_text: percent(p.breaches_stopped),
                ale_reduction_text: money(p.ale_reduction, cur),
                instruction: p.instruction.as_ref().map(|i| match &p.relation {
                    Some(r) => format!("{r}: {i}"),
                    None => i.clone(),
                }),
            })
            .collect();
        let classes = input
            .classes
            .iter()
            .take(12)
            .map(|c| ClassView {
                kind: class_kind(c.kind).to_string(),
                key: c.key.clone(),
                name: c.name.clone(),
                edges: c.edge_count,
                ale_reduction: c.ale_reduction,
                ale_reduction_text: money(c.ale_reduction, cur),
                share_text: percent(c.share),
            })
            .collect();
        let tornado = input
            .tornado
            .iter()
            .map(|b| TornadoView {
                input: b.input.clone(),
                low_text: input_value(&b.input, b.low, cur),
                high_text: input_value(&b.input, b.high, cur),
                ale_at_low: b.ale_at_low,
                ale_at_high: b.ale_at_high,
                ale_at_low_text: money(b.ale_at_low, cur),
                ale_at_high_text: money(b.ale_at_high, cur),
                swing_text: money(b.swing, cur),
            })
            .collect();
        let (controls, controls_source) = control_views(model, input.history, cur);
        let scenarios = order
            .iter()
            .map(|&i| {
                let s = &risk.scenarios[i];
                let actor = &model.actors[s.actor];
                ScenarioView {
                    actor: actor.id.clone(),
                    target: name(s.target),
                    skill: actor.skill.name().to_string(),
                    probability_text: format!("{} ± {}", percent(s.probability), percent(s.std_error)),
                    ale_text: money(s.ale, cur),
                    share_text: share(s.ale),
                    accepted: accepted_notes(input.accepted, &actor.id, &graph.ids[s.target as usize], cur),
                }
            })
            .collect();
        let method = Method {
            seed: risk.config.seed,
            trials: risk.config.trials,
            years: risk.config.years,
            decision_trials: input.decision_trials,
            precision: risk.precision.as_ref().map(crate::text::precision_summary),
            version: env!("CARGO_PKG_VERSION"),
            respond_text: percent(model.settings.respond),
            paragraphs: method_paragraphs(risk, input.decision_trials, model.settings.respond),
        };
        let title = match audience {
            Audience::Exec => format!("Security risk in money: {}", input.model_name),
            Audience::Engineer => format!("Attack paths and risk: {}", input.model_name),
        };
        Report {
            audience: audience.name(),
            title,
            model_name: input.model_name.to_string(),
            as_of: input.as_of.to_string(),
            currency: cur.to_string(),
            model_line: format!(
                "{} in {}",
                crate::text::model_counts(model),
                count(model.sources.files().len(), "file")
            ),
            headline,
            trend,
            lec: risk.lec.iter().map(|p| (p.loss, p.probability)).collect(),
            lec_rows,
            top_risks,
            roadmap,
            roadmap_note,
            decisions,
            paths,
            path_notes,
            cut,
            saturation_note: input.saturation.map(saturation_note),
            choke_points,
            classes,
            tornado,
            controls,
            controls_source,
            scenarios,
            explanations,
            method,
            vulnerabilities: input.vulnerabilities.map(|v| {
                let rows = if audience == Audience::Exec { 5 } else { 15 };
                crate::vulns::view(v, cur, rows, if audience == Audience::Exec { 0 } else { 10 })
            }),
            accepted: accepted_views(input.accepted, &labels, cur),
        }
    }
}

/// Choke points in a stable order: by risk share (rounded, so float summation order cannot swap
/// ties between runs), then by the re-simulated ALE reduction, then by kind and id.
pub fn stable_order(points: &[ChokePoint]) -> Vec<&ChokePoint> {
    let round = |x: f64| (x * 1e6).round() as i64;
    let mut sorted: Vec<&ChokePoint> = points.iter().collect();
    sorted.sort_by(|a, b| {
        round(b.risk_share)
            .cmp(&round(a.risk_share))
            .then(round(b.ale_reduction).cmp(&round(a.ale_reduction)))
            .then(a.kind.cmp(b.kind))
            .then(a.id.cmp(&b.id))
    });
    sorted
}

fn class_kind(kind: ClassKind) -> &'static str {
    match kind {
        ClassKind::Technique => "technique",
        ClassKind::EdgeKind => "edge kind",
        ClassKind::MissingMitigation => "missing mitigation",
    }
}

fn roadmap_view(plan: &PlanResult, budget_assumed: bool, cur: &str) -> RoadmapView {
    let final_ale = plan.burn_down.last().copied().unwrap_or(plan.baseline_ale);
    let burn_down: Vec<BurnRow> = plan
        .burn_down
        .iter()
        .enumerate()
        .map(|(q, &ale)| BurnRow { quarter: quarter(q), ale_text: money(ale, cur), ale })
        .collect();
    let end = quarter(plan.burn_down.len().saturating_sub(1));
    let spend_once: f64 = plan.initiatives.iter().map(|i| i.once_cost).sum();
    let sentence = if plan.initiatives.is_empty() {
        format!(
            "No initiative fits a budget of {} a year; the ALE stays at {}.",
            money(plan.budget_per_year, cur),
            money(plan.baseline_ale, cur)
        )
    } else {
        format!(
            "With {} a year over {}, {} ({} one-off) {} the ALE from {} to {} by {end}.",
            money(plan.budget_per_year, cur),
            count(plan.years, "year"),
            count(plan.initiatives.len(), "initiative"),
            money(spend_once, cur),
            if plan.initiatives.len() == 1 { "takes" } else { "take" },
            money(plan.baseline_ale, cur),
            money(final_ale, cur)
        )
    };
    RoadmapView {
        budget_text: money(plan.budget_per_year, cur),
        budget_assumed,
        years: plan.years,
        baseline_text: money(plan.baseline_ale, cur),
        final_text: money(final_ale, cur),
        reduction_text: money(plan.baseline_ale - final_ale, cur),
        sentence,
        solver_text: decisions::plan_solver_sentence(plan, cur),
        rows: plan
            .initiatives
            .iter()
            .map(|p| InitiativeRow {
                id: p.id.clone(),
                owner: p.owner.clone().unwrap_or_else(|| "—".into()),
                start: quarter(p.start_quarter),
                live: quarter(p.effective_quarter),
                ale_reduction_text: money(p.ale_reduction, cur),
                once_text: money(p.once_cost, cur),
                yearly_text: money(p.yearly_cost, cur),
                return_text: decisions::return_text(p.return_per_year),
            })
            .collect(),
        not_chosen: plan.not_chosen.clone(),
        dropped_by_budget_cut: plan.dropped_by_budget_cut.clone(),
        burn_points: burn_down.iter().map(|b| (b.quarter.clone(), b.ale)).collect(),
        burn_down,
    }
}

fn trend_view(h: &History, cur: &str) -> Trend {
    let shown = &h.runs[h.runs.len().saturating_sub(12)..];
    let (first, last) = (&shown[0], &shown[shown.len() - 1]);
    let previous = h.runs.len().checked_sub(2).map(|i| &h.runs[i]);
    let (change_text, direction) = match previous {
        Some(p) if last.ale > p.ale => (format!("+{}", money(last.ale - p.ale, cur)), "up"),
        Some(p) if last.ale < p.ale => (format!("−{}", money(p.ale - last.ale, cur)), "down"),
        Some(_) => ("no change".into(), "flat"),
        None => (String::new(), "flat"),
    };
    let mut sentence = match previous {
        Some(p) => format!(
            "Verified ALE {} in run #{} ({}), {} since run #{}; {} recorded.",
            money(last.ale, cur),
            last.seq,
            last.time,
            match direction {
                "up" => format!("up {}", money(last.ale - p.ale, cur)),
                "down" => format!("down {}", money(p.ale - last.ale, cur)),
                _ => "unchanged".into(),
            },
            p.seq,
            count(h.runs.len(), "run")
        ),
        None => format!(
            "Verified ALE {} in run #{} ({}), the only recorded run.",
            money(last.ale, cur),
            last.seq,
            last.time
        ),
    };
    if last.ale > last.ale_design {
        sentence += &format!(
            " Failing controls add {} to the ALE as designed ({}).",
            money(last.ale - last.ale_design, cur),
            money(last.ale_design, cur)
        );
    }
    if !h.same_model {
        sentence += " The model changed since the newest verify run.";
    }
    let chain_ok = h.chain_problems.is_empty();
    Trend {
        runs: shown
            .iter()
            .map(|r| TrendRun {
                seq: r.seq,
                time: r.time.clone(),
                ale_text: money(r.ale, cur),
                ale_design_text: money(r.ale_design, cur),
            })
            .collect(),
        points: shown.iter().map(|r| (format!("#{}", r.seq), r.ale)).collect(),
        first_text: money(first.ale, cur),
        last_text: money(last.ale, cur),
        change_text,
        direction,
        sentence,
        chain_text: if chain_ok {
            format!("hash chain of {} intact", count(h.runs.len(), "record"))
        } else {
            format!("hash chain broken: {}", h.chain_problems.join("; "))
        },
        chain_ok,
    }
}

/// The three decisions asked of leadership.
fn decisions(input: &ReportInput, headline: &Headline, roadmap: Option<&RoadmapView>) -> Vec<Decision> {
    let model = input.model;
    let cur = model.settings.currency.as_str();
    let mut out = Vec::new();
    // 1. What to fund: the plan's best returns, else the best choke point.
    match input.roadmap {
        Roadmap::Planned { plan, .. } if !plan.initiatives.is_empty() => {
            let mut best: Vec<_> = plan.initiatives.iter().collect();
            // No one-off cost: first if it pays for itself every year, last if not.
            let key = |p: &riskpath_decide::roadmap::PlannedInitiative| {
                p.return_per_year.unwrap_or(if p.ale_reduction > p.yearly_cost {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                })
            };
            best.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.id.cmp(&b.id)));
            best.truncate(3);
            let ids: Vec<&str> = best.iter().map(|p| p.id.as_str()).collect();
            let once: f64 = best.iter().map(|p| p.once_cost).sum();
            let yearly: f64 = best.iter().map(|p| p.yearly_cost).sum();
            let reduction: f64 = best.iter().map(|p| p.ale_reduction).sum();
            let rest = roadmap
                .map(|r| format!(" The whole plan takes the ALE from {} to {}.", r.baseline_text, r.final_text))
                .unwrap_or_default();
            out.push(Decision {
                alert: None,
                title: format!("Fund {}", join_words(&ids)),
                detail: format!(
                    "The best returns of the roadmap: {} one-off and {} a year, cutting the ALE by about {} a year.{rest}{}",
                    money(once, cur),
                    money(yearly, cur),
                    money(reduction, cur),
                    initiative_descriptions(model, &ids)
                ),
            });
        }
        _ => {
            if let Some(p) = input.choke_points.iter().max_by(|a, b| a.ale_reduction.total_cmp(&b.ale_reduction)) {
                out.push(Decision {
                    alert: None,
                    title: format!("Fund closing the choke point {}", p.name.as_deref().unwrap_or(&p.id)),
                    detail: format!(
                        "Removing it stops {} of simulated breaches and cuts the ALE by {} a year; no roadmap was planned ({}).",
                        percent(p.breaches_stopped),
                        money(p.ale_reduction, cur),
                        match input.roadmap {
                            Roadmap::Skipped(why) => why.to_string(),
                            _ => "no initiative fits the budget".into(),
                        }
                    ),
                });
            } else {
                out.push(Decision {
                    alert: None,
                    title: "Name candidate initiatives".into(),
                    detail: "The model has no initiatives to fund yet; add them with costs to get a roadmap.".into(),
                });
            }
        }
    }
    // 2. Risk above tolerance: accept or reduce.
    let mut accept = match (headline.tolerance, headline.exceedance) {
        (Some(t), Some(p)) if headline.over_tolerance => Decision {
            alert: None,
            title: "Reduce or accept the risk above tolerance".into(),
            detail: format!(
                "The loss exceeded 1 year in 20 is {}, above the tolerance of {}: the tolerance is exceeded in {} of years \
                 (at most 5% is acceptable). Either fund the reduction or accept the excess explicitly, with an owner and a review date.",
                headline.p95_text,
                money(t, cur),
                percent(p)
            ),
        },
        (Some(t), Some(p)) => Decision {
            alert: None,
            title: "Accept the residual risk".into(),
            detail: format!(
                "The loss exceeded 1 year in 20 is {}, within the tolerance of {} (exceeded in {} of years). Confirm \
                 the acceptance of an expected {} a year.",
                headline.p95_text,
                money(t, cur),
                percent(p),
                headline.ale_text
            ),
        },
        _ => Decision {
            alert: None,
            title: "Set a risk tolerance".into(),
            detail: format!(
                "No tolerance is stated (settings.tolerance). The loss exceeded 1 year in 20 is {}; say whether that is acceptable.",
                headline.p95_text
            ),
        },
    };
    // Who accepted what, and what lapsed: named beside the decision to accept.
    let labels = Labels::new(model);
    if headline.tolerance.is_some() {
        accept.detail += &crate::accepted::decision_sentence(input.accepted, &labels, cur);
    }
    accept.alert = crate::accepted::lapsed_sentence(input.accepted, &labels, cur);
    out.push(accept);
    // 3. The endemic class to fix across the organisation.
    let class = input
        .classes
        .iter()
        .filter(|c| c.kind == ClassKind::Technique)
        .chain(input.classes.iter())
        .find(|c| c.ale_reduction > 0.0);
    out.push(match class {
        Some(c) => Decision {
            alert: None,
            title: format!(
                "Mandate an organisation-wide fix for {}{}",
                c.key,
                if c.name.is_empty() { String::new() } else { format!(" ({})", c.name) }
            ),
            detail: format!(
                "{} attack steps across the estate are of this {}; neutralising it everywhere removes {} a year, {} of the ALE. \
                 One owner and one standard fix, instead of {} separate findings.",
                c.edge_count,
                class_kind(c.kind),
                money(c.ale_reduction, cur),
                percent(c.share),
                c.edge_count
            ),
        },
        None => Decision {
            alert: None,
            title: "No endemic class to fix".into(),
            detail: "No technique or edge kind carries measurable risk across several attack steps.".into(),
        },
    });
    out
}

/// The model's name and description of each id (nodes and entry points) that has either, in order.
fn node_notes<'a>(model: &Model, ids: impl Iterator<Item = &'a str>) -> Vec<NodeNote> {
    ids.filter_map(|id| {
        let (kind, name, description) = match model.node(id) {
            Some(n) => (n.kind.clone(), n.name.clone(), n.description.clone()),
            None => {
                let e = model.entry_points.iter().find(|e| e.id == id)?;
                (e.kind.name().to_string(), e.name.clone(), e.description.clone())
            }
        };
        (name.is_some() || description.is_some()).then(|| NodeNote { id: id.to_string(), kind, name, description })
    })
    .collect()
}

/// " What they are: a: …; b: …." for the initiatives among `ids` that have a description.
fn initiative_descriptions(model: &Model, ids: &[&str]) -> String {
    let described: Vec<String> = ids
        .iter()
        .filter_map(|id| {
            let i = model.initiatives.iter().find(|i| i.id == *id)?;
            Some(format!("{id}: {}", i.description.as_deref()?.trim_end_matches('.')))
        })
        .collect();
    if described.is_empty() { String::new() } else { format!(" What they are: {}.", described.join("; ")) }
}

fn join_words(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn control_views(model: &Model, history: Option<&History>, cur: &str) -> (Vec<ControlView>, String) {
    let latest: BTreeMap<&str, &ControlState> =
        history.map(|h| h.latest_controls.iter().map(|c| (c.id.as_str(), c)).collect()).unwrap_or_default();
    let source = match history.and_then(|h| h.runs.last().map(|r| (h, r))) {
        Some((h, r)) => format!(
            "States from verify run #{} ({}){}.",
            r.seq,
            r.time,
            if h.same_model { "" } else { ", recorded for an earlier version of the model" }
        ),
        None => "Not verified: no verify run is recorded for this model (run `riskpath verify`).".into(),
    };
    let views = model
        .controls
        .iter()
        .map(|c| {
            let status = match c.status {
                ControlStatus::Deployed => "deployed",
                ControlStatus::Planned => "planned",
            };
            let found = latest.get(c.id.as_str());
            let state = match (found, c.status) {
                (Some(s), _) => s.state.clone(),
                (None, ControlStatus::Planned) => "planned".into(),
                (None, _) => "not verified".into(),
            };
            let tone = match state.as_str() {
                "pass" => "ok",
                "fail" | "error" => "bad",
                "stale" => "warn",
                _ => "none",
            };
            ControlView {
                id: c.id.clone(),
                name: c.name.clone().unwrap_or_default(),
                status: status.into(),
                state,
                tone,
                detail: found.map(|s| s.messages.join("; ")).unwrap_or_default(),
                ale_increase_text: found
                    .and_then(|s| s.ale_increase)
                    .map(|a| format!("+{}/yr", money(a, cur)))
                    .unwrap_or_default(),
                description: c.description.clone(),
            }
        })
        .collect();
    (views, source)
}

fn method_paragraphs(risk: &RiskResult, decision_trials: u64, respond: f64) -> Vec<String> {
    vec![
        format!(
            "Edge probability: p = base(kind, skill) × Π (1 − prevent) × (1 − detect × respond) over the deployed controls \
             whose scope covers the step (its target, or its source for a from: selector); respond (the share of detected steps contained) is {}.",
            percent(respond)
        ),
        format!(
            "P(compromise): {} bit-parallel Monte Carlo trials per actor; each trial samples every edge live with its \
             probability and the attacker holds everything reachable from its entry points (AND edges need all their \
             required nodes).",
            crate::style::thousands(risk.config.trials)
        ),
        format!(
            "Annual loss: {} simulated years; per actor, attempts ~ Poisson(λ) with λ drawn from its frequency interval, each \
             crown jewel held in an attempt a loss event with a lognormal magnitude fitted to its 90% interval. ALE is the \
             mean, P90/P95/P99 the quantiles, the loss exceedance curve P(annual loss > x).",
            crate::style::thousands(risk.config.years)
        ),
        format!(
            "Decisions (endemic classes, sensitivity, choke points, roadmap) re-simulate each what-if with {decision_trials} \
             trials per actor on common random numbers: the same draws before and after, so differences are not noise."
        ),
        format!(
            "Seed {}: the same model, seed and trial counts give the same numbers on any machine and thread count.",
            risk.config.seed
        ),
    ]
}

/// One paragraph on a saturated estate: who wins nearly every attempt, from how many footholds,
/// and the view the decisions are ranked in.
fn saturation_note(s: &riskpath_decide::saturation::Saturation) -> String {
    let scenarios: Vec<String> = s
        .scenarios
        .iter()
        .map(|x| {
            format!(
                "{} reaches {} in {} of attempts ({} from one foothold)",
                x.actor,
                x.target,
                percent(x.probability),
                percent(x.one_foothold)
            )
        })
        .collect();
    let held: Vec<String> = s
        .sets
        .iter()
        .map(|set| format!("{} holds {} almost always", set.actor, count(set.nodes.len(), "node")))
        .collect();
    let view = if s.one_foothold_saturated {
        "Even from one foothold per entry point the attacker nearly always gets through: only a cut changes that."
    } else {
        "Choke points and classes are ranked in the one-foothold view (each entry point reaches one first-step target per attempt), which measures the steps and controls past initial access."
    };
    format!(
        "Saturated: {}; {}. Removing one step or adding one control barely moves that. {view}",
        scenarios.join("; "),
        held.join("; ")
    )
}
