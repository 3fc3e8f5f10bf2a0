//! Incident mode: a live compromise, its blast radius and its containment. The compromised nodes
//! are held with certainty (the simulation's entry set; controls still act on every next step) and
//! the attacker has the strongest actor's skill unless told otherwise. From one seeded simulation
//! and a few what-ifs on the same random streams (common random numbers) it derives:
//!
//! - per crown jewel, P(reached) ± s.e. and the money at stake, `P × mean loss` ([`mean_loss`]);
//! - the next hops out of the compromised set, ranked by the money at stake that removing each one
//!   takes away (re-simulated with the edge removed, same seed and stream);
//! - the cheapest containment cut ([`min_cut_of`] from the compromised set to the jewels), what
//!   revoking each cut edge means (the edge's own `remediation`, else its kind's default from the
//!   knowledge base), and what stays reachable after it (re-simulated);
//! - the credentials, secrets and identities within one hop, to rotate (the node's own
//!   `remediation`, else its kind's rotation text);
//! - the ATT&CK techniques to hunt for, ranked by the share of breach trials in which an edge of
//!   that technique lies on a live path to a jewel, with the deployed controls that detect them.
//!
//! An edge is *on a live path* in a trial when it fires (its source and required nodes are held
//! and it is live) and a held jewel can be reached from its target through edges that fire.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use riskpath_engine::compile::{AttackGraph, Posture, compile};
use riskpath_engine::dist;
use riskpath_engine::paths::k_most_likely;
use riskpath_engine::pool::Pool;
use riskpath_engine::risk::mean_loss;
use riskpath_engine::rng::key;
use riskpath_engine::sim::{Run, SimGraph, proportion};
use riskpath_model::Model;
use riskpath_model::kb::{self, Skill};
use serde::Serialize;

use crate::chokepoints::{Attacker, CutMethod, min_cut_of};
use crate::csr::Csr;
use crate::stakes::Stakes;

/// Whether a node is a credential (or stands for the rights of one) to rotate when within one hop:
/// its kind says how to rotate it.
fn is_credential(node: &riskpath_model::Node) -> bool {
    kb::node_kind(&node.kind).is_some_and(|k| k.rotation.is_some())
}

/// The random stream of incident trials; every what-if of one incident reuses it.
pub fn incident_stream() -> u64 {
    key(&[30, 0])
}

/// How much to simulate, and as whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentConfig {
    pub trials: u64,
    pub seed: u64,
    /// Attacker skill; `None` takes the strongest skill among the model's actors.
    pub skill: Option<Skill>,
}

/// A compromised id that names no node or entry point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownNode {
    pub id: String,
    /// Likely intended ids: the nearest by edit distance, else ids that contain or start like it.
    pub suggestions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentError {
    /// No compromised node was given.
    NoCompromised,
    /// Ids that name nothing in the model, each with suggestions.
    Unknown(Vec<UnknownNode>),
}

impl std::fmt::Display for IncidentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IncidentError::NoCompromised => write!(f, "no compromised node given"),
            IncidentError::Unknown(list) => {
                for (i, u) in list.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "unknown node `{}`: no node or entry point has this id", u.id)?;
                    match u.suggestions.as_slice() {
                        [] => {}
                        [one] => write!(f, "; did you mean `{one}`?")?,
                        many => write!(
                            f,
                            "; did you mean one of {}?",
                            many.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                        )?,
                    }
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for IncidentError {}

/// Dense ids of `ids` (deduplicated, in the order given), or every unknown one with suggestions.
pub fn resolve(graph: &AttackGraph, ids: &[String]) -> Result<Vec<u32>, IncidentError> {
    if ids.is_empty() {
        return Err(IncidentError::NoCompromised);
    }
    let mut dense = Vec::new();
    let mut unknown = Vec::new();
    for id in ids {
        match graph.index_of(id) {
            Some(n) if !dense.contains(&n) => dense.push(n),
            Some(_) => {}
            None => unknown.push(UnknownNode { id: id.clone(), suggestions: suggestions(graph, id) }),
        }
    }
    if unknown.is_empty() { Ok(dense) } else { Err(IncidentError::Unknown(unknown)) }
}

/// The nearest id by edit distance; failing that, up to five ids containing the word or sharing
/// its first word (`laptops` → `laptops-eng`, `laptops-sre`, …).
fn suggestions(graph: &AttackGraph, word: &str) -> Vec<String> {
    if let Some(c) = riskpath_model::closest(word, graph.ids.iter().map(String::as_str)) {
        return vec![c.to_string()];
    }
    let lower = word.to_lowercase();
    let head = lower.split(['-', '_', '.']).next().unwrap_or("").to_string();
    let mut found: Vec<String> = graph
        .ids
        .iter()
        .filter(|id| {
            let l = id.to_lowercase();
            (lower.len() >= 3 && l.contains(&lower))
                || (l.len() >= 3 && lower.contains(&l))
                || (head.len() >= 3 && l.split(['-', '_', '.']).next() == Some(head.as_str()))
        })
        .cloned()
        .collect();
    found.sort();
    found.truncate(5);
    found
}

/// The most likely path from the compromised set to a jewel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathSummary {
    /// Product of the edges' probabilities (AND conditions not included).
    pub probability: f64,
    pub nodes: Vec<String>,
    pub techniques: Vec<String>,
}

