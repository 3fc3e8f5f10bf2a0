//! Incident mode on hand-built graphs with known answers: reachability against closed forms, the
//! cut on a graph with a unique minimum cut, next hops ranked by the money they carry (and equal to
//! a full re-simulation without the edge), credentials within one hop, the hunt ranking, and
//! misspelt ids.

use riskpath_decide::incident::{self, Incident, IncidentConfig, IncidentError, incident_stream};
use riskpath_engine::sim::{Run, SimGraph};
use riskpath_engine::{Posture, compile};
use riskpath_model::Model;
use riskpath_model::kb::Skill;

fn model(yaml: &str) -> Model {
    match riskpath_model::load_str("m.yaml", yaml, &Default::default()) {
        Ok(l) => l.model,
        Err(p) => panic!("invalid test model:\n{}", p.render(false)),
    }
}

fn assess(m: &Model, compromised: &[&str], trials: u64) -> Incident {
    let ids: Vec<String> = compromised.iter().map(|s| s.to_string()).collect();
    let config = IncidentConfig { trials, seed: 11, skill: None };
    incident::assess(m, &Posture::as_deployed(m), &ids, config).expect("known ids")
}

fn jewel<'a>(x: &'a Incident, id: &str) -> &'a incident::JewelExposure {
    x.jewels.iter().find(|j| j.id == id).unwrap_or_else(|| panic!("no jewel {id}"))
}

/// |estimate − exact| within 4 standard errors of a proportion over `trials`.
fn close(estimate: f64, exact: f64, trials: u64) -> bool {
    (estimate - exact).abs() <= 4.0 * (exact * (1.0 - exact) / trials as f64).sqrt() + 1e-12
}

const ACTOR: &str = "actors:\n  - {id: attacker, frequency: 1, entry: [net], skill: medium}\n";

#[test]
fn reachability_matches_the_closed_form_with_controls_and_and_edges() {
    // c → x → j and c → j directly, under a detecting control on j (factor 1 − 0.4 × 0.5 = 0.8):
    // P(j) = 1 − (1 − 0.3·0.8)(1 − 0.6·0.5·0.8) = 1 − 0.76 · 0.76.
    // AND: c → yy, c → z (0.5 each); yy → k needs z: P(k) = 0.25. `far` has no path: P = 0.
    let m = model(&format!(
        "entry_points: [{{id: net, kind: internet}}]
nodes:
  - {{id: c, kind: host}}
  - {{id: x, kind: host}}
  - {{id: yy, kind: host}}
  - {{id: z, kind: host}}
  - {{id: j, kind: datastore, crown_jewel: true, loss: {{confidentiality: 1000000}}}}
  - {{id: k, kind: datastore, crown_jewel: true, loss: {{confidentiality: 2000000, response: 500000}}}}
  - {{id: far, kind: datastore, crown_jewel: true, loss: {{confidentiality: 9000000}}}}
edges:
  - {{from: net, to: c, kind: exploits, p: 0.1}}
  - {{from: net, to: far, kind: exploits, p: 0.1}}
  - {{from: c, to: x, kind: exploits_internal, p: 0.6}}
  - {{from: x, to: j, kind: exploits_internal, p: 0.5}}
  - {{from: c, to: j, kind: exploits_internal, p: 0.3}}
  - {{from: c, to: yy, kind: exploits_internal, p: 0.5}}
  - {{from: c, to: z, kind: exploits_internal, p: 0.5}}
  - {{from: yy, to: k, kind: exploits_internal, p: 1.0, requires: [z]}}
controls:
  - {{id: ids, detects: {{T1210: 0.4}}, scope: [j]}}
  - {{id: future, detects: {{T1210: 0.9}}, scope: [k], status: planned}}
{ACTOR}"
    ));
    let trials = 200_000;
    let x = assess(&m, &["c"], trials);
    let pj = 1.0 - 0.76 * 0.76;
    let j = jewel(&x, "j");
    assert!(close(j.probability, pj, trials), "P(j) = {} vs {pj}", j.probability);
    assert!((j.std_error - (j.probability * (1.0 - j.probability) / trials as f64).sqrt()).abs() < 1e-12);
    assert_eq!(j.mean_loss, 1e6);
    assert!((j.at_stake - j.probability * 1e6).abs() < 1e-6);
    let k = jewel(&x, "k");
    assert!(close(k.probability, 0.25, trials), "P(k) = {}", k.probability);
    assert_eq!(k.mean_loss, 2.5e6, "loss types add up");
    let far = jewel(&x, "far");
    assert_eq!((far.probability, far.at_stake), (0.0, 0.0));
    assert!(far.path.is_none());
    assert!((x.at_stake - (j.at_stake + k.at_stake)).abs() < 1e-6);
    // k (0.25 × 2.5M) ranks above j (0.42 × 1M).
    assert_eq!(x.jewels.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), ["k", "j", "far"]);
    // Breach: j or k held; the two are independent here.
    assert!(close(x.breach_probability, 1.0 - (1.0 - pj) * 0.75, trials), "{}", x.breach_probability);
    // The most likely paths to j (direct, 0.24, or through x, 0.6 × 0.4) start at c.
    assert!(j.path.as_ref().is_some_and(|p| p.nodes.first().map(String::as_str) == Some("c")));
}

