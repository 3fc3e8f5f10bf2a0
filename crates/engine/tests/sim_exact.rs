//! Oracle: the bit-parallel simulation against exact enumeration of all 2^m worlds.
//! DESIGN.md: "On graphs of ≤ 20 edges it must match exact enumeration."

mod common;

use common::{Edge, assert_proportion, exact_joint, exact_probabilities};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use riskpath_engine::sim::{EdgeList, Run, SimGraph};

fn simulate(
    node_count: usize,
    edges: &[Edge],
    entries: &[u32],
    targets: &[u32],
    trials: u64,
    seed: u64,
    stream: u64,
) -> Vec<u64> {
    let graph = SimGraph::from_edge_list(&EdgeList { node_count, edges: edges.to_vec() });
    Run { graph: &graph, entries, trials, seed, stream }.hit_counts(targets)
}

fn check_all_nodes(node_count: usize, edges: &[Edge], entries: &[u32], trials: u64, seed: u64) {
    let exact = exact_probabilities(node_count, edges, entries);
    let targets: Vec<u32> = (0..node_count as u32).collect();
    let hits = simulate(node_count, edges, entries, &targets, trials, seed, 0);
    for (t, (&h, &p)) in hits.iter().zip(&exact).enumerate() {
        assert_proportion(&format!("node {t} of {edges:?} from {entries:?}"), h as f64 / trials as f64, p, trials);
    }
}

#[test]
fn chain_multiplies() {
    let edges: Vec<Edge> = vec![(0, 1, 0.5, vec![]), (1, 2, 0.4, vec![])];
    let exact = exact_probabilities(3, &edges, &[0]);
    assert!((exact[2] - 0.2).abs() < 1e-15);
    check_all_nodes(3, &edges, &[0], 200_000, 1);
}

#[test]
fn or_of_two_paths() {
    let edges: Vec<Edge> = vec![(0, 1, 0.5, vec![]), (0, 2, 0.5, vec![]), (1, 3, 0.5, vec![]), (2, 3, 0.5, vec![])];
    let exact = exact_probabilities(4, &edges, &[0]);
    assert!((exact[3] - 0.4375).abs() < 1e-15);
    check_all_nodes(4, &edges, &[0], 200_000, 2);
}

#[test]
fn and_edge_needs_every_required_node() {
    let edges: Vec<Edge> = vec![(0, 1, 0.6, vec![]), (0, 2, 0.7, vec![]), (1, 3, 0.8, vec![2])];
    let exact = exact_probabilities(4, &edges, &[0]);
    assert!((exact[3] - 0.6 * 0.7 * 0.8).abs() < 1e-15);
    check_all_nodes(4, &edges, &[0], 200_000, 3);
}

/// The AND edge is tried first (its source is the entry) and must be re-tried when the required
/// node is acquired later, deeper in the graph.
#[test]
fn and_edge_fires_when_its_requirement_arrives_late() {
    let edges: Vec<Edge> = vec![(0, 1, 0.9, vec![3]), (0, 2, 0.5, vec![]), (2, 3, 0.5, vec![]), (1, 4, 0.5, vec![])];
    let exact = exact_probabilities(5, &edges, &[0]);
    assert!((exact[1] - 0.9 * 0.25).abs() < 1e-15);
    assert!((exact[4] - 0.9 * 0.25 * 0.5).abs() < 1e-15);
    check_all_nodes(5, &edges, &[0], 200_000, 4);
}

/// Requirements that can never hold (the edge's own target) block the edge; requirements on an
/// entry point always hold.
#[test]
fn requirements_on_the_target_block_and_on_an_entry_pass() {
    let edges: Vec<Edge> = vec![(0, 1, 0.9, vec![1]), (0, 2, 0.7, vec![0]), (2, 1, 0.5, vec![0, 2])];
    let exact = exact_probabilities(3, &edges, &[0]);
    assert!((exact[1] - 0.35).abs() < 1e-15);
    check_all_nodes(3, &edges, &[0], 200_000, 5);
}

#[test]
fn certain_and_impossible_edges_are_exact() {
    // p = 1 edges hold in every trial, p = 0 never, including the partial last batch.
    let edges: Vec<Edge> = vec![(0, 1, 1.0, vec![]), (1, 2, 1.0, vec![]), (1, 3, 0.0, vec![]), (2, 4, 1.0, vec![3])];
    for trials in [1, 63, 64, 65, 1000, 4097] {
        let hits = simulate(5, &edges, &[0], &[0, 1, 2, 3, 4], trials, 9, 0);
        assert_eq!(hits, vec![trials, trials, trials, 0, 0], "trials = {trials}");
    }
}

#[test]
fn two_entry_points_are_both_held() {
    let edges: Vec<Edge> = vec![(0, 2, 0.3, vec![]), (1, 2, 0.4, vec![]), (2, 3, 0.5, vec![1])];
    let exact = exact_probabilities(4, &edges, &[0, 1]);
    assert!((exact[2] - (1.0 - 0.7 * 0.6)).abs() < 1e-15);
    check_all_nodes(4, &edges, &[0, 1], 200_000, 6);
}

/// Joint probabilities too: the sampled world is shared by all targets of a trial.
#[test]
fn joint_holding_matches_enumeration() {
    let edges: Vec<Edge> =
        vec![(0, 1, 0.6, vec![]), (1, 2, 0.5, vec![]), (1, 3, 0.5, vec![]), (2, 3, 0.7, vec![]), (3, 4, 0.8, vec![2])];
    let trials = 200_000;
    let graph = SimGraph::from_edge_list(&EdgeList { node_count: 5, edges: edges.clone() });
    let run = Run { graph: &graph, entries: &[0], trials, seed: 11, stream: 3 };
    let both: u64 = run.map_batches(|b| (b.held(2) & b.held(3)).count_ones() as u64).into_iter().sum();
    let exact = exact_joint(5, &edges, &[0], &[2, 3]);
    assert_proportion("P(2 and 3)", both as f64 / trials as f64, exact, trials);
}