/// The edge by which a jewel is taken, and how often.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastStep {
    pub from: String,
    pub kind: String,
    pub technique: String,
    /// Share of the trials reaching the jewel in which this edge fires into it.
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JewelExposure {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The jewel is itself one of the compromised nodes (P = 1; counted in `already_lost`).
    pub compromised: bool,
    /// P(the attacker reaches it from the compromised set) and its standard error.
    pub probability: f64,
    pub std_error: f64,
    /// Mean loss of one loss event on this jewel (sum of its loss types' means, or its loss
    /// group's joint loss).
    pub mean_loss: f64,
    /// The expected loss if the attacker proceeds: `probability × mean_loss`, except in a loss
    /// group, where one event is booked on the top member held and only what it adds to the
    /// group's loss already suffered counts (see `stakes.rs`). For a compromised jewel: its loss,
    /// already suffered (0 when a compromised member of its group above it books the event).
    pub at_stake: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathSummary>,
    /// The edges into the jewel that fire when it is reached, most frequent first (at most 3).
    pub last_steps: Vec<LastStep>,
}

/// An edge from a compromised node to a node not yet held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextHop {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub from: String,
    pub to: String,
    pub kind: String,
    pub technique: String,
    /// The concrete relation the edge stands for, if the model says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    /// P(the hop succeeds): share of trials in which it fires.
    pub probability: f64,
    /// Share of breach trials (some jewel reached) in which the hop is on a live path to a jewel.
    pub breach_share: f64,
    /// Money at stake that removing this edge takes away: re-simulated without it, common random numbers.
    pub at_stake_removed: f64,
    /// `at_stake_removed` as a share of the total at stake.
    pub risk_share: f64,
}

/// One edge of the containment cut and what revoking it means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CutStep {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub from: String,
    pub to: String,
    pub kind: String,
    pub technique: String,
    /// What revoking it costs, in the containment's `unit`.
    pub fix_cost: f64,
    /// The concrete relation the edge stands for, if the model says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    /// The kind of action: rotate_credential, revoke_sessions, remove_trust, remove_membership,
    /// remove_permission, block_network, isolate, freeze_pipeline, suspend_account, block_lure.
    pub action: &'static str,
    /// What to do, in one sentence.
    pub instruction: String,
    /// Where the instruction comes from: `edge` (its `remediation`) or `kind` (the default).
    pub instruction_source: &'static str,
    /// Share of breach trials in which this edge is on a live path to a jewel.
    pub breach_share: f64,
}

/// A jewel after the cut.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Remaining {
    pub id: String,
    pub probability: f64,
    pub std_error: f64,
    pub at_stake: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Containment {
    /// Sum of the cut edges' costs (`fix_cost`, else the edge kind's default: one day each);
    /// `None` when no set of removable edges separates the compromised set from the jewels.
    pub cost: Option<f64>,
    /// What `cost` and the steps' `fix_cost` are in: money (the model's currency) or days.
    pub unit: riskpath_model::CostUnit,
    pub steps: Vec<CutStep>,
    /// Every jewel not already compromised, re-simulated with the cut edges removed.
    pub remaining: Vec<Remaining>,
    pub at_stake_after: f64,
    /// No jewel is reached in any trial after the cut.
    pub holds: bool,
    /// How the cut was found, and so whether it is the cheapest (AND conditions respected unless
    /// `flow_upper_bound`).
    pub method: CutMethod,
}

/// A credential, secret, identity, role or group within one hop of the compromised set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rotation {
    pub id: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// It is one of the compromised nodes.
    pub compromised: bool,
    /// P(held): 1 when compromised, else the share of trials in which the attacker takes it.
    pub probability: f64,
    /// The edges from the compromised set that lead to it (`from -kind->`).
    pub via: Vec<String>,
    pub instruction: String,
    /// Where the instruction comes from: `node` (its `remediation`) or `kind` (the kind's rotation).
    pub instruction_source: &'static str,
}

/// A deployed control that detects a technique on the edges where it is used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detector {
    pub control: String,
    /// Mean detect efficacy (largest over the edges it covers).
    pub detect: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hunt {
    pub technique: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Share of breach trials in which an edge of this technique is on a live path to a jewel.
    pub breach_share: f64,
    /// Share of all trials in which an edge of this technique fires.
    pub probability: f64,
    /// Steps from the compromised set to the nearest edge using it that fires (1 = a next hop).
    pub first_step: u32,
    /// The edges using it that fire, most often on a live path first (at most 5, `from -> to`).
    pub edges: Vec<String>,
    /// Deployed controls whose scope covers those edges and that detect the technique.
    pub detected_by: Vec<Detector>,
    /// Techniques the same steps are often carried out with (the edge kinds' `also`).
    pub related: Vec<String>,
}

/// The whole incident assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub compromised: Vec<String>,
    pub skill: Skill,
    /// `--skill`, `strongest actor` or `default` (no actors in the model).
    pub skill_source: &'static str,
    pub trials: u64,
    pub seed: u64,
    /// Share of trials in which the attacker reaches at least one jewel not already compromised.
    pub breach_probability: f64,
    /// Sum of `at_stake` over the jewels not already compromised.
    pub at_stake: f64,
    /// Sum of the mean losses of compromised jewels (a loss group's once).
    pub already_lost: f64,
    /// Every crown jewel, most money at stake first.
    pub jewels: Vec<JewelExposure>,
    pub next_hops: Vec<NextHop>,
    pub containment: Containment,
    pub rotate: Vec<Rotation>,
    pub hunt: Vec<Hunt>,
}

/// Per-edge and per-technique counts from the incident simulation.
struct Counts {
    trials: u64,
    breaches: u64,
    jewel_hits: Vec<u64>,
    /// Per jewel: trials in which it books a loss event (see [`Stakes`]).
    jewel_booked: Vec<u64>,
    node_hits: Vec<u64>,
    fired: Vec<u64>,
    on_path: Vec<u64>,
    tech_fired: Vec<u64>,
    tech_path: Vec<u64>,
    /// `hop_lost[h * jewels + j]`: trials in which jewel `j` books an event, but no longer without
    /// hop `h`; `hop_gained`: the other way round (a jewel of a loss group ranked below one that
    /// is no longer reached books the group's event instead).
    hop_lost: Vec<u64>,
    hop_gained: Vec<u64>,
}

