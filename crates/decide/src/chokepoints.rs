//! Choke points: (a) the minimum-cost edge cut between entry points and crown jewels (max-flow,
//! capacity = an edge's fix cost); (b) per node and edge, the share of simulated breaches it dominates.

use std::collections::HashMap;

use petgraph::algo::dinics;
use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;
use riskpath_engine::compile::AttackGraph;
use riskpath_engine::pool::Pool;
use riskpath_engine::risk::{SkillGraphs, scenario_stream};
use riskpath_engine::sim::Run;
use riskpath_model::Model;

pub use crate::andcut::Attacker;
use crate::dominators::Dominators;
use crate::eval::Evaluator;

/// One edge of a cut.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CutEdge {
    /// Index into `model.edges`.
    #[serde(skip)]
    pub model_edge: usize,
    pub id: Option<String>,
    pub from: String,
    pub to: String,
    /// The names of `from` and `to` ([`riskpath_model::Labels`]), when the model gives them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_name: Option<String>,
    pub kind: String,
    /// What cutting it costs, in the cut's `unit`.
    pub fix_cost: f64,
    /// The concrete relation the edge stands for, if the model says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    /// What removing it means: the kind of action (rotate_credential, remove_permission, …).
    pub action: &'static str,
    /// The edge's own `remediation`, else its kind's default.
    pub instruction: String,
    /// `edge` or `kind`: where the instruction comes from.
    pub instruction_source: &'static str,
}

impl CutEdge {
    /// Model edge `edge` as a cut edge: its ends (with their names), its cost and its remedy.
    /// Panics if the edge cannot be cut: a cut holds removable edges only.
    pub fn of(model: &Model, labels: &riskpath_model::Labels, edge: usize) -> CutEdge {
        let me = &model.edges[edge];
        let remedy = me.remedy().expect("validated edge kind");
        CutEdge {
            model_edge: edge,
            id: me.id.clone(),
            from: me.from.value.to_string(),
            to: me.to.value.to_string(),
            from_name: labels.name(&me.from.value).map(str::to_string),
            to_name: labels.name(&me.to.value).map(str::to_string),
            kind: me.kind.value.to_string(),
            fix_cost: edge_cost(model, edge).expect("a cut holds removable edges only"),
            relation: me.extra().relation.clone(),
            action: remedy.action,
            instruction: remedy.instruction,
            instruction_source: remedy.source,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MinCut {
    /// The sum of the cut edges' costs; `None` when no set of removable edges separates the
    /// sources from the sinks (every separating set holds an edge that cannot be cut).
    pub cost: Option<f64>,
    /// What `cost` and every edge's `fix_cost` are in: money (the model's currency) or days.
    pub unit: riskpath_model::CostUnit,
    /// Empty when `cost` is `None`.
    pub edges: Vec<CutEdge>,
    /// Sinks (ids) that no set of removable edges separates from the sources, left out of the cut:
    /// only controls on the way protect them ([`protect_what_can_be`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unprotectable: Vec<String>,
    /// How the cut was found, and so whether it is the cheapest.
    pub method: CutMethod,
}

/// How a cut was found. The cut always stops every sink under the AND conditions; only
/// `FlowUpperBound` may cost more than the cheapest such cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CutMethod {
    /// Max-flow: exact, as no edge on the way has an AND condition.
    Flow,
    /// The integer program of [`crate::andcut`]: exact under the AND conditions.
    IntegerProgram,
    /// Max-flow ignoring the AND conditions, because the integer program exceeded its limits
    /// ([`crate::andcut::LIMITS`]): a valid cut whose cost is an upper bound on the cheapest.
    FlowUpperBound,
}

impl CutMethod {
    /// A few words on whether the cut is the cheapest, for a heading.
    pub fn short(self) -> &'static str {
        match self {
            CutMethod::Flow => "the cheapest: max-flow, no AND conditions on the way",
            CutMethod::IntegerProgram => "the cheapest under the AND conditions: integer program",
            CutMethod::FlowUpperBound => "not proven the cheapest: the exact program exceeded its size limit",
        }
    }

    /// One sentence for the reader: what the cut is and whether it is the cheapest.
    pub fn statement(self) -> &'static str {
        match self {
            CutMethod::Flow => {
                "the cheapest set of removable edges whose removal leaves the actor no way from its entry points to the jewels it targets (exact: max-flow; no AND conditions on the way)"
            }
            CutMethod::IntegerProgram => {
                "the cheapest set of removable edges whose removal leaves each actor no way from its entry points to the jewels it targets, an edge counting only when its required nodes can be held too (exact: integer program)"
            }
            CutMethod::FlowUpperBound => {
                "a set of removable edges whose removal leaves no way from any entry point to any of these jewels even ignoring AND conditions; the exact program exceeded its size limit, so its cost is an upper bound on the cheapest"
            }
        }
    }
}

