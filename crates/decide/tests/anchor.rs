//! One figure per run: an evaluator anchored to the headline ALE returns the headline for the
//! baseline, zero for a what-if that removes every path, and every other what-if as the headline
//! times its ratio to the baseline on the same decision trials (checked against raw expected loss).

use riskpath_decide::{Evaluator, Headline, classes, sensitivity};
use riskpath_engine::risk::{RiskConfig, assess_graph, expected_loss};
use riskpath_engine::{Posture, compile};
use riskpath_model::Model;

const MODEL: &str = r#"
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: web, kind: service}
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e5, high: 1e6}}}
  - {id: files, kind: bucket, crown_jewel: true, loss: {confidentiality: {low: 5e4, high: 5e5}}}
edges:
  - {from: internet, to: web, kind: exploits, p: {low: 0.3, high: 0.7}}
  - {from: web, to: db, kind: authenticates, p: 0.4}
  - {from: web, to: files, kind: reads, p: 0.5}
  - {from: internet, to: files, kind: reads, p: 0.05}
actors:
  - {id: crime, frequency: {low: 1, high: 6}, entry: [internet], skill: medium}
"#;

fn model() -> Model {
    riskpath_model::load_str("m.yaml", MODEL, &Default::default()).expect("valid model").model
}

/// The headline of a full run and an evaluator anchored to it, on few decision trials.
fn anchored(model: &Model) -> (Headline, Evaluator<'_>) {
    let config = RiskConfig { trials: 20_000, years: 20_000, seed: 5 };
    let mut eval = Evaluator::new(model, Posture::as_deployed(model), 512, config.seed);
    let headline = Headline::of(&assess_graph(model, eval.baseline_graph(), config));
    eval.anchor(headline);
    (headline, eval)
}

#[test]
fn the_baseline_is_the_headline_and_no_path_is_zero() {
    let model = model();
    let (headline, eval) = anchored(&model);
    let raw = expected_loss(&model, eval.baseline_graph(), 512, 5).ale;
    assert!(raw > 0.0 && (raw - headline.ale).abs() > 1.0, "the decision trials' own estimate differs: {raw}");
    assert_eq!(eval.loss(&eval.baseline).ale, headline.ale);
    assert_eq!(eval.without_edges(&[0, 3]).ale, 0.0, "no edge out of the internet, no loss");
}

#[test]
fn what_ifs_are_the_headline_times_their_ratio_on_common_random_numbers() {
    let model = model();
    let (headline, eval) = anchored(&model);
    let base = expected_loss(&model, eval.baseline_graph(), 512, 5);
    let cut = expected_loss(&model, &eval.baseline_graph().without_model_edges(&[1]), 512, 5);
    let got = eval.without_edges(&[1]);
    let want = headline.ale * cut.ale / base.ale;
    assert!((got.ale / want - 1.0).abs() < 1e-12, "{} vs {want}", got.ale);
    for (g, c) in got.scenarios.iter().zip(&cut.scenarios) {
        assert!((g.ale - headline.ale * c.ale / base.ale).abs() < 1e-6 * headline.ale);
        assert_eq!(g.probability, c.probability, "probabilities are not rescaled");
    }
    // A posture change goes through the same anchoring.
    let mut posture = eval.baseline.clone();
    posture.removed[2] = true;
    let raw = expected_loss(&model, &compile(&model, &posture), 512, 5).ale;
    assert!((eval.loss(&posture).ale / (headline.ale * raw / base.ale) - 1.0).abs() < 1e-12);
}

#[test]
fn classes_and_the_tornado_centre_on_the_headline() {
    let model = model();
    let (headline, eval) = anchored(&model);
    let ranked = classes::rank(&eval, eval.baseline_graph(), 1);
    for c in &ranked {
        let left = eval.without_edges(&c.edges).ale;
        assert!((c.ale_reduction - (headline.ale - left)).abs() < 1e-6 * headline.ale, "{}", c.key);
        assert!((c.share - c.ale_reduction / headline.ale).abs() < 1e-12, "share of the headline: {}", c.key);
    }
    // A frequency bar is linear in λ: at λ's mean it would give the headline exactly.
    let bars = sensitivity::tornado(&eval, 10);
    let freq = bars.iter().find(|b| b.input == "frequency of crime").expect("frequency bar");
    let mean = riskpath_engine::dist::amount_mean(&model.actors[0].frequency.value);
    let slope = (freq.ale_at_high - freq.ale_at_low) / (freq.high - freq.low);
    let at_mean = freq.ale_at_low + slope * (mean - freq.low);
    assert!((at_mean / headline.ale - 1.0).abs() < 1e-9, "{at_mean} vs {}", headline.ale);
}
