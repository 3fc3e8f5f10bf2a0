//! Oracle: common random numbers. With the same seed, removing an edge or deploying a control can
//! only remove lanes (trials) in which a node is held: the what-if differs from the baseline by the
//! change, not by noise.

mod common;

use riskpath_engine::compile::{Posture, compile};
use riskpath_engine::risk::{RiskConfig, RiskResult, assess};
use riskpath_engine::sim::{Run, SimGraph};
use riskpath_model::Model;
use riskpath_model::kb::Skill;

const MODEL: &str = r#"
entry_points:
  - {id: internet, kind: internet}
  - {id: mail, kind: email}
nodes:
  - {id: web, kind: service, tags: [edge]}
  - {id: staff, kind: identity, tags: [employee]}
  - {id: app, kind: service, zone: core}
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e5, high: 5e6}}}
  - {id: bucket, kind: bucket, crown_jewel: true, loss: {confidentiality: {low: 2e6, high: 4e7}}}
  - {id: island, kind: host}
  - {id: lab, kind: host, crown_jewel: true, loss: {integrity: 1e5}}
edges:
  - {from: internet, to: web, kind: exploits, p: {low: 0.2, high: 0.7}}
  - {from: mail, to: staff, kind: phishes, p: 0.6}
  - {from: web, to: app, kind: authenticates, p: 0.7}
  - {from: staff, to: app, kind: authenticates}
  - {from: app, to: db, kind: authenticates, requires: [staff]}
  - {from: staff, to: bucket, kind: reads, requires: [web]}
  - {from: web, to: bucket, kind: exploits, p: 0.3}
  - {from: app, to: web, kind: authenticates, p: 0.5}
  - {from: island, to: db, kind: exploits, p: 0.9}
  - {from: internet, to: lab, kind: exploits, p: 0.9}
controls:
  - {id: mfa, mitigates: {T1078: {low: 0.4, high: 0.9}}, detects: {T1078: 0.3}, scope: [zone:core]}
  - {id: waf, status: planned, mitigates: {T1190: 0.5}, detects: {T1190: 0.4}, scope: [web, bucket]}
  - {id: dlp, status: planned, mitigates: {T1530: 0.3}, scope: [bucket]}
actors:
  - {id: crime, frequency: {low: 2, high: 12}, entry: [internet, mail], skill: medium}
  - {id: apt, frequency: 1, entry: [internet], skill: high, targets: [db, bucket, lab]}
"#;

const TRIALS: u64 = 20_000;
const SEED: u64 = 99;

/// Held lanes of every node, per batch, for an attacker of `skill` from `entries`.
fn held(model: &Model, posture: &Posture, skill: Skill, entries: &[&str]) -> Vec<Vec<u64>> {
    let graph = compile(model, posture);
    let sim = SimGraph::from_attack_graph(&graph, model, skill);
    let entries: Vec<u32> = entries.iter().map(|e| graph.index_of(e).unwrap()).collect();
    let run = Run { graph: &sim, entries: &entries, trials: TRIALS, seed: SEED, stream: 1 };
    let nodes = graph.node_count() as u32;
    run.map_batches(|b| (0..nodes).map(|n| b.held(n)).collect())
}

/// Lanes held after the change but not before (must be none), and lanes lost (some, usually).
fn compare(before: &[Vec<u64>], after: &[Vec<u64>]) -> (u64, u64) {
    let (mut gained, mut lost) = (0, 0);
    for (b, a) in before.iter().zip(after) {
        for (x, y) in b.iter().zip(a) {
            gained += (y & !x).count_ones() as u64;
            lost += (x & !y).count_ones() as u64;
        }
    }
    (gained, lost)
}

fn risk(model: &Model, posture: &Posture) -> RiskResult {
    assess(model, posture, RiskConfig { trials: TRIALS, years: 20_000, seed: SEED })
}

fn assert_no_increase(what: &str, before: &RiskResult, after: &RiskResult) {
    assert_eq!(before.scenarios.len(), after.scenarios.len());
    for (b, a) in before.scenarios.iter().zip(&after.scenarios) {
        assert!(a.probability <= b.probability, "{what}: P {} → {}", b.probability, a.probability);
        assert!(a.ale <= b.ale, "{what}: scenario ALE {} → {}", b.ale, a.ale);
    }
    // Every simulated year's loss can only fall, so every order statistic falls too.
    for (i, (b, a)) in before.annual.iter().zip(&after.annual).enumerate() {
        assert!(a <= b, "{what}: {i}th smallest annual loss {b} → {a}");
    }
    assert!(after.ale <= before.ale && after.p99 <= before.p99);
}