/// What cutting model edge `edge` costs, in the cut's unit; `None` when the edge cannot be cut.
/// Every cut and containment reads an edge's cost through here and nowhere else.
pub fn edge_cost(model: &Model, edge: usize) -> Option<f64> {
    model.fix_cost(edge)
}

/// The cheapest set of removable edges (by [`edge_cost`]) whose removal stops every sink, over the
/// edges some actor can use (p > 0), an edge firing only when its source and one of its conditions
/// (`requires` plus one alternative of `requires_any`) are held; no cut (`cost: None`) when every
/// such set holds an edge that cannot be cut. See [`min_cut_of`].
pub fn min_cut(model: &Model, graph: &AttackGraph, sources: &[u32], sinks: &[u32]) -> MinCut {
    min_cut_of(
        model,
        graph,
        &[Attacker { sources: sources.to_vec(), sinks: sinks.to_vec(), usable: usable_edges(graph) }],
    )
}

/// The cheapest set of removable edges whose removal stops every attacker's sinks, each attacker
/// from its own sources over its own usable edges, AND conditions applied. One attacker without
/// AND conditions on its edges: max-flow (exact). Otherwise the integer program of
/// [`crate::andcut`] within [`crate::andcut::LIMITS`], else max-flow over the union of the
/// attackers, conditions ignored (it over-approximates every attacker, so the cut is valid and its
/// cost an upper bound): see `method`.
pub fn min_cut_of(model: &Model, graph: &AttackGraph, attackers: &[Attacker]) -> MinCut {
    let attackers: Vec<&Attacker> = attackers.iter().filter(|a| !a.sinks.is_empty()).collect();
    let unconditional = |a: &Attacker| a.usable.iter().all(|&e| graph.edges[e].conditions().iter().all(Vec::is_empty));
    if let [one] = attackers[..]
        && unconditional(one)
    {
        return flow_cut(model, graph, one, CutMethod::Flow);
    }
    if attackers.is_empty() {
        return flow_cut(model, graph, &Attacker::default(), CutMethod::Flow);
    }
    let owned: Vec<Attacker> = attackers.iter().map(|a| (*a).clone()).collect();
    let unit = model.cut_unit();
    let found = |edges: Vec<CutEdge>, cost| MinCut {
        cost,
        unit,
        edges,
        unprotectable: Vec::new(),
        method: CutMethod::IntegerProgram,
    };
    match crate::andcut::exact(model, graph, &owned, crate::andcut::LIMITS) {
        crate::andcut::Outcome::Optimal(removed) => {
            let labels = riskpath_model::Labels::new(model);
            let edges: Vec<CutEdge> = removed.iter().map(|&e| CutEdge::of(model, &labels, e)).collect();
            let cost = Some(edges.iter().map(|c| c.fix_cost).sum());
            found(edges, cost)
        }
        crate::andcut::Outcome::Impossible => found(Vec::new(), None),
        crate::andcut::Outcome::Unsolved => flow_cut(model, graph, &union(&owned), CutMethod::FlowUpperBound),
    }
}

