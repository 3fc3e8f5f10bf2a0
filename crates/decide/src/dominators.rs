//! Immediate dominators of a graph given as a list of arcs, with buffers reused from call to call:
//! the choke-point analysis asks for one dominator tree per winning trial.

use crate::csr::Csr;

/// No vertex: unreachable, not yet numbered, or the root's dominator.
const NONE: u32 = u32::MAX;
/// A vertex on the depth-first stack, not yet numbered.
const OPEN: u32 = u32::MAX - 1;

/// The dominator tree of the last [`Dominators::compute`], by Cooper, Harvey and Kennedy's
/// iterative algorithm over reverse postorder ("A Simple, Fast Dominance Algorithm", 2001), the
/// one petgraph's `simple_fast` implements, here on flat arrays: no hashing, nothing allocated once
/// the buffers have grown.
#[derive(Debug, Default)]
pub struct Dominators {
    root: u32,
    succ: Csr,
    pred: Csr,
    /// Postorder number of each vertex (`NONE` when unreachable).
    post: Vec<u32>,
    /// Vertices in postorder.
    order: Vec<u32>,
    idom: Vec<u32>,
    stack: Vec<(u32, u32)>,
}

impl Dominators {
    /// Computes the dominators of the graph of vertices `0..n` and `arcs` (from, to), from `root`.
    pub fn compute(&mut self, n: usize, arcs: &[(u32, u32)], root: u32) {
        self.root = root;
        self.succ.refill(n, arcs.iter().copied());
        self.pred.refill(n, arcs.iter().map(|&(u, v)| (v, u)));
        self.number_in_postorder(n);
        self.idom.clear();
        self.idom.resize(n, NONE);
        self.idom[root as usize] = root;
        let mut changed = true;
        while changed {
            changed = false;
            for i in (0..self.order.len()).rev() {
                let b = self.order[i];
                if b == root {
                    continue;
                }
                let mut new = NONE;
                for &p in self.pred.of(b) {
                    if self.idom[p as usize] != NONE {
                        new = if new == NONE { p } else { self.intersect(p, new) };
                    }
                }
                if self.idom[b as usize] != new {
                    self.idom[b as usize] = new;
                    changed = true;
                }
            }
        }
    }

    /// The immediate dominator of `v`: `None` for the root and for vertices it does not reach.
    pub fn immediate_dominator(&self, v: u32) -> Option<u32> {
        let d = self.idom[v as usize];
        (v != self.root && d != NONE).then_some(d)
    }

    fn number_in_postorder(&mut self, n: usize) {
        self.post.clear();
        self.post.resize(n, NONE);
        self.order.clear();
        self.post[self.root as usize] = OPEN;
        self.stack.push((self.root, self.succ.offsets[self.root as usize]));
        while let Some(top) = self.stack.last_mut() {
            let (v, next) = *top;
            if next < self.succ.offsets[v as usize + 1] {
                top.1 += 1;
                let w = self.succ.items[next as usize];
                if self.post[w as usize] == NONE {
                    self.post[w as usize] = OPEN;
                    self.stack.push((w, self.succ.offsets[w as usize]));
                }
            } else {
                self.post[v as usize] = self.order.len() as u32;
                self.order.push(v);
                self.stack.pop();
            }
        }
    }

    /// The nearest common dominator of two processed vertices: climb from the one numbered
    /// lower in postorder.
    fn intersect(&self, mut a: u32, mut b: u32) -> u32 {
        while a != b {
            while self.post[a as usize] < self.post[b as usize] {
                a = self.idom[a as usize];
            }
            while self.post[b as usize] < self.post[a as usize] {
                b = self.idom[b as usize];
            }
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use petgraph::algo::dominators::simple_fast;
    use petgraph::graph::{DiGraph, NodeIndex};
    use proptest::prelude::*;

    proptest! {
        /// Equal to petgraph's `simple_fast` on random graphs, unreachable vertices included; the
        /// buffers are reused from one graph to the next, as in the choke-point analysis.
        #[test]
        fn immediate_dominators_match_petgraph(graphs in proptest::collection::vec(
            (1usize..24).prop_flat_map(|n| (Just(n), proptest::collection::vec((0..n as u32, 0..n as u32), 0..3 * n), 0..n as u32)),
            1..4,
        )) {
            let mut doms = Dominators::default();
            for (n, arcs, root) in graphs {
                let mut g: DiGraph<(), ()> = DiGraph::new();
                (0..n).for_each(|_| { g.add_node(()); });
                for &(u, v) in &arcs {
                    g.add_edge(NodeIndex::new(u as usize), NodeIndex::new(v as usize), ());
                }
                let oracle = simple_fast(&g, NodeIndex::new(root as usize));
                doms.compute(n, &arcs, root);
                for v in 0..n as u32 {
                    let want = oracle.immediate_dominator(NodeIndex::new(v as usize)).map(|d| d.index() as u32);
                    prop_assert_eq!(doms.immediate_dominator(v), want, "vertex {} of {:?} from {}", v, arcs, root);
                }
            }
        }
    }
}