/// A random small attack graph: (node_count, entry_count, edges).
fn graph_strategy() -> impl Strategy<Value = (usize, usize, Vec<Edge>)> {
    (6usize..=8, 1usize..=2).prop_flat_map(|(n, entries)| {
        let p = prop_oneof![
            8 => 0.01f64..0.99,
            1 => Just(1.0),
            1 => 0.0005f64..0.02,
        ];
        let requires = prop_oneof![
            3 => Just(vec![]),
            1 => proptest::collection::vec(0..n as u32, 1..=2),
        ];
        let edge = (0..n as u32, entries as u32..n as u32, p, requires).prop_map(move |(from, to, p, reqs)| {
            // No self-loops: move the target to the next non-entry node.
            let to = if from == to { entries as u32 + (to + 1 - entries as u32) % (n - entries) as u32 } else { to };
            (from, to, p, reqs)
        });
        (Just(n), Just(entries), proptest::collection::vec(edge, 4..=14))
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        rng_seed: RngSeed::Fixed(0x5EED_0001),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_graphs_match_exact_enumeration((n, entry_count, edges) in graph_strategy(), seed in any::<u64>(), stream in any::<u64>()) {
        let entries: Vec<u32> = (0..entry_count as u32).collect();
        let trials = 20_000;
        let exact = exact_probabilities(n, &edges, &entries);
        let targets: Vec<u32> = (0..n as u32).collect();
        let hits = simulate(n, &edges, &entries, &targets, trials, seed, stream);
        for t in 0..n {
            let estimate = hits[t] as f64 / trials as f64;
            let tol = 4.0 * common::se(exact[t], trials) + 2.0 / trials as f64;
            prop_assert!((estimate - exact[t]).abs() <= tol,
                "node {}: estimate {} vs exact {} (tol {}) in {:?} from {:?}", t, estimate, exact[t], tol, edges, entries);
        }
    }
}

/// Per-lane exact check with the simulation's own draws: in every trial, the held set must be
/// exactly the Horn fixpoint of the edges live in that trial (`Batch::live`), and each edge's
/// liveness must be a Bernoulli(p) draw.
fn check_lanes_against_fixpoint(
    n: usize,
    edges: &[Edge],
    entries: &[u32],
    trials: u64,
    seed: u64,
) -> Result<(), String> {
    let graph = SimGraph::from_edge_list(&EdgeList { node_count: n, edges: edges.to_vec() });
    let run = Run { graph: &graph, entries, trials, seed, stream: 0 };
    // Per batch: (held lanes per node, live lanes per edge in edge-list order).
    let per_batch = run.map_batches(|b| {
        let held: Vec<u64> = (0..n as u32).map(|v| b.held(v)).collect();
        let mut live = vec![0u64; edges.len()];
        for e in 0..graph.edge_count() {
            live[graph.stable_id(e) as usize] = b.live(graph.edge_from(e), e);
        }
        (b.lanes, held, live)
    });
    let mut live_count = vec![0u64; edges.len()];
    for (bi, (lanes, held, live)) in per_batch.iter().enumerate() {
        for lane in 0..64 {
            if lanes >> lane & 1 == 0 {
                continue;
            }
            let mask: u64 = live.iter().enumerate().map(|(i, l)| (l >> lane & 1) << i).sum();
            let expect = common::held_in_world(n, edges, entries, mask);
            for v in 0..n {
                if (held[v] >> lane & 1 == 1) != expect[v] {
                    return Err(format!(
                        "batch {bi} lane {lane}: node {v} held {} but the fixpoint of live edges {mask:b} says {}",
                        held[v] >> lane & 1,
                        expect[v]
                    ));
                }
            }
        }
        for (i, l) in live.iter().enumerate() {
            live_count[i] += (l & lanes).count_ones() as u64;
        }
    }
    for (i, e) in edges.iter().enumerate() {
        let f = live_count[i] as f64 / trials as f64;
        let tol = 4.0 * common::se(e.2, trials) + 2.0 / trials as f64;
        if (f - e.2).abs() > tol {
            return Err(format!("edge {i}: live in {f} of trials, p = {}", e.2));
        }
    }
    Ok(())
}

#[test]
fn held_lanes_are_the_fixpoint_of_live_edges() {
    let edges: Vec<Edge> =
        vec![(0, 1, 0.9, vec![3]), (0, 2, 0.5, vec![]), (2, 3, 0.5, vec![]), (1, 4, 0.5, vec![]), (4, 2, 0.3, vec![1])];
    check_lanes_against_fixpoint(5, &edges, &[0], 10_000 + 17, 77).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        rng_seed: RngSeed::Fixed(0x5EED_0002),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_graphs_hold_exactly_the_fixpoint_in_every_trial((n, entry_count, edges) in graph_strategy(), seed in any::<u64>(), trials in 1000u64..3000) {
        let entries: Vec<u32> = (0..entry_count as u32).collect();
        let result = check_lanes_against_fixpoint(n, &edges, &entries, trials, seed);
        prop_assert!(result.is_ok(), "{} in {:?} from {:?}", result.unwrap_err(), edges, entries);
    }
}