/// One attacker that can do whatever any of `attackers` can: every source, sink and usable edge.
fn union(attackers: &[Attacker]) -> Attacker {
    let gather = |part: fn(&Attacker) -> &[u32]| {
        let mut all: Vec<u32> = attackers.iter().flat_map(|a| part(a).iter().copied()).collect();
        all.sort_unstable();
        all.dedup();
        all
    };
    let mut usable: Vec<usize> = attackers.iter().flat_map(|a| a.usable.iter().copied()).collect();
    usable.sort_unstable();
    usable.dedup();
    Attacker { sources: gather(|a| &a.sources), sinks: gather(|a| &a.sinks), usable }
}

/// The compiled edges some actor can use (p > 0 at some skill).
fn usable_edges(graph: &AttackGraph) -> Vec<usize> {
    (0..graph.edges.len()).filter(|&e| graph.edges[e].p.iter().any(|&p| p > 0.0)).collect()
}

/// The max-flow cut over `usable`, AND conditions ignored (an over-approximation of the attacker,
/// so the cut is valid with them too), labelled `method`.
fn flow_cut(model: &Model, graph: &AttackGraph, attacker: &Attacker, method: CutMethod) -> MinCut {
    let Attacker { sources, sinks, usable } = attacker;
    let n = graph.node_count();
    let mut net: DiGraph<(), f64> = DiGraph::with_capacity(n + 2, graph.edges.len() + sources.len() + sinks.len());
    for _ in 0..n + 2 {
        net.add_node(());
    }
    let (source, sink) = (NodeIndex::new(n), NodeIndex::new(n + 1));
    let big = 1.0 + usable.iter().filter_map(|&e| edge_cost(model, graph.edges[e].model_index)).sum::<f64>();
    for &e in usable {
        let ce = &graph.edges[e];
        let cap = edge_cost(model, ce.model_index).unwrap_or(big);
        net.add_edge(NodeIndex::new(ce.from as usize), NodeIndex::new(ce.to as usize), cap);
    }
    for &s in sources {
        net.add_edge(source, NodeIndex::new(s as usize), big);
    }
    for &t in sinks {
        net.add_edge(NodeIndex::new(t as usize), sink, big);
    }
    let (flow, flows) = dinics(&net, source, sink);
    let unit = model.cut_unit();
    if flow >= big {
        return MinCut { cost: None, unit, edges: Vec::new(), unprotectable: Vec::new(), method };
    }
    // Source side of the cut: reachable from the source in the residual network.
    let mut reached = vec![false; n + 2];
    let mut stack = vec![source];
    reached[source.index()] = true;
    while let Some(u) = stack.pop() {
        for edge in net.edges_directed(u, petgraph::Direction::Outgoing) {
            use petgraph::visit::EdgeRef;
            let v = edge.target();
            if !reached[v.index()] && flows[edge.id().index()] < *edge.weight() - 1e-12 {
                reached[v.index()] = true;
                stack.push(v);
            }
        }
        for edge in net.edges_directed(u, petgraph::Direction::Incoming) {
            use petgraph::visit::EdgeRef;
            let v = edge.source();
            if !reached[v.index()] && flows[edge.id().index()] > 1e-12 {
                reached[v.index()] = true;
                stack.push(v);
            }
        }
    }
    let labels = riskpath_model::Labels::new(model);
    let mut edges: Vec<CutEdge> = usable
        .iter()
        .filter(|&&e| reached[graph.edges[e].from as usize] && !reached[graph.edges[e].to as usize])
        .map(|&e| CutEdge::of(model, &labels, graph.edges[e].model_index))
        .collect();
    edges.sort_by_key(|c| c.model_edge);
    edges.dedup_by_key(|c| c.model_edge);
    MinCut { cost: Some(edges.iter().map(|c| c.fix_cost).sum()), unit, edges, unprotectable: Vec::new(), method }
}

