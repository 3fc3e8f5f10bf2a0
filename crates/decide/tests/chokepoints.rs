//! Choke points against brute force: the minimum cut against every edge subset, and dominators
//! against removing each node from each sampled world and re-checking reachability.

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use riskpath_decide::Evaluator;
use riskpath_decide::chokepoints::{Item, dominance, edges_of_item, min_cut, rank_choke_points};
use riskpath_engine::risk::{SkillGraphs, scenario_stream};
use riskpath_engine::sim::Run;
use riskpath_engine::{Posture, compile};
use riskpath_model::Model;

/// A random model: entry `e0`, hosts `n0..n{k}`, jewel `j`; edges (from, to, p, fix_cost, requires).
fn model(nodes: usize, edges: &[(usize, usize, f64, u32, Option<usize>)]) -> Model {
    let name = |i: usize| {
        if i == 0 {
            "e0".to_string()
        } else if i == nodes + 1 {
            "j".into()
        } else {
            format!("n{}", i - 1)
        }
    };
    let mut y = String::from("entry_points: [{id: e0, kind: internet}]\nnodes:\n");
    for i in 1..=nodes {
        y += &format!("  - {{id: {}, kind: host}}\n", name(i));
    }
    y += "  - {id: j, kind: datastore, crown_jewel: true, loss: {confidentiality: 1000000}}\nedges:\n";
    for &(f, t, p, cost, req) in edges {
        let req = req.map(|r| format!(", requires: [{}]", name(r))).unwrap_or_default();
        y += &format!("  - {{from: {}, to: {}, kind: exploits, p: {p}, fix_cost: {cost}{req}}}\n", name(f), name(t));
    }
    y += "actors:\n  - {id: a, frequency: 1, entry: [e0], skill: medium}\n";
    riskpath_model::load_str("m.yaml", &y, &Default::default()).expect("valid model").model
}

/// A random edge: (from, to, p, fix_cost, required node).
type ArbEdge = (usize, usize, f64, u32, Option<usize>);

fn arb_graph(with_and: bool) -> impl Strategy<Value = (usize, Vec<ArbEdge>)> {
    (3usize..6)
        .prop_flat_map(move |nodes| {
            let total = nodes + 2;
            let edge = (
                0..total - 1,
                1..total,
                0.2f64..0.95,
                1u32..5,
                proptest::option::weighted(if with_and { 0.2 } else { 1e-9 }, 1..total - 1),
            );
            (Just(nodes), proptest::collection::vec(edge, 4..11))
        })
        .prop_map(move |(nodes, edges)| {
            let edges: Vec<_> = edges.into_iter().map(|(f, t, p, c, r)| (f, t, p, c, r.filter(|_| with_and))).collect();
            // No self-loops, and one edge per (from, to) so edge labels are unique.
            let mut seen = std::collections::HashSet::new();
            let edges = edges.into_iter().filter(|(f, t, _, _, _)| f != t && seen.insert((*f, *t))).collect();
            (nodes, edges)
        })
}

fn runner(cases: u32) -> TestRunner {
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]))
}

/// Can `target` be reached from `source` using only the edges not in `removed` (ignoring AND)?
fn reachable(n: usize, edges: &[(u32, u32)], removed: u64, source: u32, target: u32) -> bool {
    let mut seen = vec![false; n];
    let mut stack = vec![source];
    seen[source as usize] = true;
    while let Some(u) = stack.pop() {
        for (i, &(f, t)) in edges.iter().enumerate() {
            if f == u && removed >> i & 1 == 0 && !seen[t as usize] {
                seen[t as usize] = true;
                stack.push(t);
            }
        }
    }
    seen[target as usize]
}

