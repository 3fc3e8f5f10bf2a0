//! Oracle: the three scenarios of riskquant's README (Netflix), each an actor reaching one crown
//! jewel with certainty. Closed form λ·exp(μ + σ²/2) gives $40,400, $26,600,000 and $1,010,000.

mod common;

use riskpath_engine::compile::Posture;
use riskpath_engine::dist;
use riskpath_engine::risk::{RiskConfig, assess};
use riskpath_model::Estimate;

/// (frequency, low, high, riskquant's published ALE to three significant digits).
const SCENARIOS: [(f64, f64, f64, &str); 3] =
    [(0.01, 1e6, 1e7, "4.04e4"), (0.10, 1e7, 1e9, "2.66e7"), (0.05, 5e6, 5e7, "1.01e6")];

/// λ·exp(μ + σ²/2) with μ = (ln lo + ln hi)/2, σ = (ln hi − ln lo)/(2·1.6449).
fn closed_form(lambda: f64, lo: f64, hi: f64) -> f64 {
    let mu = (lo.ln() + hi.ln()) / 2.0;
    let sigma = (hi.ln() - lo.ln()) / (2.0 * 1.6449);
    lambda * (mu + sigma * sigma / 2.0).exp()
}

#[test]
fn closed_form_gives_the_published_numbers() {
    for (lambda, lo, hi, published) in SCENARIOS {
        assert_eq!(format!("{:.2e}", closed_form(lambda, lo, hi)), published);
        // The engine's own lognormal mean agrees (it uses the exact 95th percentile z).
        let engine = lambda * dist::amount_mean(&Estimate::Interval { low: lo, high: hi });
        assert_eq!(format!("{engine:.2e}"), published);
        assert!((engine / closed_form(lambda, lo, hi) - 1.0).abs() < 1e-4);
    }
}

#[test]
fn simulation_matches_the_published_numbers() {
    let model = common::model(common::RISKQUANT);
    let years = 1_000_000u64;
    let r = assess(&model, &Posture::as_deployed(&model), RiskConfig { trials: 1000, years, seed: 2024 });
    assert_eq!(r.scenarios.len(), 3);
    let mut total_expected = 0.0;
    for (s, (lambda, lo, hi, published)) in r.scenarios.iter().zip(SCENARIOS) {
        assert_eq!(s.probability, 1.0);
        let mean = lambda * dist::amount_mean(&Estimate::Interval { low: lo, high: hi });
        total_expected += mean;
        // Compound Poisson: Var(annual loss) = λ·E[X²], E[X²] = exp(2μ + 2σ²).
        let f = dist::Fitted::lognormal(lo, hi);
        let se = (lambda * (2.0 * f.mu + 2.0 * f.sigma * f.sigma).exp() / years as f64).sqrt();
        assert!(
            (s.ale - mean).abs() <= 4.0 * se,
            "scenario {published}: simulated {} vs {mean} (SE {se}, {:.2} SE)",
            s.ale,
            (s.ale - mean) / se
        );
        // 10⁶ years pin each mean to about 1% (SE 1.3%, 0.85% and 0.5% of the mean).
        assert!(se / mean < 0.015);
    }
    assert!((r.ale - total_expected).abs() <= 4.0 * r.ale_std_error, "ALE {} vs {total_expected}", r.ale);
}