/// The cheapest cut that protects every sink a cut can protect: the sinks that the attacker still
/// holds with every removable edge removed (some way reaches them over edges that cannot be
/// removed, their AND conditions met) are named in `unprotectable` and left out, and the others
/// are cut together ([`min_cut`] to them; removing more edges never lets the attacker hold more, so
/// the union of their single cuts stops them all and this cut is finite). When no sink can be
/// protected, `cost` is `None` and every sink is named.
pub fn protect_what_can_be(model: &Model, graph: &AttackGraph, sources: &[u32], sinks: &[u32]) -> MinCut {
    let attacker = Attacker { sources: sources.to_vec(), sinks: sinks.to_vec(), usable: usable_edges(graph) };
    protect_what_can_be_of(model, graph, &[attacker])
}

/// [`protect_what_can_be`] for several attackers: each one's sinks that it still holds over the
/// edges that cannot be removed are named and left out, and the rest are cut together
/// ([`min_cut_of`]).
pub fn protect_what_can_be_of(model: &Model, graph: &AttackGraph, attackers: &[Attacker]) -> MinCut {
    let mut unprotectable: Vec<u32> = Vec::new();
    let separable: Vec<Attacker> = attackers
        .iter()
        .map(|a| {
            let fixed: Vec<usize> =
                a.usable.iter().copied().filter(|&e| edge_cost(model, graph.edges[e].model_index).is_none()).collect();
            let still_held = held(graph, &a.sources, &fixed);
            let (lost, sinks): (Vec<u32>, Vec<u32>) = a.sinks.iter().partition(|&&t| still_held[t as usize]);
            unprotectable.extend(lost.into_iter().filter(|t| !unprotectable.contains(t)).collect::<Vec<_>>());
            Attacker { sinks, ..a.clone() }
        })
        .collect();
    let unprotectable: Vec<String> = unprotectable.iter().map(|&t| graph.ids[t as usize].clone()).collect();
    if separable.iter().all(|a| a.sinks.is_empty()) && !unprotectable.is_empty() {
        let unit = model.cut_unit();
        return MinCut { cost: None, unit, edges: Vec::new(), unprotectable, method: CutMethod::Flow };
    }
    MinCut { unprotectable, ..min_cut_of(model, graph, &separable) }
}

/// The nodes an attacker holds from `sources` over the compiled `edges`, AND conditions applied:
/// the least fixpoint (an edge fires once its source and one of its conditions are held).
pub fn held(graph: &AttackGraph, sources: &[u32], edges: &[usize]) -> Vec<bool> {
    let mut held = vec![false; graph.node_count()];
    for &s in sources {
        held[s as usize] = true;
    }
    let mut changed = true;
    while changed {
        changed = false;
        for &e in edges {
            let ce = &graph.edges[e];
            let fires = || ce.conditions().iter().any(|c| c.iter().all(|&r| held[r as usize]));
            if held[ce.from as usize] && !held[ce.to as usize] && fires() {
                held[ce.to as usize] = true;
                changed = true;
            }
        }
    }
    held
}

/// A node or an edge of the attack graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Item {
    /// Dense node id.
    Node(u32),
    /// Index into `model.edges`.
    Edge(usize),
}

/// Per scenario (actor, target): how many sampled breaches succeeded, and how many each item dominated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dominance {
    /// (actor index, target dense id) → successful trials.
    pub successes: HashMap<(usize, u32), u64>,
    /// (actor index, target dense id, item) → successful trials in which the item dominates the target.
    pub dominated: HashMap<(usize, u32, Item), u64>,
}

