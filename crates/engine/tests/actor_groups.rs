//! Actors limited to an ATT&CK group's techniques (`Actor.allowed_techniques`, resolved by the
//! loader from `attack_group`): they cannot take other edges, in the simulation and in paths, and
//! other actors' numbers do not move (common random numbers).

mod common;

use riskpath_engine::compile::{Posture, compile};
use riskpath_engine::paths::all_scenarios;
use riskpath_engine::risk::expected_loss;

const MODEL: &str = r#"
entry_points:
  - {id: internet, kind: internet}
  - {id: mail, kind: email}
nodes:
  - {id: web, kind: service}
  - {id: staff, kind: identity}
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: 1e6}}
edges:
  - {from: internet, to: web, kind: exploits, p: 0.5}
  - {from: web, to: db, kind: authenticates, p: 0.5}
  - {from: mail, to: staff, kind: phishes, p: 0.5}
  - {from: staff, to: db, kind: authenticates, technique: T1078.004, p: 0.5}
actors:
  - {id: free, frequency: 1, entry: [internet, mail]}
  - {id: web-only, frequency: 1, entry: [internet, mail]}
  - {id: phish-only, frequency: 1, entry: [internet, mail]}
"#;

fn limited(techniques: &[&str]) -> Option<Vec<String>> {
    let mut v: Vec<String> = techniques.iter().map(|t| t.to_string()).collect();
    v.sort();
    Some(v)
}

#[test]
fn a_group_limit_removes_the_edges_it_does_not_use() {
    let mut model = common::model(MODEL);
    let unlimited = expected_loss(&model, &compile(&model, &Posture::as_deployed(&model)), 20_000, 3);
    // Uses T1190 and T1078 (not T1566): the web route only. Sub-technique T1078.004 is allowed via
    // its parent T1078, but the phishing edge that leads to it is not.
    model.actors[1].allowed_techniques = limited(&["T1078", "T1190"]);
    // Uses T1566.001 and T1078.004: phishing (via a sub-technique) then the cloud account, not T1190.
    model.actors[2].allowed_techniques = limited(&["T1078.004", "T1566.001"]);
    let graph = compile(&model, &Posture::as_deployed(&model));
    let loss = expected_loss(&model, &graph, 20_000, 3);
    let p = |actor: usize| loss.scenarios.iter().find(|s| s.actor == actor).unwrap().probability;
    let p0 = |actor: usize| unlimited.scenarios.iter().find(|s| s.actor == actor).unwrap().probability;
    assert_eq!(p(0), p0(0), "an unlimited actor's numbers do not move (common random numbers)");
    // One route of two (each 0.25): P = 0.25 instead of 1 − 0.75² = 0.4375.
    for a in [1, 2] {
        assert!((p(a) - 0.25).abs() < 0.02, "actor {a}: {}", p(a));
        assert!(p(a) < p0(a));
    }

    let scenarios = all_scenarios(&model, &graph, 5);
    let techniques = |actor: usize| -> Vec<Vec<String>> {
        let s = scenarios.iter().find(|s| s.actor == actor).unwrap();
        s.paths.iter().map(|p| p.edges.iter().map(|&e| graph.edges[e].technique.clone()).collect()).collect()
    };
    assert_eq!(techniques(0).len(), 2);
    assert_eq!(techniques(1), vec![vec!["T1190".to_string(), "T1078".to_string()]]);
    assert_eq!(techniques(2), vec![vec!["T1566".to_string(), "T1078.004".to_string()]]);
}

#[test]
fn a_group_that_uses_none_of_the_techniques_reaches_nothing() {
    let mut model = common::model(MODEL);
    model.actors[1].allowed_techniques = limited(&["T1021"]);
    let graph = compile(&model, &Posture::as_deployed(&model));
    let loss = expected_loss(&model, &graph, 4096, 1);
    assert_eq!(loss.scenarios.iter().find(|s| s.actor == 1).unwrap().probability, 0.0);
    let scenarios = all_scenarios(&model, &graph, 3);
    assert!(scenarios.iter().find(|s| s.actor == 1).unwrap().paths.is_empty());
    // Limited to everything the model uses: the same graph as no limit.
    model.actors[1].allowed_techniques = limited(&["T1078", "T1190", "T1566"]);
    assert!(matches!(graph.for_actor(&model.actors[1]), std::borrow::Cow::Borrowed(_)));
}
