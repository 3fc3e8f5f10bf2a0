//! Shared oracles for the engine's integration tests: model loading from YAML text and exact
//! enumeration of all worlds of a small attack graph.
#![allow(dead_code)]

use riskpath_model::Model;

/// riskquant's README scenarios (Netflix): three actors, each reaching one crown jewel with
/// certainty (frequency 0.01, 0.10, 0.05; losses 1e6–1e7, 1e7–1e9, 5e6–5e7).
pub const RISKQUANT: &str = r#"
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: j1, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e6, high: 1e7}}}
  - {id: j2, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e7, high: 1e9}}}
  - {id: j3, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 5e6, high: 5e7}}}
edges:
  - {from: internet, to: j1, kind: exploits, p: 1}
  - {from: internet, to: j2, kind: exploits, p: 1}
  - {from: internet, to: j3, kind: exploits, p: 1}
actors:
  - {id: a1, frequency: 0.01, entry: [internet], skill: medium, targets: [j1]}
  - {id: a2, frequency: 0.10, entry: [internet], skill: medium, targets: [j2]}
  - {id: a3, frequency: 0.05, entry: [internet], skill: medium, targets: [j3]}
"#;

/// Two actors (one with uncertain frequency), uncertain and AND edges, controls with interval
/// efficacies, two jewels with several loss types: most of what a run draws.
pub const RICH_MODEL: &str = r#"
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

/// Loads a model from YAML text, panicking with the loader's problems if it is invalid.
pub fn model(yaml: &str) -> Model {
    match riskpath_model::load_str("test.yaml", yaml, &Default::default()) {
        Ok(loaded) => loaded.model,
        Err(problems) => {
            let messages: Vec<&str> = problems.list.iter().map(|p| p.message.as_str()).collect();
            panic!("test model does not load: {messages:?}")
        }
    }
}

/// One edge of an exact-enumeration graph: (from, to, p, requires).
pub type Edge = (u32, u32, f64, Vec<u32>);

/// The nodes held in one world (a bitmask of live edges): the monotone Horn fixpoint from `entries`.
pub fn held_in_world(node_count: usize, edges: &[Edge], entries: &[u32], live: u64) -> Vec<bool> {
    let mut held = vec![false; node_count];
    for &e in entries {
        held[e as usize] = true;
    }
    loop {
        let mut changed = false;
        for (i, (from, to, _, reqs)) in edges.iter().enumerate() {
            if live >> i & 1 == 1
                && held[*from as usize]
                && !held[*to as usize]
                && reqs.iter().all(|&r| held[r as usize])
            {
                held[*to as usize] = true;
                changed = true;
            }
        }
        if !changed {
            return held;
        }
    }
}

/// Exact P(node held) for every node, by enumerating all 2^m worlds (m ≤ 24).
pub fn exact_probabilities(node_count: usize, edges: &[Edge], entries: &[u32]) -> Vec<f64> {
    assert!(edges.len() <= 24, "enumeration is for small graphs");
    let mut prob = vec![0.0; node_count];
    for live in 0u64..(1 << edges.len()) {
        let mut weight = 1.0;
        for (i, e) in edges.iter().enumerate() {
            weight *= if live >> i & 1 == 1 { e.2 } else { 1.0 - e.2 };
        }
        if weight == 0.0 {
            continue;
        }
        for (n, h) in held_in_world(node_count, edges, entries, live).into_iter().enumerate() {
            if h {
                prob[n] += weight;
            }
        }
    }
    prob
}

/// Exact P(all of `nodes` held together).
pub fn exact_joint(node_count: usize, edges: &[Edge], entries: &[u32], nodes: &[u32]) -> f64 {
    let mut total = 0.0;
    for live in 0u64..(1 << edges.len()) {
        let weight: f64 =
            edges.iter().enumerate().map(|(i, e)| if live >> i & 1 == 1 { e.2 } else { 1.0 - e.2 }).product();
        if weight == 0.0 {
            continue;
        }
        let held = held_in_world(node_count, edges, entries, live);
        if nodes.iter().all(|&n| held[n as usize]) {
            total += weight;
        }
    }
    total
}

/// Standard error of a proportion `p` estimated from `n` trials.
pub fn se(p: f64, n: u64) -> f64 {
    let p = p.clamp(0.0, 1.0);
    (p * (1.0 - p) / n as f64).sqrt()
}

/// Asserts a Monte Carlo proportion is within 4 standard errors of the exact value, plus a slack
/// of `2/n` for values near 0 or 1 where the normal approximation fails.
pub fn assert_proportion(what: &str, estimate: f64, exact: f64, n: u64) {
    let tol = 4.0 * se(exact, n) + 2.0 / n as f64;
    assert!(
        (estimate - exact).abs() <= tol,
        "{what}: estimate {estimate} vs exact {exact} (|diff| {} > tol {tol}, n = {n})",
        (estimate - exact).abs()
    );
}

/// Every number of a risk result, as bits: equal vectors are bit-identical results.
pub fn risk_bits(r: &riskpath_engine::risk::RiskResult) -> Vec<u64> {
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
