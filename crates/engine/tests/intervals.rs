//! Oracle: interval inputs (`p: {low, high}`, interval efficacies) are logit-normal, sampled once
//! per trial: shared inputs correlate the edges that use them, separate inputs do not, and
//! consecutive trials are independent.

mod common;

use common::assert_proportion;
use riskpath_engine::compile::{Posture, compile};
use riskpath_engine::dist;
use riskpath_engine::risk::{RiskConfig, assess};
use riskpath_engine::sim::{Run, SimGraph};
use riskpath_model::Estimate;
use riskpath_model::kb::Skill;

const MODEL: &str = r#"
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: jewel, kind: datastore, crown_jewel: true, loss: {confidentiality: 1e6}}
  - {id: a, kind: service}
  - {id: b, kind: service}
  - {id: c, kind: service}
  - {id: d, kind: service}
  - {id: a2, kind: service}
edges:
  - {from: internet, to: jewel, kind: exploits, p: {low: 0.1, high: 0.6}}
  - {from: internet, to: a, kind: exploits, p: 0.9}
  - {from: internet, to: b, kind: exploits, p: 0.9}
  - {from: internet, to: c, kind: authenticates, p: {low: 0.2, high: 0.8}}
  - {from: internet, to: d, kind: authenticates, p: {low: 0.2, high: 0.8}}
  - {from: a, to: a2, kind: exploits, p: 0.9}
controls:
  - {id: shared, mitigates: {T1190: {low: 0.05, high: 0.95}}, scope: [a, b, a2]}
actors:
  - {id: x, frequency: 1, entry: [internet], skill: medium, targets: [jewel]}
"#;

const TRIALS: u64 = 200_000;

/// E[f(X)] for X sampled from `e` at a uniform u, by the midpoint rule on the quantile function.
fn expect(e: &Estimate, f: impl Fn(f64) -> f64) -> f64 {
    let n = 200_000;
    (0..n).map(|i| f(dist::probability_at(e, (i as f64 + 0.5) / n as f64))).sum::<f64>() / n as f64
}

#[test]
fn single_interval_edge_has_the_logit_normal_mean() {
    let model = common::model(MODEL);
    let e = Estimate::Interval { low: 0.1, high: 0.6 };
    let mean = dist::probability_mean(&e);
    assert!((mean - expect(&e, |x| x)).abs() < 1e-4);
    // The mean is not the interval's midpoint nor its 50th percentile: the test would notice a
    // sampler that used either.
    assert!((mean - 0.35).abs() > 0.01 && (mean - dist::probability_at(&e, 0.5)).abs() > 0.005, "{mean}");
    let graph = compile(&model, &Posture::as_deployed(&model));
    let edge = graph.edges.iter().find(|x| x.model_index == 0).unwrap();
    assert!((edge.p(Skill::Medium) - mean).abs() < 1e-12);
    for seed in [1, 2, 3] {
        let result = assess(&model, &Posture::as_deployed(&model), RiskConfig { trials: TRIALS, years: 100, seed });
        assert_proportion(&format!("P(jewel), seed {seed}"), result.scenarios[0].probability, mean, TRIALS);
    }
}

/// Per batch lanes of each node, from the simulation graph built for the medium skill.
fn lanes(model: &riskpath_model::Model, nodes: &[&str], seed: u64) -> Vec<Vec<u64>> {
    let graph = compile(model, &Posture::as_deployed(model));
    let sim = SimGraph::from_attack_graph(&graph, model, Skill::Medium);
    let ids: Vec<u32> = nodes.iter().map(|n| graph.index_of(n).unwrap()).collect();
    let entries = [graph.index_of("internet").unwrap()];
    let run = Run { graph: &sim, entries: &entries, trials: TRIALS, seed, stream: 5 };
    run.map_batches(|b| ids.iter().map(|&n| b.held(n)).collect())
}

fn frac(batches: &[Vec<u64>], f: impl Fn(&[u64]) -> u64) -> f64 {
    batches.iter().map(|b| f(b).count_ones() as u64).sum::<u64>() as f64 / TRIALS as f64
}

#[test]
fn a_shared_interval_efficacy_is_sampled_once_per_trial() {
    let model = common::model(MODEL);
    let x = Estimate::Interval { low: 0.05, high: 0.95 };
    let pa = expect(&x, |x| 0.9 * (1.0 - x));
    let pab = expect(&x, |x| (0.9 * (1.0 - x)).powi(2));
    // a2 is reached through a: both edges use the same sample of the control.
    let pa2 = pab;
    let batches = lanes(&model, &["a", "b", "a2"], 11);
    let (fa, fb, fab, fa2) =
        (frac(&batches, |l| l[0]), frac(&batches, |l| l[1]), frac(&batches, |l| l[0] & l[1]), frac(&batches, |l| l[2]));
    assert_proportion("P(a)", fa, pa, TRIALS);
    assert_proportion("P(b)", fb, pa, TRIALS);
    assert_proportion("P(a and b)", fab, pab, TRIALS);
    assert_proportion("P(a2)", fa2, pa2, TRIALS);
    // Positively correlated, far beyond noise: P(a and b) > P(a) P(b).
    let se = common::se(fab, TRIALS);
    assert!(fab - fa * fb > 10.0 * se, "P(a,b) = {fab}, P(a)P(b) = {}", fa * fb);
    // And the compiled (expected) p is the product of the means.
    let graph = compile(&model, &Posture::as_deployed(&model));
    let ea = graph.edges.iter().find(|e| e.model_index == 1).unwrap();
    assert!((ea.p(Skill::Medium) - 0.9 * (1.0 - dist::probability_mean(&x))).abs() < 1e-12);
    assert!((ea.p(Skill::Medium) - pa).abs() < 1e-4);
}

#[test]
fn separate_interval_inputs_are_independent() {
    let model = common::model(MODEL);
    let e = Estimate::Interval { low: 0.2, high: 0.8 };
    let m = dist::probability_mean(&e);
    let batches = lanes(&model, &["c", "d"], 12);
    assert_proportion("P(c)", frac(&batches, |l| l[0]), m, TRIALS);
    assert_proportion("P(d)", frac(&batches, |l| l[1]), m, TRIALS);
    assert_proportion("P(c and d)", frac(&batches, |l| l[0] & l[1]), m * m, TRIALS);
}

/// Inputs are drawn per trial, not per batch or per run: the same node in neighbouring trials
/// (adjacent lanes of one batch) is independent.
#[test]
fn neighbouring_trials_draw_their_own_inputs() {
    let model = common::model(MODEL);
    let x = Estimate::Interval { low: 0.05, high: 0.95 };
    let pa = expect(&x, |x| 0.9 * (1.0 - x));
    let batches = lanes(&model, &["a"], 13);
    let pairs: u64 = batches.iter().map(|b| (b[0] & (b[0] >> 1) & 0x5555_5555_5555_5555).count_ones() as u64).sum();
    let n = TRIALS / 2;
    assert_proportion("P(a in trial 2i and 2i+1)", pairs as f64 / n as f64, pa * pa, n);
}
