//! Accepted risks against a run's own figures: what each acceptance covers (scenarios, edges), the
//! ALE it covers now (the headline's, never a second estimate) with its standard error, and whether
//! it expired or exceeds `max_ale` by more than the figure's noise.

use riskpath_engine::risk::{ExpectedLoss, ScenarioRisk};
use riskpath_model::Model;
use riskpath_model::accepted::{AcceptedRisk, Date, Scope};
use serde::Serialize;

use crate::classes::{self, ClassKind};
use crate::eval::Evaluator;

/// One acceptance as of a day, measured on one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub id: String,
    /// What the model's `scope` names: `scenario`, `edge` or `class`.
    pub scope: &'static str,
    /// The scope as written: `crime → files`, the edge id, or the class (`technique:T1078`).
    pub scope_text: String,
    pub owner: String,
    /// `YYYY-MM-DD`: the acceptance holds through this day.
    pub expires: String,
    pub justification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_ale: Option<f64>,
    /// The scenarios whose ALE the scope carries, with the part it carries.
    pub scenarios: Vec<CoveredScenario>,
    /// The model edges the scope covers (ids, else `from → to`); none for a scenario.
    pub edges: Vec<String>,
    /// The annual loss the acceptance covers now: the scenario's share of the headline ALE, or the
    /// headline's drop were the covered edges removed (anchored what-if, common random numbers).
    pub ale: f64,
    /// The standard error of `ale` for an edge or class (paired decision trials, see
    /// [`paired_std_error`]); none for a scenario, whose figure is the headline's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ale_std_error: Option<f64>,
    /// `expires` is before the day the run is judged on.
    pub expired: bool,
    /// `ale` is above `max_ale` by more than [`NOISE`] standard errors.
    pub over_max_ale: bool,
    /// `ale` is within [`NOISE`] standard errors of `max_ale` (either side): the run cannot tell
    /// whether the acceptance still holds; more decision trials would.
    pub near_max_ale: bool,
    #[serde(skip)]
    pub loc: riskpath_model::Loc,
}

