//! Oracle: the same seed gives bit-identical results whatever the thread count; another seed
//! gives other results.

mod common;

use riskpath_engine::compile::Posture;
use riskpath_engine::risk::{RiskConfig, RiskResult, assess};

const MODEL: &str = r#"
entry_points:
  - {id: internet, kind: internet}
  - {id: mail, kind: email}
nodes:
  - {id: web, kind: service, tags: [edge]}
  - {id: staff, kind: identity, tags: [employee]}
  - {id: app, kind: service, zone: core}
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e5, high: 5e6}, regulatory: 2e5}}
  - {id: bucket, kind: bucket, crown_jewel: true, loss: {confidentiality: {low: 2e6, high: 4e7}}}
edges:
  - {from: internet, to: web, kind: exploits, p: {low: 0.1, high: 0.5}}
  - {from: mail, to: staff, kind: phishes}
  - {from: web, to: app, kind: authenticates, p: 0.7}
  - {from: staff, to: app, kind: authenticates}
  - {from: app, to: db, kind: authenticates, requires: [staff]}
  - {from: staff, to: bucket, kind: reads, requires: [web]}
  - {from: web, to: bucket, kind: exploits, p: 0.05}
controls:
  - {id: mfa, mitigates: {T1566: 0.8, T1078: {low: 0.4, high: 0.9}}, detects: {T1078: 0.3}, scope: [tag:employee, zone:core]}
  - {id: waf, mitigates: {T1190: {low: 0.2, high: 0.6}}, scope: [web, bucket]}
actors:
  - {id: crime, frequency: {low: 2, high: 12}, entry: [internet, mail], skill: medium}
  - {id: apt, frequency: {low: 0.1, high: 1}, entry: [internet, mail], skill: high, targets: [db]}
"#;

fn assess_with_threads(threads: usize, seed: u64) -> RiskResult {
    let model = common::model(MODEL);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    // Enough trials and years for many batches and many year chunks per actor.
    pool.install(|| assess(&model, &Posture::as_deployed(&model), RiskConfig { trials: 10_000, years: 50_000, seed }))
}

fn bits(r: &RiskResult) -> Vec<u64> {
    let mut v = vec![r.ale, r.ale_std_error, r.p50, r.p90, r.p95, r.p99];
    for s in &r.scenarios {
        v.extend([s.actor as f64, s.target as f64, s.probability, s.std_error, s.ale]);
    }
    for (t, a) in &r.targets {
        v.extend([*t as f64, *a]);
    }
    for p in &r.lec {
        v.extend([p.loss, p.probability]);
    }
    v.extend(&r.annual);
    v.into_iter().map(f64::to_bits).collect()
}

#[test]
fn same_seed_is_bit_identical_across_thread_counts() {
    let one = assess_with_threads(1, 42);
    let again = assess_with_threads(1, 42);
    let two = assess_with_threads(2, 42);
    let four = assess_with_threads(4, 42);
    assert!(one.ale > 0.0 && one.scenarios.len() == 3 && one.scenarios.iter().all(|s| s.probability > 0.0));
    assert_eq!(bits(&one), bits(&again), "rerun with one thread");
    assert_eq!(bits(&one), bits(&two), "one thread vs two");
    assert_eq!(bits(&one), bits(&four), "one thread vs four");
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
