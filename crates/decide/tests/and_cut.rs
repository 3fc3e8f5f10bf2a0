//! The minimum cut under AND conditions against brute force: on small random models whose edges
//! carry `requires`, every subset of edges is tried and separation decided by the AND fixpoint.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use riskpath_decide::chokepoints::{Attacker, CutMethod, CutScope, min_cut, min_cut_of, protect_what_can_be};
use riskpath_engine::{Posture, compile};

/// An edge: from, to, cost (None: `removable: false`), required nodes.
type Edge = (usize, usize, Option<u32>, Vec<usize>);

/// Hosts `n0..n{k}` between entry `e0` (index 0) and jewel `j` (index k + 1); unique (from, to).
fn arb_graph() -> impl Strategy<Value = (usize, Vec<Edge>)> {
    (2usize..5).prop_flat_map(|nodes| {
        let total = nodes + 2;
        let cost = prop_oneof![4 => (1u32..20).prop_map(Some), 1 => Just(None)];
        let requires = proptest::collection::vec(1..total - 1, 0..2);
        let edge = (0..total - 1, 1..total, cost, prop_oneof![1 => Just(vec![]), 1 => requires]);
        (Just(nodes), proptest::collection::vec(edge, 3..11)).prop_map(|(nodes, edges)| {
            let mut seen = std::collections::HashSet::new();
            (nodes, edges.into_iter().filter(|(f, t, _, _)| f != t && seen.insert((*f, *t))).collect())
        })
    })
}

fn name(i: usize, nodes: usize) -> String {
    match i {
        0 => "e0".into(),
        i if i == nodes + 1 => "j".into(),
        i => format!("n{}", i - 1),
    }
}

fn model_yaml(nodes: usize, edges: &[Edge]) -> String {
    let mut y = "entry_points: [{id: e0, kind: internet}]\nnodes:\n".to_string();
    for i in 1..=nodes {
        y += &format!("  - {{id: {}, kind: host}}\n", name(i, nodes));
    }
    y += "  - {id: j, kind: datastore, crown_jewel: true, loss: {confidentiality: 1000000}}\nedges:\n";
    for (f, t, cost, req) in edges {
        let price = cost.map_or(", removable: false".to_string(), |c| format!(", fix_cost: {c}"));
        let req = if req.is_empty() {
            String::new()
        } else {
            format!(", requires: [{}]", req.iter().map(|&r| name(r, nodes)).collect::<Vec<_>>().join(", "))
        };
        y += &format!(
            "  - {{from: {}, to: {}, kind: exploits, p: 0.5{price}{req}}}\n",
            name(*f, nodes),
            name(*t, nodes)
        );
    }
    y + "actors:\n  - {id: a, frequency: 1, entry: [e0], skill: medium}\n"
}

/// The nodes held from `e0` with the edges in `removed` gone: the least fixpoint of the AND rule.
fn held(n: usize, edges: &[Edge], removed: u64) -> Vec<bool> {
    held_from(n, edges, removed, &[0])
}

/// The nodes held from `sources` with the edges in `removed` gone.
fn held_from(n: usize, edges: &[Edge], removed: u64, sources: &[usize]) -> Vec<bool> {
    let mut held = vec![false; n];
    for &s in sources {
        held[s] = true;
    }
    loop {
        let fires = |(i, (f, t, _, req)): &(usize, &Edge)| {
            removed >> i & 1 == 0 && held[*f] && !held[*t] && req.iter().all(|&r| held[r])
        };
        let Some((_, (_, t, _, _))) = edges.iter().enumerate().find(fires) else { return held };
        held[*t] = true;
    }
}

/// The cheapest set of removable edges leaving every node of `targets` unheld; None if none.
fn brute_force(n: usize, edges: &[Edge], targets: &[usize]) -> Option<u32> {
    brute_force_from(n, edges, &[0], targets)
}

/// The same from the held set `sources`.
fn brute_force_from(n: usize, edges: &[Edge], sources: &[usize], targets: &[usize]) -> Option<u32> {
    (0u64..1 << edges.len())
        .filter(|r| (0..edges.len()).all(|i| r >> i & 1 == 0 || edges[i].2.is_some()))
        .filter(|&r| {
            let h = held_from(n, edges, r, sources);
            targets.iter().all(|&t| !h[t])
        })
        .map(|r| (0..edges.len()).filter(|i| r >> i & 1 == 1).filter_map(|i| edges[i].2).sum())
        .min()
}

