//! The sampled worlds of a set of initiatives against re-simulation: ALE(S) from the stopping sets
//! equals the what-if simulation of S on the same trials, for every set S of random models with
//! AND edges, interval efficacies, overlapping controls and removals, and for sets on acme.

mod common;

use common::random_model;
use riskpath_decide::Evaluator;
use riskpath_decide::eval::Headline;
use riskpath_decide::roadmap::InitiativeOracle;
use riskpath_decide::worlds;
use riskpath_engine::Posture;
use riskpath_model::Model;

fn compare(model: &Model, sets: impl Iterator<Item = u64>, trials: u64) -> usize {
    let mut eval = Evaluator::new(model, Posture::as_deployed(model), trials, 11);
    // Anchored to a headline, as every command's evaluator is: both sides scale alike.
    let raw = eval.loss(&eval.baseline).ale;
    eval.anchor(Headline { ale: raw * 1.07, std_error: 0.0 });
    let oracle = InitiativeOracle::new(&eval);
    let n = model.initiatives.len();
    let w = worlds::build(&eval, n, &|s| oracle.posture(s)).expect("worlds build");
    let mut checked = 0;
    for set in sets {
        let simulated = eval.loss(&oracle.posture(set)).ale;
        let exact = w.ale(set);
        assert!(
            (simulated - exact).abs() <= 1e-9 * simulated.abs().max(1.0),
            "set {set:b}: re-simulated {simulated} vs worlds {exact} ({} groups)",
            w.groups.len()
        );
        checked += 1;
    }
    checked
}

#[test]
fn worlds_equal_resimulation_for_every_set_on_random_models() {
    for seed in 1..=24 {
        let model = random_model(seed);
        assert_eq!(compare(&model, 0..32, 640), 32);
    }
}

#[test]
fn worlds_equal_resimulation_on_acme() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/acme");
    let model = riskpath_model::load(std::path::Path::new(dir), &Default::default()).expect("acme loads").model;
    let n = model.initiatives.len();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let sets: Vec<u64> = (0..24)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x & ((1 << n) - 1)
        })
        .collect();
    let all = (1u64 << n) - 1;
    compare(&model, [0, all].into_iter().chain((0..n).map(|i| 1 << i)).chain(sets), 1024);
}
