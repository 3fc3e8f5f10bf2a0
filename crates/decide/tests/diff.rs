//! `riskpath diff` against oracles: identical models diff to exactly zero, stable keys make a
//! one-edge change precise, single changes match closed forms and separate re-simulations in sign
//! and size, shares and interaction match the closed form of a product, paths appear and vanish.

mod common;

use common::{load, random_model};
use riskpath_decide::diff::{self, DiffConfig, How, Kind, Reason, Status, numbers};
use riskpath_engine::compile::{Posture, compile};
use riskpath_engine::risk::{RiskConfig, assess, expected_loss, quantile};
use riskpath_model::Model;

const CONFIG: DiffConfig = DiffConfig { trials: 40_000, years: 40_000, seed: 7, k: 5, attribute: 100 };

/// A chain net → web → db with point inputs: ALE = λ · p1 · p2 · L exactly in expectation.
fn chain(p1: f64, p2: f64, extra: &str) -> String {
    format!(
        "entry_points: [{{id: net, kind: internet}}]\n\
         nodes:\n  - {{id: web, kind: host}}\n  - {{id: app, kind: host}}\n  - {{id: side, kind: host}}\n\
         \x20 - {{id: db, kind: datastore, crown_jewel: true, loss: {{confidentiality: 1000000}}}}\n\
         edges:\n{extra}  - {{id: e1, from: net, to: web, kind: exploits, p: {p1}}}\n\
         \x20 - {{id: e2, from: web, to: db, kind: ssh, p: {p2}}}\n\
         \x20 - {{id: e3, from: net, to: app, kind: exploits, p: 0.3}}\n\
         \x20 - {{id: e4, from: app, to: db, kind: ssh, p: 0.2}}\n\
         actors:\n  - {{id: crime, frequency: 4, entry: [net], skill: medium}}\n"
    )
}

fn expected(model: &Model, config: &DiffConfig) -> f64 {
    expected_loss(model, &compile(model, &Posture::as_deployed(model)), config.trials, config.seed).ale
}

fn assert_zero(d: &diff::Delta) {
    assert_eq!((d.value, d.std_error, d.low, d.high), (0.0, 0.0, 0.0, 0.0), "{d:?}");
}

fn assert_all_zero(d: &diff::Diff) {
    assert_zero(&d.ale);
    assert_zero(&d.p90);
    assert_eq!(d.base, d.head);
    for s in &d.scenarios {
        assert_zero(&s.delta);
        assert_eq!(s.base, s.head);
    }
    assert!(d.paths.is_empty(), "{:?}", d.paths);
}

#[test]
fn identical_models_diff_to_exactly_zero() {
    for seed in 0..4 {
        let m = random_model(seed);
        let d = diff::diff(&m, &m, CONFIG);
        assert_all_zero(&d);
        assert!(d.changes.is_empty());
        assert!(d.scenarios.len() >= 2);
    }
    let acme = riskpath_model::load(std::path::Path::new("../../examples/acme"), &Default::default()).unwrap().model;
    let config = DiffConfig { trials: 5_000, years: 5_000, ..CONFIG };
    let d = diff::diff(&acme, &acme, config);
    assert_all_zero(&d);
    assert!(d.changes.is_empty());
}

#[test]
fn reordered_items_diff_to_exactly_zero() {
    // Draws are keyed by ids: the order of edges, nodes and controls in the files changes nothing.
    for seed in 0..4 {
        let m = random_model(seed);
        let mut r = m.clone();
        r.edges.reverse();
        r.nodes.reverse();
        r.controls.reverse();
        let d = diff::diff(&m, &r, CONFIG);
        assert_all_zero(&d);
        assert!(d.changes.is_empty(), "{:?}", d.changes);
    }
}

#[test]
fn an_edge_into_a_dead_end_changes_nothing_bit_for_bit() {
    // Inserted first: with index keys every later edge would draw anew; with id keys nothing moves.
    let base = load(&chain(0.6, 0.5, ""));
    let head = load(&chain(0.6, 0.5, "  - {id: e0, from: net, to: side, kind: exploits, p: 0.9}\n"));
    let d = diff::diff(&base, &head, CONFIG);
    assert_zero(&d.ale);
    assert_zero(&d.p90);
    assert_eq!(d.changes.len(), 1);
    assert_eq!((d.changes[0].change.kind, &d.changes[0].change.how), (Kind::Edge, &How::Added));
    assert_eq!(d.changes[0].ale_delta, Some(0.0));
}