impl Coverage {
    /// Expired or over its `max_ale`: the acceptance no longer covers what it says.
    pub fn lapsed(&self) -> bool {
        self.expired || self.over_max_ale
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoveredScenario {
    pub actor: String,
    pub target: String,
    /// The part of this scenario's ALE the acceptance covers.
    pub ale: f64,
}

/// Every acceptance of the model measured on one run: `eval` anchored to the run's headline and
/// `scenarios` that headline's per-scenario figures (`RiskResult::scenarios`), judged on `as_of`.
pub fn cover(eval: &Evaluator, scenarios: &[ScenarioRisk], as_of: Date) -> Vec<Coverage> {
    eval.model.accepted_risks.iter().map(|risk| cover_one(eval, scenarios, risk, as_of)).collect()
}

fn cover_one(eval: &Evaluator, scenarios: &[ScenarioRisk], risk: &AcceptedRisk, as_of: Date) -> Coverage {
    let model = eval.model;
    let (scope, scope_text, (covered, ale, std_error), edges) = match &risk.scope {
        Scope::Scenario { actor, target } => {
            let covered = scenario_share(eval, scenarios, &actor.value, &target.value);
            let ale = covered.iter().map(|s| s.ale).sum();
            ("scenario", format!("{} → {}", actor.value, target.value), (covered, ale, None), Vec::new())
        }
        Scope::Edge(id) => {
            let edges: Vec<usize> =
                model.edges.iter().position(|e| e.id.as_deref() == Some(id.value.as_str())).into_iter().collect();
            ("edge", id.value.clone(), edges_share(eval, &edges), edges)
        }
        Scope::Class(class) => {
            let edges = class_edges(eval, &class.value);
            ("class", class.value.clone(), edges_share(eval, &edges), edges)
        }
    };
    Coverage {
        id: risk.id.clone(),
        scope,
        scope_text,
        owner: risk.owner.clone(),
        expires: risk.expires.to_string(),
        justification: risk.justification.clone(),
        max_ale: risk.max_ale,
        scenarios: covered,
        edges: edges.iter().map(|&i| edge_name(model, i)).collect(),
        ale,
        ale_std_error: std_error,
        expired: risk.expired(as_of),
        over_max_ale: risk.max_ale.is_some_and(|max| ale - NOISE * std_error.unwrap_or(0.0) > max),
        near_max_ale: risk.max_ale.is_some_and(|max| std_error.is_some_and(|se| near(ale, se, max))),
        loc: risk.loc,
    }
}

/// How many standard errors a figure must clear `max_ale` by to be judged over it (about 2.3% of
/// runs of an acceptance exactly at its limit are then flagged, one-sided).
pub const NOISE: f64 = 2.0;

/// `ale` is within [`NOISE`] standard errors of `max` without clearing it: not judged over, not
/// shown to be under either.
fn near(ale: f64, std_error: f64, max: f64) -> bool {
    std_error > 0.0 && ale - NOISE * std_error <= max && ale + NOISE * std_error > max
}

/// The headline's own figure for one actor reaching one target (none when the actor does not
/// target it).
fn scenario_share(eval: &Evaluator, scenarios: &[ScenarioRisk], actor: &str, target: &str) -> Vec<CoveredScenario> {
    let ids = &eval.baseline_graph().ids;
    scenarios
        .iter()
        .filter(|s| eval.model.actors[s.actor].id == actor && ids[s.target as usize] == target)
        .map(|s| covered(eval, s, s.ale))
        .collect()
}

/// The anchored ALE the edges carry: the headline minus the headline without them, in total and
/// per scenario (those it lowers), with its standard error.
fn edges_share(eval: &Evaluator, edges: &[usize]) -> (Vec<CoveredScenario>, f64, Option<f64>) {
    if edges.is_empty() {
        return (Vec::new(), 0.0, Some(0.0));
    }
    let base = eval.loss(&eval.baseline);
    let without = eval.without_edges(edges);
    let scenarios = base
        .scenarios
        .iter()
        .zip(&without.scenarios)
        .filter(|(b, w)| b.ale > w.ale)
        .map(|(b, w)| covered(eval, b, b.ale - w.ale))
        .collect();
    (scenarios, (base.ale - without.ale).max(0.0), Some(paired_std_error(&base, &without)))
}

/// The standard error of the anchored `base.ale - without.ale` when `without` only removes edges
/// from `base` on the same trials (common random numbers). Anchored, a scenario's part is its ALE
/// times `ρ`, the fraction of the `b` trials that booked its event which no longer do without the
/// edges (removing edges only takes bookings away), so its standard error is
/// `ALE × √(ρ(1 − ρ) ÷ b)`: zero when the edges carry all of it or none. The scenarios of one actor
/// share their trials, so their errors add (an upper bound whatever they correlate); actors' trials
/// are independent streams, so theirs add in quadrature.
pub fn paired_std_error(base: &ExpectedLoss, without: &ExpectedLoss) -> f64 {
    let mut per_actor: Vec<(usize, f64)> = Vec::new();
    for (i, s) in base.scenarios.iter().enumerate() {
        let (b, w) = (base.booked[i], without.booked[i]);
        if b == 0 {
            continue;
        }
        let rho = b.saturating_sub(w) as f64 / b as f64;
        let error = s.ale * (rho * (1.0 - rho) / b as f64).sqrt();
        match per_actor.iter_mut().find(|(a, _)| *a == s.actor) {
            Some((_, sum)) => *sum += error,
            None => per_actor.push((s.actor, error)),
        }
    }
    per_actor.iter().map(|(_, e)| e * e).sum::<f64>().sqrt()
}

fn covered(eval: &Evaluator, s: &ScenarioRisk, ale: f64) -> CoveredScenario {
    CoveredScenario {
        actor: eval.model.actors[s.actor].id.clone(),
        target: eval.baseline_graph().ids[s.target as usize].clone(),
        ale,
    }
}

/// The model edges of an endemic class as `analyze` groups them (`technique:`, `kind:`,
/// `mitigation:` a missing mitigation); none when no edge is in it.
fn class_edges(eval: &Evaluator, class: &str) -> Vec<usize> {
    let Some((kind, key)) = class.split_once(':') else { return Vec::new() };
    let kind = match kind {
        "technique" => ClassKind::Technique,
        "kind" => ClassKind::EdgeKind,
        "mitigation" => ClassKind::MissingMitigation,
        _ => return Vec::new(),
    };
    classes::group(eval, eval.baseline_graph(), 1)
        .into_iter()
        .find(|c| c.kind == kind && c.key == key)
        .map_or_else(Vec::new, |c| c.edges)
}

/// An edge as a person finds it in the model: its id, else `from → to`.
fn edge_name(model: &Model, index: usize) -> String {
    let e = &model.edges[index];
    e.id.clone().unwrap_or_else(|| format!("{} → {}", e.from.value, e.to.value))
}
