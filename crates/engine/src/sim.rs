//! Bit-parallel Monte Carlo of attack success: 64 trials per machine word, one bit per trial.
//! Edge liveness comes from counter-based random words, so results are identical for any thread count.
//!
//! A trial is one sampled world: each edge is live with its probability, independently; the
//! attacker holds its entry points and everything reachable through live edges, where an edge with
//! `requires` fires only while all its required nodes are held (a monotone Horn fixpoint).
//!
//! Liveness of edge `e` in batch `b` is drawn by comparing 64 uniforms bit by bit with the binary
//! expansion of `p_e`, most significant bit first, stopping as soon as every lane is decided
//! (about 8 random words per edge and batch, whatever `p`). It is only drawn for edges whose source
//! is held in some lane, and the draw is a pure function of (seed, stream, edge, batch).
//!
//! Propagation sweeps the nodes in id order, again and again until nothing changes, visiting
//! only nodes with *pending* lanes (held but not yet pushed along their out-edges; a bitset marks
//! them). A visited node pushes just its pending lanes, masked by each out-edge's live lanes, into
//! the edge's target; a target that gains lanes becomes pending, and is visited later in the same
//! sweep if its id is higher. The out-edges of a node are drawn together, the first time it is
//! visited, eight edges at a time in vector registers ([`crate::simd`]).
//!
//! A thread simulates a *group* of up to 16 batches at once ([`group_width`]): each node and edge
//! carries one word per batch, and a visit pushes the pending lanes of all of them. The 64 trials
//! of one batch reach a node at different times (in ~11 waves on a large supercritical graph), so
//! a node is visited many times per batch; in a group, the waves of different batches coincide
//! and a visit serves them together. Cache misses and those waves, not arithmetic, bound the
//! cost; see BENCHMARKS.md. So nothing in a target update waits on the update before it (no
//! count or list is kept per update: a sweep ends when it visits nothing, and visits mark the
//! held nodes), and the misses of a visit's targets overlap. The fixpoint does not depend on the
//! order or on the grouping, and every draw is a pure function of its counters, so results are
//! bit-identical whatever the thread count, group width or CPU.

use rayon::prelude::*;
use riskpath_model::Estimate;
use riskpath_model::kb::Skill;

use crate::compile::{AttackGraph, Base};
use crate::dist;
use crate::pool::Pool;
use crate::rng::{extend, key, text_key, word};
use crate::simd::multiversion;

/// Random-stream domains: each use of randomness has its own, so streams never overlap.
pub mod domain {
    pub const LIVE: u64 = 1;
    pub const INPUT: u64 = 2;
    pub const LANE: u64 = 3;
    pub const CAMPAIGN: u64 = 4;
}

/// Flags in the top bits of an edge's `to` (node ids stay below 2^28): the edge requires some
/// node (an AND edge); it requires more than one; its probability varies per trial (a program);
/// it leads from a campaign's entry point to a member of its population.
const HAS_REQS: u32 = 1 << 31;
const MORE_REQS: u32 = 1 << 30;
const UNCERTAIN: u32 = 1 << 29;
const CAMPAIGN: u32 = 1 << 28;
const NODE: u32 = CAMPAIGN - 1;

/// Up to this many bytes of a group's held lanes (8·W a node), a target update finds them in cache,
/// and propagation updates every out-edge's target, lanes or none, without a branch: cheaper than
/// the mispredictions of a branch on whether any lane passes. Past it, skipping a target with no
/// lanes saves a miss to memory. Measured (BENCHMARKS.md): 10^6 edges at W = 4 (4 MB) gain 20%
/// without the branch; at 8 MB (W = 8) and above, the branch wins.
const BRANCH_FREE_HELD_BYTES: usize = 4 << 20;

/// Marks an edge without an uncertain-probability program.
const CERTAIN: u32 = u32::MAX;

/// A factor of an uncertain edge's probability: a fixed number or an uncertain input.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Term {
    Fixed(f64),
    Input(u32),
}

/// How to compute an uncertain edge's probability in one trial. Edges with equal programs (same
/// base, same controls) share one per batch: their per-lane thresholds are computed once.
#[derive(Debug, Clone, PartialEq)]
struct Program {
    base: Term,
    /// (prevent, detect) per covering control.
    factors: Vec<(Term, Term)>,
}

/// The attack graph reduced to what the simulation reads, for one attacker skill.
#[derive(Debug, Clone)]
pub struct SimGraph {
    node_count: usize,
    offsets: Vec<u32>,
    /// Target node, with the flags [`HAS_REQS`], [`MORE_REQS`] and [`UNCERTAIN`] in the top bits.
    to: Vec<u32>,
    /// Per edge: the success probability as a 0.64 fixed-point fraction (`u64::MAX` marks p = 1;
    /// no p < 1 reaches it).
    thresholds: Vec<u64>,
    /// Per edge: the stable key of its random draw (its hop's key, a hash of the source and target
    /// ids: see [`crate::compile::CompiledEdge::draw_key`]; for an edge list, its index there), so
    /// removing or inserting an edge does not change the draws of the others: common random
    /// numbers across what-ifs and model versions. Empty when every edge's draw id is its index
    /// here (edge lists given in source order), to save 8 bytes an edge.
    draw_ids: Vec<u64>,
    /// Per edge: its index in the model ([`Self::stable_id`]); empty when it is its draw id (edge
    /// lists).
    model_ids: Vec<u32>,
    /// Per edge: the compiled edge it comes from ([`Self::origin`]); empty when it is its index
    /// here. An edge with `requires_any` becomes one edge here per alternative, all with its draw
    /// id: one draw, and it fires when one alternative's nodes are held.
    origins: Vec<u32>,
    /// The campaigns, and (edge, campaign, member slot) of each edge flagged [`CAMPAIGN`], sorted
    /// by edge.
    campaigns: Vec<SimCampaign>,
    campaign_of: Vec<(u32, u32, u32)>,
    /// The required nodes of AND edges, edge after edge in edge order.
    reqs: Vec<u32>,
    /// (edge, start of its required nodes in `reqs`) of each AND edge, in edge order, then
    /// (`u32::MAX`, `reqs.len()`): few edges have requirements, so they are looked up, not indexed.
    req_ranges: Vec<(u32, u32)>,
    /// Per node: where its out-edges' required nodes start in `reqs` (they follow in edge order).
    req_start: Vec<u32>,
    /// Per node: the AND edges that require it (re-evaluated when it becomes held).
    dep_offsets: Vec<u32>,
    deps: Vec<Dep>,
    /// Per required-node slot (index into `reqs`): its position in `deps`, where the batch keeps
    /// a copy of the edge's live lanes so that visiting a required node reads them sequentially.
    dep_pos: Vec<u32>,
    /// (edge, program) for each edge flagged [`UNCERTAIN`], sorted by edge: few edges have one.
    program_of: Vec<(u32, u32)>,
    programs: Vec<Program>,
    /// Uncertain inputs: the estimate and the stable key its samples are drawn with.
    inputs: Vec<(Estimate, u64)>,
    /// Per input: its quantile function, tabulated for fast sampling.
    input_tables: Vec<std::sync::Arc<dist::ProbabilityTable>>,
    respond: f64,
}

/// Where a simulated edge comes from: the stable id of its draw, its model edge, its compiled edge.
#[derive(Debug, Clone, Copy)]
struct Origin {
    draw: u64,
    model: u32,
    compiled: u32,
}

/// A campaign as the simulation reads it: how many members a trial reaches, and its stable id.
#[derive(Debug, Clone)]
struct SimCampaign {
    reach: crate::campaign::Reach,
    /// The key of the entry point's id.
    stable_id: u64,
}

/// An AND edge as seen from one of the nodes it requires.
#[derive(Debug, Clone, Copy, Default)]
struct Dep {
    edge: u32,
    from: u32,
    /// The edge's `to`, flags included.
    to: u32,
}