#[test]
fn a_compromised_jewel_is_already_lost_and_the_skill_defaults_to_the_strongest_actor() {
    // No `p`: the knowledge base's probability for the skill (exploits_internal: 0.1, 0.25, 0.45).
    let m = model(
        "entry_points: [{id: net, kind: internet}]
nodes:
  - {id: c, kind: host}
  - {id: j, kind: datastore, crown_jewel: true, loss: {confidentiality: 1000000}}
  - {id: held, kind: datastore, crown_jewel: true, loss: {confidentiality: 3000000}}
edges:
  - {from: net, to: c, kind: exploits}
  - {from: c, to: j, kind: exploits_internal}
actors:
  - {id: weak, frequency: 1, entry: [net], skill: low}
  - {id: strong, frequency: 1, entry: [net], skill: high}
",
    );
    let trials = 100_000;
    let x = assess(&m, &["c", "held"], trials);
    assert_eq!((x.skill, x.skill_source), (Skill::High, "strongest actor"));
    assert!(close(jewel(&x, "j").probability, 0.45, trials));
    let held = jewel(&x, "held");
    assert!(held.compromised && held.probability == 1.0);
    assert_eq!(x.already_lost, 3e6);
    assert_eq!(x.jewels[0].id, "held", "compromised jewels come first");
    assert!((x.at_stake - jewel(&x, "j").probability * 1e6).abs() < 1e-6, "already lost is not at stake");

    let ids = vec!["c".to_string()];
    let low = incident::assess(
        &m,
        &Posture::as_deployed(&m),
        &ids,
        IncidentConfig { trials, seed: 11, skill: Some(Skill::Low) },
    )
    .unwrap();
    assert_eq!(low.skill_source, "--skill");
    assert!(close(jewel(&low, "j").probability, 0.1, trials));
}

