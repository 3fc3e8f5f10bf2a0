//! The minimum cut with removability and real costs against brute force: on small random graphs
//! whose edges cost money, days (at a day rate), their kind's default or cannot be cut, the cut is
//! the cheapest separating set of removable edges, or honestly none when no such set exists.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use riskpath_decide::chokepoints::{min_cut, protect_what_can_be};
use riskpath_engine::{Posture, compile};
use riskpath_model::CostUnit;

const DAY_RATE: f64 = 300.0;

/// How an edge states its cost; the oracle's own price for each.
#[derive(Debug, Clone, Copy)]
enum Price {
    Money(u32),
    Days(u32),
    /// No key: the kind's default, one day.
    KindDefault,
    /// `removable: false`.
    Fixed,
    /// A kind that is a fact of the design (`contains`), no key.
    StructuralKind,
}

impl Price {
    fn oracle(self) -> Option<f64> {
        match self {
            Price::Money(m) => Some(m as f64),
            Price::Days(d) => Some(d as f64 * DAY_RATE),
            Price::KindDefault => Some(DAY_RATE),
            Price::Fixed | Price::StructuralKind => None,
        }
    }
    fn yaml(self) -> (&'static str, String) {
        match self {
            Price::Money(m) => ("exploits", format!(", fix_cost: {m}")),
            Price::Days(d) => ("exploits", format!(", fix_cost: {{days: {d}}}")),
            Price::KindDefault => ("exploits", String::new()),
            Price::Fixed => ("exploits", ", removable: false".into()),
            Price::StructuralKind => ("contains", String::new()),
        }
    }
}

fn arb_price() -> impl Strategy<Value = Price> {
    prop_oneof![
        (1u32..2000).prop_map(Price::Money),
        (1u32..6).prop_map(Price::Days),
        Just(Price::KindDefault),
        Just(Price::Fixed),
        Just(Price::StructuralKind),
    ]
}

