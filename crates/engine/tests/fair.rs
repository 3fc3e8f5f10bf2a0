//! Oracle: FAIR annual loss. The mean against the closed form λ̄·P·exp(μ + σ²/2), and the
//! quantiles and exceedance curve against an independent direct sampler (rand / rand_distr).

mod common;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, LogNormal, Poisson};
use riskpath_engine::compile::Posture;
use riskpath_engine::risk::{RiskConfig, RiskResult, assess};

/// The 95th percentile of the standard normal.
const Z95: f64 = 1.644_853_626_951_472_2;

/// (μ, σ) of the lognormal whose 5th and 95th percentiles are `lo` and `hi` (riskquant).
fn fit(lo: f64, hi: f64) -> (f64, f64) {
    ((lo.ln() + hi.ln()) / 2.0, (hi.ln() - lo.ln()) / (2.0 * Z95))
}

fn lognormal_mean(lo: f64, hi: f64) -> f64 {
    let (mu, sigma) = fit(lo, hi);
    (mu + sigma * sigma / 2.0).exp()
}

/// One actor from `internet` to a crown jewel `db` through `web`: P = p1 × p2.
fn model(frequency: &str, p1: f64, p2: f64, loss: &str) -> riskpath_model::Model {
    common::model(&format!(
        r#"
entry_points: [{{id: internet, kind: internet}}]
nodes:
  - {{id: web, kind: service}}
  - {{id: db, kind: datastore, crown_jewel: true, loss: {loss}}}
edges:
  - {{from: internet, to: web, kind: exploits, p: {p1}}}
  - {{from: web, to: db, kind: authenticates, p: {p2}}}
actors:
  - {{id: crime, frequency: {frequency}, entry: [internet], skill: medium, targets: [db]}}
"#
    ))
}

fn run(model: &riskpath_model::Model, trials: u64, years: u64, seed: u64) -> RiskResult {
    assess(model, &Posture::as_deployed(model), RiskConfig { trials, years, seed })
}

fn assert_mean(what: &str, r: &RiskResult, expected: f64) {
    assert!(
        (r.ale - expected).abs() <= 4.0 * r.ale_std_error,
        "{what}: ALE {} vs closed form {expected} (|diff| {} > 4 SE = {})",
        r.ale,
        (r.ale - expected).abs(),
        4.0 * r.ale_std_error
    );
    // The standard error is that of a mean of `years` annual losses.
    let n = r.annual.len() as f64;
    let var = r.annual.iter().map(|x| (x - r.ale).powi(2)).sum::<f64>() / (n - 1.0);
    assert!(((var / n).sqrt() / r.ale_std_error - 1.0).abs() < 1e-6);
}

#[test]
fn ale_with_an_uncertain_frequency_and_certain_success() {
    let m = model("{low: 1, high: 10}", 1.0, 1.0, "{confidentiality: {low: 1e5, high: 1e6}}");
    let expected = lognormal_mean(1.0, 10.0) * lognormal_mean(1e5, 1e6);
    for seed in [1, 2] {
        let r = run(&m, 1000, 200_000, seed);
        assert_eq!(r.scenarios[0].probability, 1.0);
        assert_mean(&format!("seed {seed}"), &r, expected);
        // One scenario and one jewel: both carry the whole ALE.
        assert!((r.scenarios[0].ale / r.ale - 1.0).abs() < 1e-9);
        assert!((r.targets[0].1 / r.ale - 1.0).abs() < 1e-9);
    }
}

#[test]
fn ale_with_a_point_frequency_and_partial_success() {
    let m = model("3", 0.5, 0.6, "{confidentiality: {low: 1e5, high: 1e6}}");
    let expected = 3.0 * 0.3 * lognormal_mean(1e5, 1e6);
    for seed in [3, 4] {
        let r = run(&m, 100_000, 200_000, seed);
        common::assert_proportion("P(db)", r.scenarios[0].probability, 0.3, 100_000);
        assert_mean(&format!("seed {seed}"), &r, expected);
    }
}