#[test]
fn the_containment_cut_is_the_unique_minimum_and_stops_every_jewel() {
    // c → a, c → b (fix cost 2 each), a → m, b → m, m → j. With m → j costing 1 the unique minimum
    // cut is {m → j}; costing 5, it is {a → m, b → m} (2, against 4 for the front and 3 mixed).
    // a → m and b → m cost their kind's default, one day, at a day rate of 1.
    let yaml = |cost: u32| {
        format!(
            "settings: {{day_rate: 1}}
entry_points: [{{id: net, kind: internet}}]
nodes:
  - {{id: c, kind: host}}
  - {{id: a, kind: identity}}
  - {{id: b, kind: host}}
  - {{id: m, kind: role}}
  - {{id: j, kind: bucket, crown_jewel: true, loss: {{confidentiality: 1000000}}}}
edges:
  - {{from: net, to: c, kind: exploits}}
  - {{from: c, to: a, kind: steals_credential, p: 0.9, fix_cost: 2}}
  - {{from: c, to: b, kind: ssh, p: 0.9, fix_cost: 2}}
  - {{from: a, to: m, kind: assumes, p: 0.9}}
  - {{from: b, to: m, kind: assumes, p: 0.9}}
  - {{from: m, to: j, kind: reads, p: 0.9, fix_cost: {cost}}}
{ACTOR}"
        )
    };
    let x = assess(&model(&yaml(1)), &["c"], 20_000);
    let cut: Vec<(&str, &str, &str)> =
        x.containment.steps.iter().map(|s| (s.from.as_str(), s.to.as_str(), s.action)).collect();
    assert_eq!(cut, [("m", "j", "remove_permission")]);
    assert_eq!(x.containment.cost, Some(1.0));
    assert_eq!(x.containment.unit, riskpath_model::CostUnit::Money);
    assert!(jewel(&x, "j").probability > 0.5);
    assert!(x.containment.holds);
    assert!(x.containment.remaining.iter().all(|r| r.probability == 0.0 && r.at_stake == 0.0));
    assert_eq!(x.containment.at_stake_after, 0.0);
    // Every breach goes through the cut edge.
    assert_eq!(x.containment.steps[0].breach_share, 1.0);

    let x = assess(&model(&yaml(5)), &["c"], 20_000);
    let mut cut: Vec<(&str, &str, &str, String)> =
        x.containment.steps.iter().map(|s| (s.from.as_str(), s.to.as_str(), s.action, s.instruction.clone())).collect();
    cut.sort();
    assert_eq!(cut.len(), 2, "{cut:?}");
    assert_eq!((cut[0].0, cut[0].1, cut[0].2), ("a", "m", "remove_trust"));
    assert_eq!((cut[1].0, cut[1].1, cut[1].2), ("b", "m", "remove_trust"));
    assert!(cut[0].3.contains("trust policy"), "{}", cut[0].3);
    assert_eq!(x.containment.cost, Some(2.0));
    assert!(x.containment.holds);
}

#[test]
fn the_edge_s_own_remediation_and_the_node_s_kind_decide_the_wording() {
    // An IAM user reached through an access key, then an admin role. The key edge carries the
    // concrete relation and its remediation; the user's kind says to deactivate access keys, not to
    // reset a password; `svc` says in the model what rotating it means.
    let m = model(&format!(
        "settings: {{day_rate: 1}}
entry_points: [{{id: net, kind: internet}}]
nodes:
  - {{id: laptop, kind: host}}
  - {{id: deploy-bot, kind: iam_user}}
  - {{id: svc, kind: identity, remediation: Disable svc in Okta and rotate its API token}}
  - {{id: admin, kind: role}}
  - {{id: db, kind: datastore, crown_jewel: true, loss: {{confidentiality: 1000000}}}}
edges:
  - {{from: net, to: laptop, kind: exploits, p: 0.1}}
  - from: laptop
    to: deploy-bot
    kind: steals_credential
    p: 1.0
    relation: access key AKIAEXAMPLE in ~/.aws/credentials
    remediation: Deactivate access key AKIAEXAMPLE of deploy-bot and delete the credentials file on laptop
  - {{from: laptop, to: svc, kind: steals_credential, p: 1.0}}
  - {{from: deploy-bot, to: admin, kind: assumes, p: 1.0, fix_cost: 5}}
  - {{from: svc, to: admin, kind: assumes, p: 1.0, fix_cost: 5}}
  - {{from: admin, to: db, kind: reads, p: 1.0, fix_cost: 100}}
{ACTOR}"
    ));
    let x = assess(&m, &["laptop"], 2_000);
    let steps: Vec<(&str, &str, &str)> =
        x.containment.steps.iter().map(|s| (s.to.as_str(), s.instruction.as_str(), s.instruction_source)).collect();
    let key = steps.iter().find(|s| s.0 == "deploy-bot").unwrap_or_else(|| panic!("{steps:?}"));
    assert_eq!(key.1, "Deactivate access key AKIAEXAMPLE of deploy-bot and delete the credentials file on laptop");
    assert_eq!(key.2, "edge");
    let svc = steps.iter().find(|s| s.0 == "svc").unwrap_or_else(|| panic!("{steps:?}"));
    assert_eq!((svc.1, svc.2), ("Rotate svc: assume the copy reachable from laptop is taken", "kind"));
    let cut = x.containment.steps.iter().find(|s| s.to == "deploy-bot").unwrap();
    assert_eq!(cut.relation.as_deref(), Some("access key AKIAEXAMPLE in ~/.aws/credentials"));
    assert_eq!(cut.action, "rotate_credential");

    let user = x.rotate.iter().find(|r| r.id == "deploy-bot").expect("the IAM user is one hop out");
    assert!(user.instruction.starts_with("Deactivate deploy-bot's access keys"), "{}", user.instruction);
    assert!(!user.instruction.contains("password,") && user.instruction_source == "kind");
    let svc = x.rotate.iter().find(|r| r.id == "svc").unwrap();
    assert_eq!(
        (svc.instruction.as_str(), svc.instruction_source),
        ("Disable svc in Okta and rotate its API token", "node")
    );
    assert!(x.rotate.iter().all(|r| r.id != "laptop"), "a host is contained, not rotated");
}