impl Counts {
    fn zeros(jewels: usize, nodes: usize, edges: usize, techniques: usize, hops: usize) -> Self {
        Counts {
            trials: 0,
            breaches: 0,
            jewel_hits: vec![0; jewels],
            jewel_booked: vec![0; jewels],
            node_hits: vec![0; nodes],
            fired: vec![0; edges],
            on_path: vec![0; edges],
            tech_fired: vec![0; techniques],
            tech_path: vec![0; techniques],
            hop_lost: vec![0; hops * jewels],
            hop_gained: vec![0; hops * jewels],
        }
    }
    fn add(&mut self, other: &Counts) {
        let sum = |a: &mut Vec<u64>, b: &Vec<u64>| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        self.trials += other.trials;
        self.breaches += other.breaches;
        sum(&mut self.jewel_hits, &other.jewel_hits);
        sum(&mut self.jewel_booked, &other.jewel_booked);
        sum(&mut self.node_hits, &other.node_hits);
        sum(&mut self.fired, &other.fired);
        sum(&mut self.on_path, &other.on_path);
        sum(&mut self.tech_fired, &other.tech_fired);
        sum(&mut self.tech_path, &other.tech_path);
        sum(&mut self.hop_lost, &other.hop_lost);
        sum(&mut self.hop_gained, &other.hop_gained);
    }
}

/// Lanes per node with a worklist of the nodes that gained lanes not yet pushed on. The worklist is
/// first in, first out, so lanes gained while a node waits are pushed on together.
struct Lanes {
    held: Vec<u64>,
    pending: Vec<u64>,
    queue: std::collections::VecDeque<u32>,
    /// (node, its lanes before) for every change of `held`, so that changes can be undone.
    log: Vec<(u32, u64)>,
}

impl Lanes {
    fn new(n: usize) -> Self {
        Lanes { held: vec![0; n], pending: vec![0; n], queue: std::collections::VecDeque::new(), log: Vec::new() }
    }
    fn gain(&mut self, v: u32, lanes: u64) {
        let i = v as usize;
        let new = lanes & !self.held[i];
        if new == 0 {
            return;
        }
        self.log.push((v, self.held[i]));
        self.held[i] |= new;
        if self.pending[i] == 0 {
            self.queue.push_back(v);
        }
        self.pending[i] |= new;
    }
    /// A node with pending lanes, and those lanes.
    fn next(&mut self) -> Option<(u32, u64)> {
        let v = self.queue.pop_front()?;
        Some((v, std::mem::take(&mut self.pending[v as usize])))
    }
    /// Drops the pending work (when the answer is already known).
    fn drain(&mut self) {
        for v in self.queue.drain(..) {
            self.pending[v as usize] = 0;
        }
    }
    /// A point to come back to with [`Self::undo_to`] (with nothing pending).
    fn mark(&self) -> usize {
        self.log.len()
    }
    /// Puts `held` back as it was at `mark`.
    fn undo_to(&mut self, mark: usize) {
        for (v, before) in self.log.drain(mark..).rev() {
            self.held[v as usize] = before;
        }
    }
}

/// The forward fixpoint of one batch's what-ifs: from the held lanes, over the edges whose lanes
/// `on` allows (the edges on live paths, minus those taken out), AND conditions checked.
struct WhatIf<'a> {
    sim: &'a SimGraph,
    sources: &'a [u32],
    by_requirement: &'a Csr,
    /// The jewels, and the lanes in which each is held with every hop.
    jewels: &'a [u32],
    need: &'a [u64],
    /// The hops (compiled edges leaving a held node, each its simulated edges: one per
    /// alternative of `requires_any`), the lanes of each in `on` (0 while it is out), and of each
    /// of its simulated edges, from `hop_starts[h]` on in `edge_lanes`.
    hops: &'a [std::ops::Range<usize>],
    hop_lanes: &'a [u64],
    hop_starts: &'a [usize],
    edge_lanes: &'a [u64],
}