/// A plain edge list for building a [`SimGraph`] directly (generators, tests, benchmarks).
#[derive(Debug, Clone, Default)]
pub struct EdgeList {
    pub node_count: usize,
    /// (from, to, p, requires)
    pub edges: Vec<(u32, u32, f64, Vec<u32>)>,
}

/// Probability `p` as a 0.64 fixed-point fraction: `p·2^64`, where the saturating cast makes
/// p ≥ 1 `u64::MAX` (no p < 1 reaches it) and p ≤ 0 or NaN 0. Branch-free, so lanes vectorise.
#[inline(always)]
fn threshold(p: f64) -> u64 {
    (p * 18_446_744_073_709_551_616.0) as u64
}

impl SimGraph {
    /// Builds from plain edges with certain probabilities.
    pub fn from_edge_list(list: &EdgeList) -> Self {
        let mut order: Vec<usize> = (0..list.edges.len()).collect();
        order.sort_by_key(|&i| (list.edges[i].0, i));
        let mut g = SimGraph::empty(list.node_count, list.edges.len(), 0.0);
        for &i in &order {
            let (from, to, p, ref reqs) = list.edges[i];
            g.push_edge(from, to, p, reqs, Origin { draw: i as u64, model: i as u32, compiled: i as u32 }, CERTAIN);
        }
        g.finish();
        g
    }

    /// Builds for one skill from a compiled attack graph, keeping uncertain inputs as programs.
    pub fn from_attack_graph(graph: &AttackGraph, model: &riskpath_model::Model, skill: Skill) -> Self {
        let mut g = SimGraph::empty(graph.node_count(), graph.edges.len(), graph.respond);
        g.campaigns = graph.campaigns.iter().map(|c| SimCampaign { reach: c.reach, stable_id: c.key }).collect();
        for (i, e) in graph.edges.iter().enumerate() {
            let program = if e.is_uncertain() { g.add_program(e, model, skill) } else { CERTAIN };
            let origin = Origin { draw: e.draw_key, model: e.model_index as u32, compiled: i as u32 };
            for reqs in e.conditions() {
                if let Some(c) = e.campaign {
                    let slot = graph.campaigns[c as usize].members.binary_search(&e.to).expect("a member");
                    g.campaign_of.push((g.to.len() as u32, c, slot as u32));
                }
                g.push_edge(e.from, e.to, e.p(skill), &reqs, origin, program);
            }
        }
        g.finish();
        g
    }

    /// A graph of `node_count` nodes with room for `edge_count` edges.
    fn empty(node_count: usize, edge_count: usize, respond: f64) -> Self {
        assert!(node_count <= NODE as usize, "at most 2^28 − 1 nodes");
        SimGraph {
            node_count,
            offsets: vec![0; node_count + 1],
            to: Vec::with_capacity(edge_count),
            thresholds: Vec::with_capacity(edge_count),
            draw_ids: Vec::with_capacity(edge_count),
            model_ids: Vec::with_capacity(edge_count),
            origins: Vec::with_capacity(edge_count),
            campaigns: Vec::new(),
            campaign_of: Vec::new(),
            req_ranges: Vec::new(),
            reqs: Vec::new(),
            dep_offsets: Vec::new(),
            deps: Vec::new(),
            req_start: Vec::new(),
            dep_pos: Vec::new(),
            program_of: Vec::new(),
            programs: Vec::new(),
            inputs: Vec::new(),
            input_tables: Vec::new(),
            respond,
        }
    }

    /// Edges must be pushed sorted by source; a campaign edge after its entry in `campaign_of`.
    fn push_edge(&mut self, from: u32, to: u32, p: f64, reqs: &[u32], origin: Origin, program: u32) {
        let t = threshold(p);
        self.offsets[from as usize + 1] += 1;
        let more = if reqs.len() > 1 { MORE_REQS } else { 0 };
        let has = if reqs.is_empty() { 0 } else { HAS_REQS };
        let uncertain = if program != CERTAIN { UNCERTAIN } else { 0 };
        let campaign =
            if self.campaign_of.last().is_some_and(|c| c.0 as usize == self.to.len()) { CAMPAIGN } else { 0 };
        self.to.push(to | has | more | uncertain | campaign);
        self.thresholds.push(t);
        self.draw_ids.push(origin.draw);
        self.model_ids.push(origin.model);
        self.origins.push(origin.compiled);
        if !reqs.is_empty() {
            self.req_ranges.push((self.to.len() as u32 - 1, self.reqs.len() as u32));
            self.reqs.extend_from_slice(reqs);
        }
        if program != CERTAIN {
            self.program_of.push((self.to.len() as u32 - 1, program));
        }
    }

    fn finish(&mut self) {
        if self.model_ids.iter().zip(&self.draw_ids).all(|(&m, &d)| m as u64 == d) {
            self.model_ids = Vec::new();
        }
        if self.draw_ids.iter().enumerate().all(|(e, &id)| id as usize == e) {
            self.draw_ids = Vec::new();
        }
        if self.origins.iter().enumerate().all(|(e, &id)| id as usize == e) {
            self.origins = Vec::new();
        }
        for i in 0..self.node_count {
            self.offsets[i + 1] += self.offsets[i];
        }
        let mut count = vec![0u32; self.node_count + 1];
        for &r in &self.reqs {
            count[r as usize + 1] += 1;
        }
        for i in 0..self.node_count {
            count[i + 1] += count[i];
        }
        self.dep_offsets = count.clone();
        self.deps = vec![Dep::default(); self.reqs.len()];
        self.dep_pos = vec![0; self.reqs.len()];
        self.req_ranges.push((u32::MAX, self.reqs.len() as u32));
        for i in 0..self.req_ranges.len() - 1 {
            let e = self.req_ranges[i].0 as usize;
            let from = self.edge_from(e);
            for k in self.req_ranges[i].1..self.req_ranges[i + 1].1 {
                let r = self.reqs[k as usize] as usize;
                self.deps[count[r] as usize] = Dep { edge: e as u32, from, to: self.to[e] };
                self.dep_pos[k as usize] = count[r];
                count[r] += 1;
            }
        }
        self.req_start = (0..self.node_count)
            .map(|u| {
                let first = self.offsets[u];
                self.req_ranges[self.req_ranges.partition_point(|&(e, _)| e < first)].1
            })
            .collect();
    }

    /// Where edge `e`'s required nodes are in `reqs` (empty for most edges).
    #[inline]
    fn req_range(&self, e: usize) -> std::ops::Range<usize> {
        if self.to[e] & HAS_REQS == 0 {
            return 0..0;
        }
        let i = self.req_ranges.partition_point(|&(edge, _)| (edge as usize) < e);
        self.req_ranges[i].1 as usize..self.req_ranges[i + 1].1 as usize
    }

    fn input(&mut self, estimate: Estimate, stable_key: u64) -> Term {
        if !estimate.is_uncertain() {
            return Term::Fixed(estimate.low());
        }
        if let Some(i) = self.inputs.iter().position(|(_, k)| *k == stable_key) {
            return Term::Input(i as u32);
        }
        self.inputs.push((estimate, stable_key));
        self.input_tables.push(dist::probability_table(&estimate));
        Term::Input(self.inputs.len() as u32 - 1)
    }

    fn add_program(&mut self, e: &crate::compile::CompiledEdge, model: &riskpath_model::Model, skill: Skill) -> u32 {
        let base = match e.base {
            Base::Override(est) => self.input(est, key(&[0, e.stable_key])),
            Base::Kind(p) | Base::Technique(p) => Term::Fixed(p[skill.index()]),
        };
        let factors = e
            .factors
            .iter()
            .map(|f| {
                let control = &model.controls[f.control];
                // The entry's technique and the control's id key its random stream, so the order
                // the entries or the controls were written in changes nothing.
                let entry = |list: &[riskpath_model::Efficacy]| {
                    let listed = list.iter().map(|x| x.technique.value.as_str());
                    let at = riskpath_model::kb::most_specific_cover(listed, &e.technique)?;
                    Some(text_key(&list[at].technique.value))
                };
                let id = text_key(&control.id);
                let mut term = |est: Option<Estimate>, which: u64, technique: Option<u64>| match (est, technique) {
                    (Some(est), Some(technique)) => self.input(est, key(&[1, id, which, technique])),
                    _ => Term::Fixed(0.0),
                };
                let prevent = term(f.prevent, 0, entry(&control.mitigates));
                let detect = term(f.detect, 1, entry(&control.detects));
                (prevent, detect)
            })
            .collect();
        let program = Program { base, factors };
        if let Some(i) = self.programs.iter().position(|p| *p == program) {
            return i as u32;
        }
        self.programs.push(program);
        self.programs.len() as u32 - 1
    }