/// A graph with AND edges, a cycle and several next hops, to compare the in-batch what-ifs with a
/// full re-simulation.
const RICH: &str = "entry_points: [{id: net, kind: internet}]
nodes:
  - {id: c, kind: host}
  - {id: a, kind: host}
  - {id: b, kind: host}
  - {id: d, kind: host}
  - {id: e, kind: secret}
  - {id: j1, kind: datastore, crown_jewel: true, loss: {confidentiality: 1000000}}
  - {id: j2, kind: datastore, crown_jewel: true, loss: {confidentiality: 10000000}}
edges:
  - {from: net, to: c, kind: exploits}
  - {from: c, to: a, kind: exploits_internal, p: 0.9}
  - {from: c, to: b, kind: exploits_internal, p: 0.5}
  - {from: c, to: d, kind: rdp, p: 0.99}
  - {from: c, to: e, kind: steals_credential, p: 0.4}
  - {from: a, to: j1, kind: reads, p: 1.0}
  - {from: b, to: j2, kind: reads, p: 1.0}
  - {from: a, to: b, kind: ssh, p: 0.3, requires: [e]}
  - {from: b, to: a, kind: ssh, p: 0.2}
  - {from: e, to: j1, kind: reads, p: {low: 0.2, high: 0.6}}
";

#[test]
fn next_hops_rank_by_money_and_equal_a_full_re_simulation() {
    let m = model(&format!("{RICH}{ACTOR}"));
    let trials = 50_000;
    let x = assess(&m, &["c"], trials);
    let order: Vec<&str> = x.next_hops.iter().map(|h| h.to.as_str()).collect();
    // c→b carries most of j2 ($10M), c→a most of j1, c→e a little, c→d nothing (a dead end).
    assert_eq!(order, ["b", "a", "e", "d"], "{:#?}", x.next_hops);
    let dead = &x.next_hops[3];
    assert_eq!((dead.at_stake_removed, dead.breach_share), (0.0, 0.0));
    assert!(close(dead.probability, 0.99, trials));

    // Each hop's figure is exactly what re-simulating without the edge gives (same seed, stream).
    let graph = compile(&m, &Posture::as_deployed(&m));
    let sources = [graph.index_of("c").unwrap()];
    let jewels = [graph.index_of("j1").unwrap(), graph.index_of("j2").unwrap()];
    let hits = |removed: Option<usize>| {
        let mut posture = Posture::as_deployed(&m);
        if let Some(e) = removed {
            posture.removed[e] = true;
        }
        let g = compile(&m, &posture);
        let sim = SimGraph::from_attack_graph(&g, &m, Skill::Medium);
        Run { graph: &sim, entries: &sources, trials, seed: 11, stream: incident_stream() }.hit_counts(&jewels)
    };
    let stake = |h: &[u64]| (h[0] as f64 * 1e6 + h[1] as f64 * 1e7) / trials as f64;
    let before = hits(None);
    assert!((stake(&before) - x.at_stake).abs() < 1e-6);
    for hop in &x.next_hops {
        let e = m.edges.iter().position(|e| e.from.value == hop.from && e.to.value == hop.to).unwrap();
        let after = hits(Some(e));
        let expected = stake(&before) - stake(&after);
        assert!(
            (hop.at_stake_removed - expected).abs() < 1e-6,
            "{} → {}: {} vs {expected}",
            hop.from,
            hop.to,
            hop.at_stake_removed
        );
        assert!((hop.risk_share - expected / x.at_stake).abs() < 1e-9);
    }
}

