//! Seeded synthetic attack graphs of any size, for benchmarks and tests.
//!
//! The shape is a random directed graph with a few entry nodes (ids `0..entries`), built so that
//! an attack *percolates*: the mean out-degree `d = edges / nodes` times the mean edge probability
//! is the branching factor `R` ([`BRANCHING`] = 1.5, supercritical). From one held node an attacker
//! then reaches on average `R` new nodes per step, and a walk from one entry takes off with
//! probability `s`, where `1 − s = e^(−R·s)` (s ≈ 0.58 for R = 1.5); with three entries at least one
//! takes off in ~93% of trials, and then about 58% of the nodes are held. So most trials touch most
//! of the graph — the expensive case a benchmark should measure, unlike a subcritical graph
//! where trials die after a few steps. `R` is reached only when `d ≥ R` (p is capped at 1); use
//! `nodes ≈ edges / 8` (mean p ≈ 0.19) for a realistic mix.
//!
//! Per edge: the source is uniform over all nodes, except that 20% of edges leave one of a few
//! hubs (the first 1% of non-entry nodes: admin groups, CI runners), so out-degrees are skewed;
//! the target is uniform over non-entry nodes other than the source (targets are independent of
//! the source, so `R` holds whatever the skew); `p` is uniform on `(0, 2·p̄)` with
//! `p̄ = min(R/d, 1)` (on `(2·p̄ − 1, 1)` when `p̄ > ½`); 5% of edges are AND edges that also
//! require one uniformly chosen non-entry node other than both ends. No self-loops, no edges into
//! entries; parallel edges may occur, as in real estates.
//!
//! Every edge is a pure function of `(seed, index)` through the counter-based [`crate::rng`], so a
//! graph is reproducible on any machine. Edges come out sorted by source (a counting sort), which
//! makes [`SimGraph::from_edge_list`](crate::sim::SimGraph::from_edge_list) cheap; an edge's stable
//! id is its position in the returned list. 10^7 edges take 2–3 seconds on one core and 40 bytes
//! per edge (the size of an [`EdgeList`] entry), plus 4 bytes per node while sorting.

use crate::rng::{key, unit, word};
use crate::sim::EdgeList;

/// Mean out-degree × mean edge probability of generated graphs.
pub const BRANCHING: f64 = 1.5;
/// Fraction of edges that are AND edges with one required node.
pub const AND_FRACTION: f64 = 0.05;
/// Fraction of edges leaving a hub.
const HUB_FRACTION: f64 = 0.2;

/// Random-stream domain of the generator (distinct from the simulation's and the risk's).
const DOMAIN: u64 = 100;

/// The shape parameters shared by every edge.
#[derive(Clone, Copy)]
struct Shape {
    nodes: u32,
    entries: u32,
    hubs: u32,
    p_mean: f64,
    key: u64,
}

impl Shape {
    fn new(nodes: usize, edges: usize, entries: usize, seed: u64) -> Self {
        assert!(nodes <= u32::MAX as usize, "node ids are u32");
        // Keep at least two non-entry nodes whenever there are three nodes or more.
        let entries = entries.clamp(1, nodes.saturating_sub(2).max(1)) as u32;
        let inner = (nodes as u32).saturating_sub(entries);
        let degree = edges as f64 / nodes.max(1) as f64;
        Shape {
            nodes: nodes as u32,
            entries,
            hubs: (inner / 100).max(1),
            p_mean: (BRANCHING / degree).min(1.0),
            key: key(&[seed, DOMAIN]),
        }
    }

    #[inline]
    fn inner(&self) -> u32 {
        self.nodes - self.entries
    }

    #[inline]
    fn uniform(&self, i: usize, slot: u64, n: u32) -> u32 {
        ((unit(word(self.key, i as u64 * 8 + slot)) * n as f64) as u32).min(n - 1)
    }

    /// The source of edge `i`.
    #[inline]
    fn from(&self, i: usize) -> u32 {
        if self.inner() == 1 {
            // The only non-entry node cannot also be the target.
            return self.uniform(i, 1, self.entries);
        }
        if unit(word(self.key, i as u64 * 8)) < HUB_FRACTION {
            self.entries + self.uniform(i, 1, self.hubs)
        } else {
            self.uniform(i, 1, self.nodes)
        }
    }