#[test]
fn a_one_edge_change_is_measured_far_more_precisely_than_either_side() {
    // p2 0.50 → 0.51: ΔALE = λ · p1 · Δp2 · L · (1 − P(app route)) ≈ $22.6k on an ALE of ~$1.4M.
    let base = load(&chain(0.6, 0.5, ""));
    let head = load(&chain(0.6, 0.51, ""));
    let d = diff::diff(&base, &head, CONFIG);
    let side = d.base.ale_std_error.min(d.head.ale_std_error);
    assert!(d.ale.std_error < side / 5.0, "paired s.e. {} vs side s.e. {side}", d.ale.std_error);
    let exact = 4.0 * 0.6 * 0.01 * 1e6 * (1.0 - 0.3 * 0.2);
    assert!((d.ale.value - exact).abs() < 4.0 * d.ale.std_error, "ΔALE {:?} vs exact {exact}", d.ale);
    assert!(d.ale.low < exact && exact < d.ale.high);
    // Two independent runs' difference would be ten times less precise.
    let unpaired = d.base.ale_std_error.hypot(d.head.ale_std_error);
    assert!(d.ale.std_error * 10.0 < unpaired, "{:?}, unpaired s.e. {unpaired}", d.ale);
    // ΔP of the scenario, paired, against the closed form and far below the unpaired error.
    let s = &d.scenarios[0];
    let exact_p = 0.6 * 0.01 * (1.0 - 0.06);
    assert!((s.delta.value - exact_p).abs() < 4.0 * s.delta.std_error, "{s:?}");
    let unpaired = (s.base.unwrap() * (1.0 - s.base.unwrap()) / CONFIG.trials as f64).sqrt();
    assert!(s.delta.std_error < unpaired / 5.0, "{} vs {unpaired}", s.delta.std_error);
}

#[test]
fn the_headline_delta_is_the_difference_of_separate_simulations() {
    let base = load(&chain(0.6, 0.5, ""));
    let head = load(&chain(0.4, 0.5, ""));
    let d = diff::diff(&base, &head, CONFIG);
    let rc = RiskConfig { trials: CONFIG.trials, years: CONFIG.years, seed: CONFIG.seed };
    let (rb, rh) = (assess(&base, &Posture::as_deployed(&base), rc), assess(&head, &Posture::as_deployed(&head), rc));
    assert_eq!(d.ale.value, rh.ale - rb.ale);
    assert_eq!(d.p90.value, rh.p90 - rb.p90);
    assert_eq!((d.base.ale, d.head.ale), (rb.ale, rh.ale));
    assert!(d.ale.value < 0.0);
    let var = rb.by_year.iter().zip(&rh.by_year).map(|(b, h)| h - b - d.ale.value).map(|x| x * x).sum::<f64>()
        / (CONFIG.years - 1) as f64;
    assert!((d.ale.std_error - (var / CONFIG.years as f64).sqrt()).abs() < 1e-9 * d.ale.std_error.max(1.0));
}

/// One change at a time: its money against a separate re-simulation of the two models and the
/// closed form, its share 100%.
fn single(base: &str, head: &str, kind: Kind, exact: f64) {
    let (base, head) = (load(base), load(head));
    let d = diff::diff(&base, &head, CONFIG);
    let numeric: Vec<_> = d.changes.iter().filter(|c| c.ale_delta != Some(0.0)).collect();
    assert_eq!(numeric.len(), 1, "{:?}", d.changes);
    let c = numeric[0];
    assert_eq!(c.change.kind, kind, "{c:?}");
    let separate = expected(&head, &CONFIG) - expected(&base, &CONFIG);
    let got = c.ale_delta.unwrap();
    assert_eq!(got.signum(), exact.signum(), "{c:?} vs {exact}");
    assert_eq!(separate.signum(), exact.signum());
    // Anchored to the headline: within a few standard errors of the headline and of the closed form.
    let tolerance = 4.0 * (d.base.ale_std_error + d.ale.std_error) + 0.02 * exact.abs();
    assert!((got - exact).abs() < tolerance, "{got} vs exact {exact} (±{tolerance})");
    assert!((got - separate).abs() < tolerance, "{got} vs separate {separate}");
    assert!((c.share.unwrap() - 1.0).abs() < 1e-9, "{c:?}");
    assert!(d.interaction.unwrap().abs() < 1e-9);
}