    #[inline]
    pub fn node_count(&self) -> usize {
        self.node_count
    }
    /// Edges leaving `node` (indices into this graph's edges).
    #[inline]
    pub fn out_edges(&self, node: u32) -> std::ops::Range<usize> {
        self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize
    }
    /// The source of `edge`, looked up among the nodes' edge ranges (a binary search; the graph
    /// keeps no per-edge source, to save 4 bytes an edge: see [`Self::edge_sources`]).
    #[inline]
    pub fn edge_from(&self, edge: usize) -> u32 {
        (self.offsets.partition_point(|&o| o as usize <= edge) - 1) as u32
    }
    /// Every edge's source, in edge order: for loops over all edges.
    pub fn edge_sources(&self) -> Vec<u32> {
        (0..self.node_count as u32).flat_map(|u| self.out_edges(u).map(move |_| u)).collect()
    }
    #[inline]
    pub fn edge_to(&self, edge: usize) -> u32 {
        self.to[edge] & NODE
    }
    #[inline]
    pub fn edge_requires(&self, edge: usize) -> &[u32] {
        &self.reqs[self.req_range(edge)]
    }
    /// The edge's index in the model (or in the edge list it was built from).
    pub fn stable_id(&self, edge: usize) -> u32 {
        self.model_ids.get(edge).copied().unwrap_or_else(|| self.draw_id(edge) as u32)
    }
    /// The stable id the edge's random draw is keyed by (shared by parallel edges).
    #[inline]
    fn draw_id(&self, edge: usize) -> u64 {
        self.draw_ids.get(edge).copied().unwrap_or(edge as u64)
    }
    /// How many compiled edges the graph stands for (each is one edge here or more).
    pub fn origin_count(&self) -> usize {
        self.origins.last().map_or(self.edge_count(), |&o| o as usize + 1)
    }
    /// The edges here that stand for compiled edge `compiled` (they follow each other).
    pub fn edges_of(&self, compiled: usize) -> std::ops::Range<usize> {
        if self.origins.is_empty() {
            return compiled..compiled + 1;
        }
        let start = self.origins.partition_point(|&o| (o as usize) < compiled);
        start..self.origins.partition_point(|&o| (o as usize) <= compiled)
    }
    /// The compiled edge (index into `AttackGraph::edges`; for an edge list, its index there)
    /// this edge stands for: an edge with `requires_any` is one edge here per alternative.
    pub fn origin(&self, edge: usize) -> usize {
        self.origins.get(edge).map_or(edge, |&o| o as usize)
    }
    #[inline]
    pub fn edge_count(&self) -> usize {
        self.to.len()
    }
    /// Bytes held per edge by the graph (not counting per-thread scratch).
    pub fn bytes(&self) -> usize {
        self.offsets.len() * 4
            + self.to.len() * 4
            + self.thresholds.len() * 8
            + self.draw_ids.len() * 8
            + self.model_ids.len() * 4
            + self.origins.len() * 4
            + self.campaign_of.len() * 12
            + self.req_ranges.len() * 8
            + self.reqs.len() * 4
            + self.dep_offsets.len() * 4
            + self.req_start.len() * 4
            + self.deps.len() * std::mem::size_of::<Dep>()
            + self.dep_pos.len() * 4
            + self.program_of.len() * 8
    }
}

/// What to simulate: a stream of trials from `entries`.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub graph: &'a SimGraph,
    pub entries: &'a [u32],
    pub trials: u64,
    pub seed: u64,
    /// Separates independent runs (e.g. one per actor) under one seed.
    pub stream: u64,
}

/// One batch of 64 trials after the fixpoint: which lanes hold which node, and which edges are live.
pub struct Batch<'s> {
    pub index: u64,
    /// Lanes that are real trials (all but possibly the last batch: all 64).
    pub lanes: u64,
    run: &'s Run<'s>,
    /// The scratch of the group of batches simulated together, and this batch's word in it.
    scratch: &'s mut dyn GroupView,
    word: usize,
}

impl Batch<'_> {
    /// The lanes (trials) in which `node` is held.
    #[inline]
    pub fn held(&self, node: u32) -> u64 {
        self.scratch.held(node, self.word) & self.lanes
    }
    /// The lanes in which edge `edge` (index in the `SimGraph`), which leaves node `from`, is
    /// live, drawn on demand. (The graph keeps no per-edge source: callers know it, or find it
    /// with [`SimGraph::edge_from`].)
    #[inline]
    pub fn live(&mut self, from: u32, edge: usize) -> u64 {
        debug_assert_eq!(from, self.run.graph.edge_from(edge), "edge {edge} leaves node {from}");
        self.scratch.live(self.run, from, edge, self.word) & self.lanes
    }
    /// Calls `visit(edge, lanes)`, in edge order, for each edge that fires in some lane: live, its
    /// source and required nodes held (its target is then held too, by the fixpoint). These are
    /// the edges of the lanes' live graphs.
    pub fn each_fired_edge(&mut self, mut visit: impl FnMut(usize, u64)) {
        let graph = self.run.graph;
        for u in 0..graph.node_count() as u32 {
            let held = self.held(u);
            if held == 0 {
                continue;
            }
            for e in graph.out_edges(u) {
                let mut lanes = held & self.live(u, e);
                for &r in graph.edge_requires(e) {
                    lanes &= self.held(r);
                }
                if lanes != 0 {
                    visit(e, lanes);
                }
            }
        }
    }
}

/// A group's scratch seen from one of its batches, whatever the group's width.
trait GroupView {
    fn held(&self, node: u32, word: usize) -> u64;
    fn live(&mut self, run: &Run<'_>, from: u32, edge: usize, word: usize) -> u64;
}

impl<const W: usize> GroupView for Scratch<W> {
    #[inline]
    fn held(&self, node: u32, word: usize) -> u64 {
        self.front.held[node as usize][word]
    }
    fn live(&mut self, run: &Run<'_>, from: u32, edge: usize, word: usize) -> u64 {
        run.live(self, from, edge)[word]
    }
}

/// The propagation state of a group of `W` batches: which lanes hold each node, which are still to
/// push. Word `w` of a node's lanes belongs to the group's batch `w`.
struct Front<const W: usize> {
    /// Per node: the lanes in which it is held.
    held: Vec<[u64; W]>,
    /// Per node: the lanes already pushed along its out-edges (a subset of `held`). Kept apart
    /// from `held` so that the scattered writes of a sweep touch 8·W bytes per node, not 16·W.
    pushed: Vec<[u64; W]>,
    /// Nodes with pending lanes (held but not pushed), one bit each.
    pending: Vec<u64>,
    /// Which runs of 64 nodes (one `pending` word each) hold some lane, one bit each: what to
    /// clear for the next group. Every node that gains lanes is visited, so a visit marks its
    /// node's run; marking it when the node gains would chain each gain to the cache miss of the
    /// one before.
    touched: Vec<u64>,
}

impl<const W: usize> Front<W> {
    fn new(node_count: usize) -> Self {
        Front {
            held: vec![[0; W]; node_count],
            pushed: vec![[0; W]; node_count],
            pending: vec![0; node_count.div_ceil(64)],
            touched: vec![0; node_count.div_ceil(64 * 64)],
        }
    }

