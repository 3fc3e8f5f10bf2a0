//! Oracle: the full pipeline (YAML → compile → risk::assess) against hand-computed edge
//! probabilities, p = base × Π(1 − prevent) × (1 − detect × respond), and exact enumeration.

mod common;

use common::{Edge, assert_proportion, exact_probabilities};
use riskpath_engine::compile::{Posture, compile};
use riskpath_engine::risk::{RiskConfig, assess};
use riskpath_model::kb::{self, Skill};

const MODEL: &str = r#"
settings:
  respond: 0.4
  trials: 200000
  years: 1000
  seed: 7
entry_points:
  - {id: internet, kind: internet}
  - {id: mail, kind: email}
nodes:
  - {id: web, kind: service, tags: [edge]}
  - {id: staff, kind: identity, tags: [employee]}
  - {id: app, kind: service, zone: core}
  - id: bucket
    kind: bucket
    crown_jewel: true
    loss: {confidentiality: {low: 1e5, high: 1e6}}
edges:
  - {id: e1, from: internet, to: web, kind: exploits, p: 0.6}
  - {id: e2, from: mail, to: staff, kind: phishes, p: 0.5}
  - {id: e3, from: web, to: app, kind: authenticates, p: 0.7}
  - {id: e4, from: staff, to: app, kind: authenticates, technique: T1078.004, p: 0.8}
  - {id: e5, from: app, to: bucket, kind: reads, p: 0.9, requires: [staff]}
  - {id: e6, from: web, to: bucket, kind: exploits}
controls:
  - id: waf
    mitigates: {T1190: 0.5}
    detects: {T1190: 0.4}
    scope: [web, bucket]
  - id: mfa
    mitigates: {T1078: 0.7}
    detects: {T1078: 0.2}
    scope: [zone:core]
  - id: edr
    detects: {T1078.004: 0.5}
    scope: [kind:service]
  - id: dlp
    mitigates: {T1530: 0.3}
    detects: {T1530: 0.6}
    scope: [bucket]
  - id: jit
    status: planned
    mitigates: {T1530: 0.99}
    scope: [bucket]
  - id: filter
    mitigates: {T1566: 0.6}
    scope: [tag:employee]
actors:
  - {id: crime, frequency: 2, entry: [internet, mail], skill: medium, targets: [bucket]}
  - {id: apt, frequency: 1, entry: [internet, mail], skill: high, targets: [bucket]}
"#;

const RESPOND: f64 = 0.4;

fn factor(prevent: f64, detect: f64) -> f64 {
    (1.0 - prevent) * (1.0 - detect * RESPOND)
}

/// Hand-computed p per model edge (e1..e6) for a skill, with the planned control `jit` off or on.
fn hand_p(skill: Skill, jit: bool) -> [f64; 6] {
    let waf = factor(0.5, 0.4); // T1190 on web and bucket
    let mfa = factor(0.7, 0.2); // T1078 and its sub-techniques on app (zone core)
    let edr = factor(0.0, 0.5); // T1078.004 only, on services
    let dlp = factor(0.3, 0.6); // T1530 on bucket
    let jit = if jit { factor(0.99, 0.0) } else { 1.0 };
    let filter = factor(0.6, 0.0); // T1566 on staff
    let exploits = kb::edge_kind("exploits").unwrap().base(skill);
    [
        0.6 * waf,
        0.5 * filter,
        0.7 * mfa, // edr lists T1078.004, which does not cover the parent T1078
        0.8 * mfa * edr,
        0.9 * dlp * jit,
        exploits * waf,
    ]
}

#[test]
fn hand_computation_matches_known_numbers() {
    let p = hand_p(Skill::Medium, false);
    let expected = [0.252, 0.2, 0.1932, 0.17664, 0.4788, 0.063];
    for (a, b) in p.iter().zip(expected) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
}

#[test]
fn compiled_edge_probabilities_follow_the_formula() {
    let model = common::model(MODEL);
    for jit in [false, true] {
        let mut posture = Posture::as_deployed(&model);
        assert_eq!(posture.active, vec![true, true, true, true, false, true], "planned controls are off");
        posture.active[4] = jit;
        let graph = compile(&model, &posture);
        assert_eq!(graph.edges.len(), 6);
        assert!((graph.respond - RESPOND).abs() < 1e-15);
        for skill in Skill::ALL {
            let hand = hand_p(skill, jit);
            for e in &graph.edges {
                let want = hand[e.model_index];
                assert!(
                    (e.p(skill) - want).abs() < 1e-12,
                    "edge e{} skill {:?} jit {jit}: compiled {} vs hand {want}",
                    e.model_index + 1,
                    skill,
                    e.p(skill)
                );
            }
        }
    }
}

