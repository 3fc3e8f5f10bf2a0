//! Oracle: the same seed gives bit-identical results whatever the thread count; another seed
//! gives other results.

mod common;

use riskpath_engine::compile::Posture;
use riskpath_engine::risk::{RiskConfig, RiskResult, assess};

fn assess_with_threads(threads: usize, seed: u64) -> RiskResult {
    let model = common::model(common::RICH_MODEL);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    // Enough trials and years for many batches and many year chunks per actor.
    pool.install(|| assess(&model, &Posture::as_deployed(&model), RiskConfig { trials: 10_000, years: 50_000, seed }))
}

#[test]
fn same_seed_is_bit_identical_across_thread_counts() {
    let one = assess_with_threads(1, 42);
    let again = assess_with_threads(1, 42);
    let two = assess_with_threads(2, 42);
    let four = assess_with_threads(4, 42);
    assert!(one.ale > 0.0 && one.scenarios.len() == 3 && one.scenarios.iter().all(|s| s.probability > 0.0));
    assert_eq!(common::risk_bits(&one), common::risk_bits(&again), "rerun with one thread");
    assert_eq!(common::risk_bits(&one), common::risk_bits(&two), "one thread vs two");
    assert_eq!(common::risk_bits(&one), common::risk_bits(&four), "one thread vs four");
    assert_eq!(one, two);
}

#[test]
fn different_seeds_give_different_results() {
    let a = assess_with_threads(2, 42);
    let b = assess_with_threads(2, 43);
    assert_eq!(a.config.seed, 42);
    assert_eq!(b.config.seed, 43);
    assert_ne!(a.ale, b.ale);
    assert_ne!(a.annual, b.annual);
    for (x, y) in a.scenarios.iter().zip(&b.scenarios) {
        assert_ne!(x.probability, y.probability, "scenario {} → {}", x.actor, x.target);
        assert_ne!(x.ale, y.ale);
        // …but only by Monte Carlo noise.
        assert!((x.probability - y.probability).abs() < 5.0 * (x.std_error.powi(2) + y.std_error.powi(2)).sqrt());
    }
}