    /// Clears what the last group held.
    fn clear(&mut self) {
        for (i, word) in self.touched.iter_mut().enumerate() {
            while *word != 0 {
                let run = i * 64 + word.trailing_zeros() as usize;
                *word &= *word - 1;
                let nodes = run * 64..(run * 64 + 64).min(self.held.len());
                self.held[nodes.clone()].fill([0; W]);
                self.pushed[nodes].fill([0; W]);
            }
        }
    }

    /// Marks node `u`'s run of 64 nodes as holding lanes.
    #[inline(always)]
    fn touch(&mut self, u: usize) {
        self.touched[u / 4096] |= 1 << (u / 64 % 64);
    }

    /// Node `v` gains `lanes` (some maybe held already); what is new becomes pending. Without a
    /// branch: whether a lane is new is a coin flip the predictor cannot learn.
    #[inline(always)]
    fn gain(&mut self, v: usize, lanes: [u64; W]) {
        let held = &mut self.held[v];
        let mut any_new = 0;
        for w in 0..W {
            let new = lanes[w] & !held[w];
            held[w] |= new;
            any_new |= new;
        }
        self.pending[v / 64] |= ((any_new != 0) as u64) << (v % 64);
    }
}

/// `a & !b`, word by word (a plain loop, which vectorises).
#[inline(always)]
fn and_not<const W: usize>(a: &[u64; W], b: &[u64; W]) -> [u64; W] {
    let mut out = *a;
    for w in 0..W {
        out[w] &= !b[w];
    }
    out
}

/// `a & b`, word by word.
#[inline(always)]
fn and<const W: usize>(a: &[u64; W], b: &[u64; W]) -> [u64; W] {
    let mut out = *a;
    for w in 0..W {
        out[w] &= b[w];
    }
    out
}

/// Whether any lane of any word is set.
#[inline(always)]
fn any<const W: usize>(lanes: &[u64; W]) -> bool {
    lanes.iter().fold(0, |a, &l| a | l) != 0
}

/// Per-thread working memory for groups of `W` batches simulated together, reused across groups.
struct Scratch<const W: usize> {
    front: Front<W>,
    /// Per `deps` slot: the AND edge's live lanes, and `first_batch + 1` of the group they were
    /// drawn in (0: never).
    dep_live: Vec<([u64; W], u64)>,
    /// Live lanes per edge, valid for the out-edges of nodes that have pushed lanes in this group
    /// (they are drawn at a node's first visit).
    live: Vec<[u64; W]>,
    /// The run's `key(&[seed, LIVE, stream])`, and per batch of the group `mix64` of its counter
    /// part: together they give every edge's key in a batch with two more `mix64`s.
    prefix: u64,
    batch_parts: [u64; W],
    /// The group's first batch.
    first_batch: u64,
    /// Nodes visited in the last group (see [`Run::group_body`]).
    visited_nodes: usize,
    /// Per input: its samples in each batch of the group `input_stamp` says (its first batch).
    input_samples: Vec<[[f64; 64]; W]>,
    input_stamp: Vec<u64>,
    /// Per program: its lanes' thresholds as bit-planes, per batch of the group `program_stamp` says.
    program_planes: Vec<[Planes; W]>,
    program_stamp: Vec<u64>,
    /// Per campaign and member: the lanes whose trial reaches the member, per batch of the group
    /// `campaign_stamp` says.
    campaign_lanes: Vec<Vec<[u64; W]>>,
    campaign_stamp: Vec<u64>,
}

/// Per-lane thresholds ready for comparison: one threshold for all lanes, or their bit-planes.
/// [`Planes::lanes`] is [`certain_lanes`] with a threshold per lane: the same words decide the same
/// lanes in the same way, so an edge keeps its draws when its probability becomes uncertain.
// Kept inline and `Copy`: a program's planes live in per-thread scratch arrays read in the hot
// loop, where a box per entry would cost an allocation and an indirection.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy)]
enum Planes {
    Same(u64),
    Varying([u64; 64]),
}

impl Planes {
    /// Gathers bit `63 − i` of every lane's threshold into plane `i` (a 64×64 bit transpose).
    #[inline(always)]
    fn of(thresholds: &[u64; 64]) -> Self {
        if thresholds.iter().all(|&t| t == thresholds[0]) {
            return Planes::Same(thresholds[0]);
        }
        let mut planes = *thresholds;
        planes.reverse();
        transpose64(&mut planes);
        Planes::Varying(planes)
    }