impl WhatIf<'_> {
    /// The lanes of the hops `members`, together.
    fn union(&self, members: &[usize]) -> u64 {
        members.iter().fold(0, |a, &h| a | self.hop_lanes[h])
    }

    /// Whether every jewel is held again in `lanes` (wherever it is held with every hop).
    fn recovered(&self, held: &Lanes, lanes: u64) -> bool {
        self.jewels.iter().zip(self.need).all(|(&j, &w)| w & lanes & !held.held[j as usize] == 0)
    }

    /// Continues `held` to its fixpoint, or until every jewel is held again in `lanes` (then the
    /// pending work is dropped: no what-if in those lanes can lose anything).
    fn walk(&self, held: &mut Lanes, on: &[u64], lanes: u64) {
        let mut pops = 0u32;
        while let Some((u, delta)) = held.next() {
            for e in self.sim.out_edges(u) {
                self.fire(held, on, e, delta);
            }
            // AND edges waiting for `u`, whose source is already held.
            for &e in self.by_requirement.of(u) {
                let e = e as usize;
                self.fire(held, on, e, delta & held.held[self.sources[e] as usize]);
            }
            pops += 1;
            if (self.jewels.len() <= 8 || pops.is_multiple_of(64)) && self.recovered(held, lanes) {
                held.drain();
                return;
            }
        }
    }

    /// Edge `e` carries `lanes` (held at its source) where it is allowed and its required nodes
    /// are held.
    #[inline]
    fn fire(&self, held: &mut Lanes, on: &[u64], e: usize, lanes: u64) {
        let mut lanes = lanes & on[e];
        if lanes == 0 {
            return;
        }
        for &r in self.sim.edge_requires(e) {
            lanes &= held.held[r as usize];
        }
        held.gain(self.sim.edge_to(e), lanes);
    }

    /// Calls `visit(h, held)` for each hop `h` of `members` that loses a jewel lane, with `held`
    /// the fixpoint in which every hop of `members` but `h` is taken, besides what `held` holds
    /// already (its fixpoint with none of them, or enough of it). Hops are added half at a time:
    /// each half's fixpoint continues from its parent's (adding edges only adds lanes) and is
    /// undone on return, so the work is about log2(hops) walks instead of one per hop; and once
    /// the jewels are held again in the lanes of the hops still out, none of them loses anything.
    /// `lanes`: the members' lanes together.
    fn each_hop_out(
        &self,
        held: &mut Lanes,
        on: &mut [u64],
        members: &[usize],
        lanes: u64,
        visit: &mut impl FnMut(usize, &Lanes),
    ) {
        if self.recovered(held, lanes) {
            return;
        }
        if let [h] = members {
            return visit(*h, held);
        }
        let (first, second) = members.split_at(members.len() / 2);
        for (out, added) in [(first, second), (second, first)] {
            // Only the lanes of the hops still out are asked about below: the walk keeps to them.
            let lanes = self.union(out);
            let mark = held.mark();
            for &h in added {
                for (i, x) in self.hops[h].clone().enumerate() {
                    on[x] = self.edge_lanes[self.hop_starts[h] + i];
                    self.fire(held, on, x, held.held[self.sources[x] as usize] & lanes);
                }
            }
            self.walk(held, on, lanes);
            self.each_hop_out(held, on, out, lanes, visit);
            for &h in added {
                on[self.hops[h].clone()].fill(0);
            }
            held.undo_to(mark);
        }
    }
}

/// One thread's buffers for [`simulate`], reused from batch to batch and cleared after each, and
/// its counts.
struct BatchScratch {
    /// Per edge: the lanes in which it fired; `fired_in` the same in by-target order.
    fired: Vec<u64>,
    fired_in: Vec<u64>,
    /// Per edge: the lanes in which it lies on a live path to a held jewel.
    on: Vec<u64>,
    /// The edges that fired, in edge order.
    list: Vec<usize>,
    useful: Lanes,
    held: Lanes,
    /// What this thread's batches counted so far.
    counts: Counts,
}

impl BatchScratch {
    fn new(nodes: usize, edges: usize, counts: Counts) -> Self {
        BatchScratch {
            fired: vec![0; edges],
            fired_in: vec![0; edges],
            on: vec![0; edges],
            list: Vec::new(),
            useful: Lanes::new(nodes),
            held: Lanes::new(nodes),
            counts,
        }
    }
    /// Back to all zeros and empty for the next batch, counts aside, touching only what the batch
    /// set: fired edges, and the nodes in the lane sets' logs (their worklists are empty once
    /// their walks end).
    fn clear(&mut self, in_position: &[u32]) {
        for e in self.list.drain(..) {
            self.fired[e] = 0;
            self.fired_in[in_position[e] as usize] = 0;
            self.on[e] = 0;
        }
        self.useful.undo_to(0);
        self.held.undo_to(0);
    }
}