#[test]
fn loss_types_add_up_per_event() {
    let m = model("2", 1.0, 0.5, "{confidentiality: {low: 1e5, high: 1e6}, regulatory: 250000}");
    let expected = 2.0 * 0.5 * (lognormal_mean(1e5, 1e6) + 250_000.0);
    let r = run(&m, 10_000, 200_000, 5);
    assert_mean("two loss types", &r, expected);
}

#[test]
fn two_jewels_reached_in_one_attempt_are_two_loss_events() {
    let m = common::model(
        r#"
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: db1, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e5, high: 1e6}}}
  - {id: db2, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 2e5, high: 4e6}}}
edges:
  - {from: internet, to: db1, kind: exploits, p: 0.5}
  - {from: internet, to: db2, kind: exploits, p: 0.25}
actors:
  - {id: crime, frequency: 4, entry: [internet], skill: medium}
"#,
    );
    let (m1, m2) = (lognormal_mean(1e5, 1e6), lognormal_mean(2e5, 4e6));
    let r = run(&m, 10_000, 200_000, 6);
    assert_mean("two jewels", &r, 4.0 * (0.5 * m1 + 0.25 * m2));
    assert_eq!(r.scenarios.len(), 2, "an actor without targets attacks every crown jewel");
    let total: f64 = r.scenarios.iter().map(|s| s.ale).sum();
    assert!((total / r.ale - 1.0).abs() < 1e-9, "scenario ALEs add up to the ALE");
    let jewels: f64 = r.targets.iter().map(|t| t.1).sum();
    assert!((jewels / r.ale - 1.0).abs() < 1e-9, "jewel ALEs add up to the ALE");
    // Each scenario's ALE against its own closed form, with a per-scenario SE from the
    // compound Poisson variance λ·P·E[X²] (loss per year is a Poisson sum of P-thinned events).
    for (s, (p, lo, hi)) in r.scenarios.iter().zip([(0.5, 1e5, 1e6), (0.25, 2e5, 4e6)]) {
        let (mu, sigma) = fit(lo, hi);
        let ex2 = (2.0 * mu + 2.0 * sigma * sigma).exp();
        let se = (4.0 * p * ex2 / 200_000.0).sqrt();
        let want = 4.0 * p * lognormal_mean(lo, hi);
        assert!((s.ale - want).abs() <= 4.0 * se, "scenario ALE {} vs {want} (SE {se})", s.ale);
    }
}

/// Annual losses drawn directly: λ from the frequency, K ~ Poisson(λ), each attempt succeeds
/// with probability `p`, each success a lognormal loss.
fn direct_years(frequency: (f64, f64), p: f64, loss: (f64, f64), years: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let (fmu, fsigma) = fit(frequency.0, frequency.1);
    let (lmu, lsigma) = fit(loss.0, loss.1);
    let freq = LogNormal::new(fmu, fsigma).unwrap();
    let magnitude = LogNormal::new(lmu, lsigma).unwrap();
    let mut out: Vec<f64> = (0..years)
        .map(|_| {
            let lambda = if frequency.0 == frequency.1 { frequency.0 } else { freq.sample(&mut rng) };
            let k = Poisson::new(lambda).unwrap().sample(&mut rng) as u64;
            let mut total = 0.0;
            for _ in 0..k {
                if rng.random::<f64>() < p {
                    total += magnitude.sample(&mut rng);
                }
            }
            total
        })
        .collect();
    out.sort_by(f64::total_cmp);
    out
}

/// Empirical CDF of sorted `xs` just below and at `x`.
fn ecdf(xs: &[f64], x: f64) -> (f64, f64) {
    let below = xs.partition_point(|&v| v < x) as f64;
    let at = xs.partition_point(|&v| v <= x) as f64;
    (below / xs.len() as f64, at / xs.len() as f64)
}