#[test]
fn single_changes_have_the_right_sign_and_size() {
    let b = chain(0.6, 0.5, "");
    let other = 1.0 - 0.06; // the app route's miss probability
    // Edge p changed.
    single(&b, &chain(0.6, 0.8, ""), Kind::Edge, 4.0 * 0.6 * 0.3 * 1e6 * other);
    // Edge removed: e4 goes, the web route remains.
    let without_e4 = b.replace("  - {id: e4, from: app, to: db, kind: ssh, p: 0.2}\n", "");
    single(&b, &without_e4, Kind::Edge, -4.0 * 1e6 * 0.06 * (1.0 - 0.3));
    // Edge added: a direct route net → db.
    let direct = chain(0.6, 0.5, "  - {id: d, from: net, to: db, kind: exploits, p: 0.1}\n");
    single(&b, &direct, Kind::Edge, 4.0 * 1e6 * 0.1 * (1.0 - 0.3) * (1.0 - 0.06));
    // Actor frequency doubled.
    single(&b, &b.replace("frequency: 4", "frequency: 8"), Kind::Actor, 4.0 * 1e6 * 0.342);
    // Loss changed on the jewel.
    single(&b, &b.replace("confidentiality: 1000000", "confidentiality: 3000000"), Kind::Node, 2.0 * 4.0 * 1e6 * 0.342);
    // A deployed control halving the ssh step into the jewel (prevent 0.5, no detection).
    let control = "controls:\n  - {id: c, status: deployed, mitigates: {T1021: 0.5}, scope: [db]}\n";
    let p_base = 1.0 - (1.0 - 0.3) * (1.0 - 0.06);
    let p_head = 1.0 - (1.0 - 0.15) * (1.0 - 0.03);
    single(&b, &format!("{b}{control}"), Kind::Control, 4.0 * 1e6 * (p_head - p_base));
}

#[test]
fn shares_of_two_changes_match_the_closed_form_with_their_interaction() {
    // Both steps of the web route change: ALE ∝ 1 − (1 − p1·p2)(1 − 0.06), so one at a time
    // Δ1 = c·(p1' − p1)·p2, Δ2 = c·p1·(p2' − p2), together c·(p1'p2' − p1p2), c = λ·L·0.94.
    let (p1, p2, q1, q2) = (0.6, 0.5, 0.8, 0.9);
    let d = diff::diff(&load(&chain(p1, p2, "")), &load(&chain(q1, q2, "")), CONFIG);
    let total = q1 * q2 - p1 * p2;
    let share = |key: &str| d.changes.iter().find(|c| c.change.key == key).and_then(|c| c.share).unwrap();
    let (s1, s2) = (share("e1"), share("e2"));
    // Shares are ratios of differences on the same trials: close to the closed form.
    assert!((s1 - (q1 - p1) * p2 / total).abs() < 0.03, "{s1}");
    assert!((s2 - p1 * (q2 - p2) / total).abs() < 0.03, "{s2}");
    let interaction = (q1 - p1) * (q2 - p2) / total;
    assert!((d.interaction.unwrap() - interaction).abs() < 0.03, "{:?} vs {interaction}", d.interaction);
}

#[test]
fn a_change_that_needs_another_is_applied_with_it() {
    // A new node with edges to and from it: each edge needs the node; alone, each reaches a dead
    // end (or starts where no attacker is), so the whole difference is the changes acting together.
    let b = chain(0.6, 0.5, "");
    let edges = "  - {id: e5, from: new, to: db, kind: ssh, p: 0.5}\n  - {id: e6, from: net, to: new, kind: exploits, p: 0.5}\n";
    let head = chain(0.6, 0.5, edges).replace("nodes:\n", "nodes:\n  - {id: new, kind: host}\n");
    let d = diff::diff(&load(&b), &load(&head), CONFIG);
    assert_eq!(d.changes.len(), 3, "{:?}", d.changes);
    for key in ["e5", "e6"] {
        let c = d.changes.iter().find(|c| c.change.key == key).unwrap();
        assert_eq!(c.with, vec!["new".to_string()], "{c:?}");
        assert_eq!(c.ale_delta, Some(0.0), "{c:?}");
    }
    assert!(d.ale.value > 0.0);
    assert!((d.interaction.unwrap() - 1.0).abs() < 1e-12, "{:?}", d.interaction);
}

