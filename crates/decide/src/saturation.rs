//! Saturation: when an actor reaches a target in nearly every attempt (P ≥ 0.99), removing any one
//! step barely moves P, so what-ifs cannot rank decisions. Finds the saturated scenarios, the nodes
//! the actor holds almost always, and the one-foothold view in which decisions stay informative.
//!
//! Saturation usually comes from breadth at initial access: dozens of users phished, each a way
//! in. The one-foothold view asks what a single foothold gives the attacker: every entry point of
//! a saturated actor becomes a campaign that reaches one of its first-step targets per attempt
//! (one of its campaign's members, if it had one). Choke points, classes and plans ranked on that
//! view measure the controls and steps past initial access, where P is far from 1.

use riskpath_engine::compile::AttackGraph;
use riskpath_engine::risk::{ScenarioRisk, SkillGraphs, scenario_stream};
use riskpath_engine::sim::Run;
use riskpath_model::{Campaign, Estimate, Model, Selector, Spanned};

use crate::eval::Evaluator;

/// P(compromise) from which a scenario is saturated.
pub const SATURATED: f64 = 0.99;

/// A scenario whose P(compromise) is at least [`SATURATED`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SaturatedScenario {
    pub actor: String,
    pub target: String,
    pub probability: f64,
    /// P(compromise) when each attempt gets one foothold per entry point (see the module doc).
    pub one_foothold: f64,
}

/// The nodes a saturated actor holds in at least [`SATURATED`] of its attempts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SaturatedSet {
    pub actor: String,
    /// Node ids, most often held first, with the share of attempts that hold them.
    pub nodes: Vec<(String, f64)>,
    /// How many first-step targets (footholds) its entry points have.
    pub footholds: usize,
}

/// What saturation the baseline shows, and the one-foothold view's answer to it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Saturation {
    pub threshold: f64,
    /// Indices into `model.actors` of the actors with a saturated scenario.
    #[serde(skip)]
    pub actors: Vec<usize>,
    pub scenarios: Vec<SaturatedScenario>,
    pub sets: Vec<SaturatedSet>,
    /// Some scenario is still saturated with one foothold per entry point: the attacker has many
    /// ways past its foothold too, and only a cut (the minimum cut) changes that.
    pub one_foothold_saturated: bool,
}

/// The saturated scenarios among `scenarios` (the baseline's, P per actor and target), with the
/// saturated sets and the one-foothold P of each, measured with `eval`'s trials and seed; `None`
/// when no scenario is saturated.
pub fn detect(eval: &Evaluator, scenarios: &[ScenarioRisk]) -> Option<Saturation> {
    let model = eval.model;
    let graph = eval.baseline_graph();
    let saturated: Vec<&ScenarioRisk> = scenarios.iter().filter(|s| s.probability >= SATURATED).collect();
    if saturated.is_empty() {
        return None;
    }
    let mut actors: Vec<usize> = saturated.iter().map(|s| s.actor).collect();
    actors.dedup();
    let conditional = one_foothold(model, &actors);
    let after = eval.loss_of(&conditional, &eval.baseline);
    let one = |s: &ScenarioRisk| {
        after.scenarios.iter().find(|x| x.actor == s.actor && x.target == s.target).map_or(0.0, |x| x.probability)
    };
    let scenarios: Vec<SaturatedScenario> = saturated
        .iter()
        .map(|s| SaturatedScenario {
            actor: model.actors[s.actor].id.clone(),
            target: graph.ids[s.target as usize].clone(),
            probability: s.probability,
            one_foothold: one(s),
        })
        .collect();
    let one_foothold_saturated = scenarios.iter().any(|s| s.one_foothold >= SATURATED);
    let sets = actors.iter().map(|&a| saturated_set(eval, graph, a)).collect();
    Some(Saturation { threshold: SATURATED, actors, scenarios, sets, one_foothold_saturated })
}

/// The saturation of `scenarios` (see [`detect`]) and, when there is some, the model in the
/// one-foothold view for its actors: what decisions are then ranked in.
pub fn decision_view(eval: &Evaluator, scenarios: &[ScenarioRisk]) -> (Option<Saturation>, Option<Model>) {
    let saturation = detect(eval, scenarios);
    let view = saturation.as_ref().map(|s| one_foothold(eval.model, &s.actors));
    (saturation, view)
}

/// The nodes actor `actor` holds in at least [`SATURATED`] of its scenario trials.
fn saturated_set(eval: &Evaluator, graph: &AttackGraph, actor: usize) -> SaturatedSet {
    let model = eval.model;
    let a = &model.actors[actor];
    let sims = SkillGraphs::new(model, graph);
    let entries = graph.entries_of(a);
    let nodes: Vec<u32> = (graph.entry_count as u32..graph.node_count() as u32).collect();
    let run = Run {
        graph: sims.for_actor(actor, a.skill),
        entries: &entries,
        trials: eval.trials,
        seed: eval.seed,
        stream: scenario_stream(a),
    };
    let hits = run.hit_counts(&nodes);
    let mut held: Vec<(String, f64)> = nodes
        .iter()
        .zip(hits)
        .map(|(&n, h)| (graph.ids[n as usize].clone(), h as f64 / eval.trials as f64))
        .filter(|(_, p)| *p >= SATURATED)
        .collect();
    held.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    let footholds = entries.iter().map(|&e| first_steps(model, &graph.ids[e as usize]).len()).sum();
    SaturatedSet { actor: a.id.clone(), nodes: held, footholds }
}

/// The targets of the edges leaving entry point `entry` that its campaign (if any) can reach, each once.
fn first_steps(model: &Model, entry: &str) -> Vec<String> {
    let campaign = model.entry_points.iter().find(|e| e.id == entry).and_then(|e| e.campaign.as_ref());
    let mut targets: Vec<String> = Vec::new();
    for e in model.edges.iter().filter(|e| e.from.value == entry) {
        let member = campaign.is_none_or(|c| model.node(&e.to.value).is_some_and(|n| c.selects(n)));
        if member && !targets.iter().any(|t| *t == e.to.value) {
            targets.push(e.to.value.to_string());
        }
    }
    targets
}

/// `model` in the one-foothold view for `actors` (indices into `model.actors`): each of their
/// entry points reaches one of its first-step targets per attempt (a campaign of reach 1). Ids,
/// edges and their order are unchanged, so what-ifs on it keep common random numbers with each
/// other.
pub fn one_foothold(model: &Model, actors: &[usize]) -> Model {
    let mut out = model.clone();
    let entries: Vec<String> =
        actors.iter().flat_map(|&a| model.actors[a].entry.iter().map(|e| e.value.clone())).collect();
    for entry in out.entry_points.iter_mut().filter(|e| entries.contains(&e.id)) {
        let targets = first_steps(model, &entry.id);
        if targets.len() < 2 {
            continue;
        }
        let loc = entry.loc;
        let targets = targets.into_iter().map(|t| Spanned { value: Selector::Id(t), loc }).collect();
        let reach = Spanned { value: Estimate::Point(1.0), loc };
        entry.campaign = Some(Campaign { targets, reach, loc });
    }
    out
}
