//! Oracle: runs driven to a precision target. The target holds against closed forms over many
//! seeds (the truth within 3 reported standard errors at the normal rate), the run stops at the
//! first boundary of the schedule meeting it, equals the fixed run of the counts it reached, and
//! is bit-identical on any number of threads.

mod common;

use riskpath_engine::compile::{Posture, compile};
use riskpath_engine::precision::{
    Caps, TRIAL_UNIT, Target, YEAR_UNIT, assess_to_precision, decision_trials, next_units,
};
use riskpath_engine::risk::{RiskConfig, RiskResult, assess, expected_loss};

const CAPS: Caps = Caps { trials: 100_000_000, years: 10_000_000 };

fn driven(model: &riskpath_model::Model, seed: u64, target: Target, caps: Caps) -> RiskResult {
    let graph = compile(model, &Posture::as_deployed(model));
    let fixed = RiskConfig { trials: 1_000, years: 1_000, seed };
    assess_to_precision(model, &graph, fixed, target, caps, &())
}

fn fixed(model: &riskpath_model::Model, trials: u64, years: u64, seed: u64) -> RiskResult {
    assess(model, &Posture::as_deployed(model), RiskConfig { trials, years, seed })
}

/// `internet → db`, P = 0.3; 2 attempts a year; a lognormal loss with 90% in [1e5, 1e6].
const CLOSED: &str = r#"
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e5, high: 1e6}}}
edges:
  - {from: internet, to: db, kind: exploits, p: 0.3}
actors:
  - {id: crime, frequency: 2, entry: [internet], skill: medium}
"#;

/// The closed form: ALE = λ·P·E[loss], E[loss] = exp(μ + σ²/2) of the interval's lognormal fit.
fn closed_ale() -> f64 {
    let z95 = 1.644_853_626_951_472_2;
    let (mu, sigma) = ((1e5f64.ln() + 1e6f64.ln()) / 2.0, (1e6f64.ln() - 1e5f64.ln()) / (2.0 * z95));
    2.0 * 0.3 * (mu + sigma * sigma / 2.0).exp()
}

#[test]
fn the_reached_error_holds_against_the_closed_form_over_seeds() {
    let model = common::model(CLOSED);
    let target = Target { ale: Some(0.01), p: Some(0.002) };
    let (truth, seeds) = (closed_ale(), 40);
    let (mut ale_misses, mut p_misses, mut ales) = (0, 0, Vec::new());
    for seed in 0..seeds {
        let r = driven(&model, seed, target, CAPS);
        let reached = r.precision.unwrap();
        assert!(reached.met, "seed {seed}");
        assert!(r.ale_std_error <= 0.01 * r.ale && reached.ale_relative_std_error == r.ale_std_error / r.ale);
        let s = &r.scenarios[0];
        assert!(s.std_error <= 0.002 && reached.p_std_error == s.std_error);
        ale_misses += ((r.ale - truth).abs() > 3.0 * r.ale_std_error) as u32;
        p_misses += ((s.probability - 0.3).abs() > 3.0 * s.std_error) as u32;
        ales.push(r.ale);
    }
    // Outside 3 SE: 0.27% of seeds expected; 3 of 40 has probability below 3e-4.
    assert!(ale_misses <= 2 && p_misses <= 2, "ALE misses {ale_misses}, P misses {p_misses} of {seeds}");
    // The spread of the ALE over seeds is the precision asked (1%), not much more.
    let mean = ales.iter().sum::<f64>() / seeds as f64;
    let sd = (ales.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (seeds - 1) as f64).sqrt();
    assert!(sd / truth < 0.0135, "relative spread over seeds {}", sd / truth);
}