/// Counts, over `trials` scenario trials per actor, the items that dominate each reached target in
/// the live graph of that trial (every path from the entry points to the target passes them).
/// Live AND edges count as plain edges here, so this under-states what removal stops; the
/// re-simulation in [`rank_choke_points`] gives the exact figure.
pub fn dominance(model: &Model, graph: &AttackGraph, sims: &SkillGraphs, trials: u64, seed: u64) -> Dominance {
    let mut out = Dominance::default();
    for (ai, actor) in model.actors.iter().enumerate() {
        let sim = sims.for_actor(ai, actor.skill);
        let (entries, targets) = (graph.entries_of(actor), graph.targets_of(actor));
        let run = Run { graph: sim, entries: &entries, trials, seed, stream: scenario_stream(actor) };
        let sources = sim.edge_sources();
        let pool = Pool::default();
        let per_batch = run.map_batches(|b| {
            let mut found: Vec<(u32, Item)> = Vec::new();
            let mut wins: Vec<u32> = Vec::new();
            let any: u64 = targets.iter().fold(0, |m, &t| m | b.held(t));
            if any == 0 {
                return (found, wins);
            }
            // The edges of the lanes' live graphs, found once for all lanes.
            let mut fired: Vec<(u32, u64)> = Vec::new();
            b.each_fired_edge(|e, lanes| fired.push((e as u32, lanes)));
            let mut scratch = pool.take(|| LaneScratch {
                vertex_of: vec![NO_VERTEX; sim.node_count()],
                items: Vec::new(),
                arcs: Vec::new(),
                doms: Dominators::default(),
            });
            let mut lanes = any;
            while lanes != 0 {
                let bit = 1u64 << lanes.trailing_zeros();
                lanes &= lanes - 1;
                let live_graph = LiveGraph { graph, sim, sources: &sources, entries: &entries, fired: &fired, bit };
                live_graph.dominators(&targets, |n| b.held(n) & bit != 0, &mut scratch, &mut found, &mut wins);
            }
            (found, wins)
        });
        for (found, wins) in per_batch {
            for t in wins {
                *out.successes.entry((ai, t)).or_default() += 1;
            }
            for (t, item) in found {
                *out.dominated.entry((ai, t, item)).or_default() += 1;
            }
        }
    }
    out
}

/// One lane's live graph: the edges that fired in it.
struct LiveGraph<'a> {
    graph: &'a AttackGraph,
    sim: &'a riskpath_engine::sim::SimGraph,
    sources: &'a [u32],
    entries: &'a [u32],
    /// (edge, lanes in which it fired) of the batch, in edge order.
    fired: &'a [(u32, u64)],
    bit: u64,
}

impl LiveGraph<'_> {
    /// Dominators of each held target; edges become vertices so they can dominate.
    fn dominators(
        &self,
        targets: &[u32],
        held: impl Fn(u32) -> bool,
        s: &mut LaneScratch,
        found: &mut Vec<(u32, Item)>,
        wins: &mut Vec<u32>,
    ) {
        let LaneScratch { vertex_of, items, arcs, doms } = s;
        // Vertex 0 is a root above the entry points.
        items.clear();
        arcs.clear();
        items.push(Item::Node(u32::MAX));
        let mut vertex = |items: &mut Vec<Item>, n: u32| {
            if vertex_of[n as usize] == NO_VERTEX {
                vertex_of[n as usize] = items.len() as u32;
                items.push(Item::Node(n));
            }
            vertex_of[n as usize]
        };
        for &e in self.entries {
            let v = vertex(items, e);
            arcs.push((0, v));
        }
        // The simulated edges of one compiled edge (one per alternative of `requires_any`) follow
        // each other, with the same ends: one vertex stands for them all.
        let mut last_origin = usize::MAX;
        for &(e, _) in self.fired.iter().filter(|(_, lanes)| lanes & self.bit != 0) {
            let origin = self.sim.origin(e as usize);
            if origin == last_origin {
                continue;
            }
            last_origin = origin;
            let (u, v) = (vertex(items, self.sources[e as usize]), vertex(items, self.sim.edge_to(e as usize)));
            let x = items.len() as u32;
            items.push(Item::Edge(self.sim.stable_id(e as usize) as usize));
            arcs.push((u, x));
            arcs.push((x, v));
        }
        doms.compute(items.len(), arcs, 0);
        for &t in targets {
            let tv = vertex_of[t as usize];
            if !held(t) || tv == NO_VERTEX {
                continue;
            }
            wins.push(t);
            let mut at = doms.immediate_dominator(tv);
            while let Some(d) = at {
                match items[d as usize] {
                    Item::Node(n) if n != u32::MAX && !self.graph.is_entry(n) => found.push((t, Item::Node(n))),
                    Item::Edge(e) => found.push((t, Item::Edge(e))),
                    _ => {}
                }
                at = doms.immediate_dominator(d);
            }
        }
        for item in items.iter() {
            if let &Item::Node(n) = item
                && n != u32::MAX
            {
                vertex_of[n as usize] = NO_VERTEX;
            }
        }
    }
}

