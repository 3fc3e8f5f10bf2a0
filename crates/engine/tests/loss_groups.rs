//! Oracle: loss groups. Crown jewels of one group held in one attempt are one loss event, booked on
//! the held member with the largest mean loss: the group's joint loss when given, else that
//! member's own. Closed forms: `λ·P(any member held)·E[joint]`, and for own losses
//! `λ·Σ_H P(H)·E[loss of H's top member]` by enumerating the members held (independent here).
//! Both the expected-loss evaluator and the simulated years must agree with them.

mod common;

use riskpath_engine::compile::{Posture, compile};
use riskpath_engine::risk::{RiskConfig, assess, expected_loss};

const Z95: f64 = 1.644_853_626_951_472_2;

fn lognormal_mean(lo: f64, hi: f64) -> f64 {
    let (mu, sigma) = ((lo.ln() + hi.ln()) / 2.0, (hi.ln() - lo.ln()) / (2.0 * Z95));
    (mu + sigma * sigma / 2.0).exp()
}

/// Three jewels reached independently from the internet with p 0.6, 0.5 and 0.3; their losses as
/// given, the `groups` YAML appended, one actor with frequency λ = 2.
fn model(losses: [&str; 3], groups: &str) -> riskpath_model::Model {
    common::model(&format!(
        r#"
entry_points: [{{id: internet, kind: internet}}]
nodes:
  - {{id: a, kind: datastore, crown_jewel: true, loss: {}}}
  - {{id: b, kind: datastore, crown_jewel: true, loss: {}}}
  - {{id: c, kind: datastore, crown_jewel: true, loss: {}}}
edges:
  - {{from: internet, to: a, kind: exploits, p: 0.6}}
  - {{from: internet, to: b, kind: exploits, p: 0.5}}
  - {{from: internet, to: c, kind: exploits, p: 0.3}}
actors:
  - {{id: crime, frequency: 2, entry: [internet]}}
{groups}
"#,
        losses[0], losses[1], losses[2]
    ))
}

const P: [f64; 3] = [0.6, 0.5, 0.3];

/// Σ over the sets H of jewels held (independent, with probabilities `P`) of P(H)·f(H).
fn expectation(f: impl Fn(&[usize]) -> f64) -> f64 {
    (0u32..8)
        .map(|set| {
            let held: Vec<usize> = (0..3).filter(|i| set >> i & 1 == 1).collect();
            let p: f64 = (0..3).map(|i| if set >> i & 1 == 1 { P[i] } else { 1.0 - P[i] }).product();
            p * f(&held)
        })
        .sum()
}

/// The evaluator's ALE is within its Monte Carlo error of `closed`, and so are the simulated years'.
fn check(model: &riskpath_model::Model, closed: f64, scale: f64) {
    let graph = compile(model, &Posture::as_deployed(model));
    let trials = 200_000;
    let e = expected_loss(model, &graph, trials, 9);
    // The evaluator's error: the P's, at most `scale` (the largest event mean × λ) per trial.
    let tol = 4.0 * scale / (trials as f64).sqrt() * 0.5;
    assert!((e.ale - closed).abs() <= tol, "evaluator {} vs closed form {closed} (tol {tol})", e.ale);
    let r = assess(model, &Posture::as_deployed(model), RiskConfig { trials: 20_000, years: 200_000, seed: 9 });
    assert!(
        (r.ale - closed).abs() <= 4.0 * r.ale_std_error,
        "simulated {} ± {} vs closed form {closed}",
        r.ale,
        r.ale_std_error
    );
    // The per-target shares add up to the whole, in both.
    let shares: f64 = r.targets.iter().map(|t| t.1).sum();
    assert!((shares / r.ale - 1.0).abs() < 1e-9, "{shares} vs {}", r.ale);
    let scenario_sum: f64 = e.scenarios.iter().map(|s| s.ale).sum();
    assert!((scenario_sum / e.ale - 1.0).abs() < 1e-12);
}

