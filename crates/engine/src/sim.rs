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

use rayon::prelude::*;
use riskpath_model::Estimate;
use riskpath_model::kb::Skill;

use crate::compile::{AttackGraph, Base};
use crate::dist;
use crate::rng::{key, unit, word};

/// Random-stream domains: each use of randomness has its own, so streams never overlap.
pub mod domain {
    pub const LIVE: u64 = 1;
    pub const INPUT: u64 = 2;
    pub const LANE: u64 = 3;
}

/// Marks an edge without an uncertain-probability program.
const CERTAIN: u32 = u32::MAX;

/// A factor of an uncertain edge's probability: a fixed number or an uncertain input.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Term {
    Fixed(f64),
    Input(u32),
}

/// How to compute an uncertain edge's probability in one trial.
#[derive(Debug, Clone)]
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
    from: Vec<u32>,
    to: Vec<u32>,
    /// Success probability as a 0.64 fixed-point fraction; `None` in `always` marks p = 1.
    threshold: Vec<u64>,
    always: Vec<bool>,
    /// Stable id of the edge for randomness (its index in the model), so removing one edge does not
    /// change the draws of the others: common random numbers across what-ifs.
    stable_id: Vec<u32>,
    req_offsets: Vec<u32>,
    reqs: Vec<u32>,
    /// Per node: the edges that require it (re-evaluated when it becomes held).
    dep_offsets: Vec<u32>,
    deps: Vec<u32>,
    program_of: Vec<u32>,
    programs: Vec<Program>,
    /// Uncertain inputs: the estimate and the stable key its samples are drawn with.
    inputs: Vec<(Estimate, u64)>,
    respond: f64,
}

/// A plain edge list for building a [`SimGraph`] directly (generators, tests, benchmarks).
#[derive(Debug, Clone, Default)]
pub struct EdgeList {
    pub node_count: usize,
    /// (from, to, p, requires)
    pub edges: Vec<(u32, u32, f64, Vec<u32>)>,
}

fn threshold_of(p: f64) -> (u64, bool) {
    if p >= 1.0 {
        (u64::MAX, true)
    } else if p <= 0.0 || p.is_nan() {
        (0, false)
    } else {
        ((p * 18_446_744_073_709_551_616.0) as u64, false)
    }
}

impl SimGraph {
    /// Builds from plain edges with certain probabilities.
    pub fn from_edge_list(list: &EdgeList) -> Self {
        let mut order: Vec<usize> = (0..list.edges.len()).collect();
        order.sort_by_key(|&i| (list.edges[i].0, i));
        let mut g = SimGraph::empty(list.node_count, 0.0);
        for &i in &order {
            let (from, to, p, ref reqs) = list.edges[i];
            g.push_edge(from, to, p, i as u32, reqs, CERTAIN);
        }
        g.finish();
        g
    }

    /// Builds for one skill from a compiled attack graph, keeping uncertain inputs as programs.
    pub fn from_attack_graph(graph: &AttackGraph, model: &riskpath_model::Model, skill: Skill) -> Self {
        let mut g = SimGraph::empty(graph.node_count(), graph.respond);
        for e in &graph.edges {
            let program = if e.is_uncertain() { g.add_program(e, model, skill) } else { CERTAIN };
            g.push_edge(e.from, e.to, e.p(skill), e.model_index as u32, &e.requires, program);
        }
        g.finish();
        g
    }

    fn empty(node_count: usize, respond: f64) -> Self {
        SimGraph {
            node_count,
            offsets: vec![0; node_count + 1],
            from: Vec::new(),
            to: Vec::new(),
            threshold: Vec::new(),
            always: Vec::new(),
            stable_id: Vec::new(),
            req_offsets: vec![0],
            reqs: Vec::new(),
            dep_offsets: Vec::new(),
            deps: Vec::new(),
            program_of: Vec::new(),
            programs: Vec::new(),
            inputs: Vec::new(),
            respond,
        }
    }