#[test]
fn min_cut_matches_brute_force() {
    runner(64)
        .run(&arb_graph(false), |(nodes, edges)| {
            let m = model(nodes, &edges);
            let g = compile(&m, &Posture::as_deployed(&m));
            let (s, t) = (g.index_of("e0").unwrap(), g.index_of("j").unwrap());
            let cut = min_cut(&m, &g, &[s], &[t]);
            let pairs: Vec<(u32, u32)> = g.edges.iter().map(|e| (e.from, e.to)).collect();
            let costs: Vec<f64> = g.edges.iter().map(|e| m.fix_cost(e.model_index).unwrap()).collect();
            let mut best = f64::INFINITY;
            for removed in 0u64..1 << pairs.len() {
                if !reachable(g.node_count(), &pairs, removed, s, t) {
                    let cost: f64 = (0..pairs.len()).filter(|i| removed >> i & 1 == 1).map(|i| costs[i]).sum();
                    best = best.min(cost);
                }
            }
            let cost = cut.cost.unwrap();
            prop_assert!((cost - best).abs() < 1e-9, "cut {cost} vs brute force {best}");
            // The cut really separates.
            let removed = g.edges.iter().enumerate().fold(0u64, |m, (i, e)| {
                if cut.edges.iter().any(|c| c.model_edge == e.model_index) { m | 1 << i } else { m }
            });
            prop_assert!(!reachable(g.node_count(), &pairs, removed, s, t));
            Ok(())
        })
        .unwrap();
}

/// Per item: in how many sampled worlds the target is held but not once the item is removed.
fn brute_force_dominance(m: &Model, trials: u64, seed: u64) -> (u64, HashMap<Item, u64>) {
    let g = compile(m, &Posture::as_deployed(m));
    let sims = SkillGraphs::new(m, &g);
    let sim = sims.get(m.actors[0].skill);
    let (entries, target) = (g.entries_of(&m.actors[0]), g.index_of("j").unwrap());
    let run = Run { graph: sim, entries: &entries, trials, seed, stream: scenario_stream(&m.actors[0]) };
    let items: Vec<Item> = (0..g.node_count() as u32)
        .filter(|&n| !g.is_entry(n) && n != target)
        .map(Item::Node)
        .chain((0..m.edges.len()).map(Item::Edge))
        .collect();
    let per_batch = run.map_batches(|b| {
        let live: Vec<u64> = (0..sim.edge_count()).map(|e| b.live(sim.edge_from(e), e)).collect();
        let won = b.held(target);
        let mut counts: Vec<u64> = vec![0; items.len()];
        for lane in 0..64 {
            if won >> lane & 1 == 0 {
                continue;
            }
            for (k, item) in items.iter().enumerate() {
                // Fixpoint in this lane's world without the item (AND edges honoured).
                let mut held = vec![false; sim.node_count()];
                for &e in &entries {
                    held[e as usize] = true;
                }
                loop {
                    let mut changed = false;
                    for (e, live_e) in live.iter().enumerate().take(sim.edge_count()) {
                        let (f, t) = (sim.edge_from(e), sim.edge_to(e));
                        let gone = match *item {
                            Item::Node(x) => f == x || t == x || sim.edge_requires(e).contains(&x),
                            Item::Edge(x) => sim.stable_id(e) as usize == x,
                        };
                        if !gone
                            && live_e >> lane & 1 == 1
                            && held[f as usize]
                            && !held[t as usize]
                            && sim.edge_requires(e).iter().all(|&r| held[r as usize])
                        {
                            held[t as usize] = true;
                            changed = true;
                        }
                    }
                    if !changed {
                        break;
                    }
                }
                if !held[target as usize] {
                    counts[k] += 1;
                }
            }
        }
        (won.count_ones() as u64, counts)
    });
    let mut wins = 0;
    let mut out: HashMap<Item, u64> = HashMap::new();
    for (w, counts) in per_batch {
        wins += w;
        for (k, c) in counts.into_iter().enumerate() {
            *out.entry(items[k]).or_default() += c;
        }
    }
    (wins, out)
}