/// No vertex for this node in the lane's graph.
const NO_VERTEX: u32 = u32::MAX;

/// One thread's buffers for the lanes' dominator trees.
struct LaneScratch {
    /// Per dense node: its vertex in the lane's graph, or [`NO_VERTEX`] (left so after each lane).
    vertex_of: Vec<u32>,
    /// Per vertex: the node or edge it stands for.
    items: Vec<Item>,
    arcs: Vec<(u32, u32)>,
    doms: Dominators,
}

/// A choke point with its measured effect.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChokePoint {
    /// "node" or "edge".
    pub kind: &'static str,
    /// Node id, or the edge's id or `from -> to`.
    pub id: String,
    /// What a person reads for it ([`riskpath_model::Labels`]), when that is not the id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Share of sampled successful breaches (all scenarios) that it dominates.
    pub dominated_share: f64,
    /// Share of the expected loss (ALE) carried by breaches it dominates.
    pub risk_share: f64,
    /// Re-simulated with common random numbers: ALE before minus ALE with it removed.
    pub ale_reduction: f64,
    /// Re-simulated: share of breach probability (summed over scenarios) that removal stops.
    pub breaches_stopped: f64,
    /// For an edge: the concrete relation it stands for, if the model says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    /// For an edge: what removing it means (its own `remediation`, else its kind's default); for an
    /// edge that cannot be removed, where a control must sit instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instruction: Option<String>,
    /// For an edge: what removing it costs ([`edge_cost`], in the cut's unit); `None` for a node,
    /// and for an edge that cannot be removed (then `control_point` is true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_cost: Option<f64>,
    /// An edge that cannot be removed (a fact of the design): its figures say what preventing or
    /// detecting the step would be worth, not what a removal would.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub control_point: bool,
}

impl ChokePoint {
    /// What a person is shown as its kind: "node", "edge", or "control" for a control point.
    pub fn shown_kind(&self) -> &'static str {
        if self.control_point { "control" } else { self.kind }
    }
}

/// Where a control must sit on model edge `edge`, which cannot be removed: why it stays, then the
/// edge's own `remediation`, else its kind's default when the kind is never removable (written for
/// that case, e.g. phishing), else the ATT&CK technique to prevent or detect on the step.
pub fn control_point_instruction(model: &Model, edge: usize) -> String {
    let me = &model.edges[edge];
    let kind_fixed = !riskpath_model::kb::removable_by_default(&me.kind.value);
    let why = match me.extra().removable {
        Some(_) => "the model marks it `removable: false`".to_string(),
        None => format!("a `{}` edge is a fact of the design", me.kind.value),
    };
    let what = match me.remedy() {
        Some(r) if r.source == "edge" || kind_fixed => r.instruction,
        _ => match me.technique_id() {
            Some(t) => {
                let name = riskpath_model::kb::technique(t).map(|x| format!(" {}", x.name)).unwrap_or_default();
                format!("prevent or detect {t}{name} on this step")
            }
            None => "prevent or detect this step".to_string(),
        },
    };
    format!("A control point, not a removal ({why}): {what}")
}