/// A tiny deterministic generator for random graphs.
fn rng(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move |n| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    }
}

/// Each next hop's money at stake removed equals re-simulating without it, on random graphs with
/// AND edges, alternatives, parallel edges and loss groups.
#[test]
fn next_hop_what_ifs_equal_full_re_simulations_on_random_graphs_with_and_edges() {
    for case in 0..60 {
        let mut r = rng(case + 1);
        let n = 4 + r(4) as usize; // c = n0, hosts n1.., jewels j0, j1
        let names: Vec<String> = (0..n).map(|i| format!("n{i}")).chain(["j0".into(), "j1".into()]).collect();
        let mut y = String::from("entry_points: [{id: net, kind: internet}]\nnodes:\n");
        for name in &names[..n] {
            y += &format!("  - {{id: {name}, kind: host}}\n");
        }
        y += "  - {id: j0, kind: datastore, crown_jewel: true, loss: {confidentiality: 1000000}}\n";
        y += "  - {id: j1, kind: datastore, crown_jewel: true, loss: {confidentiality: 3000000}}\n";
        y += "edges:\n  - {from: net, to: n0, kind: exploits}\n";
        // Some parallel edges (ways over one hop, sharing a draw), some alternatives
        // (`requires_any`, one simulated edge per alternative), and in odd cases j0 and j1 in a
        // loss group (one event, booked on j1, the larger, when both are held).
        let mut seen = std::collections::HashSet::new();
        let host = |r: &mut dyn FnMut(u64) -> u64| names[1 + r(n as u64 - 1) as usize].clone();
        for k in 0..(n + 4 + r(6) as usize) {
            let (f, t) = (r(n as u64) as usize, 1 + r(names.len() as u64 - 1) as usize);
            if f == t || (!seen.insert((f, t)) && r(2) == 0) {
                continue;
            }
            let p = [0.3, 0.5, 0.7, 0.9, 1.0][r(5) as usize];
            let req = match r(5) {
                0 => format!(", requires: [{}]", host(&mut r)),
                1 | 2 => format!(", requires_any: [[{}], [{}]]", host(&mut r), host(&mut r)),
                _ => String::new(),
            };
            y += &format!(
                "  - {{id: e{k}, from: {}, to: {}, kind: exploits_internal, p: {p}{req}}}\n",
                names[f], names[t]
            );
        }
        let grouped = case % 2 == 1;
        if grouped {
            y += "loss_groups: [{id: g, members: [j0, j1]}]\n";
        }
        y += ACTOR;
        let m = model(&y);
        let trials = 2_000;
        let x = assess(&m, &["n0"], trials);
        let graph = compile(&m, &Posture::as_deployed(&m));
        let sources = [graph.index_of("n0").unwrap()];
        let jewels = [graph.index_of("j0").unwrap(), graph.index_of("j1").unwrap()];
        let stake = |removed: Option<usize>| {
            let mut posture = Posture::as_deployed(&m);
            if let Some(e) = removed {
                posture.removed[e] = true;
            }
            let g = compile(&m, &posture);
            let sim = SimGraph::from_attack_graph(&g, &m, Skill::Medium);
            let run = Run { graph: &sim, entries: &sources, trials, seed: 11, stream: incident_stream() };
            let (j0, j1): (u64, u64) = run
                .map_batches(|b| {
                    let (h0, h1) = (b.held(jewels[0]), b.held(jewels[1]));
                    let j0 = if grouped { h0 & !h1 } else { h0 };
                    (j0.count_ones() as u64, h1.count_ones() as u64)
                })
                .into_iter()
                .fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
            (j0 as f64 * 1e6 + j1 as f64 * 3e6) / trials as f64
        };
        let before = stake(None);
        assert!((before - x.at_stake).abs() < 1e-6, "case {case}");
        for hop in &x.next_hops {
            let e = m.edges.iter().position(|e| e.id == hop.id).unwrap();
            let expected = before - stake(Some(e));
            assert!(
                (hop.at_stake_removed - expected).abs() < 1e-6,
                "case {case}: {} → {}: {} vs {expected}\n{y}",
                hop.from,
                hop.to,
                hop.at_stake_removed
            );
        }
    }
}