#[test]
fn a_joint_loss_is_one_event_per_attempt_that_reaches_any_member() {
    let m = model(
        ["{integrity: 1e6}", "{integrity: 1e6}", "{integrity: 1e6}"],
        "loss_groups: [{id: forest, members: [a, b, c], loss: {integrity: {low: 5e6, high: 8e7}}}]",
    );
    let joint = lognormal_mean(5e6, 8e7);
    let closed = 2.0 * (1.0 - 0.4 * 0.5 * 0.7) * joint;
    check(&m, closed, 2.0 * joint);
    // Without the group: three events, each the jewel's own loss.
    let apart = model(["{integrity: 1e6}", "{integrity: 1e6}", "{integrity: 1e6}"], "");
    let e = expected_loss(&apart, &compile(&apart, &Posture::as_deployed(&apart)), 200_000, 9);
    assert!((e.ale / (2.0 * 1.4 * 1e6) - 1.0).abs() < 0.02, "{}", e.ale);
}

#[test]
fn point_losses_take_the_largest_held() {
    let losses = [1e6, 3e6, 2e6];
    let m = model(
        ["{integrity: 1e6}", "{integrity: 3e6}", "{confidentiality: 1.5e6, integrity: 5e5}"],
        "loss_groups: [{id: forest, members: [a, b, c]}]",
    );
    let closed = 2.0 * expectation(|held| held.iter().map(|&i| losses[i]).fold(0.0, f64::max));
    check(&m, closed, 2.0 * 3e6);
    // It is not the sum over jewels (the semantics without the group).
    let sum = 2.0 * expectation(|held| held.iter().map(|&i| losses[i]).sum());
    assert!(sum > 1.2 * closed, "{sum} vs {closed}");
}

#[test]
fn uncertain_own_losses_are_booked_on_the_member_with_the_largest_mean() {
    let means = [lognormal_mean(1e5, 1e7), lognormal_mean(5e5, 2e6), 4e5];
    let m = model(
        ["{confidentiality: {low: 1e5, high: 1e7}}", "{integrity: {low: 5e5, high: 2e6}}", "{availability: 4e5}"],
        "loss_groups: [{id: data, members: [c, b, a]}]",
    );
    // a has the largest mean, then b, then c: an attempt's event is the loss of the first held.
    assert!(means[0] > means[1] && means[1] > means[2]);
    let top = |held: &[usize]| held.iter().map(|&i| means[i]).fold(0.0, f64::max);
    let closed = 2.0 * expectation(top);
    check(&m, closed, 2.0 * means[0]);
    // Each event is booked on the top member: a books whenever held; c only when alone.
    let graph = compile(&m, &Posture::as_deployed(&m));
    let e = expected_loss(&m, &graph, 200_000, 9);
    let c = e.scenarios.iter().find(|s| graph.ids[s.target as usize] == "c").unwrap();
    let booked_c = 0.3 * 0.4 * 0.5;
    assert!((c.ale / (2.0 * booked_c * means[2]) - 1.0).abs() < 0.05, "{}", c.ale);
    common::assert_proportion("P(c held) is still reported", c.probability, 0.3, 200_000);
}

#[test]
fn a_group_only_shares_events_between_targets_of_the_same_actor() {
    // The actor targets a and c only: b (in the group, the largest) never books its events.
    let m = common::model(
        r#"
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: a, kind: datastore, crown_jewel: true, loss: {integrity: 1e6}}
  - {id: b, kind: datastore, crown_jewel: true, loss: {integrity: 9e6}}
  - {id: c, kind: datastore, crown_jewel: true, loss: {integrity: 2e6}}
edges:
  - {from: internet, to: a, kind: exploits, p: 0.6}
  - {from: internet, to: b, kind: exploits, p: 0.5}
  - {from: internet, to: c, kind: exploits, p: 0.3}
loss_groups: [{id: g, members: [a, b, c]}]
actors:
  - {id: crime, frequency: 2, entry: [internet], targets: [a, c]}
"#,
    );
    let closed = 2.0 * (0.3 * 2e6 + 0.6 * 0.7 * 1e6);
    check(&m, closed, 2.0 * 2e6);
}
