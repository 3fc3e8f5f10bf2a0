//! Oracle: `risk::expected_loss` (ALE from P(compromise) and the inputs' means) against the
//! closed form, and against the simulated years of `risk::assess` on the same random streams.

mod common;

use riskpath_engine::compile::{Posture, compile};
use riskpath_engine::dist;
use riskpath_engine::risk::{RiskConfig, assess, expected_loss};
use riskpath_model::Estimate;

#[test]
fn certain_paths_give_the_closed_form_exactly() {
    let model = common::model(common::RISKQUANT);
    let graph = compile(&model, &Posture::as_deployed(&model));
    let e = expected_loss(&model, &graph, 1000, 1);
    let published = ["4.04e4", "2.66e7", "1.01e6"];
    let mut total = 0.0;
    for (s, ((lambda, lo, hi), want)) in
        e.scenarios.iter().zip([(0.01, 1e6, 1e7), (0.10, 1e7, 1e9), (0.05, 5e6, 5e7)].into_iter().zip(published))
    {
        let mu = (f64::ln(lo) + f64::ln(hi)) / 2.0;
        let sigma = (f64::ln(hi) - f64::ln(lo)) / (2.0 * dist::Z95);
        let closed = lambda * (mu + sigma * sigma / 2.0).exp();
        assert_eq!(s.probability, 1.0);
        assert!((s.ale / closed - 1.0).abs() < 1e-12, "{} vs {closed}", s.ale);
        assert_eq!(format!("{:.2e}", s.ale), want);
        total += closed;
    }
    assert!((e.ale / total - 1.0).abs() < 1e-12);
}

#[test]
fn agrees_with_simulated_years_on_shared_streams() {
    let model = common::model(
        r#"
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: web, kind: service}
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e5, high: 1e6}, regulatory: 5e4}}
edges:
  - {from: internet, to: web, kind: exploits, p: {low: 0.3, high: 0.7}}
  - {from: web, to: db, kind: authenticates, p: 0.6}
actors:
  - {id: crime, frequency: {low: 1, high: 6}, entry: [internet], skill: medium}
"#,
    );
    let graph = compile(&model, &Posture::as_deployed(&model));
    let (trials, seed) = (100_000, 5);
    let e = expected_loss(&model, &graph, trials, seed);
    let r = assess(&model, &Posture::as_deployed(&model), RiskConfig { trials, years: 200_000, seed });
    // Same scenario stream, same trials: the same P(compromise), bit for bit.
    assert_eq!(e.scenarios[0].probability.to_bits(), r.scenarios[0].probability.to_bits());
    assert_eq!(e.scenarios[0].std_error.to_bits(), r.scenarios[0].std_error.to_bits());
    // ALE = λ̄ × P × E[loss], with E[loss] the sum of the loss types' means.
    let lambda = dist::amount_mean(&Estimate::Interval { low: 1.0, high: 6.0 });
    let loss = dist::amount_mean(&Estimate::Interval { low: 1e5, high: 1e6 }) + 5e4;
    assert!((e.ale / (lambda * e.scenarios[0].probability * loss) - 1.0).abs() < 1e-12);
    // And the simulated years agree with it within their noise and the noise of P.
    let se = (r.ale_std_error.powi(2) + (lambda * loss * e.scenarios[0].std_error).powi(2)).sqrt();
    assert!((r.ale - e.ale).abs() <= 4.0 * se, "simulated {} vs expected {} (SE {se})", r.ale, e.ale);
}