#[test]
fn respond_defaults_to_one_half() {
    let model = common::model(
        r#"
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: 1e6}}
edges:
  - {from: internet, to: db, kind: exploits, p: 0.8}
controls:
  - {id: ids, detects: {T1190: 0.6}, scope: [db]}
"#,
    );
    let graph = compile(&model, &Posture::as_deployed(&model));
    assert!((graph.edges[0].p(Skill::Low) - 0.8 * (1.0 - 0.6 * 0.5)).abs() < 1e-12);
}

fn exact_for(model: &riskpath_model::Model, skill: Skill, jit: bool) -> (Vec<f64>, usize) {
    let mut posture = Posture::as_deployed(model);
    posture.active[4] = jit;
    let graph = compile(model, &posture);
    let hand = hand_p(skill, jit);
    let idx = |id: &str| graph.index_of(id).unwrap();
    let edges: Vec<Edge> = model
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            (idx(&e.from.value), idx(&e.to.value), hand[i], e.requires.iter().map(|r| idx(&r.value)).collect())
        })
        .collect();
    let entries = [idx("internet"), idx("mail")];
    (exact_probabilities(graph.node_count(), &edges, &entries), idx("bucket") as usize)
}

#[test]
fn scenario_probabilities_match_exact_enumeration() {
    let model = common::model(MODEL);
    for jit in [false, true] {
        let mut posture = Posture::as_deployed(&model);
        posture.active[4] = jit;
        let config = RiskConfig { trials: 200_000, years: 1000, seed: 7 };
        let result = assess(&model, &posture, config);
        assert_eq!(result.scenarios.len(), 2);
        for (s, skill) in result.scenarios.iter().zip([Skill::Medium, Skill::High]) {
            let (exact, bucket) = exact_for(&model, skill, jit);
            assert_eq!(s.target as usize, bucket);
            assert_proportion(
                &format!("P(bucket) for {skill:?}, jit {jit}"),
                s.probability,
                exact[bucket],
                config.trials,
            );
            assert!((s.std_error - common::se(s.probability, config.trials)).abs() < 1e-12);
        }
    }
}

/// Sanity of the exact oracle itself on this model: the AND edge needs `staff`, so the bucket is
/// reached either through web (e6) or through app with staff held (e5).
#[test]
fn exact_oracle_agrees_with_a_closed_form() {
    let model = common::model(MODEL);
    let (exact, bucket) = exact_for(&model, Skill::Medium, false);
    let [p1, p2, p3, p4, p5, p6] = hand_p(Skill::Medium, false);
    // Condition on web (e1) and staff (e2).
    let app = |web: bool, staff: bool| 1.0 - (1.0 - if web { p3 } else { 0.0 }) * (1.0 - if staff { p4 } else { 0.0 });
    let mut total = 0.0;
    for (web, pw) in [(true, p1), (false, 1.0 - p1)] {
        for (staff, ps) in [(true, p2), (false, 1.0 - p2)] {
            let via_web = if web { p6 } else { 0.0 };
            let via_app = if staff { app(web, staff) * p5 } else { 0.0 };
            total += pw * ps * (1.0 - (1.0 - via_web) * (1.0 - via_app));
        }
    }
    assert!((exact[bucket] - total).abs() < 1e-12, "{} vs {total}", exact[bucket]);
}

/// Removing edges from a compiled graph gives what compiling with them removed gives: same ids,
/// edges (order, probabilities, control factors) and CSR offsets.
#[test]
fn removing_edges_from_a_compiled_graph_equals_compiling_without_them() {
    let model = common::model(MODEL);
    let deployed = Posture::as_deployed(&model);
    let graph = compile(&model, &deployed);
    for removed in [vec![], vec![0], vec![2, 4], vec![5, 0, 3], (0..6).collect()] {
        let mut posture = deployed.clone();
        for &e in &removed {
            posture.removed[e] = true;
        }
        let compiled = compile(&model, &posture);
        let derived = graph.without_model_edges(&removed);
        assert_eq!(derived.ids, compiled.ids);
        assert_eq!(derived.entry_count, compiled.entry_count);
        assert_eq!(derived.offsets, compiled.offsets, "{removed:?}");
        assert_eq!(format!("{:?}", derived.edges), format!("{:?}", compiled.edges), "{removed:?}");
        assert_eq!(derived.edges.len(), 6 - removed.len());
        for id in &compiled.ids {
            assert_eq!(derived.index_of(id), compiled.index_of(id));
        }
    }
}