/// Simulates from `entries` and counts which jewels and nodes are held, which edges fire and which
/// lie on a live path to a held jewel of `jewels`; and, per edge of `hops`, the jewel hits lost
/// without that edge. Edges are compiled edges (`techs` and the counts are indexed by them); a
/// compiled edge with `requires_any` is several simulated edges, whose lanes are counted together.
///
/// Without an edge, the same random draws give a fixpoint inside the original one (the fixpoint
/// is monotone and every other edge keeps its draws), and only the edges that fired can fire in
/// it. So the what-if is the forward fixpoint over the fired edges minus the hop, with AND
/// conditions re-checked, in the lanes where the hop is on a live path (elsewhere nothing changes):
/// exactly what re-simulating with the edge removed on the same seed and stream gives. The
/// fixpoints of all hops are grown from one another, half the hops at a time
/// ([`WhatIf::each_hop_out`]): a compromised hub with 131 next hops took 20 s one hop at a time
/// on a 2e5-edge model, 9–10 s so.
#[allow(clippy::too_many_arguments)]
fn simulate(
    sim: &SimGraph,
    entries: &[u32],
    jewels: &[u32],
    stakes: &Stakes,
    techs: &[usize],
    tech_count: usize,
    hops: &[usize],
    trials: u64,
    seed: u64,
    progress: &dyn riskpath_engine::risk::Progress,
) -> Counts {
    let (n, m, compiled) = (sim.node_count(), sim.edge_count(), sim.origin_count());
    let run = Run { graph: sim, entries, trials, seed, stream: incident_stream() };
    let hops: Vec<std::ops::Range<usize>> = hops.iter().map(|&h| sim.edges_of(h)).collect();
    let hop_starts: Vec<usize> = hops.iter().scan(0, |at, r| Some(std::mem::replace(at, *at + r.len()))).collect();
    // Edges by target (with their sources, so the backward pass reads them in order) and by
    // required node, for the worklists below.
    let sources = sim.edge_sources();
    let by_target = Csr::new(n, (0..m).map(|e| (sim.edge_to(e), e as u32)));
    let in_sources: Vec<u32> = by_target.items.iter().map(|&e| sources[e as usize]).collect();
    let mut in_position = vec![0u32; m];
    for (k, &e) in by_target.items.iter().enumerate() {
        in_position[e as usize] = k as u32;
    }
    let by_requirement = Csr::new(n, (0..m).flat_map(|e| sim.edge_requires(e).iter().map(move |&r| (r, e as u32))));
    let pool = Pool::default();
    run.map_batches(|b| {
        progress.add(64);
        let mut scratch =
            pool.take(|| BatchScratch::new(n, m, Counts::zeros(jewels.len(), n, compiled, tech_count, hops.len())));
        let BatchScratch { fired, fired_in, on, list, useful, held, counts } = &mut *scratch;
        for (v, hits) in counts.node_hits.iter_mut().enumerate() {
            *hits += b.held(v as u32).count_ones() as u64;
        }
        // The lanes in which each edge fires: source and required nodes held, edge live.
        b.each_fired_edge(|e, lanes| {
            fired[e] = lanes;
            fired_in[in_position[e] as usize] = lanes;
            list.push(e);
        });
        // Backward from the held jewels over the fired edges: `useful[v]` = lanes in which a held
        // jewel is reachable from v. A required node of a useful edge is useful too.
        let mut breach = 0u64;
        for (i, &j) in jewels.iter().enumerate() {
            let h = b.held(j);
            useful.gain(j, h);
            breach |= h;
            counts.jewel_hits[i] += h.count_ones() as u64;
        }
        while let Some((v, delta)) = useful.next() {
            for k in by_target.range(v) {
                let lanes = delta & fired_in[k];
                if lanes != 0 {
                    useful.gain(in_sources[k], lanes);
                    for &r in sim.edge_requires(by_target.items[k] as usize) {
                        useful.gain(r, lanes);
                    }
                }
            }
        }
        counts.breaches += breach.count_ones() as u64;
        let mut tf = vec![0u64; tech_count];
        let mut tp = vec![0u64; tech_count];
        // `on[e]`: lanes in which edge e lies on a live path to a held jewel. Counted per compiled
        // edge: the simulated edges of one follow each other.
        for &e in list.iter() {
            on[e] = fired[e] & useful.held[sim.edge_to(e) as usize];
        }
        for group in list.chunk_by(|&a, &b| sim.origin(a) == sim.origin(b)) {
            let c = sim.origin(group[0]);
            let (f, o) = group.iter().fold((0, 0), |(f, o), &e| (f | fired[e], o | on[e]));
            counts.fired[c] += f.count_ones() as u64;
            counts.on_path[c] += o.count_ones() as u64;
            tf[techs[c]] |= f;
            tp[techs[c]] |= o;
        }
        for t in 0..tech_count {
            counts.tech_fired[t] += tf[t].count_ones() as u64;
            counts.tech_path[t] += tp[t].count_ones() as u64;
        }
        // What-ifs: each hop removed, in the lanes where it is on a live path. Only edges on live
        // paths can carry the attacker to a jewel (or to a node an AND edge on one requires), so
        // the fixpoints walk those, from the entries in the lanes where some hop is on one.
        let need: Vec<u64> = jewels.iter().map(|&j| b.held(j)).collect();
        let booked = stakes.booked(&need);
        for (i, lanes) in booked.iter().enumerate() {
            counts.jewel_booked[i] += lanes.count_ones() as u64;
        }
        let hop_lanes: Vec<u64> = hops.iter().map(|r| on[r.clone()].iter().fold(0, |a, &l| a | l)).collect();
        let members: Vec<usize> = (0..hops.len()).filter(|&h| hop_lanes[h] != 0).collect();
        if !members.is_empty() {
            let edge_lanes: Vec<u64> = hops.iter().flat_map(|r| on[r.clone()].to_vec()).collect();
            for r in &hops {
                on[r.clone()].fill(0);
            }
            let what_if = WhatIf {
                sim,
                sources: &sources,
                by_requirement: &by_requirement,
                jewels,
                need: &need,
                hops: &hops,
                hop_lanes: &hop_lanes,
                hop_starts: &hop_starts,
                edge_lanes: &edge_lanes,
            };
            let all = what_if.union(&members);
            for &s in entries {
                held.gain(s, all);
            }
            what_if.walk(held, on, all);
            let (hop_lost, hop_gained) = (&mut counts.hop_lost, &mut counts.hop_gained);
            what_if.each_hop_out(held, on, &members, all, &mut |h, held| {
                let after = stakes.booked(&jewels.iter().map(|&j| held.held[j as usize]).collect::<Vec<_>>());
                for i in 0..jewels.len() {
                    hop_lost[h * jewels.len() + i] += (booked[i] & hop_lanes[h] & !after[i]).count_ones() as u64;
                    hop_gained[h * jewels.len() + i] += (after[i] & hop_lanes[h] & !booked[i]).count_ones() as u64;
                }
            });
        }
        scratch.clear(&in_position);
    });
    // Each thread counted its own batches; integer sums do not depend on which.
    let mut total = Counts::zeros(jewels.len(), n, m, tech_count, hops.len());
    total.trials = trials;
    for scratch in pool.into_items() {
        total.add(&scratch.counts);
    }
    total
}