    /// Edges must be pushed sorted by source.
    fn push_edge(&mut self, from: u32, to: u32, p: f64, stable_id: u32, reqs: &[u32], program: u32) {
        let (t, always) = threshold_of(p);
        self.offsets[from as usize + 1] += 1;
        self.from.push(from);
        self.to.push(to);
        self.threshold.push(t);
        self.always.push(always);
        self.stable_id.push(stable_id);
        self.reqs.extend_from_slice(reqs);
        self.req_offsets.push(self.reqs.len() as u32);
        self.program_of.push(program);
    }

    fn finish(&mut self) {
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
        self.deps = vec![0; self.reqs.len()];
        for e in 0..self.to.len() {
            for k in self.req_offsets[e]..self.req_offsets[e + 1] {
                let r = self.reqs[k as usize] as usize;
                self.deps[count[r] as usize] = e as u32;
                count[r] += 1;
            }
        }
    }

    fn input(&mut self, estimate: Estimate, stable_key: u64) -> Term {
        if !estimate.is_uncertain() {
            return Term::Fixed(estimate.low());
        }
        if let Some(i) = self.inputs.iter().position(|(_, k)| *k == stable_key) {
            return Term::Input(i as u32);
        }
        self.inputs.push((estimate, stable_key));
        Term::Input(self.inputs.len() as u32 - 1)
    }

    fn add_program(&mut self, e: &crate::compile::CompiledEdge, model: &riskpath_model::Model, skill: Skill) -> u32 {
        let base = match e.base {
            Base::Override(est) => self.input(est, key(&[0, e.model_index as u64])),
            Base::Kind(p) => Term::Fixed(p[skill.index()]),
        };
        let factors = e
            .factors
            .iter()
            .map(|f| {
                let control = &model.controls[f.control];
                let entry = |list: &[riskpath_model::Efficacy]| {
                    list.iter().position(|x| riskpath_model::kb::technique_covers(&x.technique.value, &e.technique))
                };
                let mut term = |est: Option<Estimate>, which: u64, pos: Option<usize>| match (est, pos) {
                    (Some(est), Some(pos)) => self.input(est, key(&[1, f.control as u64, which, pos as u64])),
                    _ => Term::Fixed(0.0),
                };
                let prevent = term(f.prevent, 0, entry(&control.mitigates));
                let detect = term(f.detect, 1, entry(&control.detects));
                (prevent, detect)
            })
            .collect();
        self.programs.push(Program { base, factors });
        self.programs.len() as u32 - 1
    }

    pub fn node_count(&self) -> usize {
        self.node_count
    }
    /// Edges leaving `node` (indices into this graph's edges).
    pub fn out_edges(&self, node: u32) -> std::ops::Range<usize> {
        self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize
    }
    pub fn edge_from(&self, edge: usize) -> u32 {
        self.from[edge]
    }
    pub fn edge_to(&self, edge: usize) -> u32 {
        self.to[edge]
    }
    pub fn edge_requires(&self, edge: usize) -> &[u32] {
        &self.reqs[self.req_offsets[edge] as usize..self.req_offsets[edge + 1] as usize]
    }
    /// The edge's index in the model (or in the edge list it was built from).
    pub fn stable_id(&self, edge: usize) -> u32 {
        self.stable_id[edge]
    }
    pub fn edge_count(&self) -> usize {
        self.to.len()
    }
    /// Bytes held per edge by the graph (not counting per-thread scratch).
    pub fn bytes(&self) -> usize {
        self.offsets.len() * 4
            + self.from.len() * 4
            + self.to.len() * 4
            + self.threshold.len() * 8
            + self.always.len()
            + self.stable_id.len() * 4
            + self.req_offsets.len() * 4
            + self.reqs.len() * 4
            + self.dep_offsets.len() * 4
            + self.deps.len() * 4
            + self.program_of.len() * 4
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
    scratch: &'s mut Scratch,
}

impl Batch<'_> {
    /// The lanes (trials) in which `node` is held.
    #[inline]
    pub fn held(&self, node: u32) -> u64 {
        self.scratch.held[node as usize] & self.lanes
    }
    /// The lanes in which edge `edge` (index in the `SimGraph`) is live, drawn on demand.
    pub fn live(&mut self, edge: usize) -> u64 {
        self.run.live(self.scratch, edge, self.index) & self.lanes
    }
}