#[test]
fn credentials_within_one_hop_are_listed_with_the_compromised_ones_first() {
    let m = model(&format!(
        "entry_points: [{{id: net, kind: internet}}]
nodes:
  - {{id: laptop, kind: device}}
  - {{id: alice, kind: identity}}
  - {{id: token, kind: secret}}
  - {{id: sshkey, kind: key}}
  - {{id: admins, kind: group}}
  - {{id: deployer, kind: role}}
  - {{id: server, kind: host}}
  - {{id: deep-secret, kind: secret}}
  - {{id: never, kind: secret}}
  - {{id: j, kind: datastore, crown_jewel: true, loss: {{confidentiality: 1000000}}}}
edges:
  - {{from: net, to: laptop, kind: exploits}}
  - {{from: laptop, to: token, kind: steals_credential, p: 0.5}}
  - {{from: laptop, to: sshkey, kind: dumps_credentials, p: 0.7}}
  - {{from: laptop, to: server, kind: ssh, p: 0.9}}
  - {{from: alice, to: admins, kind: member_of, p: 1.0}}
  - {{from: alice, to: deployer, kind: assumes, p: 0.8}}
  - {{from: server, to: deep-secret, kind: steals_credential, p: 0.9}}
  - {{from: laptop, to: never, kind: steals_credential, p: 0.0}}
  - {{from: deployer, to: j, kind: reads, p: 0.5}}
{ACTOR}"
    ));
    let trials = 50_000;
    let x = assess(&m, &["laptop", "alice"], trials);
    let ids: Vec<&str> = x.rotate.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["alice", "admins", "deployer", "sshkey", "token"], "{:#?}", x.rotate);
    let alice = &x.rotate[0];
    assert!(alice.compromised && alice.probability == 1.0 && alice.instruction.contains("password"));
    let token = x.rotate.iter().find(|r| r.id == "token").unwrap();
    assert!(!token.compromised && close(token.probability, 0.5, trials));
    assert_eq!(token.via, ["laptop -steals_credential→"]);
    assert_eq!(x.rotate.iter().find(|r| r.id == "deployer").unwrap().via, ["alice -assumes→"]);
}