fn compiled(yaml: &str) -> (riskpath_model::Model, riskpath_engine::compile::AttackGraph) {
    let m = riskpath_model::load_str("m.yaml", yaml, &Default::default()).expect("valid model").model;
    let g = compile(&m, &Posture::as_deployed(&m));
    (m, g)
}

#[test]
fn the_and_aware_cut_costs_what_brute_force_finds() {
    let config = Config { cases: 200, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[19; 32]));
    let (cheaper, exact, none) = (std::cell::Cell::new(0), std::cell::Cell::new(0), std::cell::Cell::new(0));
    runner
        .run(&arb_graph(), |(nodes, edges)| {
            let yaml = model_yaml(nodes, &edges);
            let (m, g) = compiled(&yaml);
            let cut = min_cut(&m, &g, &[g.index_of("e0").unwrap()], &[g.index_of("j").unwrap()]);
            let oracle = brute_force(nodes + 2, &edges, &[nodes + 1]);
            prop_assert_ne!(cut.method, CutMethod::FlowUpperBound);
            prop_assert_eq!(cut.cost.map(|c| c.round() as u32), oracle, "{}", yaml);
            if let Some(c) = cut.cost {
                // The cut's own edges stop the jewel under the AND rule, and cost what it says.
                let ends = |i: usize| (name(edges[i].0, nodes), name(edges[i].1, nodes));
                let removed: u64 = cut
                    .edges
                    .iter()
                    .map(|e| 1u64 << (0..edges.len()).find(|&i| ends(i) == (e.from.clone(), e.to.clone())).unwrap())
                    .sum();
                prop_assert!(!held(nodes + 2, &edges, removed)[nodes + 1], "the cut leaves j held\n{}", yaml);
                prop_assert!((cut.edges.iter().map(|e| e.fix_cost).sum::<f64>() - c).abs() < 1e-9);
                exact.set(exact.get() + 1);
                let ignoring_and: Vec<Edge> = edges.iter().map(|(f, t, c, _)| (*f, *t, *c, vec![])).collect();
                if brute_force(nodes + 2, &ignoring_and, &[nodes + 1]).is_none_or(|b| b > oracle.unwrap()) {
                    cheaper.set(cheaper.get() + 1);
                }
            } else {
                none.set(none.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    let (cheaper, exact, none) = (cheaper.get(), exact.get(), none.get());
    assert!(exact >= 30 && none >= 5, "{exact} cases with a cut, {none} without");
    assert!(cheaper >= 10, "only {cheaper} cases where the AND conditions make the cut cheaper");
}

/// With two jewels (`j` and `n0`), jewels still held with every removable edge gone are named, the
/// others cut together at the brute-force price.
#[test]
fn the_and_aware_cut_protects_every_jewel_a_cut_can() {
    let config = Config { cases: 150, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[20; 32]));
    runner
        .run(&arb_graph(), |(nodes, edges)| {
            let yaml = model_yaml(nodes, &edges);
            let (m, g) = compiled(&yaml);
            let n = nodes + 2;
            let jewels = [nodes + 1, 1];
            let sinks: Vec<u32> = jewels.iter().map(|&i| g.index_of(&name(i, nodes)).unwrap()).collect();
            let cut = protect_what_can_be(&m, &g, &[g.index_of("e0").unwrap()], &sinks);
            let all_removable: u64 = (0..edges.len()).filter(|&i| edges[i].2.is_some()).map(|i| 1u64 << i).sum();
            let still = held(n, &edges, all_removable);
            let (fixed, separable): (Vec<usize>, Vec<usize>) = jewels.iter().partition(|&&t| still[t]);
            let named: Vec<String> = fixed.iter().map(|&t| name(t, nodes)).collect();
            prop_assert_eq!(&cut.unprotectable, &named, "{}", yaml);
            let oracle = (!separable.is_empty()).then(|| brute_force(n, &edges, &separable)).flatten();
            prop_assert_eq!(cut.cost.map(|c| c.round() as u32), oracle, "{}", yaml);
            Ok(())
        })
        .unwrap();
}

/// Issue 19's example: the flow cut (AND ignored) costs 2, while removing the one edge that grants
/// the required node stops every breach.
#[test]
fn one_edge_stops_every_breach_when_the_and_condition_is_counted() {
    let yaml = "entry_points: [{id: e0, kind: internet}]
nodes:
  - {id: a, kind: host}
  - {id: b, kind: host}
  - {id: key, kind: host}
  - {id: j, kind: datastore, crown_jewel: true, loss: {confidentiality: 1000000}}
edges:
  - {from: e0, to: a, kind: exploits, p: 0.5, fix_cost: 5}
  - {from: e0, to: b, kind: exploits, p: 0.5, fix_cost: 5}
  - {from: e0, to: key, kind: exploits, p: 0.5, fix_cost: 1}
  - {from: a, to: j, kind: exploits, p: 0.5, fix_cost: 1, requires: [key]}
  - {from: b, to: j, kind: exploits, p: 0.5, fix_cost: 1, requires: [key]}
actors:
  - {id: x, frequency: 1, entry: [e0], skill: medium}
";
    let (m, g) = compiled(yaml);
    let cut = min_cut(&m, &g, &[g.index_of("e0").unwrap()], &[g.index_of("j").unwrap()]);
    assert_eq!(cut.method, CutMethod::IntegerProgram);
    assert_eq!(cut.cost, Some(1.0));
    assert_eq!(cut.edges.iter().map(|e| (e.from.as_str(), e.to.as_str())).collect::<Vec<_>>(), [("e0", "key")]);
}

/// Incident containment cuts from the compromised set: with `e0` and `n0` held, the cut that keeps
/// `j` unheld costs what brute force finds.
#[test]
fn containment_from_a_compromised_set_costs_what_brute_force_finds() {
    let config = Config { cases: 150, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[21; 32]));
    let with_cut = std::cell::Cell::new(0);
    runner
        .run(&arb_graph(), |(nodes, edges)| {
            let yaml = model_yaml(nodes, &edges);
            let (m, g) = compiled(&yaml);
            let sources = [g.index_of("e0").unwrap(), g.index_of("n0").unwrap()];
            let cut = min_cut(&m, &g, &sources, &[g.index_of("j").unwrap()]);
            let oracle = brute_force_from(nodes + 2, &edges, &[0, 1], &[nodes + 1]);
            prop_assert_eq!(cut.cost.map(|c| c.round() as u32), oracle, "{}", yaml);
            with_cut.set(with_cut.get() + usize::from(oracle.is_some()));
            Ok(())
        })
        .unwrap();
    assert!(with_cut.get() >= 30, "only {} containment cases with a cut", with_cut.get());
}

/// Beyond its size limit the integer program is not tried: `min_cut` then reports the flow cut as
/// an upper bound.
#[test]
fn the_integer_program_stays_within_its_limits() {
    let yaml = model_yaml(2, &[(0, 1, Some(1), vec![]), (1, 3, Some(1), vec![2]), (0, 2, Some(1), vec![])]);
    let (m, g) = compiled(&yaml);
    let attacker = Attacker {
        sources: vec![g.index_of("e0").unwrap()],
        sinks: vec![g.index_of("j").unwrap()],
        usable: (0..g.edges.len()).collect(),
    };
    let attackers = [attacker];
    let tight = riskpath_decide::andcut::Limits { edges: 2, nodes: 1 };
    assert_eq!(riskpath_decide::andcut::exact(&m, &g, &attackers, tight), riskpath_decide::andcut::Outcome::Unsolved);
    let roomy = riskpath_decide::andcut::LIMITS;
    assert!(
        matches!(riskpath_decide::andcut::exact(&m, &g, &attackers, roomy), riskpath_decide::andcut::Outcome::Optimal(ref r) if r.len() == 1)
    );
}

/// Two actors with their own entry points and targets: `a` enters at `e0` and targets `j`, `b`
/// enters at `e1` and targets `k`. Indices: 0 `e0`, 1 `e1`, 2.. hosts, then `j`, `k`.
fn two_actor_yaml(nodes: usize, edges: &[Edge]) -> String {
    let name = |i: usize| match i {
        0 => "e0".to_string(),
        1 => "e1".to_string(),
        i if i == nodes + 2 => "j".to_string(),
        i if i == nodes + 3 => "k".to_string(),
        i => format!("n{}", i - 2),
    };
    let mut y = "entry_points: [{id: e0, kind: internet}, {id: e1, kind: internet}]\nnodes:\n".to_string();
    for i in 2..nodes + 2 {
        y += &format!("  - {{id: {}, kind: host}}\n", name(i));
    }
    for j in ["j", "k"] {
        y += &format!("  - {{id: {j}, kind: datastore, crown_jewel: true, loss: {{confidentiality: 1000000}}}}\n");
    }
    y += "edges:\n";
    for (f, t, cost, req) in edges {
        let price = cost.map_or(", removable: false".to_string(), |c| format!(", fix_cost: {c}"));
        let req = if req.is_empty() {
            String::new()
        } else {
            format!(", requires: [{}]", req.iter().map(|&r| name(r)).collect::<Vec<_>>().join(", "))
        };
        y += &format!("  - {{from: {}, to: {}, kind: exploits, p: 0.5{price}{req}}}\n", name(*f), name(*t));
    }
    y + "actors:\n  - {id: a, frequency: 1, entry: [e0], skill: medium, targets: [j]}\n  - {id: b, frequency: 1, entry: [e1], skill: medium, targets: [k]}\n"
}

fn arb_two_actor_graph() -> impl Strategy<Value = (usize, Vec<Edge>)> {
    (1usize..4).prop_flat_map(|nodes| {
        let total = nodes + 4;
        let cost = prop_oneof![5 => (1u32..20).prop_map(Some), 1 => Just(None)];
        let requires = proptest::collection::vec(2..nodes + 2, 0..2);
        // From an entry point or a host (never a jewel) to a host or a jewel (never an entry point).
        let edge = (0..nodes + 2, 2..total, cost, prop_oneof![2 => Just(vec![]), 1 => requires]);
        (Just(nodes), proptest::collection::vec(edge, 3..11)).prop_map(|(nodes, edges)| {
            let mut seen = std::collections::HashSet::new();
            (nodes, edges.into_iter().filter(|(f, t, _, _)| f != t && seen.insert((*f, *t))).collect())
        })
    })
}

/// The cut that stops each actor reaching its own target costs what brute force finds, and it is
/// often cheaper than separating every entry point from every jewel (the old union cut).
#[test]
fn the_per_actor_cut_costs_what_brute_force_finds() {
    let config = Config { cases: 200, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[22; 32]));
    let (cut_found, cheaper) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    runner
        .run(&arb_two_actor_graph(), |(nodes, edges)| {
            let yaml = two_actor_yaml(nodes, &edges);
            let (m, g) = compiled(&yaml);
            let n = nodes + 4;
            let (j, k) = (nodes + 2, nodes + 3);
            let stops = |r: u64| !held_from(n, &edges, r, &[0])[j] && !held_from(n, &edges, r, &[1])[k];
            let oracle: Option<u32> = (0u64..1 << edges.len())
                .filter(|r| (0..edges.len()).all(|i| r >> i & 1 == 0 || edges[i].2.is_some()))
                .filter(|&r| stops(r))
                .map(|r| (0..edges.len()).filter(|i| r >> i & 1 == 1).filter_map(|i| edges[i].2).sum())
                .min();
            let attackers = CutScope::default().attackers(&m, &g);
            let cut = min_cut_of(&m, &g, &attackers);
            prop_assert_eq!(cut.cost.map(|c| c.round() as u32), oracle, "{}", yaml);
            if cut.cost.is_some() {
                cut_found.set(cut_found.get() + 1);
                let union = brute_force_from(n, &edges, &[0, 1], &[j, k]);
                prop_assert!(union.is_none_or(|u| u >= oracle.unwrap()));
                if union.is_none_or(|u| u > oracle.unwrap()) {
                    cheaper.set(cheaper.get() + 1);
                }
            }
            // One actor in scope: its own cut, at its own brute-force price.
            let only_a = CutScope { actor: Some("a".into()), target: None }.attackers(&m, &g);
            let a_oracle = brute_force_from(n, &edges, &[0], &[j]);
            prop_assert_eq!(min_cut_of(&m, &g, &only_a).cost.map(|c| c.round() as u32), a_oracle, "{}", yaml);
            Ok(())
        })
        .unwrap();
    let (cut_found, cheaper) = (cut_found.get(), cheaper.get());
    assert!(cut_found >= 60, "only {cut_found} cases with a cut");
    assert!(cheaper >= 10, "only {cheaper} cases where the per-actor cut is cheaper than the union's");
}

/// A scope naming an actor or a target the model lacks is refused with the closest id.
#[test]
fn an_unknown_scope_is_refused_with_a_suggestion() {
    let (m, _) = compiled(&two_actor_yaml(1, &[(0, 2, Some(1), vec![]), (2, 3, Some(1), vec![])]));
    let err = CutScope { actor: Some("aa".into()), target: None }.check(&m).unwrap_err();
    assert!(err.contains("no actor has this id") && err.contains("did you mean `a`?"), "{err}");
    let err = CutScope { actor: Some("a".into()), target: Some("k".into()) }.check(&m).unwrap_err();
    assert!(err.contains("actor a does not target this node") && err.contains("`j`"), "{err}");
    assert!(CutScope { actor: None, target: Some("k".into()) }.check(&m).is_ok());
}
