//! The baseline: a plain per-trial Monte Carlo, as one would first write it. Per trial a BFS from
//! the entries; each edge that becomes enabled (its source and required nodes processed) and whose
//! target is not yet held gets one random draw. No bit tricks, no lanes.
//!
//! Same semantics as the engine (the monotone Horn fixpoint; each edge live with its p, once per
//! trial), same fast counter-based random words and integer thresholds, same thread pool — so the
//! ratio to the engine measures the bit-parallel algorithm, not a slow random generator.

use rayon::prelude::*;
use riskpath_engine::rng::{key, word};
use riskpath_engine::sim::EdgeList;

pub struct ScalarGraph {
    node_count: usize,
    offsets: Vec<u32>,
    from: Vec<u32>,
    to: Vec<u32>,
    /// p as a 0.64 fixed-point fraction; u64::MAX means p = 1.
    threshold: Vec<u64>,
    req_offsets: Vec<u32>,
    reqs: Vec<u32>,
    dep_offsets: Vec<u32>,
    deps: Vec<u32>,
}

impl ScalarGraph {
    pub fn new(list: &EdgeList) -> Self {
        let n = list.node_count;
        let mut order: Vec<usize> = (0..list.edges.len()).collect();
        order.sort_by_key(|&i| list.edges[i].0);
        let mut g = ScalarGraph {
            node_count: n,
            offsets: vec![0; n + 1],
            from: Vec::with_capacity(order.len()),
            to: Vec::with_capacity(order.len()),
            threshold: Vec::with_capacity(order.len()),
            req_offsets: vec![0],
            reqs: Vec::new(),
            dep_offsets: vec![0; n + 1],
            deps: Vec::new(),
        };
        for &i in &order {
            let (from, to, p, ref reqs) = list.edges[i];
            g.offsets[from as usize + 1] += 1;
            g.from.push(from);
            g.to.push(to);
            g.threshold.push(if p >= 1.0 { u64::MAX } else { (p.max(0.0) * 18_446_744_073_709_551_616.0) as u64 });
            g.reqs.extend_from_slice(reqs);
            g.req_offsets.push(g.reqs.len() as u32);
            for &r in reqs {
                g.dep_offsets[r as usize + 1] += 1;
            }
        }
        for i in 0..n {
            g.offsets[i + 1] += g.offsets[i];
            g.dep_offsets[i + 1] += g.dep_offsets[i];
        }
        let mut cursor = g.dep_offsets.clone();
        g.deps = vec![0; g.reqs.len()];
        for e in 0..g.to.len() {
            for k in g.req_offsets[e]..g.req_offsets[e + 1] {
                let r = g.reqs[k as usize] as usize;
                g.deps[cursor[r] as usize] = e as u32;
                cursor[r] += 1;
            }
        }
        g
    }

    /// In how many of `trials` trials `target` is held, trials spread over the rayon pool.
    pub fn hits(&self, entries: &[u32], target: u32, trials: u64, seed: u64) -> u64 {
        // Up to 16 trials per work item, and at least 8 items per thread: with the 20 trials run
        // on 10^7 edges, two items of 16 and 4 left one thread idle most of the time.
        let chunk = (trials / (8 * rayon::current_num_threads() as u64)).clamp(1, 16);
        (0..trials.div_ceil(chunk))
            .into_par_iter()
            .map_init(
                || Scratch { held: vec![0; self.node_count], processed: vec![0; self.node_count], queue: Vec::new() },
                |s, c| {
                    (c * chunk..((c + 1) * chunk).min(trials))
                        .map(|t| self.trial(s, entries, target, seed, t) as u64)
                        .sum::<u64>()
                },
            )
            .sum()
    }

    fn trial(&self, s: &mut Scratch, entries: &[u32], target: u32, seed: u64, trial: u64) -> bool {
        // Stamps instead of clearing: node `n` is held in this trial iff held[n] == stamp.
        let stamp = trial as u32 + 1;
        let k = key(&[seed, 77, trial]);
        let mut draws = 0u64;
        for &e in entries {
            if s.held[e as usize] != stamp {
                s.held[e as usize] = stamp;
                s.queue.push(e);
            }
        }
        let mut head = 0;
        while head < s.queue.len() {
            let u = s.queue[head] as usize;
            head += 1;
            s.processed[u] = stamp;
            let out = self.offsets[u] as usize..self.offsets[u + 1] as usize;
            let dependents = (self.dep_offsets[u]..self.dep_offsets[u + 1]).map(|d| self.deps[d as usize] as usize);
            for e in out.chain(dependents) {
                let v = self.to[e] as usize;
                if s.held[v] == stamp
                    || s.processed[self.from[e] as usize] != stamp
                    || !(self.req_offsets[e]..self.req_offsets[e + 1])
                        .all(|r| s.processed[self.reqs[r as usize] as usize] == stamp)
                {
                    continue;
                }
                // Enabled now, for the first and only time: one draw.
                let live = word(k, draws) < self.threshold[e] || self.threshold[e] == u64::MAX;
                draws += 1;
                if live {
                    s.held[v] = stamp;
                    s.queue.push(v as u32);
                }
            }
        }
        s.queue.clear();
        s.held[target as usize] == stamp
    }
}

struct Scratch {
    held: Vec<u32>,
    processed: Vec<u32>,
    queue: Vec<u32>,
}