#[test]
fn dominators_match_removal_in_each_world_without_and_edges() {
    runner(24)
        .run(&arb_graph(false), |(nodes, edges)| {
            let m = model(nodes, &edges);
            let g = compile(&m, &Posture::as_deployed(&m));
            let sims = SkillGraphs::new(&m, &g);
            let dom = dominance(&m, &g, &sims, 512, 3);
            let (wins, brute) = brute_force_dominance(&m, 512, 3);
            let t = g.index_of("j").unwrap();
            prop_assert_eq!(dom.successes.get(&(0, t)).copied().unwrap_or(0), wins);
            for (item, count) in brute {
                let got = dom.dominated.get(&(0, t, item)).copied().unwrap_or(0);
                prop_assert_eq!(got, count, "item {:?}", item);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn confirmed_breaches_stopped_equal_removal_in_each_world_with_and_edges() {
    runner(16)
        .run(&arb_graph(true), |(nodes, edges)| {
            let m = model(nodes, &edges);
            let g = compile(&m, &Posture::as_deployed(&m));
            let trials = 512;
            let eval = Evaluator::new(&m, Posture::as_deployed(&m), trials, 3);
            let sims = SkillGraphs::new(&m, &g);
            let dom = dominance(&m, &g, &sims, trials, 3);
            let (wins, brute) = brute_force_dominance(&m, trials, 3);
            // Dominators of the live graph never claim more than removal stops (AND edges aside).
            let t = g.index_of("j").unwrap();
            for (&(_, _, item), &count) in &dom.dominated {
                prop_assert!(count <= brute.get(&item).copied().unwrap_or(0), "{:?}", item);
            }
            let ale: HashMap<(usize, u32), f64> = [((0, t), 1.0)].into();
            for point in rank_choke_points(&eval, &g, &dom, &ale, 50) {
                let item = if point.kind == "node" {
                    Item::Node(g.index_of(&point.id).unwrap())
                } else {
                    Item::Edge((0..m.edges.len()).find(|&e| m.edges[e].label() == point.id).unwrap())
                };
                let expected = brute[&item] as f64 / wins as f64;
                prop_assert!(
                    (point.breaches_stopped - expected).abs() < 1e-9,
                    "{:?}: {} vs {expected}",
                    item,
                    point.breaches_stopped
                );
                prop_assert!(!edges_of_item(&m, &g, item).is_empty());
            }
            Ok(())
        })
        .unwrap();
}

/// A choke point on an edge that cannot be removed is a control point: no removal, no cost, the
/// technique to prevent or detect; a removable one keeps its remedy and its cost.
#[test]
fn an_edge_that_cannot_be_removed_is_a_control_point() {
    let y = r#"
entry_points: [{id: mail, kind: internet}]
nodes:
  - {id: user, kind: user}
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: 1000000}}
edges:
  - {from: mail, to: user, kind: phishes, p: 0.5}
  - {from: user, to: db, kind: exploits, p: 0.5, fix_cost: 3000}
actors:
  - {id: a, frequency: 1, entry: [mail], skill: medium}
"#;
    let m = riskpath_model::load_str("m.yaml", y, &Default::default()).expect("valid model").model;
    let g = compile(&m, &Posture::as_deployed(&m));
    let eval = Evaluator::new(&m, Posture::as_deployed(&m), 512, 3);
    let (cut, points) = riskpath_decide::chokepoints::analyse(&eval, &g, 10, &Default::default());
    assert_eq!(cut.cost, Some(3000.0));
    let edge = |id: &str| points.iter().find(|p| p.kind == "edge" && p.id == id).unwrap();
    let phish = edge("mail -> user");
    assert!(phish.control_point && phish.fix_cost.is_none(), "{phish:?}");
    let text = phish.instruction.as_deref().unwrap();
    assert!(text.starts_with("A control point, not a removal (a `phishes` edge is a fact of the design): "), "{text}");
    assert!(text.contains("Block the lure"), "the kind's own advice for a step it never removes: {text}");
    let exploit = edge("user -> db");
    assert!(!exploit.control_point && exploit.fix_cost == Some(3000.0), "{exploit:?}");
    assert!(!exploit.instruction.as_deref().unwrap().starts_with("A control point"), "{exploit:?}");
}