/// Hits and booked events per jewel with the model edges `removed` taken out of `posture` (same
/// seed and stream).
#[allow(clippy::too_many_arguments)]
fn hits_without(
    model: &Model,
    posture: &Posture,
    removed: &[usize],
    skill: Skill,
    entries: &[u32],
    jewels: &[u32],
    stakes: &Stakes,
    config: &IncidentConfig,
) -> (Vec<u64>, Vec<u64>) {
    let mut p = posture.clone();
    for &e in removed {
        p.removed[e] = true;
    }
    let graph = compile(model, &p);
    let sim = SimGraph::from_attack_graph(&graph, model, skill);
    let run = Run { graph: &sim, entries, trials: config.trials, seed: config.seed, stream: incident_stream() };
    let per_batch = run.map_batches(|b| {
        let held: Vec<u64> = jewels.iter().map(|&j| b.held(j)).collect();
        let booked = stakes.booked(&held);
        (held, booked)
    });
    let (mut hits, mut booked) = (vec![0u64; jewels.len()], vec![0u64; jewels.len()]);
    for (held, books) in per_batch {
        for j in 0..jewels.len() {
            hits[j] += held[j].count_ones() as u64;
            booked[j] += books[j].count_ones() as u64;
        }
    }
    (hits, booked)
}

/// Assesses a live compromise of `compromised` (node or entry-point ids) under `posture`.
pub fn assess(
    model: &Model,
    posture: &Posture,
    compromised: &[String],
    config: IncidentConfig,
) -> Result<Incident, IncidentError> {
    assess_observed(model, posture, compromised, config, &())
}