/// The q-quantile `x` of one sample of n years must sit at level q in another independent
/// sample's ECDF: each ECDF has SE √(q(1−q)/n) at that point, so their difference has SE
/// √(2q(1−q)/n); we allow 4 of those, plus 1/n for the discreteness of order statistics.
fn assert_quantile(what: &str, x: f64, q: f64, other: &[f64]) {
    let n = other.len() as f64;
    let tol = 4.0 * (2.0 * q * (1.0 - q) / n).sqrt() + 1.0 / n;
    let (below, at) = ecdf(other, x);
    assert!(below - tol <= q && q <= at + tol, "{what}: q {q} at {x}, other sample's ECDF {below}..{at} (tol {tol})");
}

fn compare_with_direct(r: &RiskResult, direct: &[f64]) {
    let engine_q = riskpath_engine::risk::quantile;
    for (q, x) in [(0.5, r.p50), (0.9, r.p90), (0.95, r.p95), (0.99, r.p99)] {
        assert_eq!(x, engine_q(&r.annual, q));
        assert_quantile(&format!("engine p{}", (q * 100.0) as u32), x, q, direct);
        assert_quantile(&format!("direct p{}", (q * 100.0) as u32), engine_q(direct, q), q, &r.annual);
    }
    // The exceedance curve against the direct sample's survival function.
    let n = direct.len() as f64;
    assert!(!r.lec.is_empty());
    for w in r.lec.windows(2) {
        assert!(w[0].loss < w[1].loss && w[0].probability >= w[1].probability);
    }
    for point in &r.lec {
        let (_, at) = ecdf(direct, point.loss);
        let s = 1.0 - at;
        let tol = 4.0 * (2.0 * s * (1.0 - s) / n).sqrt() + 2.0 / n;
        assert!((point.probability - s).abs() <= tol, "LEC at {}: {} vs direct {s}", point.loss, point.probability);
    }
}

#[test]
fn quantiles_match_a_direct_sampler_point_frequency() {
    let years = 200_000;
    let m = model("3", 0.5, 0.6, "{confidentiality: {low: 1e5, high: 1e6}}");
    let r = run(&m, 10_000, years, 21);
    let direct = direct_years((3.0, 3.0), 0.3, (1e5, 1e6), years as usize, 21);
    // P(no loss in a year) = exp(−λP): the median is above the atom at zero.
    let zero = (-0.9f64).exp();
    assert!(zero < 0.45);
    assert!(r.p50 > 0.0);
    compare_with_direct(&r, &direct);
}

#[test]
fn quantiles_match_a_direct_sampler_uncertain_frequency() {
    let years = 200_000;
    let m = model("{low: 0.5, high: 5}", 1.0, 1.0, "{confidentiality: {low: 1e4, high: 1e7}}");
    let r = run(&m, 1000, years, 22);
    let direct = direct_years((0.5, 5.0), 1.0, (1e4, 1e7), years as usize, 22);
    compare_with_direct(&r, &direct);
}

#[test]
fn two_actors_on_one_jewel_add_up() {
    let m = common::model(
        r#"
entry_points:
  - {id: internet, kind: internet}
  - {id: mail, kind: email}
nodes:
  - {id: staff, kind: identity}
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e5, high: 1e6}}}
edges:
  - {from: internet, to: db, kind: exploits, p: 0.4}
  - {from: mail, to: staff, kind: phishes, p: 0.5}
  - {from: staff, to: db, kind: authenticates, p: 0.8}
actors:
  - {id: crime, frequency: 2, entry: [internet], skill: low}
  - {id: insider, frequency: 0.5, entry: [mail], skill: high}
"#,
    );
    let r = run(&m, 100_000, 200_000, 8);
    let x = lognormal_mean(1e5, 1e6);
    assert_eq!(r.scenarios.len(), 2);
    common::assert_proportion("crime", r.scenarios[0].probability, 0.4, 100_000);
    common::assert_proportion("insider", r.scenarios[1].probability, 0.4, 100_000);
    assert_mean("two actors", &r, (2.0 + 0.5) * 0.4 * x);
    assert_eq!(r.targets.len(), 1);
    let scenario_total: f64 = r.scenarios.iter().map(|s| s.ale).sum();
    assert!((r.targets[0].1 / scenario_total - 1.0).abs() < 1e-12, "the jewel's share is both actors' scenarios");
    assert!((scenario_total / r.ale - 1.0).abs() < 1e-9);
}