/// The model edges that disappear with an item: the edge itself, or every edge touching or requiring a node.
pub fn edges_of_item(model: &Model, graph: &AttackGraph, item: Item) -> Vec<usize> {
    match item {
        Item::Edge(e) => vec![e],
        Item::Node(n) => {
            let id = &graph.ids[n as usize];
            (0..model.edges.len())
                .filter(|&e| {
                    let me = &model.edges[e];
                    &me.from.value == id || &me.to.value == id || me.requires.iter().any(|r| &r.value == id)
                })
                .collect()
        }
    }
}

/// Ranks items by the risk share they dominate and confirms the top `confirm` by re-simulation.
pub fn rank_choke_points(
    eval: &Evaluator,
    graph: &AttackGraph,
    dominance: &Dominance,
    scenario_ale: &HashMap<(usize, u32), f64>,
    confirm: usize,
) -> Vec<ChokePoint> {
    let model = eval.model;
    let total_successes: u64 = dominance.successes.values().sum();
    let mut scenario_keys: Vec<&(usize, u32)> = scenario_ale.keys().collect();
    scenario_keys.sort();
    let total_ale: f64 = scenario_keys.iter().map(|k| scenario_ale[*k]).sum();
    // Sorted, so floating-point sums do not depend on hash order.
    let mut dominated: Vec<(&(usize, u32, Item), &u64)> = dominance.dominated.iter().collect();
    dominated.sort();
    let mut by_item: std::collections::BTreeMap<Item, (u64, f64)> = std::collections::BTreeMap::new();
    for (&(a, t, item), &count) in dominated {
        let wins = dominance.successes.get(&(a, t)).copied().unwrap_or(0).max(1);
        let ale = scenario_ale.get(&(a, t)).copied().unwrap_or(0.0);
        let slot = by_item.entry(item).or_default();
        slot.0 += count;
        slot.1 += ale * count as f64 / wins as f64;
    }
    let mut ranked: Vec<(Item, u64, f64)> = by_item.into_iter().map(|(i, (c, r))| (i, c, r)).collect();
    ranked.sort_by(|a, b| b.2.total_cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    ranked.truncate(confirm);
    let before = eval.loss(&eval.baseline);
    let p_before: f64 = before.scenarios.iter().map(|s| s.probability).sum();
    let labels = riskpath_model::Labels::new(model);
    ranked
        .par_iter()
        .map(|&(item, count, risk)| {
            let after = eval.without_edges(&edges_of_item(model, graph, item));
            let p_after: f64 = after.scenarios.iter().map(|s| s.probability).sum();
            let fix_cost = match item {
                Item::Edge(e) => edge_cost(model, e),
                Item::Node(_) => None,
            };
            let (kind, id, name, relation, instruction) = match item {
                Item::Node(n) => {
                    ("node", graph.ids[n as usize].clone(), labels.label(&graph.ids[n as usize]), None, None)
                }
                Item::Edge(e) => {
                    let me = &model.edges[e];
                    let instruction = match fix_cost {
                        Some(_) => me.remedy().map(|r| r.instruction),
                        None => Some(control_point_instruction(model, e)),
                    };
                    ("edge", me.label(), labels.edge(me), me.extra().relation.clone(), instruction)
                }
            };
            ChokePoint {
                kind,
                name: (name != id).then_some(name),
                id,
                dominated_share: count as f64 / total_successes.max(1) as f64,
                risk_share: if total_ale > 0.0 { risk / total_ale } else { 0.0 },
                ale_reduction: before.ale - after.ale,
                breaches_stopped: if p_before > 0.0 { 1.0 - p_after / p_before } else { 0.0 },
                relation,
                instruction,
                fix_cost,
                control_point: matches!(item, Item::Edge(_)) && fix_cost.is_none(),
            }
        })
        .collect()
}

/// Which actors and targets a cut must stop: every actor and the jewels it targets (the
/// default), or only the actor and the target named.
#[derive(Debug, Clone, Default)]
pub struct CutScope {
    pub actor: Option<String>,
    pub target: Option<String>,
}

impl CutScope {
    /// The attackers the cut must stop, one per actor in scope: its entry points, the targets in
    /// scope, and the edges it can use (p > 0 at its skill, a technique its ATT&CK group uses).
    pub fn attackers(&self, model: &Model, graph: &AttackGraph) -> Vec<Attacker> {
        let target = self.target.as_deref().and_then(|t| graph.index_of(t));
        model
            .actors
            .iter()
            .filter(|a| self.actor.as_deref().is_none_or(|id| a.id == id))
            .map(|a| {
                let sinks = graph.targets_of(a).into_iter().filter(|&t| target.is_none_or(|x| x == t)).collect();
                let usable = (0..graph.edges.len())
                    .filter(|&e| graph.edges[e].p(a.skill) > 0.0 && a.allows(&graph.edges[e].technique))
                    .collect();
                Attacker { sources: graph.entries_of(a), sinks, usable }
            })
            .collect()
    }

    /// An error naming what is wrong when the scope names an actor the model lacks, or a target
    /// no actor in scope targets (with the closest id).
    pub fn check(&self, model: &Model) -> Result<(), String> {
        let hint = |word: &str, ids: Vec<&str>| {
            riskpath_model::did_you_mean(word, ids.iter().copied()).map_or(String::new(), |h| format!("; {h}"))
        };
        if let Some(id) = self.actor.as_deref()
            && !model.actors.iter().any(|a| a.id == id)
        {
            let ids = model.actors.iter().map(|a| a.id.as_str()).collect();
            return Err(format!("--actor {id}: no actor has this id{}", hint(id, ids)));
        }
        let Some(id) = self.target.as_deref() else { return Ok(()) };
        let in_scope = || model.actors.iter().filter(|a| self.actor.as_deref().is_none_or(|x| a.id == x));
        if in_scope().any(|a| a.targets.iter().any(|t| t.value == id)) {
            return Ok(());
        }
        let ids = in_scope().flat_map(|a| a.targets.iter().map(|t| t.value.as_str())).collect();
        let who =
            self.actor.as_deref().map_or("no actor targets".to_string(), |a| format!("actor {a} does not target"));
        Err(format!("--target {id}: {who} this node{}", hint(id, ids)))
    }

    /// Is this (actor index, target) scenario in scope?
    fn covers(&self, model: &Model, graph: &AttackGraph, actor: usize, target: u32) -> bool {
        self.actor.as_deref().is_none_or(|id| model.actors[actor].id == id)
            && self.target.as_deref().is_none_or(|id| graph.ids[target as usize] == id)
    }
}

/// The whole choke-point analysis of the baseline: the cut that stops every actor in `scope` from
/// reaching the jewels it targets (empty when the ALE in scope is zero: nothing to protect) and the
/// `top` items that dominate the most risk, confirmed by re-simulation.
pub fn analyse(eval: &Evaluator, graph: &AttackGraph, top: usize, scope: &CutScope) -> (MinCut, Vec<ChokePoint>) {
    let model = eval.model;
    let base = eval.loss(&eval.baseline);
    let at_risk: f64 =
        base.scenarios.iter().filter(|s| scope.covers(model, graph, s.actor, s.target)).map(|s| s.ale).sum();
    let mut attackers = scope.attackers(model, graph);
    if at_risk <= 0.0 {
        attackers.iter_mut().for_each(|a| a.sinks.clear());
    }
    let cut = protect_what_can_be_of(model, graph, &attackers);
    let sims = SkillGraphs::new(model, graph);
    let dom = dominance(model, graph, &sims, eval.trials, eval.seed);
    let scenario_ale: HashMap<(usize, u32), f64> =
        base.scenarios.iter().map(|s| ((s.actor, s.target), s.ale)).collect();
    (cut, rank_choke_points(eval, graph, &dom, &scenario_ale, top))
}