    /// The live lanes for the words of key `k`: [`certain_lanes`], lane by lane.
    fn lanes(&self, k: u64) -> u64 {
        let planes = match self {
            Planes::Same(t) => return certain_lanes(*t, k),
            Planes::Varying(planes) => planes,
        };
        let mut undecided = !0u64;
        let mut live = 0u64;
        let mut i = 0usize;
        while i < 64 && undecided != 0 {
            for _ in 0..4 {
                let r = word(k, i as u64);
                live |= undecided & !r & planes[i];
                undecided &= !(r ^ planes[i]);
                i += 1;
            }
        }
        live
    }
}

/// Asks Linux to back `v`'s memory with 2 MiB pages: a group's scratch is read at random over tens of
/// megabytes, and with 4 KiB pages most of those reads also miss the TLB. A hint; without it (or
/// elsewhere) nothing changes but speed.
fn huge_pages<T>(v: &mut Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let (start, bytes) = (v.as_mut_ptr() as usize, std::mem::size_of_val(v.as_slice()));
        let aligned = start.next_multiple_of(HUGE);
        if bytes >= 2 * HUGE {
            let len = (start + bytes - aligned) / HUGE * HUGE;
            // SAFETY: the range lies within `v`'s allocation, and MADV_HUGEPAGE changes only how
            // the kernel backs it, not its contents.
            unsafe { libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

impl<const W: usize> Scratch<W> {
    /// Calls `f(lane, value)` with term `t`'s value in each lane of the group's batch `w` (an
    /// input must be sampled for the group already: [`Run::sample_input`]).
    #[inline(always)]
    fn term_lanes(&self, t: Term, w: usize, mut f: impl FnMut(usize, f64)) {
        match t {
            Term::Fixed(v) => (0..64).for_each(|lane| f(lane, v)),
            Term::Input(i) => {
                for (lane, &v) in self.input_samples[i as usize][w].iter().enumerate() {
                    f(lane, v);
                }
            }
        }
    }

    fn new(g: &SimGraph) -> Self {
        let mut scratch = Scratch {
            front: Front::new(g.node_count),
            dep_live: vec![([0; W], 0); g.deps.len()],
            live: vec![[0; W]; g.edge_count()],
            prefix: 0,
            batch_parts: [0; W],
            first_batch: 0,
            visited_nodes: 0,
            input_samples: vec![[[0.0; 64]; W]; g.inputs.len()],
            input_stamp: vec![u64::MAX; g.inputs.len()],
            program_planes: vec![[Planes::Same(0); W]; g.programs.len()],
            program_stamp: vec![u64::MAX; g.programs.len()],
            campaign_lanes: g.campaigns.iter().map(|c| vec![[0; W]; c.reach.population as usize]).collect(),
            campaign_stamp: vec![u64::MAX; g.campaigns.len()],
        };
        huge_pages(&mut scratch.live);
        huge_pages(&mut scratch.front.held);
        huge_pages(&mut scratch.front.pushed);
        scratch
    }
}

/// Liveness lanes of an edge with certain probability `threshold / 2^64`: lane `l` is live when the
/// uniform whose bit `i` is bit `l` of word `i` is below the threshold, decided at the first bit
/// where the two differ. Words after every lane is decided, or after the threshold's last set
/// bit, change nothing; so the words are taken four at a time, without a branch per word.
#[inline]
fn certain_lanes(threshold: u64, k: u64) -> u64 {
    Comparison::new(threshold).finish(k)
}

/// [`certain_lanes`] part way: the words before `next` compared.
#[derive(Clone, Copy)]
struct Comparison {
    live: u64,
    undecided: u64,
    /// The threshold's bits not compared yet, at the top.
    rest: u64,
    next: u64,
}

impl Comparison {
    #[inline(always)]
    fn new(threshold: u64) -> Self {
        Comparison { live: 0, undecided: !0, rest: threshold, next: 0 }
    }

    /// Compares word `next` of the stream `k`.
    #[inline(always)]
    fn step(&mut self, k: u64) {
        let r = word(k, self.next);
        self.next += 1;
        // All ones where the threshold's bit is 1: there r = 0 decides live, r = 1 defers;
        // where it is 0, r = 1 decides dead, r = 0 defers.
        let bit = 0u64.wrapping_sub(self.rest >> 63);
        self.live |= self.undecided & !r & bit;
        self.undecided &= !(r ^ bit);
        self.rest <<= 1;
    }

    /// Compares words until every lane is decided or the threshold has no set bit left.
    #[inline(always)]
    fn finish(mut self, k: u64) -> u64 {
        while self.rest != 0 && self.undecided != 0 {
            for _ in 0..4 {
                self.step(k);
            }
        }
        self.live
    }
}

/// [`certain_lanes`] of the edges `first_edge..` (their thresholds, and their stable ids, or `None`
/// when those are their indices), in each batch of a group (word `w` of `out[j]` for the batch with
/// counter part `batch_parts[w]`), [`DRAW_WIDTH`] edges at once. The first [`DRAW_PREFIX`] words of
/// every edge are compared together, a loop the compiler vectorises (8 edges per AVX-512
/// register); the few edges still undecided then finish alone. The same words decide the same
/// lanes as [`certain_lanes`]: the results are identical.
#[inline(always)]
fn draw_certain<const W: usize>(
    edge_thresholds: &[u64],
    first_edge: usize,
    stable_ids: Option<&[u64]>,
    prefix: u64,
    batch_parts: &[u64; W],
    out: &mut [[u64; W]],
) {
    for (c, out) in out.chunks_mut(DRAW_WIDTH).enumerate() {
        let at = c * DRAW_WIDTH;
        let last = out.len() - 1;
        let (mut edge_parts, mut thresholds) = ([0u64; DRAW_WIDTH], [0u64; DRAW_WIDTH]);
        for j in 0..DRAW_WIDTH {
            // A short chunk repeats its last edge (computed, not stored).
            let i = at + j.min(last);
            let stable_id = stable_ids.map_or((first_edge + i) as u64, |ids| ids[i]);
            edge_parts[j] = extend(prefix, stable_id);
            thresholds[j] = edge_thresholds[i];
        }
        for (w, &batch_part) in batch_parts.iter().enumerate() {
            let keys: [u64; DRAW_WIDTH] = std::array::from_fn(|j| crate::rng::mix64(edge_parts[j] ^ batch_part));
            let (mut live, mut undecided, mut rest) = ([0u64; DRAW_WIDTH], [!0u64; DRAW_WIDTH], thresholds);
            // Comparison::step on every edge, as plain arrays so that the loop vectorises.
            for i in 0..DRAW_PREFIX as u64 {
                for j in 0..DRAW_WIDTH {
                    let r = word(keys[j], i);
                    let bit = 0u64.wrapping_sub(rest[j] >> 63);
                    live[j] |= undecided[j] & !r & bit;
                    undecided[j] &= !(r ^ bit);
                    rest[j] <<= 1;
                }
            }
            for (j, out) in out.iter_mut().enumerate() {
                let comparison =
                    Comparison { live: live[j], undecided: undecided[j], rest: rest[j], next: DRAW_PREFIX as u64 };
                out[w] = if thresholds[j] == u64::MAX { !0 } else { comparison.finish(keys[j]) };
            }
        }
    }
}

/// Edges drawn together by [`draw_certain`], and the words compared for all of them: after 12
/// words, one edge in 70 still has an undecided lane (`1 − (1 − 2^−12)^64`) and finishes alone,
/// a mispredicted loop exit that cost more than four more vector words (measured: 8 words gave
/// 20% fewer edge-trials per second).
const DRAW_WIDTH: usize = 8;
const DRAW_PREFIX: usize = 12;

/// Edge `stable_id`'s stream key in a batch: `key(&[seed, LIVE, stream, stable_id, batch])` from
/// the run's part `prefix = key(&[seed, LIVE, stream])` and the batch's `mix64(batch + γ)`.
#[inline(always)]
fn edge_key(prefix: u64, stable_id: u64, batch_part: u64) -> u64 {
    crate::rng::mix64(extend(prefix, stable_id) ^ batch_part)
}

/// Transposes a 64×64 bit matrix in place (rows are words; Hacker's Delight, section 7–3): six
/// rounds, each swapping blocks of bits between rows `J` apart, written so that rounds vectorise.
#[inline(always)]
fn transpose64(a: &mut [u64; 64]) {
    transpose_round::<32>(a, 0x0000_0000_FFFF_FFFF);
    transpose_round::<16>(a, 0x0000_FFFF_0000_FFFF);
    transpose_round::<8>(a, 0x00FF_00FF_00FF_00FF);
    transpose_round::<4>(a, 0x0F0F_0F0F_0F0F_0F0F);
    transpose_round::<2>(a, 0x3333_3333_3333_3333);
    transpose_round::<1>(a, 0x5555_5555_5555_5555);
}

/// One round of [`transpose64`]: for every row `k` with bit `J` clear, swaps the bits of `m` in
/// row `k` with the bits of `m << J` in row `k + J`.
#[inline(always)]
fn transpose_round<const J: usize>(a: &mut [u64; 64], m: u64) {
    for block in (0..64).step_by(2 * J) {
        for k in block..block + J {
            let t = (a[k] ^ (a[k + J] >> J)) & m;
            a[k] ^= t;
            a[k + J] ^= t << J;
        }
    }
}

impl Run<'_> {
    /// The live lanes of edge `e`, which leaves `from`, in the scratch's current group, after its
    /// fixpoint (drawing its source's out-edges if the source was never visited).
    fn live<const W: usize>(&self, s: &mut Scratch<W>, from: u32, e: usize) -> [u64; W] {
        if !any(&s.front.pushed[from as usize]) {
            self.draw_out_edges(s, from);
        }
        s.live[e]
    }

    /// Draws the live lanes of every out-edge of `u` in each batch of the group. Edge `e`'s lanes
    /// in batch `b` come from the stream `key(&[seed, LIVE, stream, stable_id(e), b])`, computed
    /// from the run's, the edge's and the batch's parts.
    #[inline(always)]
    fn draw_out_edges<const W: usize>(&self, s: &mut Scratch<W>, u: u32) {
        self.draw_certain_edges(s, self.graph.out_edges(u));
        self.draw_uncertain_and_copy(s, u);
    }

    /// [`draw_certain`] of `edges` into the group's live lanes, as if every probability were fixed.
    #[inline(always)]
    fn draw_certain_edges<const W: usize>(&self, s: &mut Scratch<W>, edges: std::ops::Range<usize>) {
        let g = self.graph;
        let ids = g.draw_ids.get(edges.clone());
        draw_certain(&g.thresholds[edges.clone()], edges.start, ids, s.prefix, &s.batch_parts, &mut s.live[edges]);
    }

    /// The rest of [`Self::draw_out_edges`] once [`Self::draw_certain_edges`] has run: `u`'s
    /// uncertain edges drawn again with their per-lane thresholds, and its AND edges' lanes copied
    /// to their required nodes' slots, which follow each other in `reqs`.
    #[inline(always)]
    fn draw_uncertain_and_copy<const W: usize>(&self, s: &mut Scratch<W>, u: u32) {
        let g = self.graph;
        let mut slot = g.req_start[u as usize] as usize;
        for e in g.out_edges(u) {
            let to = g.to[e];
            if to & UNCERTAIN != 0 {
                let at = g.program_of.binary_search_by_key(&(e as u32), |&(edge, _)| edge);
                let program = g.program_of[at.expect("uncertain edges have a program")].1 as usize;
                self.program_planes(s, program);
                for w in 0..W {
                    let k = edge_key(s.prefix, g.draw_id(e), s.batch_parts[w]);
                    s.live[e][w] = s.program_planes[program][w].lanes(k);
                }
            }
            if to & CAMPAIGN != 0 {
                self.keep_reached_lanes(s, e);
            }
            if to & HAS_REQS != 0 {
                let count = if to & MORE_REQS != 0 { g.req_range(e).len() } else { 1 };
                for &d in &g.dep_pos[slot..slot + count] {
                    s.dep_live[d as usize] = (s.live[e], s.first_batch + 1);
                }
                slot += count;
            }
        }
    }

    /// Keeps campaign edge `e` live only in the lanes whose trial reaches its target.
    #[cold]
    fn keep_reached_lanes<const W: usize>(&self, s: &mut Scratch<W>, e: usize) {
        let g = self.graph;
        let at = g.campaign_of.binary_search_by_key(&(e as u32), |&(edge, _, _)| edge);
        let (_, campaign, slot) = g.campaign_of[at.expect("campaign edges are listed")];
        let (campaign, slot) = (campaign as usize, slot as usize);
        if s.campaign_stamp[campaign] != s.first_batch {
            self.reach_members(s, campaign);
        }
        let reached = s.campaign_lanes[campaign][slot];
        s.live[e] = and(&s.live[e], &reached);
    }

    /// Chooses, in each trial of the group, the members campaign `c` reaches: bit `l` of word `w`
    /// of `campaign_lanes[c][m]` is set when trial `l` of the group's batch `w` reaches member `m`.
    fn reach_members<const W: usize>(&self, s: &mut Scratch<W>, c: usize) {
        let campaign = &self.graph.campaigns[c];
        let prefix = key(&[self.seed, domain::CAMPAIGN, self.stream, campaign.stable_id]);
        let lanes = &mut s.campaign_lanes[c];
        lanes.fill([0; W]);
        for (w, batch) in (s.first_batch..s.first_batch + W as u64).enumerate() {
            for lane in 0..64 {
                let bit = 1u64 << lane;
                campaign.reach.choose(crate::campaign::trial_key(prefix, batch * 64 + lane), |m| {
                    let word = &mut lanes[m as usize][w];
                    let new = *word & bit == 0;
                    *word |= bit;
                    new
                });
            }
        }
        s.campaign_stamp[c] = s.first_batch;
    }

    /// Makes `s.program_planes[program]` the per-lane thresholds of an edge whose probability
    /// varies per trial, in each batch of the group. [`Planes::lanes`] compares each lane's
    /// uniform, the same as [`certain_lanes`] would, with its own threshold, so an edge that becomes
    /// uncertain in a what-if (a control with an interval efficacy) keeps its draws: common random
    /// numbers.
    fn program_planes<const W: usize>(&self, s: &mut Scratch<W>, program: usize) {
        if s.program_stamp[program] != s.first_batch {
            compute_program_planes(self, s, program);
        }
    }

    /// [`Self::program_planes`] when they are not computed yet for the group.
    #[inline(always)]
    fn compute_program_planes<const W: usize>(&self, s: &mut Scratch<W>, program: usize) {
        let g = self.graph;
        let prog = &g.programs[program];
        for t in std::iter::once(prog.base).chain(prog.factors.iter().flat_map(|&(a, d)| [a, d])) {
            self.sample_input(s, t);
        }
        for w in 0..W {
            let mut p = [0.0; 64];
            s.term_lanes(prog.base, w, |lane, base| p[lane] = base);
            for &(prevent, detect) in &prog.factors {
                // p·((1 − a)·(1 − d·respond)), in this order of rounding.
                let mut factor = [0.0; 64];
                s.term_lanes(prevent, w, |lane, a| factor[lane] = 1.0 - a);
                s.term_lanes(detect, w, |lane, d| factor[lane] *= 1.0 - d * g.respond);
                for lane in 0..64 {
                    p[lane] *= factor[lane];
                }
            }
            s.program_planes[program][w] = Planes::of(&p.map(threshold));
        }
        s.program_stamp[program] = s.first_batch;
    }

    /// Samples input term `t` in every batch of the group, once per group (a fixed term: nothing).
    #[inline(always)]
    fn sample_input<const W: usize>(&self, s: &mut Scratch<W>, t: Term) {
        let Term::Input(i) = t else { return };
        let i = i as usize;
        if s.input_stamp[i] == s.first_batch {
            return;
        }
        let k = key(&[self.seed, domain::INPUT, self.stream, self.graph.inputs[i].1]);
        let table = &self.graph.input_tables[i];
        for (b, samples) in s.input_samples[i].iter_mut().enumerate() {
            table.fill(k, (s.first_batch + b as u64) * 64, samples);
        }
        s.input_stamp[i] = s.first_batch;
    }

    /// Runs the group of batches `first_batch ..` (the `W` of them, or as many as the run has) to
    /// their fixpoint, leaving held lanes in `s.front.held`.
    #[inline(always)]
    fn group_body<const W: usize>(&self, s: &mut Scratch<W>, first_batch: u64) {
        s.prefix = key(&[self.seed, domain::LIVE, self.stream]);
        s.first_batch = first_batch;
        s.batch_parts =
            std::array::from_fn(|w| crate::rng::mix64((first_batch + w as u64).wrapping_add(crate::rng::GAMMA)));
        let branch_free = match FORCED_BRANCH_FREE.load(std::sync::atomic::Ordering::Relaxed) {
            1 => false,
            2 => true,
            _ => self.graph.node_count * 8 * W <= BRANCH_FREE_HELD_BYTES,
        };
        // When the last group visited most nodes, this one draws every out-edge first, in one
        // sequential pass, instead of node by node at first visits scattered over the sweeps
        // (measured 5–15% faster); on a graph where trials reach little, only what they reach.
        let ahead = 2 * s.visited_nodes > self.graph.node_count;
        s.visited_nodes = match (branch_free, ahead) {
            (true, true) => self.propagate::<W, true, true>(s, first_batch),
            (true, false) => self.propagate::<W, true, false>(s, first_batch),
            (false, true) => self.propagate::<W, false, true>(s, first_batch),
            (false, false) => self.propagate::<W, false, false>(s, first_batch),
        };
    }

    /// From the entries, sweeps in id order over the pending nodes until a sweep finds none;
    /// returns how many nodes it visited. `AHEAD`: every edge is drawn first as if its probability
    /// were fixed; a node's uncertain edges are drawn again at its first visit (only the nodes
    /// trials reach pay for sampling their inputs).
    #[inline(always)]
    fn propagate<const W: usize, const BRANCH_FREE: bool, const AHEAD: bool>(
        &self,
        s: &mut Scratch<W>,
        first_batch: u64,
    ) -> usize {
        s.front.clear();
        if AHEAD {
            self.draw_certain_edges(s, 0..self.graph.edge_count());
        }
        let mut visited_nodes = 0;
        // Batches past the run's last hold nothing: they never propagate.
        let real: [u64; W] =
            std::array::from_fn(|w| if first_batch + (w as u64) < self.batch_count() { !0 } else { 0 });
        for &e in self.entries {
            s.front.gain(e as usize, real);
        }
        let mut visited = true;
        while visited {
            visited = false;
            for w in 0..s.front.pending.len() {
                while s.front.pending[w] != 0 {
                    let bits = s.front.pending[w];
                    s.front.pending[w] = bits & (bits - 1);
                    visited_nodes +=
                        self.visit::<W, BRANCH_FREE, AHEAD>(s, w * 64 + bits.trailing_zeros() as usize) as usize;
                    visited = true;
                }
            }
        }
        visited_nodes
    }

    /// Pushes node `u`'s pending lanes along its out-edges and the AND edges that need it;
    /// returns whether this was its first visit in the group. `BRANCH_FREE`: see
    /// [`BRANCH_FREE_HELD_BYTES`]; `AHEAD`: edges are drawn already as if certain.
    #[inline(always)]
    fn visit<const W: usize, const BRANCH_FREE: bool, const AHEAD: bool>(&self, s: &mut Scratch<W>, u: usize) -> bool {
        let g = self.graph;
        let (held, pushed) = (s.front.held[u], s.front.pushed[u]);
        // On its first visit in the group a node has pushed nothing yet.
        let first_visit = !any(&pushed);
        if first_visit {
            if AHEAD {
                self.draw_uncertain_and_copy(s, u as u32);
            } else {
                self.draw_out_edges(s, u as u32);
            }
        }
        let front = &mut s.front;
        // Only the lanes gained since `u` was last visited: the others were pushed then.
        let delta = and_not(&held, &pushed);
        front.pushed[u] = held;
        // Every node that gains lanes is visited, so marking visited nodes marks all held ones.
        front.touch(u);
        let edges = g.out_edges(u as u32);
        let first = edges.start;
        let live = &s.live[edges.clone()];
        let to = &g.to[edges];
        // Required nodes of this node's AND edges follow each other in `reqs`, in edge order.
        let mut slot = usize::MAX;
        for (i, (live, &t)) in live.iter().zip(to).enumerate() {
            let mut lanes = and(&delta, live);
            if t & HAS_REQS != 0 {
                if slot == usize::MAX {
                    slot = g.req_start[u] as usize;
                }
                let count = if t & MORE_REQS != 0 { g.req_range(first + i).len() } else { 1 };
                // On a large graph, a required node's lanes are a miss to memory: not read for
                // an edge that pushes no lane anyway.
                if BRANCH_FREE || any(&lanes) {
                    for &r in &g.reqs[slot..slot + count] {
                        lanes = and(&lanes, &front.held[r as usize]);
                    }
                }
                slot += count;
            }
            if BRANCH_FREE || any(&lanes) {
                front.gain((t & NODE) as usize, lanes);
            }
        }
        // AND edges that need `u`, in the lanes `u` just gained. One whose source was never
        // visited in this group is skipped: the source is pending (or holds nothing) and fires it,
        // with `u`'s lanes held by then, when visited.
        for d in g.dep_offsets[u] as usize..g.dep_offsets[u + 1] as usize {
            let (live, drawn) = s.dep_live[d];
            if drawn != s.first_batch + 1 {
                continue;
            }
            let mut lanes = and(&delta, &live);
            if !any(&lanes) {
                continue;
            }
            let dep = g.deps[d];
            let mut and_held = |node: u32| lanes = and(&lanes, &front.held[node as usize]);
            and_held(dep.from);
            if dep.to & MORE_REQS != 0 {
                let e = dep.edge as usize;
                for &r in g.edge_requires(e) {
                    and_held(r);
                }
            }
            front.gain((dep.to & NODE) as usize, lanes);
        }
        first_visit
    }

    pub fn batch_count(&self) -> u64 {
        self.trials.div_ceil(64)
    }

    fn lanes_of(&self, batch: u64) -> u64 {
        let remaining = self.trials - batch * 64;
        if remaining >= 64 { !0 } else { (1u64 << remaining) - 1 }
    }

    /// Simulates every batch (in parallel) and returns `visit`'s result per batch, in batch order.
    /// Batches are simulated `W` at a time (see [`group_width`]); results do not depend on `W`.
    pub fn map_batches<T: Send>(&self, visit: impl Fn(&mut Batch) -> T + Sync) -> Vec<T> {
        self.map_batch_range(0..self.batch_count(), visit)
    }

    /// [`Self::map_batches`] over the batches in `batches` only (within [`Self::batch_count`]):
    /// each batch gives the same lanes as in the whole run, since its draws are keyed by its index.
    pub fn map_batch_range<T: Send>(
        &self,
        batches: std::ops::Range<u64>,
        visit: impl Fn(&mut Batch) -> T + Sync,
    ) -> Vec<T> {
        debug_assert!(batches.end <= self.batch_count(), "batches {batches:?} of {}", self.batch_count());
        match group_width(self.graph, batches.end.saturating_sub(batches.start)) {
            16 => self.map_groups::<16, T>(batches, &visit),
            8 => self.map_groups::<8, T>(batches, &visit),
            4 => self.map_groups::<4, T>(batches, &visit),
            2 => self.map_groups::<2, T>(batches, &visit),
            _ => self.map_groups::<1, T>(batches, &visit),
        }
    }

    fn map_groups<const W: usize, T: Send>(
        &self,
        range: std::ops::Range<u64>,
        visit: &(impl Fn(&mut Batch) -> T + Sync),
    ) -> Vec<T> {
        // About 8 batches per work item.
        let chunk = (8 / W).max(1) as u64;
        let (start, batches) = (range.start, range.end);
        let groups = batches.saturating_sub(start).div_ceil(W as u64);
        // rayon calls `map_init`'s init once per split job, often once per work item: scratches
        // go back to a pool when a job ends, so a call allocates about one per thread.
        let pool = Pool::default();
        let per_chunk: Vec<Vec<T>> = (0..groups.div_ceil(chunk))
            .into_par_iter()
            .map_init(
                || pool.take(|| Scratch::<W>::new(self.graph)),
                |pooled, c| {
                    let s = &mut **pooled;
                    let mut out = Vec::new();
                    for group in c * chunk..((c + 1) * chunk).min(groups) {
                        let first = start + group * W as u64;
                        run_group(self, s, first);
                        for (word, batch) in (first..(first + W as u64).min(batches)).enumerate() {
                            let lanes = self.lanes_of(batch);
                            out.push(visit(&mut Batch { index: batch, lanes, run: self, scratch: s, word }));
                        }
                    }
                    out
                },
            )
            .collect();
        per_chunk.into_iter().flatten().collect()
    }

    /// In how many trials each of `targets` is held.
    pub fn hit_counts(&self, targets: &[u32]) -> Vec<u64> {
        self.hit_counts_in(targets, 0..self.batch_count())
    }

    /// [`Self::hit_counts`] over the trials of the batches in `batches` only.
    pub fn hit_counts_in(&self, targets: &[u32], batches: std::ops::Range<u64>) -> Vec<u64> {
        let per_batch = self
            .map_batch_range(batches, |b| targets.iter().map(|&t| b.held(t).count_ones() as u64).collect::<Vec<_>>());
        let mut totals = vec![0u64; targets.len()];
        for counts in per_batch {
            for (t, c) in totals.iter_mut().zip(counts) {
                *t += c;
            }
        }
        totals
    }
}

multiversion! {
    /// [`Run::group_body`] compiled for the CPU's vector extensions (the draws vectorise).
    fn run_group<const W: usize>(run: &Run<'_>, s: &mut Scratch<W>, first_batch: u64) = group_body;
}

#[inline(always)]
fn group_body<const W: usize>(run: &Run<'_>, s: &mut Scratch<W>, first_batch: u64) {
    run.group_body(s, first_batch);
}

multiversion! {
    /// [`Run::compute_program_planes`] compiled for the CPU's vector extensions (64 lanes at once).
    fn compute_program_planes<const W: usize>(run: &Run<'_>, s: &mut Scratch<W>, program: usize) = program_planes_body;
}

#[inline(always)]
fn program_planes_body<const W: usize>(run: &Run<'_>, s: &mut Scratch<W>, program: usize) {
    run.compute_program_planes(s, program);
}

/// How many batches a thread simulates together when running `batches` batches on `graph`. More
/// batches share each visit of a node (fewer visits per trial: lanes that arrive at different
/// times in one batch arrive together with another batch's), but each thread's scratch grows by
/// `8·W` bytes per edge and `16·W` per node. Measured on 10^3–10^7-edge graphs (BENCHMARKS.md): as
/// wide as fits in [`GROUP_CACHE_BYTES`], else up to 4 within [`GROUP_MAX_BYTES`] per thread or
/// [`SCRATCH_BYTES_PER_EDGE`] for all threads; never so wide that a thread is left without a group.
pub fn group_width(graph: &SimGraph, batches: u64) -> usize {
    let forced = FORCED_WIDTH.load(std::sync::atomic::Ordering::Relaxed);
    if forced != 0 {
        return forced;
    }
    let per_batch = 8 * graph.edge_count() + 16 * graph.node_count;
    let threads = rayon::current_num_threads();
    let enough_groups = |w: usize| batches >= (w * 2 * threads) as u64;
    let fits = |w: usize, bytes: usize| w * per_batch <= bytes && enough_groups(w);
    let cached = [16, 8, 4, 2].into_iter().find(|&w| fits(w, GROUP_CACHE_BYTES)).unwrap_or(1);
    if cached >= 4 {
        return cached;
    }
    let budget = GROUP_MAX_BYTES.max(SCRATCH_BYTES_PER_EDGE * graph.edge_count() / threads);
    [4, 2].into_iter().find(|&w| fits(w, budget)).unwrap_or(cached)
}

/// Makes every run simulate `width` batches per group (1, 2, 4, 8 or 16; `None`: the automatic
/// choice). Process-wide, for tests that check every width gives the same results, and for
/// benchmarks of one width.
pub fn force_group_width(width: Option<usize>) {
    assert!(width.is_none_or(|w| GROUP_WIDTHS.contains(&w)), "a width map_batches runs");
    FORCED_WIDTH.store(width.unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
}

/// The group widths [`Run::map_batches`] runs.
pub const GROUP_WIDTHS: [usize; 5] = [1, 2, 4, 8, 16];

static FORCED_WIDTH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Makes every run update targets without a branch (`Some(true)`), or only those that gain
/// lanes (`Some(false)`), instead of choosing by [`BRANCH_FREE_HELD_BYTES`] (`None`).
/// Process-wide, for tests that check both give the same results.
pub fn force_branch_free(branch_free: Option<bool>) {
    FORCED_BRANCH_FREE.store(branch_free.map_or(0, |b| 1 + b as u8), std::sync::atomic::Ordering::Relaxed);
}

static FORCED_BRANCH_FREE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Per-thread scratch that stays in a core's share of the cache, and the most a group may take.
const GROUP_CACHE_BYTES: usize = 8 << 20;
const GROUP_MAX_BYTES: usize = 48 << 20;
/// The scratch all threads may take together, per edge of the graph, however large: with the
/// graph's own ~15 bytes an edge, a run stays within 64 (a group of 2 on 10^7 edges and 2 threads).
const SCRATCH_BYTES_PER_EDGE: usize = 44;

/// A proportion estimated from `hits` of `trials`, with its standard error.
pub fn proportion(hits: u64, trials: u64) -> (f64, f64) {
    let p = hits as f64 / trials as f64;
    (p, (p * (1.0 - p) / trials as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certain_lanes_are_bernoulli_with_the_exact_probability() {
        for &p in &[0.5, 0.25, 0.1, 0.9, 0.123456, 0.999] {
            let t = threshold(p);
            let n = 20_000u64;
            let ones: u64 = (0..n).map(|b| certain_lanes(t, key(&[7, b])).count_ones() as u64).sum();
            let est = ones as f64 / (n * 64) as f64;
            let se = (p * (1.0 - p) / (n * 64) as f64).sqrt();
            assert!((est - p).abs() < 4.0 * se, "p={p} est={est}");
        }
    }

    /// The per-lane thresholds of uncertain edges, hashed over 40 batches: pinned to those of the
    /// scalar code they replaced, on every vector extension, to the last bit (a threshold one ulp
    /// apart would rarely change a lane, so lanes alone would not show it).
    #[test]
    fn per_lane_thresholds_are_the_recorded_ones_on_every_vector_extension() {
        use crate::simd::{Level, cap_level};
        let yaml = "settings: {respond: 0.5}
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: jewel, kind: datastore, crown_jewel: true, loss: {confidentiality: 1e6}}
  - {id: a, kind: service}
edges:
  - {from: internet, to: a, kind: exploits, p: {low: 0.1, high: 0.6}}
  - {from: internet, to: jewel, kind: exploits, p: {low: 0.001, high: 0.3}}
  - {from: a, to: jewel, kind: authenticates}
controls:
  - {id: waf, mitigates: {T1190: {low: 0.05, high: 0.95}}, detects: {T1190: {low: 0.2, high: 0.4}}, scope: [a, jewel]}
  - {id: mfa, mitigates: {T1078: 0.9}, detects: {T1078: {low: 0.01, high: 0.99}}, scope: [jewel]}
actors:
  - {id: x, frequency: 1, entry: [internet], skill: medium}
";
        let model = riskpath_model::load_str("t.yaml", yaml, &Default::default()).expect("loads").model;
        let graph = crate::compile::compile(&model, &crate::compile::Posture::as_deployed(&model));
        let sim = SimGraph::from_attack_graph(&graph, &model, Skill::Medium);
        assert_eq!(sim.programs.len(), 3, "one program per edge");
        let run = Run { graph: &sim, entries: &[0], trials: 40 * 64, seed: 5, stream: 2 };
        let hash = || {
            let mut h = 0u64;
            for batch in 0..40 {
                let mut s = Scratch::<1>::new(&sim);
                s.first_batch = batch;
                for program in 0..sim.programs.len() {
                    run.program_planes(&mut s, program);
                    h = match s.program_planes[program][0] {
                        Planes::Same(t) => crate::rng::mix64(h ^ t),
                        Planes::Varying(planes) => planes.iter().fold(h, |h, &p| crate::rng::mix64(h ^ p)),
                    };
                }
            }
            h
        };
        let _cap = crate::simd::CAP_LOCK.lock().unwrap();
        for cap in [None, Some(Level::Avx2), Some(Level::Baseline)] {
            cap_level(cap);
            let h = hash();
            cap_level(None);
            assert_eq!(h, 0xa6be_bcf1_8944_3319, "at {cap:?}: {h:#018x}");
        }
    }

    #[test]
    fn transpose_gathers_bit_planes() {
        let mut rows = [0u64; 64];
        for (i, r) in rows.iter_mut().enumerate() {
            *r = crate::rng::word(77, i as u64);
        }
        let mut planes = rows;
        planes.reverse();
        transpose64(&mut planes);
        for (i, plane) in planes.iter().enumerate() {
            let naive = rows.iter().enumerate().fold(0u64, |m, (lane, t)| m | ((t >> (63 - i)) & 1) << lane);
            assert_eq!(*plane, naive, "plane {i}");
        }
    }

    #[test]
    fn varying_thresholds_decide_lanes_like_the_certain_draw() {
        let (a, b) = (threshold(0.3), threshold(0.7));
        for batch in 0..200 {
            let k = key(&[5, batch]);
            let mut mixed = [a; 64];
            for lane in (0..64).step_by(2) {
                mixed[lane] = b;
            }
            let even = 0x5555_5555_5555_5555u64;
            let got = Planes::of(&mixed).lanes(k);
            assert_eq!(got & even, certain_lanes(b, k) & even);
            assert_eq!(got & !even, certain_lanes(a, k) & !even);
        }
    }

    #[test]
    fn lanes_are_independent_of_each_other() {
        // Pairs of adjacent lanes: P(both) must be p².
        let t = threshold(0.3);
        let n = 20_000u64;
        let both: u64 = (0..n)
            .map(|b| {
                let w = certain_lanes(t, key(&[9, b]));
                (w & (w >> 1) & 0x5555_5555_5555_5555).count_ones() as u64
            })
            .sum();
        let est = both as f64 / (n * 32) as f64;
        assert!((est - 0.09).abs() < 4.0 * (0.09f64 * 0.91 / (n * 32) as f64).sqrt(), "{est}");
    }
}