/// [`assess`], telling `progress` of each batch of trials simulated (64 trials each).
pub fn assess_observed(
    model: &Model,
    posture: &Posture,
    compromised: &[String],
    config: IncidentConfig,
    progress: &dyn riskpath_engine::risk::Progress,
) -> Result<Incident, IncidentError> {
    let graph = compile(model, posture);
    let sources = resolve(&graph, compromised)?;
    let is_compromised = |n: u32| sources.contains(&n);
    let (skill, skill_source) = match config.skill {
        Some(s) => (s, "--skill"),
        None => match model.actors.iter().map(|a| a.skill).max() {
            Some(s) => (s, "strongest actor"),
            None => (Skill::High, "default"),
        },
    };
    let sim = SimGraph::from_attack_graph(&graph, model, skill);
    assert_eq!(sim.origin_count(), graph.edges.len(), "the simulation graph keeps the compiled edge order");
    let ids = |n: u32| graph.ids[n as usize].clone();

    // Techniques, densely numbered in order of first use.
    let mut tech_ids: Vec<String> = Vec::new();
    let techs: Vec<usize> = graph
        .edges
        .iter()
        .map(|e| match tech_ids.iter().position(|t| *t == e.technique) {
            Some(i) => i,
            None => {
                tech_ids.push(e.technique.clone());
                tech_ids.len() - 1
            }
        })
        .collect();

    let all_jewels: Vec<u32> = model.crown_jewels().filter_map(|n| graph.index_of(&n.id)).collect();
    let live_jewels: Vec<u32> = all_jewels.iter().copied().filter(|&j| !is_compromised(j)).collect();
    let hop_edges: Vec<usize> = (0..graph.edges.len())
        .filter(|&e| {
            let ce = &graph.edges[e];
            is_compromised(ce.from) && !is_compromised(ce.to) && ce.p(skill) > 0.0
        })
        .collect();
    let stakes = Stakes::new(model, &graph, &all_jewels, is_compromised);
    let counts = simulate(
        &sim,
        &sources,
        &live_jewels,
        &stakes,
        &techs,
        tech_ids.len(),
        &hop_edges,
        config.trials,
        config.seed,
        progress,
    );
    let trials = config.trials;
    let breaches = counts.breaches;
    let share_of_breaches = |x: u64| if breaches > 0 { x as f64 / breaches as f64 } else { 0.0 };
    let mean_losses: HashMap<u32, f64> =
        all_jewels.iter().map(|&j| (j, mean_loss(model, &graph.ids[j as usize]))).collect();

    // --- Jewels -------------------------------------------------------------------------------
    let mut jewels: Vec<JewelExposure> = all_jewels
        .iter()
        .map(|&j| {
            let node = model.node(&graph.ids[j as usize]).expect("jewel is a node");
            let mean = mean_losses[&j];
            let ji = all_jewels.iter().position(|&x| x == j).expect("a jewel");
            if is_compromised(j) {
                return JewelExposure {
                    id: ids(j),
                    name: node.name.clone(),
                    compromised: true,
                    probability: 1.0,
                    std_error: 0.0,
                    mean_loss: mean,
                    at_stake: stakes.lost[ji],
                    path: None,
                    last_steps: Vec::new(),
                };
            }
            let li = live_jewels.iter().position(|&x| x == j).expect("live jewel");
            let hits = counts.jewel_hits[li];
            let (probability, std_error) = proportion(hits, trials);
            let path = k_most_likely(&graph, skill, &sources, j, 1).into_iter().next().map(|p| PathSummary {
                probability: p.probability,
                nodes: p.nodes.iter().map(|&n| ids(n)).collect(),
                techniques: p.edges.iter().map(|&e| graph.edges[e].technique.clone()).collect(),
            });
            let mut last_steps: Vec<(u64, LastStep)> = (0..graph.edges.len())
                .filter(|&e| graph.edges[e].to == j && counts.on_path[e] > 0)
                .map(|e| {
                    let ce = &graph.edges[e];
                    let step = LastStep {
                        from: ids(ce.from),
                        kind: ce.kind.name.to_string(),
                        technique: ce.technique.clone(),
                        share: counts.on_path[e] as f64 / hits.max(1) as f64,
                    };
                    (counts.on_path[e], step)
                })
                .collect();
            last_steps.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.from.cmp(&b.1.from)));
            JewelExposure {
                id: ids(j),
                name: node.name.clone(),
                compromised: false,
                probability,
                std_error,
                mean_loss: mean,
                at_stake: counts.jewel_booked[li] as f64 / trials as f64 * stakes.increment[li],
                path: if probability > 0.0 { path } else { None },
                last_steps: last_steps.into_iter().take(3).map(|(_, s)| s).collect(),
            }
        })
        .collect();
    jewels.sort_by(|a, b| {
        b.compromised
            .cmp(&a.compromised)
            .then(b.at_stake.total_cmp(&a.at_stake))
            .then(b.probability.total_cmp(&a.probability))
            .then_with(|| a.id.cmp(&b.id))
    });
    let at_stake = stakes.at_stake(&counts.jewel_booked, trials);
    let already_lost: f64 = stakes.lost.iter().sum();

    // --- Next hops: without each, on the same random numbers (see `simulate`) -----------------
    let mut next_hops: Vec<(usize, NextHop)> = hop_edges
        .iter()
        .enumerate()
        .map(|(h, &e)| {
            let ce = &graph.edges[e];
            let me = &model.edges[ce.model_index];
            let at = h * live_jewels.len()..(h + 1) * live_jewels.len();
            let removed =
                stakes.at_stake(&counts.hop_lost[at.clone()], trials) - stakes.at_stake(&counts.hop_gained[at], trials);
            let hop = NextHop {
                id: me.id.clone(),
                from: ids(ce.from),
                to: ids(ce.to),
                kind: ce.kind.name.to_string(),
                technique: ce.technique.clone(),
                relation: me.extra().relation.clone(),
                probability: counts.fired[e] as f64 / trials as f64,
                breach_share: share_of_breaches(counts.on_path[e]),
                at_stake_removed: removed,
                risk_share: if at_stake > 0.0 { removed / at_stake } else { 0.0 },
            };
            (ce.model_index, hop)
        })
        .collect();
    next_hops.sort_by(|(ia, a), (ib, b)| {
        b.at_stake_removed
            .total_cmp(&a.at_stake_removed)
            .then(b.breach_share.total_cmp(&a.breach_share))
            .then(b.probability.total_cmp(&a.probability))
            .then(ia.cmp(ib))
    });
    let next_hops: Vec<NextHop> = next_hops.into_iter().map(|(_, h)| h).collect();

    // --- Containment: the minimum cut, then re-simulated without it ----------------------------
    let reachable = depths(&graph, skill, &sources);
    let sinks: Vec<u32> = live_jewels.iter().copied().filter(|&j| reachable[j as usize] != u32::MAX).collect();
    // The attacker holds the compromised set and uses the edges it can at the incident's skill.
    let usable: Vec<usize> = (0..graph.edges.len()).filter(|&e| graph.edges[e].p(skill) > 0.0).collect();
    let attacker = Attacker { sources: sources.clone(), sinks, usable };
    let cut = if attacker.sinks.is_empty() { None } else { Some(min_cut_of(model, &graph, &[attacker])) };
    let by_model: HashMap<usize, usize> = graph.edges.iter().enumerate().map(|(i, e)| (e.model_index, i)).collect();
    let cut_edges: Vec<usize> = cut.as_ref().map_or(Vec::new(), |c| c.edges.iter().map(|x| x.model_edge).collect());
    // Each step is the cut's edge (its cost and remedy, as the cut worked them out) with the
    // incident's view of it: the technique and the share of breaches it carries.
    let mut steps: Vec<CutStep> = cut
        .iter()
        .flat_map(|c| &c.edges)
        .map(|edge| {
            let ge = by_model[&edge.model_edge];
            let ce = &graph.edges[ge];
            CutStep {
                id: edge.id.clone(),
                from: ids(ce.from),
                to: ids(ce.to),
                kind: ce.kind.name.to_string(),
                technique: ce.technique.clone(),
                fix_cost: edge.fix_cost,
                relation: edge.relation.clone(),
                action: edge.action,
                instruction: edge.instruction.clone(),
                instruction_source: edge.instruction_source,
                breach_share: share_of_breaches(counts.on_path[ge]),
            }
        })
        .collect();
    steps.sort_by(|a, b| {
        b.breach_share.total_cmp(&a.breach_share).then_with(|| (&a.from, &a.to).cmp(&(&b.from, &b.to)))
    });
    let (after_hits, after_booked) = if cut_edges.is_empty() {
        (counts.jewel_hits.clone(), counts.jewel_booked.clone())
    } else {
        hits_without(model, posture, &cut_edges, skill, &sources, &live_jewels, &stakes, &config)
    };
    let remaining: Vec<Remaining> = live_jewels
        .iter()
        .enumerate()
        .map(|(i, &j)| {
            let (probability, std_error) = proportion(after_hits[i], trials);
            let at_stake = after_booked[i] as f64 / trials as f64 * stakes.increment[i];
            Remaining { id: ids(j), probability, std_error, at_stake }
        })
        .collect();
    let containment = Containment {
        cost: cut.as_ref().map_or(Some(0.0), |c| c.cost),
        unit: model.cut_unit(),
        steps,
        at_stake_after: stakes.at_stake(&after_booked, trials),
        holds: after_hits.iter().all(|&h| h == 0),
        remaining,
        method: cut.as_ref().map_or(CutMethod::Flow, |c| c.method),
    };

    // --- Credentials within one hop ------------------------------------------------------------
    let labels = riskpath_model::Labels::new(model);
    let mut rotate: BTreeMap<u32, Rotation> = BTreeMap::new();
    for &s in &sources {
        if let Some(node) = model.node(&graph.ids[s as usize]).filter(|n| is_credential(n)) {
            rotate.insert(s, rotation(node, &labels, true, 1.0));
        }
    }
    for &s in &sources {
        for e in graph.out_edges(s) {
            let ce = &graph.edges[e];
            if is_compromised(ce.to) || ce.p(skill) <= 0.0 {
                continue;
            }
            let Some(node) = model.node(&graph.ids[ce.to as usize]) else { continue };
            if !is_credential(node) {
                continue;
            }
            let p = counts.node_hits[ce.to as usize] as f64 / trials as f64;
            let entry = rotate.entry(ce.to).or_insert_with(|| rotation(node, &labels, false, p));
            entry.via.push(format!("{} -{}→", labels.get(&graph.ids[s as usize]), ce.kind.name));
        }
    }
    let mut rotate: Vec<Rotation> = rotate.into_values().collect();
    rotate.sort_by(|a, b| {
        b.compromised.cmp(&a.compromised).then(b.probability.total_cmp(&a.probability)).then_with(|| a.id.cmp(&b.id))
    });

    // --- Techniques to hunt --------------------------------------------------------------------
    let depth = depths(&graph, skill, &sources);
    let mut hunt: Vec<(u64, u64, Hunt)> = (0..tech_ids.len())
        .filter(|&t| counts.tech_fired[t] > 0)
        .map(|t| {
            let mut edges: Vec<usize> =
                (0..graph.edges.len()).filter(|&e| techs[e] == t && counts.fired[e] > 0).collect();
            edges.sort_by(|&a, &b| {
                counts.on_path[b].cmp(&counts.on_path[a]).then(counts.fired[b].cmp(&counts.fired[a])).then(a.cmp(&b))
            });
            let mut detectors: BTreeMap<String, f64> = BTreeMap::new();
            let mut related: BTreeSet<String> = BTreeSet::new();
            for &e in &edges {
                let ce = &graph.edges[e];
                for f in &ce.factors {
                    if let Some(d) = f.detect {
                        let slot = detectors.entry(model.controls[f.control].id.clone()).or_insert(0.0);
                        *slot = slot.max(dist::probability_mean(&d));
                    }
                }
                for &a in std::iter::once(&ce.kind.technique).chain(ce.kind.also) {
                    if a != tech_ids[t] {
                        related.insert(a.to_string());
                    }
                }
            }
            let mut detected_by: Vec<Detector> =
                detectors.into_iter().map(|(control, detect)| Detector { control, detect }).collect();
            detected_by.sort_by(|a, b| b.detect.total_cmp(&a.detect).then_with(|| a.control.cmp(&b.control)));
            let h = Hunt {
                technique: tech_ids[t].clone(),
                name: kb::technique(&tech_ids[t]).map(|x| x.name.to_string()),
                breach_share: share_of_breaches(counts.tech_path[t]),
                probability: counts.tech_fired[t] as f64 / trials as f64,
                first_step: edges
                    .iter()
                    .map(|&e| depth[graph.edges[e].from as usize].saturating_add(1))
                    .min()
                    .unwrap_or(u32::MAX),
                edges: {
                    let name = |n: u32| labels.get(&graph.ids[n as usize]);
                    let mut shown: Vec<String> = Vec::new();
                    for &e in &edges {
                        let l = format!("{} → {}", name(graph.edges[e].from), name(graph.edges[e].to));
                        if shown.len() < 5 && !shown.contains(&l) {
                            shown.push(l);
                        }
                    }
                    shown
                },
                detected_by,
                related: related.into_iter().collect(),
            };
            (counts.tech_path[t], counts.tech_fired[t], h)
        })
        .collect();
    hunt.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then_with(|| a.2.technique.cmp(&b.2.technique)));

    Ok(Incident {
        compromised: sources.iter().map(|&s| ids(s)).collect(),
        skill,
        skill_source,
        trials: counts.trials,
        seed: config.seed,
        breach_probability: counts.breaches as f64 / trials as f64,
        at_stake,
        already_lost,
        jewels,
        next_hops,
        containment,
        rotate,
        hunt: hunt.into_iter().map(|(_, _, h)| h).collect(),
    })
}