#[test]
fn techniques_to_hunt_rank_by_their_share_of_breach_paths() {
    // c → a (T1210, 0.8) → j (T1530, 1); c → b (T1021.004, 0.5 × edr) → j (T1213.006, 1 × siem);
    // c → d (T1021.001, 0.9 × edr) leads nowhere. edr and siem detect with 0.01 (factor 0.995).
    let m = model(&format!(
        "entry_points: [{{id: net, kind: internet}}]
nodes:
  - {{id: c, kind: host}}
  - {{id: a, kind: host}}
  - {{id: b, kind: host}}
  - {{id: d, kind: host}}
  - {{id: j, kind: datastore, crown_jewel: true, loss: {{confidentiality: 1000000}}}}
edges:
  - {{from: net, to: c, kind: exploits}}
  - {{from: c, to: a, kind: exploits_internal, p: 0.8}}
  - {{from: a, to: j, kind: reads, p: 1.0}}
  - {{from: c, to: b, kind: ssh, p: 0.5}}
  - {{from: b, to: j, kind: reads_database, p: 1.0}}
  - {{from: c, to: d, kind: rdp, p: 0.9}}
controls:
  - {{id: edr, detects: {{T1021: 0.01}}, scope: [b, d]}}
  - {{id: siem, detects: {{T1213.006: 0.01}}, scope: [j]}}
  - {{id: planned-ndr, detects: {{T1210: 0.5}}, scope: ['*'], status: planned}}
{ACTOR}"
    ));
    let trials = 100_000;
    let x = assess(&m, &["c"], trials);
    let order: Vec<&str> = x.hunt.iter().map(|h| h.technique.as_str()).collect();
    // T1210 and T1530 are on the same breach lanes (a tie broken by id), then T1021.004 (fires a
    // little more often than T1213.006 on the same breach lanes), T1213.006, and T1021.001 never.
    assert_eq!(order, ["T1210", "T1530", "T1021.004", "T1213.006", "T1021.001"], "{:#?}", x.hunt);
    let f = 0.995;
    let (pa, pb, pd) = (0.8, 0.5 * f, 0.9 * f);
    let pj = 1.0 - (1.0 - pa) * (1.0 - pb * f);
    assert!(close(jewel(&x, "j").probability, pj, trials));
    let h = |t: &str| x.hunt.iter().find(|h| h.technique == t).unwrap();
    // Every trial in which c → a fires is a breach through it.
    let hits_j = jewel(&x, "j").probability;
    assert!((h("T1210").breach_share * hits_j - h("T1210").probability).abs() < 1e-9);
    assert_eq!(h("T1210").breach_share, h("T1530").breach_share);
    assert!(close(h("T1210").breach_share, pa / pj, trials));
    assert!(close(h("T1021.004").breach_share, pb * f / pj, trials));
    assert!(close(h("T1021.004").probability, pb, trials));
    assert_eq!(h("T1021.001").breach_share, 0.0);
    assert!(close(h("T1021.001").probability, pd, trials));
    assert_eq!((h("T1210").first_step, h("T1530").first_step), (1, 2));
    assert_eq!(h("T1210").name.as_deref(), Some("Exploitation of Remote Services"));
    // Deployed detectors whose scope covers the steps; a planned one is not listed.
    let det = |t: &str| h(t).detected_by.iter().map(|d| d.control.as_str()).collect::<Vec<_>>();
    assert_eq!(det("T1021.004"), ["edr"]);
    assert_eq!(det("T1021.001"), ["edr"]);
    assert_eq!(det("T1213.006"), ["siem"]);
    assert!(det("T1210").is_empty() && det("T1530").is_empty());
    assert_eq!(h("T1021.004").edges, ["c → b"]);
}

#[test]
fn unknown_ids_are_errors_with_suggestions() {
    let m = model(&format!("{RICH}{ACTOR}"));
    let graph = compile(&m, &Posture::as_deployed(&m));
    let err = incident::resolve(&graph, &["c".into(), "j3".into(), "zzzzzzzz".into()]).unwrap_err();
    let IncidentError::Unknown(list) = &err else { panic!("{err:?}") };
    assert_eq!(list.len(), 2, "every unknown id is reported");
    assert_eq!(list[0].id, "j3");
    assert_eq!(list[0].suggestions, ["j1"]);
    assert!(list[1].suggestions.is_empty());
    let text = err.to_string();
    assert!(text.contains("unknown node `j3`") && text.contains("did you mean `j1`?"), "{text}");
    assert_eq!(incident::resolve(&graph, &[]).unwrap_err(), IncidentError::NoCompromised);
    // Entry points count, and duplicates collapse.
    assert_eq!(incident::resolve(&graph, &["net".into(), "c".into(), "net".into()]).unwrap().len(), 2);

    let ids = vec!["cc".to_string(), "a".to_string()];
    let config = IncidentConfig { trials: 64, seed: 1, skill: None };
    assert!(matches!(incident::assess(&m, &Posture::as_deployed(&m), &ids, config), Err(IncidentError::Unknown(_))));
}