/// A scope selector with `from:` covers edges by their source, and an entry point source is
/// selected by its id or its kind; selectors on the two ends add up, and a control matched by
/// both still counts once.
const SOURCE_SCOPED: &str = r#"
settings: {respond: 0.5}
entry_points:
  - {id: internet, kind: internet}
  - {id: mail, kind: email}
nodes:
  - {id: laptop, kind: host, tags: [workstation]}
  - {id: server, kind: host, zone: core}
  - {id: admin, kind: identity, tags: [privileged]}
  - id: db
    kind: datastore
    crown_jewel: true
    loss: {confidentiality: 1e6}
edges:
  - {id: s1, from: internet, to: laptop, kind: exploits, p: 0.5}
  - {id: s2, from: laptop, to: admin, kind: steals_credential, technique: T1003, p: 0.6}
  - {id: s3, from: server, to: admin, kind: steals_credential, technique: T1003.001, p: 0.7}
  - {id: s4, from: admin, to: server, kind: authenticates, p: 0.8}
  - {id: s5, from: admin, to: db, kind: authenticates, p: 0.9}
  - {id: s6, from: mail, to: laptop, kind: phishes, p: 0.4}
controls:
  - {id: edr, mitigates: {T1003: 0.8}, detects: {T1003: 0.4}, scope: ["from:tag:workstation", "from:zone:core"]}
  - {id: perimeter, mitigates: {T1190: 0.5}, scope: ["from:internet"]}
  - {id: gateway, mitigates: {T1566: 0.75}, scope: ["from:kind:email"]}
  - {id: pam, mitigates: {T1078: 0.3}, scope: ["from:admin", "to:db"]}
  - {id: on-target, mitigates: {T1003: 0.5}, scope: [laptop]}
actors:
  - {id: crime, frequency: 1, entry: [internet, mail], skill: medium, targets: [db]}
"#;

#[test]
fn source_side_scopes_follow_the_formula() {
    let model = common::model(SOURCE_SCOPED);
    let graph = compile(&model, &Posture::as_deployed(&model));
    let edr = (1.0 - 0.8) * (1.0 - 0.4 * 0.5);
    // s1: perimeter by the entry point's id; s2, s3: edr by the source's tag and zone (T1003.001
    // is a sub-technique); s4: pam by source; s5: pam by both ends, once; s6: gateway by the
    // entry point's kind. `on-target` covers edges landing on the laptop, none of them T1003.
    let hand = [0.5 * 0.5, 0.6 * edr, 0.7 * edr, 0.8 * 0.7, 0.9 * 0.7, 0.4 * 0.25];
    let counted = [&["perimeter"][..], &["edr"], &["edr"], &["pam"], &["pam"], &["gateway"]];
    for e in &graph.edges {
        let i = e.model_index;
        assert!((e.p(Skill::Medium) - hand[i]).abs() < 1e-12, "s{}: {} vs {}", i + 1, e.p(Skill::Medium), hand[i]);
        let ids: Vec<&str> = e.factors.iter().map(|f| model.controls[f.control].id.as_str()).collect();
        assert_eq!(ids, counted[i], "s{}", i + 1);
    }
    // `explain` lists the same controls as covering each edge, each with the first selector of
    // its scope that covers it.
    let by = [
        &["from:internet"][..],
        &["from:tag:workstation"],
        &["from:zone:core"],
        &["from:admin"],
        &["from:admin"],
        &["from:kind:email"],
    ];
    for (edge, e) in graph.edges.iter().enumerate() {
        let terms = riskpath_engine::explain::explain_edge(&model, &graph, edge).controls;
        let listed: Vec<&str> = terms.iter().map(|c| c.control.as_str()).collect();
        assert_eq!(listed, counted[e.model_index], "s{}", e.model_index + 1);
        let scopes: Vec<&str> = terms.iter().map(|c| c.scope.as_str()).collect();
        assert_eq!(scopes, by[e.model_index], "s{}", e.model_index + 1);
    }
}