#[test]
fn removing_any_edge_only_removes_lanes() {
    let model = common::model(MODEL);
    let base = Posture::as_deployed(&model);
    let before_risk = risk(&model, &base);
    for (skill, entries) in [(Skill::Medium, &["internet", "mail"][..]), (Skill::High, &["internet"][..])] {
        let before = held(&model, &base, skill, entries);
        for i in 0..model.edges.len() {
            let mut posture = base.clone();
            posture.removed[i] = true;
            let after = held(&model, &posture, skill, entries);
            let (gained, lost) = compare(&before, &after);
            assert_eq!(gained, 0, "removing edge {} ({skill:?}) gained lanes", model.edges[i].label());
            // An edge out of a node no attacker holds changes nothing at all, bit for bit.
            if model.edges[i].from.value == "island" {
                assert_eq!(lost, 0);
            }
        }
    }
    let mut total_lost = 0;
    for i in 0..model.edges.len() {
        let mut posture = base.clone();
        posture.removed[i] = true;
        let after_risk = risk(&model, &posture);
        assert_no_increase(&format!("removing {}", model.edges[i].label()), &before_risk, &after_risk);
        if model.edges[i].from.value == "island" {
            assert_eq!(before_risk, after_risk, "an unreachable edge changes nothing");
        }
        total_lost += (before_risk.ale > after_risk.ale) as u32;
    }
    assert!(total_lost >= 5, "most removals lower the ALE");
}

#[test]
fn removing_an_edge_leaves_unrelated_nodes_identical() {
    // `lab` only depends on its own edge from the internet: its lanes must not move at all when
    // an edge elsewhere is removed (its draw depends on its stable id, not on its position).
    let model = common::model(MODEL);
    let base = Posture::as_deployed(&model);
    let graph = compile(&model, &base);
    let lab = graph.index_of("lab").unwrap() as usize;
    let before = held(&model, &base, Skill::Medium, &["internet", "mail"]);
    for i in 0..model.edges.len() - 1 {
        let mut posture = base.clone();
        posture.removed[i] = true;
        let after = held(&model, &posture, Skill::Medium, &["internet", "mail"]);
        // Dense node ids do not change with removed edges.
        assert!(before.iter().zip(&after).all(|(b, a)| b[lab] == a[lab]), "removing edge {i} moved lab");
    }
}

#[test]
fn deploying_a_control_with_point_efficacies_only_removes_lanes() {
    let model = common::model(MODEL);
    let base = Posture::as_deployed(&model);
    for c in [1, 2] {
        let mut posture = base.clone();
        posture.active[c] = true;
        let mut total_lost = 0;
        for (skill, entries) in [(Skill::Medium, &["internet", "mail"][..]), (Skill::High, &["internet"][..])] {
            let (gained, lost) = compare(&held(&model, &base, skill, entries), &held(&model, &posture, skill, entries));
            assert_eq!(gained, 0, "deploying {} ({skill:?}) gained lanes", model.controls[c].id);
            total_lost += lost;
        }
        assert!(total_lost > 0, "deploying {} changes something", model.controls[c].id);
        assert_no_increase(
            &format!("deploying {}", model.controls[c].id),
            &risk(&model, &base),
            &risk(&model, &posture),
        );
    }
}

/// A control with an *interval* efficacy turns a certain edge into an uncertain one. CRN needs
/// the edge's liveness to stay monotone in p for the same uniforms; the certain path compares the
/// uniforms bit by bit against p (words 0.., `certain_lanes`) while the uncertain path draws one
/// uniform per lane (words 64.., `uncertain_lanes`), so before/after draws are unrelated.
#[test]

fn deploying_a_control_with_an_interval_efficacy_only_removes_lanes() {
    let model = common::model(&MODEL.replace(
        "controls:\n",
        "controls:\n  - {id: seg, status: planned, mitigates: {T1190: {low: 0.01, high: 0.1}}, scope: [bucket]}\n",
    ));
    let base = Posture::as_deployed(&model);
    let mut posture = base.clone();
    posture.active[0] = true;
    let entries = &["internet", "mail"][..];
    let (gained, lost) =
        compare(&held(&model, &base, Skill::Medium, entries), &held(&model, &posture, Skill::Medium, entries));
    assert_eq!(gained, 0, "deploying seg gained {gained} held lanes (and lost {lost})");
}