#[test]
fn changes_no_number_reads_leave_the_expected_loss_bit_for_bit() {
    let m = random_model(3);
    let mut h = m.clone();
    h.nodes[0].name = Some("Renamed".into());
    h.nodes[1].description = Some("text".into());
    h.edges[0].extra_mut().description = Some("why".into());
    h.controls[0].cost.once += 1000.0;
    let d = diff::diff(&m, &h, CONFIG);
    assert_eq!(d.changes.len(), 4);
    for c in &d.changes {
        assert_eq!(c.ale_delta, Some(0.0));
        assert!(matches!(&c.change.how, How::Changed(f) if f.iter().all(|f| !f.numeric)), "{c:?}");
    }
    assert_eq!(expected(&m, &CONFIG), expected(&h, &CONFIG));
    assert_all_zero(&d);
}

#[test]
fn paths_appear_vanish_and_change_with_the_hop_that_did_it() {
    let b = chain(0.6, 0.5, "");
    let direct = chain(0.6, 0.5, "  - {id: d, from: net, to: db, kind: exploits, p: 0.1}\n");
    let d = diff::diff(&load(&b), &load(&direct), CONFIG);
    assert_eq!(d.paths.len(), 1, "{:?}", d.paths);
    let p = &d.paths[0];
    assert_eq!((p.status, p.reason), (Status::New, Reason::HopAdded));
    assert_eq!(p.nodes, vec!["net", "db"]);
    let hop = p.hop.as_ref().unwrap();
    assert_eq!((hop.from.as_str(), hop.to.as_str(), hop.base_p, hop.head_p), ("net", "db", 0.0, 0.1));
    // The reverse diff removes it.
    let d = diff::diff(&load(&direct), &load(&b), CONFIG);
    assert_eq!((d.paths[0].status, d.paths[0].reason), (Status::Removed, Reason::HopRemoved));
    // A likelier step changes the path's probability.
    let d = diff::diff(&load(&b), &load(&chain(0.6, 0.8, "")), CONFIG);
    assert_eq!(d.paths.len(), 1);
    let p = &d.paths[0];
    assert_eq!((p.status, p.reason), (Status::Changed, Reason::Likelier));
    assert!((p.base_p - 0.3).abs() < 1e-12 && (p.head_p - 0.48).abs() < 1e-12, "{p:?}");
    assert_eq!(p.hop.as_ref().unwrap().to, "db");
    // With k = 1 a path pushed out of the top by a likelier one left through ranking, no hop.
    let likelier = chain(0.6, 0.5, "").replace("p: 0.3}", "p: 0.9}").replace("p: 0.2}", "p: 0.9}");
    let d = diff::diff(&load(&b), &load(&likelier), DiffConfig { k: 1, ..CONFIG });
    let gone = d.paths.iter().find(|p| p.status == Status::Removed).unwrap();
    assert_eq!((gone.reason, gone.nodes.len()), (Reason::Ranked, 3), "{gone:?}");
}

#[test]
fn selection_quantile_equals_the_engines_quantile_on_sorted_data() {
    let mut x = 0x1234_5678u64;
    for n in [1usize, 2, 3, 10, 101, 1000] {
        let data: Vec<f64> = (0..n)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (x >> 40) as f64 / 7.0
            })
            .collect();
        let mut sorted = data.clone();
        sorted.sort_by(f64::total_cmp);
        for q in [0.0, 0.1, 0.5, 0.9, 0.95, 0.99, 1.0] {
            assert_eq!(numbers::select_quantile(&mut data.clone(), q), quantile(&sorted, q), "n {n} q {q}");
        }
    }
}

#[test]
fn the_p90_interval_covers_the_true_difference_about_95_percent_of_the_time() {
    // Paired years: base ~ Exp(1), head = 2 · base, so ΔP90 = P90 of Exp(1) = ln 10.
    let truth = 10f64.ln();
    let (runs, n) = (120u64, 2000u64);
    let mut covered = 0;
    for r in 0..runs {
        let k = riskpath_engine::rng::key(&[99, r]);
        let base: Vec<f64> =
            (0..n).map(|i| -riskpath_engine::rng::unit(riskpath_engine::rng::word(k, i)).ln()).collect();
        let head: Vec<f64> = base.iter().map(|b| 2.0 * b).collect();
        let (bq, hq) =
            (numbers::select_quantile(&mut base.clone(), 0.9), numbers::select_quantile(&mut head.clone(), 0.9));
        let d = numbers::quantile_delta(&base, &head, 0.9, r, bq, hq);
        covered += u32::from(d.low <= truth && truth <= d.high);
    }
    let rate = covered as f64 / runs as f64;
    assert!((0.88..=0.99).contains(&rate), "coverage {rate}");
}
