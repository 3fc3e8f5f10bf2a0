//! Oracle: Yen's k most likely paths against brute-force enumeration of all simple paths.

mod common;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use riskpath_engine::compile::{AttackGraph, Posture, compile};
use riskpath_engine::paths::{AttackPath, k_most_likely};
use riskpath_model::kb::Skill;

/// A model with `entries` entry points e0.., `nodes` nodes n0.. and the given edges
/// (from, to, p) over the combined numbering (entries first).
fn yaml(entries: usize, nodes: usize, edges: &[(usize, usize, f64)]) -> String {
    let name = |i: usize| if i < entries { format!("e{i}") } else { format!("n{}", i - entries) };
    let mut s = String::from("entry_points:\n");
    for i in 0..entries {
        s += &format!("  - {{id: e{i}, kind: internet}}\n");
    }
    s += "nodes:\n";
    for i in 0..nodes {
        s += &format!("  - {{id: n{i}, kind: service}}\n");
    }
    s += "edges:\n";
    for &(f, t, p) in edges {
        s += &format!("  - {{from: {}, to: {}, kind: exploits, p: {p:?}}}\n", name(f), name(t));
    }
    s
}

/// Every path a defender is shown, by depth-first search: the simple paths from any entry to
/// `target` that do not walk on past a node granting the target (an edge into it at p = 1), one per
/// node sequence with its most likely way over each hop; (probability, nodes), most likely first.
fn all_paths(graph: &AttackGraph, entries: &[u32], target: u32) -> Vec<(f64, Vec<u32>)> {
    fn dfs(g: &AttackGraph, target: u32, on: &mut Vec<bool>, edges: &mut Vec<usize>, out: &mut Vec<(f64, Vec<usize>)>) {
        let at = edges.last().map(|&e| g.edges[e].to).unwrap();
        if at == target {
            let p = edges.iter().map(|&e| g.edges[e].p(Skill::Medium)).product();
            out.push((p, edges.clone()));
            return;
        }
        for e in g.out_edges(at) {
            let to = g.edges[e].to;
            if !on[to as usize] && g.edges[e].p(Skill::Medium) > 0.0 {
                on[to as usize] = true;
                edges.push(e);
                dfs(g, target, on, edges, out);
                edges.pop();
                on[to as usize] = false;
            }
        }
    }
    let mut walks = Vec::new();
    for &s in entries {
        let mut on = vec![false; graph.node_count()];
        on[s as usize] = true;
        for e in graph.out_edges(s) {
            let to = graph.edges[e].to;
            if !on[to as usize] && graph.edges[e].p(Skill::Medium) > 0.0 {
                on[to as usize] = true;
                dfs(graph, target, &mut on, &mut vec![e], &mut walks);
                on[to as usize] = false;
            }
        }
    }
    let grants = |v: u32| graph.edges.iter().any(|e| e.from == v && e.to == target && e.p(Skill::Medium) == 1.0);
    let mut best: std::collections::BTreeMap<Vec<u32>, f64> = std::collections::BTreeMap::new();
    for (p, edges) in walks {
        let nodes: Vec<u32> =
            std::iter::once(graph.edges[edges[0]].from).chain(edges.iter().map(|&e| graph.edges[e].to)).collect();
        if nodes[..nodes.len() - 2].iter().any(|&v| grants(v)) {
            continue;
        }
        let kept = best.entry(nodes).or_insert(p);
        *kept = kept.max(p);
    }
    let mut out: Vec<(f64, Vec<u32>)> = best.into_iter().map(|(nodes, p)| (p, nodes)).collect();
    out.sort_by(|a, b| b.0.total_cmp(&a.0));
    out
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// Checks `paths` (k requested) against brute force; returns a description of the first failure.
fn check(graph: &AttackGraph, entries: &[u32], target: u32, k: usize, paths: &[AttackPath]) -> Result<(), String> {
    let all = all_paths(graph, entries, target);
    if paths.len() != k.min(all.len()) {
        return Err(format!("{} paths returned for k = {k}, {} exist: {:?}", paths.len(), all.len(), all));
    }
    for (i, p) in paths.iter().enumerate() {
        if p.nodes.len() != p.edges.len() + 1 || !entries.contains(&p.nodes[0]) || *p.nodes.last().unwrap() != target {
            return Err(format!("path {i} is not entry → target: {p:?}"));
        }
        for (j, &e) in p.edges.iter().enumerate() {
            if graph.edges[e].from != p.nodes[j] || graph.edges[e].to != p.nodes[j + 1] {
                return Err(format!("path {i}: edge {e} does not join its nodes: {p:?}"));
            }
        }
        let mut nodes = p.nodes.clone();
        nodes.sort();
        nodes.dedup();
        if nodes.len() != p.nodes.len() {
            return Err(format!("path {i} is not simple: {p:?}"));
        }
        let product: f64 = p.edges.iter().map(|&e| graph.edges[e].p(Skill::Medium)).product();
        if !close(product, p.probability) {
            return Err(format!("path {i}: probability {} is not the product {product}", p.probability));
        }
        if i > 0 && p.probability > paths[i - 1].probability * (1.0 + 1e-12) {
            return Err(format!("paths out of order at {i}: {} after {}", p.probability, paths[i - 1].probability));
        }
        if paths[..i].iter().any(|q| q.nodes == p.nodes) {
            return Err(format!("node sequence {i} returned twice: {p:?}"));
        }
        match all.iter().find(|(_, nodes)| *nodes == p.nodes) {
            None => return Err(format!("path {i} walks on past a node that grants the target: {p:?}")),
            Some((want, _)) if !close(*want, p.probability) => {
                return Err(format!("path {i} does not take each hop's most likely way: {p:?}"));
            }
            _ => {}
        }
    }
    let mut got: Vec<f64> = paths.iter().map(|p| p.probability).collect();
    got.sort_by(|a, b| b.total_cmp(a));
    for (i, (g, (want, edges))) in got.iter().zip(&all).enumerate() {
        if !close(*g, *want) {
            return Err(format!(
                "rank {i}: Yen gives {g}, brute force {want} ({edges:?}); all: {all:?}; got: {paths:?}"
            ));
        }
    }
    Ok(())
}

fn run(entries: usize, nodes: usize, edges: &[(usize, usize, f64)], k: usize) -> Result<(), String> {
    let model = common::model(&yaml(entries, nodes, edges));
    let graph = compile(&model, &Posture::as_deployed(&model));
    let entry_ids: Vec<u32> = (0..entries).map(|i| graph.index_of(&format!("e{i}")).unwrap()).collect();
    let target = graph.index_of(&format!("n{}", nodes - 1)).unwrap();
    let paths = k_most_likely(&graph, Skill::Medium, &entry_ids, target, k);
    check(&graph, &entry_ids, target, k, &paths)
}

#[test]
fn diamond_with_two_entries() {
    // e0 → n0 → n2, e0 → n1 → n2, e1 → n1, n0 → n1.
    let edges = [(0, 2, 0.9), (0, 3, 0.5), (1, 3, 0.8), (2, 4, 0.5), (3, 4, 0.7), (2, 3, 0.6)];
    for k in 1..=6 {
        run(2, 3, &edges, k).unwrap();
    }
}

#[test]
fn unreachable_target_has_no_paths() {
    let model = common::model(&yaml(1, 2, &[(1, 2, 0.5)]));
    let graph = compile(&model, &Posture::as_deployed(&model));
    let e0 = graph.index_of("e0").unwrap();
    assert!(k_most_likely(&graph, Skill::Medium, &[e0], graph.index_of("n1").unwrap(), 3).is_empty());
}

#[test]
fn side_conditions_name_unmet_requirements() {
    let model = common::model(
        r#"
entry_points: [{id: e0, kind: internet}]
nodes: [{id: a, kind: service}, {id: b, kind: service}, {id: c, kind: service}]
edges:
  - {from: e0, to: a, kind: exploits, p: 0.5}
  - {from: e0, to: c, kind: exploits, p: 0.1}
  - {from: a, to: b, kind: exploits, p: 0.5, requires: [c, e0]}
"#,
    );
    let graph = compile(&model, &Posture::as_deployed(&model));
    let (e0, b, c) = (graph.index_of("e0").unwrap(), graph.index_of("b").unwrap(), graph.index_of("c").unwrap());
    let paths = k_most_likely(&graph, Skill::Medium, &[e0], b, 5);
    assert_eq!(paths.len(), 1);
    assert!(close(paths[0].probability, 0.25), "side conditions are not in the probability");
    assert_eq!(paths[0].side_conditions, vec![(1, vec![c])], "e0 is on the path, c is not");
}

/// Parallel edges (two edge kinds between the same two nodes) are one hop: a path is a node
/// sequence, taking each hop's most likely way.
#[test]
fn parallel_edges_are_one_hop() {
    // e0 ⇉ n0 ⇉ n1: one node sequence, 0.9 × 0.9.
    let edges = [(0, 1, 0.9), (0, 1, 0.8), (1, 2, 0.8), (1, 2, 0.9)];
    for k in 1..=4 {
        run(1, 2, &edges, k).unwrap();
    }
    let model = common::model(&yaml(1, 2, &edges));
    let graph = compile(&model, &Posture::as_deployed(&model));
    let (e0, n1) = (graph.index_of("e0").unwrap(), graph.index_of("n1").unwrap());
    let paths = k_most_likely(&graph, Skill::Medium, &[e0], n1, 4);
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(close(paths[0].probability, 0.81));
    // With a weaker direct edge e0 → n1 (0.1): two node sequences.
    let edges = [(0, 1, 0.9), (0, 1, 0.8), (1, 2, 0.9), (1, 2, 0.8), (0, 2, 0.1)];
    for k in 1..=5 {
        run(1, 2, &edges, k).unwrap();
    }
}

/// A path ends at the first node that grants its target: an administrator role is not walked on
/// through the roles it can assume.
#[test]
fn paths_stop_at_the_first_node_granting_the_target() {
    let model = common::model(
        r#"
entry_points: [{id: leak, kind: internet}]
nodes:
  - {id: dev, kind: user}
  - {id: admin_role, kind: service}
  - {id: ops_role, kind: service}
  - {id: admin, kind: service}
edges:
  - {from: leak, to: dev, kind: exploits, p: 0.5}
  - {from: dev, to: admin_role, kind: exploits, p: 0.4}
  - {from: dev, to: ops_role, kind: exploits, p: 0.3}
  - {from: admin_role, to: admin, kind: exploits, p: 1}
  - {from: admin_role, to: ops_role, kind: exploits, p: 1}
  - {from: ops_role, to: admin, kind: exploits, p: 0.9}
"#,
    );
    let graph = compile(&model, &Posture::as_deployed(&model));
    let id = |s: &str| graph.index_of(s).unwrap();
    let paths = k_most_likely(&graph, Skill::Medium, &[id("leak")], id("admin"), 10);
    let seqs: Vec<Vec<u32>> = paths.iter().map(|p| p.nodes.clone()).collect();
    assert_eq!(
        seqs,
        vec![
            vec![id("leak"), id("dev"), id("admin_role"), id("admin")],
            vec![id("leak"), id("dev"), id("ops_role"), id("admin")]
        ],
        "admin_role → ops_role → admin walks on past a node that already grants admin"
    );
    assert!(riskpath_engine::paths::grants(&graph, id("admin_role"), id("admin"), Skill::Medium));
    assert!(!riskpath_engine::paths::grants(&graph, id("ops_role"), id("admin"), Skill::Medium));
}

/// Random small graphs, with or without parallel edges: (entries, nodes, edges).
fn graph_strategy(parallel: bool) -> impl Strategy<Value = (usize, usize, Vec<(usize, usize, f64)>)> {
    (1usize..=2, 4usize..=6).prop_flat_map(move |(entries, nodes)| {
        let total = entries + nodes;
        let p = prop_oneof![8 => 0.02f64..1.0, 1 => Just(1.0), 1 => Just(0.5)];
        let edge = (0..total, entries..total, p);
        proptest::collection::vec(edge, 3..=16).prop_map(move |raw| {
            let mut edges: Vec<(usize, usize, f64)> = Vec::new();
            for (f, t, p) in raw {
                if f != t && (parallel || !edges.iter().any(|e| e.0 == f && e.1 == t)) {
                    edges.push((f, t, p));
                }
            }
            (entries, nodes, edges)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x5EED_0007),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn yen_matches_brute_force((entries, nodes, edges) in graph_strategy(false), k in 1usize..=12) {
        let result = run(entries, nodes, &edges, k);
        prop_assert!(result.is_ok(), "{}\nedges {:?}", result.unwrap_err(), edges);
    }

    #[test]
    fn yen_matches_brute_force_with_parallel_edges((entries, nodes, edges) in graph_strategy(true), k in 1usize..=12) {
        let result = run(entries, nodes, &edges, k);
        prop_assert!(result.is_ok(), "{}\nedges {:?}", result.unwrap_err(), edges);
    }
}