/// Steps from `sources` to each node over edges that can fire for `skill` (AND conditions
/// ignored; `u32::MAX` where unreachable).
fn depths(graph: &AttackGraph, skill: Skill, sources: &[u32]) -> Vec<u32> {
    let mut depth = vec![u32::MAX; graph.node_count()];
    let mut queue: std::collections::VecDeque<u32> = sources.iter().copied().collect();
    for &s in sources {
        depth[s as usize] = 0;
    }
    while let Some(u) = queue.pop_front() {
        for e in graph.out_edges(u) {
            let ce = &graph.edges[e];
            if ce.p(skill) > 0.0 && depth[ce.to as usize] == u32::MAX {
                depth[ce.to as usize] = depth[u as usize] + 1;
                queue.push_back(ce.to);
            }
        }
    }
    depth
}

/// The rotation entry of a credential node: its own `remediation`, else its kind's rotation text.
fn rotation(
    node: &riskpath_model::Node,
    labels: &riskpath_model::Labels,
    compromised: bool,
    probability: f64,
) -> Rotation {
    let shown = labels.get(&node.id);
    let kind_text = kb::node_kind(&node.kind).and_then(|k| k.rotation);
    let (instruction, instruction_source) = match (&node.remediation, kind_text) {
        (Some(own), _) => (own.clone(), "node"),
        (None, Some(template)) => (kb::fill(template, &[("id", shown)]), "kind"),
        (None, None) => (format!("Rotate the credentials of {shown}"), "kind"),
    };
    Rotation {
        id: node.id.clone(),
        kind: node.kind.clone(),
        name: node.name.clone(),
        compromised,
        probability,
        via: Vec::new(),
        instruction,
        instruction_source,
    }
}
