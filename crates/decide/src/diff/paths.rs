//! Attack paths that appeared, disappeared or changed among each scenario's k most likely between
//! two versions, each with the hop (edge from → to) that made the difference.

use std::collections::HashMap;

use riskpath_engine::AttackGraph;
use riskpath_engine::paths::{AttackPath, ScenarioPaths, all_scenarios};
use riskpath_model::Model;

/// One side of the path comparison.
pub struct Side<'a> {
    pub model: &'a Model,
    pub graph: &'a AttackGraph,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Among the head's k most likely, not the base's.
    New,
    /// Among the base's k most likely, not the head's.
    Removed,
    /// Among both, with a different probability.
    Changed,
}

/// Why a path's standing changed: the hop with the largest change, or none (it moved in or out of
/// the k most likely because other paths did).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No edge made the hop on the base side.
    HopAdded,
    /// No edge makes the hop on the head side.
    HopRemoved,
    /// The hop's most likely way is likelier on the head side.
    Likelier,
    /// … or less likely.
    LessLikely,
    /// Every hop is as likely as before: other paths moved.
    Ranked,
    /// The scenario (actor, target) exists only on the head side.
    ScenarioAdded,
    /// … only on the base side.
    ScenarioRemoved,
}

/// The hop that made the difference: its ends (ids) and its probability on each side (0: no edge).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hop {
    pub from: String,
    pub to: String,
    pub base_p: f64,
    pub head_p: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PathChange {
    pub actor: String,
    pub target: String,
    pub status: Status,
    /// Node ids from the entry point to the target.
    pub nodes: Vec<String>,
    /// The path's probability on each side (0 where no edge makes one of its hops).
    pub base_p: f64,
    pub head_p: f64,
    pub reason: Reason,
    /// The hop behind `reason` (none for `ranked`).
    pub hop: Option<Hop>,
}

/// Path changes of every scenario of either side, scenarios in base then head order, new paths
/// first within a scenario.
pub fn changes(base: &Side, head: &Side, k: usize) -> Vec<PathChange> {
    let (b, h) = (by_scenario(base, k), by_scenario(head, k));
    let mut keys: Vec<&Scenario> = b.iter().map(|x| &x.0).collect();
    keys.extend(h.iter().map(|x| &x.0).filter(|key| find(&b, key).is_none()));
    let mut out = Vec::new();
    for key in keys {
        let (before, after) = (find(&b, key).unwrap_or_default(), find(&h, key).unwrap_or_default());
        let on = (find(&b, key).is_some(), find(&h, key).is_some());
        let compare = |nodes: &Vec<String>, status| compare(base, head, key, on, nodes, status);
        out.extend(after.iter().filter(|p| !before.contains(p)).map(|p| compare(p, Status::New)));
        out.extend(before.iter().filter(|p| !after.contains(p)).map(|p| compare(p, Status::Removed)));
        let kept = after.iter().filter(|p| before.contains(p)).map(|p| compare(p, Status::Changed));
        out.extend(kept.filter(|c| c.base_p != c.head_p));
    }
    out
}

/// A scenario: (actor id, target id).
type Scenario = (String, String);
type Scenarios = Vec<(Scenario, Vec<Vec<String>>)>;

/// A scenario's paths on one side, if the side has the scenario.
fn find<'a>(list: &'a Scenarios, key: &Scenario) -> Option<&'a [Vec<String>]> {
    list.iter().find(|(k, _)| k == key).map(|(_, p)| p.as_slice())
}

/// Each scenario's k most likely paths as node-id sequences, keyed by (actor id, target id).
fn by_scenario(side: &Side, k: usize) -> Scenarios {
    let ids = |p: &AttackPath| p.nodes.iter().map(|&n| side.graph.ids[n as usize].clone()).collect::<Vec<_>>();
    all_scenarios(side.model, side.graph, k)
        .into_iter()
        .map(|ScenarioPaths { actor, target, paths }| {
            let key = (side.model.actors[actor].id.clone(), side.graph.ids[target as usize].clone());
            (key, paths.iter().map(ids).collect())
        })
        .collect()
}

/// The probability of the hop `from → to` for `actor` on a side: its most likely way as paths
/// count it (0 when no edge makes the hop or the actor is not on that side).
fn hop_p(side: &Side, actor: &str, from: &str, to: &str) -> f64 {
    let Some(a) = side.model.actors.iter().find(|a| a.id == actor) else { return 0.0 };
    let (Some(f), Some(t)) = (side.graph.index_of(from), side.graph.index_of(to)) else { return 0.0 };
    let seen = side.graph.for_actor(a);
    seen.out_edges(f)
        .map(|e| &seen.edges[e])
        .filter(|e| e.to == t)
        .map(|e| e.p_reached(&seen, a.skill))
        .fold(0.0, f64::max)
}

/// One path's change; `on`: whether the scenario exists on the base and on the head side.
fn compare(
    base: &Side,
    head: &Side,
    (actor, target): &Scenario,
    on: (bool, bool),
    nodes: &[String],
    status: Status,
) -> PathChange {
    let hops: Vec<Hop> = nodes
        .windows(2)
        .map(|w| Hop {
            from: w[0].clone(),
            to: w[1].clone(),
            base_p: hop_p(base, actor, &w[0], &w[1]),
            head_p: hop_p(head, actor, &w[0], &w[1]),
        })
        .collect();
    let (reason, hop) = match on {
        (false, _) => (Reason::ScenarioAdded, None),
        (_, false) => (Reason::ScenarioRemoved, None),
        _ => cause(&hops),
    };
    PathChange {
        actor: actor.to_string(),
        target: target.to_string(),
        status,
        nodes: nodes.to_vec(),
        base_p: hops.iter().map(|h| h.base_p).product(),
        head_p: hops.iter().map(|h| h.head_p).product(),
        reason,
        hop,
    }
}

/// The hop that made the difference: one missing on a side (the first), else the one whose
/// probability changed by the largest factor (the first on a tie), else none.
fn cause(hops: &[Hop]) -> (Reason, Option<Hop>) {
    if let Some(h) = hops.iter().find(|h| h.base_p == 0.0 && h.head_p > 0.0) {
        return (Reason::HopAdded, Some(h.clone()));
    }
    if let Some(h) = hops.iter().find(|h| h.head_p == 0.0 && h.base_p > 0.0) {
        return (Reason::HopRemoved, Some(h.clone()));
    }
    let factor = |h: &Hop| (h.head_p / h.base_p).ln().abs();
    let changed = hops.iter().filter(|h| h.head_p != h.base_p && h.base_p > 0.0);
    let biggest = changed.fold(None, |best: Option<&Hop>, h| match best {
        Some(b) if factor(b) >= factor(h) => Some(b),
        _ => Some(h),
    });
    match biggest {
        Some(h) if h.head_p > h.base_p => (Reason::Likelier, Some(h.clone())),
        Some(h) => (Reason::LessLikely, Some(h.clone())),
        None => (Reason::Ranked, None),
    }
}

/// How many paths each target gained, by target id (for a summary line).
pub fn new_by_target(changes: &[PathChange]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for c in changes.iter().filter(|c| c.status == Status::New) {
        match at.get(c.target.as_str()) {
            Some(&i) => counts[i].1 += 1,
            None => {
                at.insert(&c.target, counts.len());
                counts.push((c.target.clone(), 1));
            }
        }
    }
    counts
}
