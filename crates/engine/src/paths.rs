//! The most likely attack paths: Dijkstra and Yen's k shortest simple paths on weights −ln p,
//! from any of an actor's entry points to a target. AND edges carry their requirements as side conditions.

use std::cmp::Ordering;
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};

use riskpath_model::kb::Skill;

use crate::compile::AttackGraph;

/// One attack path: nodes from an entry point to the target, and the edges between them.
#[derive(Debug, Clone, PartialEq)]
pub struct AttackPath {
    pub nodes: Vec<u32>,
    /// Indices into `graph.edges`.
    pub edges: Vec<usize>,
    /// Product of the edges' probabilities (side conditions not included; a campaign's edge times
    /// the chance the campaign reaches its target).
    pub probability: f64,
    /// Per edge with unmet `requires`: the edge's position in `edges` and the nodes it also needs
    /// (for `requires_any`, those of the alternative with the fewest nodes off the path).
    pub side_conditions: Vec<(usize, Vec<u32>)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Cost(f64);
impl Eq for Cost {}
impl PartialOrd for Cost {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Cost {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Edge weights for one skill and target: −ln p, or None for an edge no path takes. A campaign's
/// edge counts the chance that the campaign reaches its target. Of parallel edges (one hop) only
/// the most likely way is kept (the first on a tie), so a path is a sequence of nodes; a node that
/// grants the target keeps only its edges to the target, so a path ends at the first such node.
fn weights(graph: &AttackGraph, skill: Skill, target: u32) -> Vec<Option<f64>> {
    let p = |e: &crate::compile::CompiledEdge| e.p_reached(graph, skill);
    let mut weight: Vec<Option<f64>> = graph.edges.iter().map(|e| (p(e) > 0.0).then(|| -p(e).ln())).collect();
    let mut best_way: HashMap<u64, usize> = HashMap::new();
    for (i, e) in graph.edges.iter().enumerate() {
        if weight[i].is_none() {
            continue;
        }
        match best_way.entry(e.draw_key) {
            Entry::Vacant(v) => {
                v.insert(i);
            }
            Entry::Occupied(mut o) => {
                let (kept, other) = if p(e) > p(&graph.edges[*o.get()]) { (i, *o.get()) } else { (*o.get(), i) };
                o.insert(kept);
                weight[other] = None;
            }
        }
    }
    let granting: HashSet<u32> =
        graph.edges.iter().filter(|e| e.from != target && is_grant(e, target, skill)).map(|e| e.from).collect();
    for (i, e) in graph.edges.iter().enumerate() {
        if e.to != target && granting.contains(&e.from) {
            weight[i] = None;
        }
    }
    weight
}

/// Does holding `node` already hold `target`? It does when an edge from `node` to `target` has no
/// conditions, no campaign and a base probability of exactly 1 (a membership, an administrator
/// grant, an edge written with `p: 1`): a path need not, and does not, walk on past such a node.
pub fn grants(graph: &AttackGraph, node: u32, target: u32, skill: Skill) -> bool {
    graph.out_edges(node).any(|i| is_grant(&graph.edges[i], target, skill))
}

/// Is `e` an edge into `target` that holding its source makes certain (see [`grants`])?
fn is_grant(e: &crate::compile::CompiledEdge, target: u32, skill: Skill) -> bool {
    e.to == target
        && e.requires.is_empty()
        && e.requires_any.is_empty()
        && e.campaign.is_none()
        && matches!(e.base.estimate(skill), riskpath_model::Estimate::Point(p) if p == 1.0)
}

struct Search<'g> {
    graph: &'g AttackGraph,
    weight: Vec<Option<f64>>,
}

impl Search<'_> {
    /// Cheapest path from any of `sources` to `target`, avoiding banned nodes and edges.
    /// Returns (cost, nodes, edges).
    fn dijkstra(
        &self,
        sources: &[u32],
        target: u32,
        banned_nodes: &[bool],
        banned_edges: &HashSet<usize>,
    ) -> Option<(f64, Vec<u32>, Vec<usize>)> {
        let n = self.graph.node_count();
        let mut dist = vec![f64::INFINITY; n];
        let mut via: Vec<Option<usize>> = vec![None; n];
        let mut heap = BinaryHeap::new();
        for &s in sources {
            if !banned_nodes[s as usize] {
                dist[s as usize] = 0.0;
                heap.push(std::cmp::Reverse((Cost(0.0), s)));
            }
        }
        while let Some(std::cmp::Reverse((Cost(d), u))) = heap.pop() {
            if d > dist[u as usize] {
                continue;
            }
            if u == target {
                break;
            }
            for ei in self.graph.out_edges(u) {
                let Some(w) = self.weight[ei] else { continue };
                let v = self.graph.edges[ei].to;
                if banned_nodes[v as usize] || banned_edges.contains(&ei) {
                    continue;
                }
                let nd = d + w;
                if nd < dist[v as usize] {
                    dist[v as usize] = nd;
                    via[v as usize] = Some(ei);
                    heap.push(std::cmp::Reverse((Cost(nd), v)));
                }
            }
        }
        if !dist[target as usize].is_finite() {
            return None;
        }
        let (mut nodes, mut edges) = (vec![target], Vec::new());
        let mut at = target;
        while let Some(ei) = via[at as usize] {
            edges.push(ei);
            at = self.graph.edges[ei].from;
            nodes.push(at);
        }
        nodes.reverse();
        edges.reverse();
        Some((dist[target as usize], nodes, edges))
    }
}

/// A path not yet taken by Yen's search: its cost, its edges and its nodes.
type Candidate = (Cost, Vec<usize>, Vec<u32>);

/// The `k` most likely simple paths from `entries` to `target` for an attacker of `skill`: distinct
/// node sequences, each hop by its most likely way, none walking on past a node that grants the
/// target (see [`grants`]).
pub fn k_most_likely(graph: &AttackGraph, skill: Skill, entries: &[u32], target: u32, k: usize) -> Vec<AttackPath> {
    let search = Search { graph, weight: weights(graph, skill, target) };
    let n = graph.node_count();
    let no_nodes = vec![false; n];
    let Some(first) = search.dijkstra(entries, target, &no_nodes, &HashSet::new()) else {
        return Vec::new();
    };
    let mut found: Vec<(f64, Vec<u32>, Vec<usize>)> = vec![first];
    let mut candidates: BinaryHeap<std::cmp::Reverse<Candidate>> = BinaryHeap::new();
    let mut seen: BTreeSet<Vec<usize>> = BTreeSet::new();
    seen.insert(found[0].2.clone());
    while found.len() < k {
        let (_, last_nodes, last_edges) = found.last().expect("one path found").clone();
        // Spur from a virtual source before the entry point: start from an entry no found path starts from.
        let used_starts: HashSet<u32> = found.iter().map(|p| p.1[0]).collect();
        let other_entries: Vec<u32> = entries.iter().copied().filter(|e| !used_starts.contains(e)).collect();
        if let Some(path) = search.dijkstra(&other_entries, target, &no_nodes, &HashSet::new())
            && seen.insert(path.2.clone())
        {
            candidates.push(std::cmp::Reverse((Cost(path.0), path.2, path.1)));
        }
        for i in 0..last_edges.len() {
            let spur = last_nodes[i];
            let root_nodes = &last_nodes[..=i];
            let root_edges = &last_edges[..i];
            // Paths sharing this root may not leave the spur node the way they did (one edge per
            // hop is kept, so edges name node sequences).
            let banned_edges: HashSet<usize> =
                found.iter().filter(|p| p.2.len() > i && p.2[..i] == *root_edges).map(|p| p.2[i]).collect();
            let mut banned_nodes = no_nodes.clone();
            for &r in &last_nodes[..i] {
                banned_nodes[r as usize] = true;
            }
            let Some((_, spur_nodes, spur_edges)) = search.dijkstra(&[spur], target, &banned_nodes, &banned_edges)
            else {
                continue;
            };
            let edges: Vec<usize> = root_edges.iter().chain(&spur_edges).copied().collect();
            if !seen.insert(edges.clone()) {
                continue;
            }
            let nodes: Vec<u32> = root_nodes[..i].iter().chain(&spur_nodes).copied().collect();
            let cost: f64 = edges.iter().map(|&e| search.weight[e].unwrap_or(f64::INFINITY)).sum();
            candidates.push(std::cmp::Reverse((Cost(cost), edges, nodes)));
        }
        let Some(std::cmp::Reverse((Cost(cost), edges, nodes))) = candidates.pop() else { break };
        found.push((cost, nodes, edges));
    }
    found.into_iter().map(|(_, nodes, edges)| finish(graph, skill, nodes, edges)).collect()
}

fn finish(graph: &AttackGraph, skill: Skill, nodes: Vec<u32>, edges: Vec<usize>) -> AttackPath {
    let probability = edges.iter().map(|&e| graph.edges[e].p_reached(graph, skill)).product();
    let side_conditions = edges
        .iter()
        .enumerate()
        .filter_map(|(pos, &e)| {
            // Of the ways to meet the edge's conditions (one per alternative of `requires_any`),
            // the one that needs the fewest nodes off the path so far (the first on a tie).
            let unmet = |way: Vec<u32>| way.into_iter().filter(|r| !nodes[..=pos].contains(r)).collect::<Vec<u32>>();
            let fewest = graph.edges[e].conditions().into_iter().map(unmet).min_by_key(Vec::len)?;
            (!fewest.is_empty()).then_some((pos, fewest))
        })
        .collect();
    AttackPath { nodes, edges, probability, side_conditions }
}

/// The most likely paths for one (actor, target) scenario.
#[derive(Debug, Clone)]
pub struct ScenarioPaths {
    /// Index into `model.actors`.
    pub actor: usize,
    /// Dense id of the target.
    pub target: u32,
    pub paths: Vec<AttackPath>,
}

/// The `k` most likely paths of every (actor, target) pair of the model.
pub fn all_scenarios(model: &riskpath_model::Model, graph: &AttackGraph, k: usize) -> Vec<ScenarioPaths> {
    let mut out = Vec::new();
    for (ai, actor) in model.actors.iter().enumerate() {
        let entries = graph.entries_of(actor);
        // An actor limited to an ATT&CK group's techniques walks only the edges it allows.
        let seen = graph.for_actor(actor);
        for target in graph.targets_of(actor) {
            let paths = k_most_likely(&seen, actor.skill, &entries, target, k);
            out.push(ScenarioPaths { actor: ai, target, paths });
        }
    }
    out
}