/// Hosts `n0..n{k}` between entry `e0` (index 0) and jewel `j` (index k + 1); unique (from, to).
fn arb_graph() -> impl Strategy<Value = (usize, Vec<(usize, usize, Price)>)> {
    (2usize..5).prop_flat_map(|nodes| {
        let total = nodes + 2;
        let edge = (0..total - 1, 1..total, arb_price());
        (Just(nodes), proptest::collection::vec(edge, 3..11)).prop_map(|(nodes, edges)| {
            let mut seen = std::collections::HashSet::new();
            (nodes, edges.into_iter().filter(|(f, t, _)| f != t && seen.insert((*f, *t))).collect())
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

fn model_yaml(nodes: usize, edges: &[(usize, usize, Price)]) -> String {
    let mut y = format!("settings: {{day_rate: {DAY_RATE}}}\nentry_points: [{{id: e0, kind: internet}}]\nnodes:\n");
    for i in 1..=nodes {
        y += &format!("  - {{id: {}, kind: host}}\n", name(i, nodes));
    }
    y += "  - {id: j, kind: datastore, crown_jewel: true, loss: {confidentiality: 1000000}}\nedges:\n";
    for &(f, t, price) in edges {
        let (kind, keys) = price.yaml();
        y += &format!("  - {{from: {}, to: {}, kind: {kind}, p: 0.5{keys}}}\n", name(f, nodes), name(t, nodes));
    }
    y + "actors:\n  - {id: a, frequency: 1, entry: [e0], skill: medium}\n"
}

fn reaches(n: usize, edges: &[(usize, usize, Price)], removed: u64) -> bool {
    reaches_node(n, edges, removed, n - 1)
}

fn reaches_node(n: usize, edges: &[(usize, usize, Price)], removed: u64, target: usize) -> bool {
    let mut seen = vec![false; n];
    let mut stack = vec![0usize];
    seen[0] = true;
    while let Some(u) = stack.pop() {
        for (i, &(f, t, _)) in edges.iter().enumerate() {
            if f == u && removed >> i & 1 == 0 && !seen[t] {
                seen[t] = true;
                stack.push(t);
            }
        }
    }
    seen[target]
}

/// The cheapest set of removable edges that separates `e0` from `j`, by every subset; None if none.
fn brute_force(nodes: usize, edges: &[(usize, usize, Price)]) -> Option<f64> {
    let mut best: Option<f64> = None;
    for removed in 0u64..1 << edges.len() {
        let chosen: Vec<Option<f64>> =
            (0..edges.len()).filter(|i| removed >> i & 1 == 1).map(|i| edges[i].2.oracle()).collect();
        if chosen.iter().any(Option::is_none) || reaches(nodes + 2, edges, removed) {
            continue;
        }
        let cost: f64 = chosen.iter().flatten().sum();
        best = Some(best.map_or(cost, |b: f64| b.min(cost)));
    }
    best
}

#[test]
fn the_cut_is_the_cheapest_removable_separating_set_or_none() {
    let config = Config { cases: 200, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[15; 32]));
    let (none, some) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    runner
        .run(&arb_graph(), |(nodes, edges)| {
            let yaml = model_yaml(nodes, &edges);
            let m = riskpath_model::load_str("m.yaml", &yaml, &Default::default()).expect("valid model").model;
            let g = compile(&m, &Posture::as_deployed(&m));
            let (s, t) = (g.index_of("e0").unwrap(), g.index_of("j").unwrap());
            let cut = min_cut(&m, &g, &[s], &[t]);
            prop_assert_eq!(cut.unit, CostUnit::Money);
            let oracle = brute_force(nodes, &edges);
            match (cut.cost, oracle) {
                (None, None) => none.set(none.get() + 1),
                (Some(c), Some(b)) => {
                    some.set(some.get() + 1);
                    prop_assert!((c - b).abs() < 1e-6, "cut {c} vs brute force {b}\n{yaml}");
                    let ends = |i: usize| (name(edges[i].0, nodes), name(edges[i].1, nodes));
                    for e in &cut.edges {
                        let i = (0..edges.len()).find(|&i| ends(i) == (e.from.clone(), e.to.clone())).unwrap();
                        prop_assert!(edges[i].2.oracle().is_some(), "non-removable {:?} in the cut\n{yaml}", ends(i));
                        prop_assert_eq!(Some(e.fix_cost), edges[i].2.oracle());
                    }
                }
                (c, b) => prop_assert!(false, "cut {c:?} vs brute force {b:?}\n{yaml}"),
            }
            Ok(())
        })
        .unwrap();
    let (none, some) = (none.get(), some.get());
    assert!(none > 10 && some > 10, "both outcomes exercised: {none} without a cut, {some} with");
}

/// With two jewels (`j` and `n0`), the cut protects what a cut can protect: brute force decides,
/// per jewel, whether removing every removable edge separates it, and prices the cheapest removable
/// set separating all those that can be.
#[test]
fn the_cut_protects_every_jewel_a_cut_can_and_names_the_others() {
    let config = Config { cases: 200, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[16; 32]));
    let partial = std::cell::Cell::new(0);
    runner
        .run(&arb_graph(), |(nodes, edges)| {
            let yaml = model_yaml(nodes, &edges);
            let m = riskpath_model::load_str("m.yaml", &yaml, &Default::default()).expect("valid model").model;
            let g = compile(&m, &Posture::as_deployed(&m));
            let jewels = [nodes + 1, 1];
            let sinks: Vec<u32> = jewels.iter().map(|&i| g.index_of(&name(i, nodes)).unwrap()).collect();
            let cut = protect_what_can_be(&m, &g, &[g.index_of("e0").unwrap()], &sinks);
            let n = nodes + 2;
            let all_removable: u64 =
                (0..edges.len()).filter(|&i| edges[i].2.oracle().is_some()).map(|i| 1u64 << i).sum();
            let (separable, fixed): (Vec<usize>, Vec<usize>) =
                jewels.iter().partition(|&&t| !reaches_node(n, &edges, all_removable, t));
            let want_named: Vec<String> = fixed.iter().map(|&t| name(t, nodes)).collect();
            prop_assert_eq!(&cut.unprotectable, &want_named, "{}", yaml);
            let oracle = (!separable.is_empty()).then(|| {
                (0u64..1 << edges.len())
                    .filter(|r| r & !all_removable == 0 && separable.iter().all(|&t| !reaches_node(n, &edges, *r, t)))
                    .map(|r| {
                        (0..edges.len()).filter(|i| r >> i & 1 == 1).filter_map(|i| edges[i].2.oracle()).sum::<f64>()
                    })
                    .fold(f64::INFINITY, f64::min)
            });
            match (cut.cost, oracle) {
                (None, None) => {}
                (Some(c), Some(b)) => prop_assert!((c - b).abs() < 1e-6, "cut {c} vs brute force {b}\n{yaml}"),
                (c, b) => prop_assert!(false, "cut {c:?} vs brute force {b:?}\n{yaml}"),
            }
            if !separable.is_empty() && !fixed.is_empty() {
                partial.set(partial.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    assert!(partial.get() > 10, "only {} cases with one jewel protectable and one not", partial.get());
}