#[test]
fn results_are_reproducible_by_seed() {
    let m = model(&format!("{RICH}{ACTOR}"));
    assert_eq!(assess(&m, &["c"], 10_000), assess(&m, &["c"], 10_000));
}

/// Loss groups: the members held together in a trial are one event, booked on the top member held;
/// a compromised member's group event is already lost, and a member above it adds only the
/// difference. Next hops and containment price the same events.
#[test]
fn loss_groups_count_one_event_at_stake() {
    // From c: a (0.6) and b (0.5) of a group without joint loss, a's loss the larger; d (0.4) apart.
    let m = model(&format!(
        "entry_points: [{{id: net, kind: internet}}]
nodes:
  - {{id: c, kind: host}}
  - {{id: a, kind: datastore, crown_jewel: true, loss: {{integrity: 3000000}}}}
  - {{id: b, kind: datastore, crown_jewel: true, loss: {{integrity: 1000000}}}}
  - {{id: d, kind: datastore, crown_jewel: true, loss: {{integrity: 2000000}}}}
edges:
  - {{from: net, to: c, kind: exploits, p: 0.1}}
  - {{from: c, to: a, kind: exploits_internal, p: 0.6}}
  - {{from: c, to: b, kind: exploits_internal, p: 0.5}}
  - {{from: c, to: d, kind: exploits_internal, p: 0.4}}
loss_groups: [{{id: forest, members: [b, a]}}]
{ACTOR}"
    ));
    let trials = 200_000;
    let x = assess(&m, &["c"], trials);
    let (a, b) = (jewel(&x, "a"), jewel(&x, "b"));
    assert!(close(b.probability, 0.5, trials), "P(b held) is reported as such");
    // b books only when a is not held: 0.5 × 0.4.
    assert!((b.at_stake / (0.2 * 1e6) - 1.0).abs() < 0.03, "{}", b.at_stake);
    assert!((a.at_stake - a.probability * 3e6).abs() < 1e-6);
    let closed = 0.6 * 3e6 + 0.2 * 1e6 + 0.4 * 2e6;
    assert!((x.at_stake / closed - 1.0).abs() < 0.02, "{} vs {closed}", x.at_stake);
    // Removing c → a: a's events go, but b then books whenever held: 0.6·3M − 0.6·0.5·1M.
    let hop = x.next_hops.iter().find(|h| h.to == "a").unwrap();
    let want = 0.6 * 3e6 - 0.6 * 0.5 * 1e6;
    assert!((hop.at_stake_removed / want - 1.0).abs() < 0.03, "{} vs {want}", hop.at_stake_removed);
    // The cut takes all three hops: nothing stays at stake.
    assert_eq!(x.containment.at_stake_after, 0.0);

    // b compromised: its event (1M) is lost; a adds 3M − 1M where reached; d is apart.
    let y = assess(&m, &["c", "b"], trials);
    assert_eq!(y.already_lost, 1e6);
    let a = jewel(&y, "a");
    assert!((a.at_stake - a.probability * 2e6).abs() < 1e-6, "{}", a.at_stake);
    // a compromised: the group's event is a's; b adds nothing.
    let z = assess(&m, &["c", "a"], trials);
    assert_eq!((z.already_lost, jewel(&z, "b").at_stake), (3e6, 0.0));
}
