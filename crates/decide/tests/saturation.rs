//! Saturation: detection, the saturated set, and the one-foothold view against closed forms.
//! Twenty users phished at 0.3 each, each a way to the domain controller at 0.8: P(dc) =
//! 1 − (1 − 0.24)^20 ≈ 99.6%, saturated; from one foothold P(dc) = 0.3 × 0.8 = 0.24.

use riskpath_decide::eval::Evaluator;
use riskpath_decide::saturation::{self, SATURATED};
use riskpath_engine::Posture;
use riskpath_model::{Estimate, Model, Selector};

fn model(users: usize, p_phish: f64) -> Model {
    let mut y = String::from("entry_points: [{id: phishing, kind: email}]\nnodes:\n");
    for i in 0..users {
        y += &format!("  - {{id: u{i}, kind: identity}}\n");
    }
    y += "  - {id: ws, kind: host}\n  - {id: dc, kind: host, crown_jewel: true, loss: {integrity: 1e6}}\nedges:\n";
    for i in 0..users {
        y += &format!("  - {{from: phishing, to: u{i}, kind: phishes, p: {p_phish}}}\n");
        y += &format!("  - {{from: u{i}, to: ws, kind: authenticates, p: 1}}\n");
        y += &format!("  - {{from: u{i}, to: dc, kind: steals_credential, p: 0.8}}\n");
    }
    y += "actors: [{id: crime, frequency: 4, entry: [phishing]}]\n";
    riskpath_model::load_str("m.yaml", &y, &Default::default()).expect("valid").model
}

fn se(p: f64, n: u64) -> f64 {
    (p * (1.0 - p) / n as f64).sqrt()
}

#[test]
fn a_saturated_scenario_is_found_with_its_one_foothold_probability() {
    let m = model(20, 0.3);
    let trials = 8192;
    let eval = Evaluator::new(&m, Posture::as_deployed(&m), trials, 5);
    let base = eval.loss(&eval.baseline);
    let s = saturation::detect(&eval, &base.scenarios).expect("saturated");
    let p = 1.0 - 0.76f64.powi(20);
    assert!(p >= SATURATED);
    assert_eq!(s.scenarios.len(), 1);
    let x = &s.scenarios[0];
    assert_eq!((x.actor.as_str(), x.target.as_str()), ("crime", "dc"));
    assert!((x.probability - p).abs() <= 4.0 * se(p, trials) + 2.0 / trials as f64, "{}", x.probability);
    assert!((x.one_foothold - 0.24).abs() <= 4.0 * se(0.24, trials), "one foothold {}", x.one_foothold);
    assert!(!s.one_foothold_saturated);
    // ws (1 − 0.7^20 = 99.9%) and dc are held almost always; no single user is (30%).
    let held: Vec<&str> = s.sets[0].nodes.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(held, ["ws", "dc"]);
    assert_eq!(s.sets[0].footholds, 20);
}

#[test]
fn the_one_foothold_view_is_a_campaign_of_reach_one_over_the_first_steps() {
    let m = model(3, 0.9);
    let view = saturation::one_foothold(&m, &[0]);
    let c = view.entry_points[0].campaign.as_ref().expect("a campaign");
    assert_eq!(c.reach.value, Estimate::Point(1.0));
    let targets: Vec<Selector> = c.targets.iter().map(|t| t.value.clone()).collect();
    assert_eq!(targets, ["u0", "u1", "u2"].map(|u| Selector::Id(u.into())));
    // Nothing else changes: the same edges in the same order (common random numbers hold).
    assert_eq!(view.edges.len(), m.edges.len());
    assert!(view.edges.iter().zip(&m.edges).all(|(a, b)| a.from.value == b.from.value && a.to.value == b.to.value));
}

#[test]
fn an_unsaturated_estate_has_no_saturation() {
    let m = model(3, 0.3);
    let eval = Evaluator::new(&m, Posture::as_deployed(&m), 4096, 5);
    assert!(saturation::detect(&eval, &eval.loss(&eval.baseline).scenarios).is_none());
}

#[test]
fn one_foothold_that_still_saturates_is_said_so() {
    // One user, phished for sure, with twenty ways on to dc: one foothold is enough.
    let mut y = String::from(
        "entry_points: [{id: phishing, kind: email}]\nnodes:\n  - {id: u0, kind: identity}\n  - {id: u1, kind: identity}\n",
    );
    for i in 0..20 {
        y += &format!("  - {{id: h{i}, kind: host}}\n");
    }
    y += "  - {id: dc, kind: host, crown_jewel: true, loss: {integrity: 1e6}}\nedges:\n";
    y += "  - {from: phishing, to: u0, kind: phishes, p: 1}\n  - {from: phishing, to: u1, kind: phishes, p: 1}\n";
    for i in 0..20 {
        for u in ["u0", "u1"] {
            y += &format!("  - {{from: {u}, to: h{i}, kind: exploits_internal, p: 0.9}}\n");
        }
        y += &format!("  - {{from: h{i}, to: dc, kind: steals_credential, p: 0.5}}\n");
    }
    y += "actors: [{id: crime, frequency: 4, entry: [phishing]}]\n";
    let m = riskpath_model::load_str("m.yaml", &y, &Default::default()).expect("valid").model;
    let eval = Evaluator::new(&m, Posture::as_deployed(&m), 4096, 5);
    let s = saturation::detect(&eval, &eval.loss(&eval.baseline).scenarios).expect("saturated");
    assert!(s.one_foothold_saturated, "{:?}", s.scenarios);
}