/// Per-thread working memory, reused across batches.
struct Scratch {
    held: Vec<u64>,
    touched: Vec<u32>,
    live: Vec<u64>,
    live_stamp: Vec<u64>,
    queued: Vec<bool>,
    queue: Vec<u32>,
    input_samples: Vec<[f64; 64]>,
    input_stamp: Vec<u64>,
}

impl Scratch {
    fn new(g: &SimGraph) -> Self {
        Scratch {
            held: vec![0; g.node_count],
            touched: Vec::new(),
            live: vec![0; g.edge_count()],
            live_stamp: vec![u64::MAX; g.edge_count()],
            queued: vec![false; g.node_count],
            queue: Vec::new(),
            input_samples: vec![[0.0; 64]; g.inputs.len()],
            input_stamp: vec![u64::MAX; g.inputs.len()],
        }
    }
}

/// Liveness lanes of an edge with certain probability `threshold / 2^64`.
#[inline]
fn certain_lanes(threshold: u64, k: u64) -> u64 {
    let mut undecided = !0u64;
    let mut live = 0u64;
    let mut rest = threshold;
    let mut i = 0;
    while rest != 0 {
        let r = word(k, i);
        i += 1;
        if rest >> 63 == 1 {
            live |= undecided & !r;
            undecided &= r;
        } else {
            undecided &= !r;
        }
        rest <<= 1;
        if undecided == 0 {
            break;
        }
    }
    live
}