    /// The whole edge `i` with its source `from`.
    fn edge(&self, i: usize, from: u32) -> (u32, u32, f64, Vec<u32>) {
        let inner = self.inner();
        // Uniform over non-entry nodes other than `from`.
        let mut to = self.entries + self.uniform(i, 2, if from >= self.entries { inner - 1 } else { inner });
        if from >= self.entries && to >= from {
            to += 1;
        }
        let u = unit(word(self.key, i as u64 * 8 + 3));
        let p = if self.p_mean <= 0.5 {
            2.0 * self.p_mean * u
        } else {
            2.0 * self.p_mean - 1.0 + (2.0 - 2.0 * self.p_mean) * u
        };
        let mut requires = Vec::new();
        if inner >= 3 && unit(word(self.key, i as u64 * 8 + 4)) < AND_FRACTION {
            // Uniform over non-entry nodes other than `from` and `to`.
            let (a, b) = if from < to { (from, to) } else { (to, from) };
            let excluded = if from >= self.entries { 2 } else { 1 };
            let mut r = self.entries + self.uniform(i, 5, inner - excluded);
            for x in [a, b] {
                if x >= self.entries && r >= x {
                    r += 1;
                }
            }
            requires.push(r);
        }
        (from, to, p, requires)
    }
}

/// A synthetic attack graph with `nodes` nodes (the first `entries` of them entry points, clamped
/// to `1..=nodes−2`) and `edges` edges, sorted by source; a pure function of its arguments.
/// With fewer than two nodes there is nowhere to go and the graph has no edges.
pub fn synthetic(nodes: usize, edges: usize, entries: usize, seed: u64) -> EdgeList {
    if nodes < 2 {
        return EdgeList { node_count: nodes, edges: Vec::new() };
    }
    let shape = Shape::new(nodes, edges, entries, seed);
    // Counting sort by source: count, prefix sums, then place each edge at its slot.
    let mut start = vec![0u32; nodes + 1];
    for i in 0..edges {
        start[shape.from(i) as usize + 1] += 1;
    }
    for n in 0..nodes {
        start[n + 1] += start[n];
    }
    let mut out = vec![(0u32, 0u32, 0.0f64, Vec::new()); edges];
    for i in 0..edges {
        let from = shape.from(i);
        let slot = &mut start[from as usize];
        out[*slot as usize] = shape.edge(i, from);
        *slot += 1;
    }
    EdgeList { node_count: nodes, edges: out }
}

/// The number of entry points [`synthetic`] uses for these arguments (after clamping).
pub fn entry_count(nodes: usize, entries: usize) -> usize {
    if nodes < 2 { nodes } else { entries.clamp(1, nodes.saturating_sub(2).max(1)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphs_are_well_formed_and_reproducible() {
        for &(n, m, k) in &[(2, 10, 1), (3, 50, 5), (10, 80, 3), (1000, 8000, 3)] {
            let g = synthetic(n, m, k, 7);
            assert_eq!(g.edges.len(), m);
            let entries = entry_count(n, k) as u32;
            let mut last = 0;
            for (from, to, p, reqs) in &g.edges {
                assert!(*from >= last, "sorted by source");
                last = *from;
                assert!((*from as usize) < n && (*to as usize) < n);
                assert_ne!(from, to, "no self-loops");
                assert!(*to >= entries, "no edges into entries");
                assert!(*p > 0.0 && *p <= 1.0);
                for r in reqs {
                    assert!(r != from && r != to && *r >= entries && (*r as usize) < n);
                }
            }
            let again = synthetic(n, m, k, 7);
            assert!(g.edges.iter().zip(&again.edges).all(|(a, b)| a == b));
        }
        assert!(synthetic(1, 10, 1, 1).edges.is_empty());
    }

    #[test]
    fn mean_probability_and_and_fraction_match_the_design() {
        let (n, m) = (10_000, 80_000);
        let g = synthetic(n, m, 3, 1);
        let mean_p = g.edges.iter().map(|e| e.2).sum::<f64>() / m as f64;
        assert!((mean_p * m as f64 / n as f64 - BRANCHING).abs() < 0.02, "{mean_p}");
        let and = g.edges.iter().filter(|e| !e.3.is_empty()).count() as f64 / m as f64;
        assert!((and - AND_FRACTION).abs() < 0.005, "{and}");
    }
}