#[test]
fn the_run_stops_at_the_first_boundary_meeting_the_target() {
    let model = common::model(CLOSED);
    let target = Target { ale: Some(0.01), p: Some(0.002) };
    for seed in [3, 4] {
        let r = driven(&model, seed, target, CAPS);
        let (trials, years) = (r.config.trials, r.config.years);
        // The driven run is the fixed run of the counts it reached.
        assert_eq!(common::risk_bits(&r), common::risk_bits(&fixed(&model, trials, years, seed)));
        // Every earlier boundary of the schedule misses the target.
        let mut n = 1;
        while n * YEAR_UNIT < years {
            let before = fixed(&model, 1_000, n * YEAR_UNIT, seed);
            assert!(before.ale_std_error > 0.01 * before.ale, "years {} already met it", n * YEAR_UNIT);
            n = next_units(n);
        }
        assert_eq!(n * YEAR_UNIT, years, "years on the schedule");
        let mut n = 1;
        while n * TRIAL_UNIT < trials {
            let before = fixed(&model, n * TRIAL_UNIT, 1_000, seed);
            assert!(before.scenarios[0].std_error > 0.002, "trials {} already met it", n * TRIAL_UNIT);
            n = next_units(n);
        }
        assert_eq!(n * TRIAL_UNIT, trials, "trials on the schedule");
    }
}

#[test]
fn a_quantity_without_a_target_keeps_its_fixed_count_and_a_cap_stops_the_run() {
    let model = common::model(CLOSED);
    let r = driven(&model, 1, Target { ale: Some(0.01), p: None }, CAPS);
    assert_eq!(r.config.trials, 1_000);
    let capped =
        driven(&model, 1, Target { ale: Some(0.0001), p: Some(0.0001) }, Caps { trials: 10_000, years: 9_000 });
    let reached = capped.precision.unwrap();
    assert!(!reached.met);
    assert_eq!((capped.config.trials, capped.config.years), (10_000, 9_000));
    assert!(reached.ale_relative_std_error > 0.0001 && reached.p_std_error > 0.0001);
    // A capped run is still the fixed run of its counts.
    assert_eq!(common::risk_bits(&capped), common::risk_bits(&fixed(&model, 10_000, 9_000, 1)));
}

#[test]
fn driven_runs_are_bit_identical_on_any_number_of_threads() {
    let model = common::model(common::RICH_MODEL);
    let target = Target { ale: Some(0.005), p: Some(0.002) };
    let on = |threads| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| driven(&model, 42, target, CAPS))
    };
    let one = on(1);
    assert!(one.config.years > YEAR_UNIT && one.config.trials > TRIAL_UNIT, "several boundaries: {:?}", one.config);
    assert_eq!(common::risk_bits(&one), common::risk_bits(&on(3)));
    assert_eq!(one.precision, on(2).precision);
}

#[test]
fn decision_trials_meet_the_target_on_the_expected_loss_and_stop_at_the_first_boundary() {
    // A point loss: each trial books 1e6 with P = 0.3, so the evaluator's ALE 2·0.3·1e6 has
    // relative standard error sqrt(0.3·0.7/n)/0.3 with n trials.
    let model = common::model(&CLOSED.replace("{confidentiality: {low: 1e5, high: 1e6}}", "{confidentiality: 1e6}"));
    let graph = compile(&model, &Posture::as_deployed(&model));
    let (truth, target) = (6e5, Target { ale: Some(0.01), p: None });
    let mut misses = 0;
    for seed in 0..40 {
        let (n, error, _) = decision_trials(&model, &graph, seed, target, 100_000_000);
        assert!(error <= 0.01, "seed {seed}");
        let exact_error = (0.21 / n as f64).sqrt() / 0.3;
        assert!((error / exact_error - 1.0).abs() < 0.05, "estimated {error} vs exact {exact_error} at {n}");
        let ale = expected_loss(&model, &graph, n, seed).ale;
        misses += ((ale - truth).abs() > 3.0 * exact_error * truth) as u32;
        // The boundary before did not meet it.
        let before = (n / TRIAL_UNIT - 1..n / TRIAL_UNIT).find(|&u| next_units(u) * TRIAL_UNIT == n).unwrap();
        let (m, error_before, _) = decision_trials(&model, &graph, seed, target, before * TRIAL_UNIT);
        assert!(m == before * TRIAL_UNIT && error_before > 0.01, "seed {seed}: {m} trials already gave {error_before}");
    }
    assert!(misses <= 2, "{misses} of 40 seeds outside 3 SE");
    // A P target alone: the headline's rule on the same stream gives the same trials.
    let p_only = Target { ale: None, p: Some(0.002) };
    let (n, _, p_error) = decision_trials(&model, &graph, 5, p_only, 100_000_000);
    let headline = driven(&model, 5, p_only, CAPS);
    assert_eq!((n, p_error), (headline.config.trials, headline.precision.unwrap().p_std_error));
}