impl Run<'_> {
    fn live(&self, s: &mut Scratch, e: usize, batch: u64) -> u64 {
        if s.live_stamp[e] == batch {
            return s.live[e];
        }
        let g = self.graph;
        let k = key(&[self.seed, domain::LIVE, self.stream, g.stable_id[e] as u64, batch]);
        let lanes = if g.program_of[e] != CERTAIN {
            self.uncertain_lanes(s, g.program_of[e] as usize, k, batch)
        } else if g.always[e] {
            !0
        } else {
            certain_lanes(g.threshold[e], k)
        };
        s.live[e] = lanes;
        s.live_stamp[e] = batch;
        lanes
    }

    /// Liveness lanes of an edge whose probability varies per trial: one uniform per lane.
    fn uncertain_lanes(&self, s: &mut Scratch, program: usize, k: u64, batch: u64) -> u64 {
        let g = self.graph;
        let prog = &g.programs[program];
        let mut lanes = 0u64;
        for lane in 0..64 {
            let mut p = self.term(s, prog.base, batch, lane);
            for &(prevent, detect) in &prog.factors {
                p *= (1.0 - self.term(s, prevent, batch, lane)) * (1.0 - self.term(s, detect, batch, lane) * g.respond);
            }
            if unit(word(k, 64 + lane as u64)) < p {
                lanes |= 1 << lane;
            }
        }
        lanes
    }

    #[inline]
    fn term(&self, s: &mut Scratch, t: Term, batch: u64, lane: usize) -> f64 {
        match t {
            Term::Fixed(v) => v,
            Term::Input(i) => {
                let i = i as usize;
                if s.input_stamp[i] != batch {
                    let (est, stable) = self.graph.inputs[i];
                    let k = key(&[self.seed, domain::INPUT, self.stream, stable]);
                    for (l, slot) in s.input_samples[i].iter_mut().enumerate() {
                        *slot = dist::probability_at(&est, unit(word(k, batch * 64 + l as u64)));
                    }
                    s.input_stamp[i] = batch;
                }
                s.input_samples[i][lane]
            }
        }
    }

    /// Runs one batch to its fixpoint, leaving held lanes in `s.held`.
    fn batch(&self, s: &mut Scratch, batch: u64) {
        let g = self.graph;
        for &n in &s.touched {
            s.held[n as usize] = 0;
        }
        s.touched.clear();
        for &e in self.entries {
            if s.held[e as usize] == 0 {
                s.touched.push(e);
            }
            s.held[e as usize] = !0;
            if !s.queued[e as usize] {
                s.queued[e as usize] = true;
                s.queue.push(e);
            }
        }
        while let Some(u) = s.queue.pop() {
            s.queued[u as usize] = false;
            let out = g.offsets[u as usize] as usize..g.offsets[u as usize + 1] as usize;
            let dependents = g.dep_offsets[u as usize] as usize..g.dep_offsets[u as usize + 1] as usize;
            for e in out.chain(dependents.map(|d| g.deps[d] as usize)) {
                self.fire(s, e, batch);
            }
        }
    }

    #[inline]
    fn fire(&self, s: &mut Scratch, e: usize, batch: u64) {
        let g = self.graph;
        let mut lanes = s.held[g.from[e] as usize];
        for k in g.req_offsets[e]..g.req_offsets[e + 1] {
            lanes &= s.held[g.reqs[k as usize] as usize];
        }
        let v = g.to[e] as usize;
        lanes &= !s.held[v];
        if lanes == 0 {
            return;
        }
        lanes &= self.live(s, e, batch);
        if lanes == 0 {
            return;
        }
        if s.held[v] == 0 {
            s.touched.push(v as u32);
        }
        s.held[v] |= lanes;
        if !s.queued[v] {
            s.queued[v] = true;
            s.queue.push(v as u32);
        }
    }

    pub fn batch_count(&self) -> u64 {
        self.trials.div_ceil(64)
    }

    fn lanes_of(&self, batch: u64) -> u64 {
        let remaining = self.trials - batch * 64;
        if remaining >= 64 { !0 } else { (1u64 << remaining) - 1 }
    }

    /// Simulates every batch (in parallel) and returns `visit`'s result per batch, in batch order.
    pub fn map_batches<T: Send>(&self, visit: impl Fn(&mut Batch) -> T + Sync) -> Vec<T> {
        const CHUNK: u64 = 8;
        let batches = self.batch_count();
        let chunks = batches.div_ceil(CHUNK);
        let per_chunk: Vec<Vec<T>> = (0..chunks)
            .into_par_iter()
            .map_init(
                || Scratch::new(self.graph),
                |s, c| {
                    (c * CHUNK..((c + 1) * CHUNK).min(batches))
                        .map(|b| {
                            self.batch(s, b);
                            visit(&mut Batch { index: b, lanes: self.lanes_of(b), run: self, scratch: s })
                        })
                        .collect()
                },
            )
            .collect();
        per_chunk.into_iter().flatten().collect()
    }

    /// In how many trials each of `targets` is held.
    pub fn hit_counts(&self, targets: &[u32]) -> Vec<u64> {
        let per_batch =
            self.map_batches(|b| targets.iter().map(|&t| b.held(t).count_ones() as u64).collect::<Vec<_>>());
        let mut totals = vec![0u64; targets.len()];
        for counts in per_batch {
            for (t, c) in totals.iter_mut().zip(counts) {
                *t += c;
            }
        }
        totals
    }
}

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
            let (t, _) = threshold_of(p);
            let n = 20_000u64;
            let ones: u64 = (0..n).map(|b| certain_lanes(t, key(&[7, b])).count_ones() as u64).sum();
            let est = ones as f64 / (n * 64) as f64;
            let se = (p * (1.0 - p) / (n * 64) as f64).sqrt();
            assert!((est - p).abs() < 4.0 * se, "p={p} est={est}");
        }
    }

    #[test]
    fn lanes_are_independent_of_each_other() {
        // Pairs of adjacent lanes: P(both) must be p².
        let (t, _) = threshold_of(0.3);
        let n = 20_000u64;
        let both: u64 = (0..n).map(|b| {
            let w = certain_lanes(t, key(&[9, b]));
            (w & (w >> 1) & 0x5555_5555_5555_5555).count_ones() as u64
        }).sum();
        let est = both as f64 / (n * 32) as f64;
        assert!((est - 0.09).abs() < 4.0 * (0.09f64 * 0.91 / (n * 32) as f64).sqrt(), "{est}");
    }
}