#[test]
fn an_edge_technique_with_its_own_rate_replaces_the_kind_s_base_and_edge_p_wins_over_both() {
    // Three `phishes` edges: as the kind, as vishing (T1566.004 has its own rate) and vishing with
    // its own p; an email filter listing T1566 covers all three (a sub-technique is covered).
    let yaml = "entry_points: [{id: mail, kind: email}]
nodes:
  - {id: a, kind: identity}
  - {id: b, kind: identity}
  - {id: c, kind: identity}
edges:
  - {from: mail, to: a, kind: phishes}
  - {from: mail, to: b, kind: phishes, technique: T1566.004}
  - {from: mail, to: c, kind: phishes, technique: T1566.004, p: 0.2}
controls:
  - {id: filter, mitigates: {T1566: 0.5}}
";
    let model = riskpath_model::load_str("m.yaml", yaml, &Default::default()).expect("valid").model;
    let graph = compile(&model, &Posture::as_deployed(&model));
    let p_of = |to: &str| {
        let e = graph.edges.iter().find(|e| graph.ids[e.to as usize] == to).unwrap();
        e.p
    };
    let kind = kb::edge_kind("phishes").unwrap().base;
    let vishing = kb::technique_rate("T1566.004").unwrap().base;
    for s in Skill::ALL {
        let i = s.index();
        assert!((p_of("a")[i] - kind[i] * 0.5).abs() < 1e-12);
        assert!((p_of("b")[i] - vishing[i] * 0.5).abs() < 1e-12);
        assert!((p_of("c")[i] - 0.2 * 0.5).abs() < 1e-12);
    }
    assert!(vishing[1] > kind[1], "a call beats an email lure");
    let explained: Vec<&str> =
        (0..3).map(|i| riskpath_engine::explain::explain_edge(&model, &graph, i).base_source).collect();
    let mut sorted = explained.clone();
    sorted.sort();
    assert_eq!(sorted, ["edge p", "knowledge base", "technique rate"]);
}

/// A control listing T1078 and T1078.004 in the order given; one T1078.004 step and one T1078.002.
fn nested_entries(first: &str, second: &str) -> riskpath_model::Model {
    common::model(&format!(
        r#"
entry_points: [{{id: internet, kind: internet}}]
nodes:
  - {{id: cloud, kind: identity}}
  - {{id: domain, kind: identity}}
  - {{id: db, kind: datastore, crown_jewel: true, loss: {{confidentiality: 1e6}}}}
edges:
  - {{from: internet, to: cloud, kind: authenticates, technique: T1078.004, p: 0.8}}
  - {{from: internet, to: domain, kind: authenticates, technique: T1078.002, p: 0.8}}
  - {{from: cloud, to: db, kind: reads_database, p: 0.9}}
  - {{from: domain, to: db, kind: reads_database, p: 0.9}}
controls:
  - {{id: mfa, mitigates: {{{first}, {second}}}, detects: {{{second}, {first}}}}}
actors: [{{id: crime, frequency: 1, entry: [internet], skill: medium}}]
"#
    ))
}

#[test]
fn the_most_specific_technique_entry_applies_whatever_the_key_order() {
    let orders =
        [("T1078: 0.5", "T1078.004: {low: 0.8, high: 0.95}"), ("T1078.004: {low: 0.8, high: 0.95}", "T1078: 0.5")];
    let results: Vec<(Vec<f64>, Vec<Option<f64>>, f64)> = orders
        .iter()
        .map(|(a, b)| {
            let model = nested_entries(a, b);
            let graph = compile(&model, &Posture::as_deployed(&model));
            let p: Vec<f64> =
                (0..4).map(|i| graph.edges.iter().find(|e| e.model_index == i).unwrap().p(Skill::Medium)).collect();
            let cloud = graph.edges.iter().position(|e| e.model_index == 0).unwrap();
            let prevent = riskpath_engine::explain::explain_edge(&model, &graph, cloud).controls[0].prevent;
            let config = RiskConfig { trials: 20_000, years: 100, seed: 3 };
            let risk = assess(&model, &Posture::as_deployed(&model), config);
            (p, vec![prevent], risk.scenarios[0].probability)
        })
        .collect();
    assert_eq!(results[0], results[1], "both key orders give the same numbers");
    let mean = |lo: f64, hi: f64| {
        riskpath_engine::dist::probability_mean(&riskpath_model::Estimate::Interval { low: lo, high: hi })
    };
    let sub = mean(0.8, 0.95);
    let (p, prevent, _) = &results[0];
    assert!((prevent[0].unwrap() - sub).abs() < 1e-12, "the T1078.004 step gets the T1078.004 entry");
    // Prevent and detect both from the specific entry on the T1078.004 step, the parent's on T1078.002.
    assert!((p[0] - 0.8 * (1.0 - sub) * (1.0 - sub * 0.5)).abs() < 1e-12, "{}", p[0]);
    assert!((p[1] - 0.8 * 0.5 * (1.0 - 0.5 * 0.5)).abs() < 1e-12, "{}", p[1]);
}
