//! Accepted risks measured on a run: the ALE each covers against closed forms on a small model
//! (two hops into the database, independent; one into the files), expiry and `max_ale`.

use riskpath_decide::accepted::{Coverage, cover};
use riskpath_decide::{Evaluator, Headline};
use riskpath_engine::Posture;
use riskpath_engine::risk::{RiskConfig, RiskResult, assess_graph};
use riskpath_model::Model;
use riskpath_model::accepted::Date;

// Per attempt, with fixed inputs: P(db) = 1 − (1 − 0.5)(1 − 0.3) = 0.65, P(files) = 0.4; each
// actor's ALE is λ × (0.65 × 1e6 + 0.4 × 2e5) = λ × 730,000, λ = 2 and 0.5.
const MODEL: &str = r#"
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: a, kind: service}
  - {id: b, kind: service}
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: 1e6}}
  - {id: files, kind: bucket, crown_jewel: true, loss: {confidentiality: 2e5}}
edges:
  - {id: in-a, from: internet, to: a, kind: exploits, p: 1}
  - {id: in-b, from: internet, to: b, kind: exploits, p: 1}
  - {id: a-db, from: a, to: db, kind: authenticates, p: 0.5}
  - {id: b-db, from: b, to: db, kind: reads, p: 0.3}
  - {id: b-files, from: b, to: files, kind: reads, p: 0.4}
actors:
  - {id: crime, frequency: 2, entry: [internet], skill: medium}
  - {id: spy, frequency: 0.5, entry: [internet], skill: high}
accepted_risks:
  - {id: crime-db, scope: {actor: crime, target: db}, owner: CISO, expires: 2027-01-31, justification: j, max_ale: 1e6}
  - {id: a-db, scope: {edge: a-db}, owner: CTO, expires: 2027-06-30, justification: j, max_ale: 1e6}
  - {id: reads, scope: {class: "kind:reads"}, owner: CFO, expires: 2027-06-30, justification: j}
  - {id: entry, scope: {class: "kind:exploits"}, owner: CFO, expires: 2027-06-30, justification: j}
  - {id: none, scope: {class: "technique:T1611"}, owner: CFO, expires: 2027-06-30, justification: j}
"#;

const LAMBDA: [(&str, f64); 2] = [("crime", 2.0), ("spy", 0.5)];

fn model() -> Model {
    riskpath_model::load_str("m.yaml", MODEL, &Default::default()).expect("valid model").model
}

fn run(model: &Model) -> (RiskResult, Evaluator<'_>) {
    let config = RiskConfig { trials: 100_000, years: 200_000, seed: 11 };
    let mut eval = Evaluator::new(model, Posture::as_deployed(model), 1 << 16, config.seed);
    let risk = assess_graph(model, eval.baseline_graph(), config);
    eval.anchor(Headline::of(&risk));
    (risk, eval)
}

fn by_id<'a>(all: &'a [Coverage], id: &str) -> &'a Coverage {
    all.iter().find(|c| c.id == id).unwrap()
}

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

#[test]
fn covered_ale_is_the_runs_own_figure_and_matches_the_closed_form() {
    let model = model();
    let (risk, eval) = run(&model);
    let all = cover(&eval, &risk.scenarios, day("2027-01-01"));
    let total = 2.5 * 730_000.0;
    assert!((risk.ale / total - 1.0).abs() < 0.01, "headline {} vs {total}", risk.ale);

    // A scenario: exactly the headline's own figure for it, ≈ λ P L = 2 × 0.65 × 1e6.
    let scenario = by_id(&all, "crime-db");
    let own = risk.scenarios.iter().find(|s| s.actor == 0 && eval.baseline_graph().ids[s.target as usize] == "db");
    assert_eq!(scenario.ale, own.unwrap().ale);
    assert!((scenario.ale / 1.3e6 - 1.0).abs() < 0.01, "{}", scenario.ale);
    assert_eq!((scenario.scenarios.len(), scenario.edges.len()), (1, 0));

    // An edge: without a-db, P(db) = 0.3, so it carries λ × 0.35 × 1e6 of each actor's loss.
    let edge = by_id(&all, "a-db");
    assert!((edge.ale / risk.ale - 0.875e6 / total).abs() < 0.01, "{} of {}", edge.ale, risk.ale);
    assert_eq!(edge.edges, ["a-db"]);
    for (actor, lambda) in LAMBDA {
        let s = edge.scenarios.iter().find(|s| s.actor == actor && s.target == "db").unwrap();
        assert!((s.ale / risk.ale - lambda * 0.35e6 / total).abs() < 0.01, "{actor}: {}", s.ale);
    }
    assert!(edge.scenarios.iter().all(|s| s.target == "db"), "the files do not depend on a-db");

    // A class: every `reads` edge gone leaves P(db) = 0.5, P(files) = 0.
    let reads = by_id(&all, "reads");
    assert!((reads.ale / risk.ale - 2.5 * (0.15e6 + 0.4 * 2e5) / total).abs() < 0.01, "{}", reads.ale);
    assert_eq!(reads.edges, ["b-db", "b-files"]);
    assert_eq!(reads.scenarios.len(), 4);

    // Every entry step: the whole headline, exactly (anchored: nothing left is exactly zero).
    assert_eq!(by_id(&all, "entry").ale, risk.ale);
    let none = by_id(&all, "none");
    assert_eq!((none.ale, none.scenarios.len(), none.edges.len()), (0.0, 0, 0));
}

#[test]
fn expiry_and_max_ale_are_judged_on_the_day_and_the_figure() {
    let model = model();
    let (risk, eval) = run(&model);
    let on = cover(&eval, &risk.scenarios, day("2027-01-31"));
    let after = cover(&eval, &risk.scenarios, day("2027-02-01"));
    assert!(!by_id(&on, "crime-db").expired, "an acceptance holds through its expiry day");
    assert!(by_id(&after, "crime-db").expired);
    assert!(!by_id(&after, "a-db").expired);
    // 1.3e6 covered against 1e6 accepted; 0.875e6 against 1e6; no max_ale is never exceeded.
    assert!(by_id(&on, "crime-db").over_max_ale && by_id(&on, "crime-db").lapsed());
    assert!(!by_id(&on, "a-db").over_max_ale && !by_id(&on, "a-db").lapsed());
    assert!(!by_id(&on, "entry").over_max_ale);
    assert_eq!(on.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["crime-db", "a-db", "reads", "entry", "none"]);
}

/// The spread of a covered figure over many seeds of few decision trials, against the standard
/// error each run states: the mean stated error is close to the spread (within a factor the linear
/// sum over an actor's scenarios allows), and the closed-form value lies within two stated errors
/// in about 95% of the runs. An acceptance of every entry step is exact (no error).
#[test]
fn the_covered_figures_standard_error_matches_its_spread_over_seeds() {
    let model = model();
    let (risk, _) = run(&model);
    let total = 2.5 * 730_000.0;
    for (id, truth) in [("a-db", risk.ale * 0.875e6 / total), ("reads", risk.ale * 2.5 * (0.15e6 + 0.4 * 2e5) / total)]
    {
        let runs: Vec<(f64, f64)> = (0..400)
            .map(|seed| {
                let mut eval = Evaluator::new(&model, Posture::as_deployed(&model), 256, 1000 + seed);
                eval.anchor(Headline::of(&risk));
                let c = cover(&eval, &risk.scenarios, day("2027-01-01")).into_iter().find(|c| c.id == id).unwrap();
                (c.ale, c.ale_std_error.expect("an edge or class figure has a standard error"))
            })
            .collect();
        let n = runs.len() as f64;
        let mean = runs.iter().map(|r| r.0).sum::<f64>() / n;
        let spread = (runs.iter().map(|r| (r.0 - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let stated = runs.iter().map(|r| r.1).sum::<f64>() / n;
        let within = runs.iter().filter(|r| (r.0 - truth).abs() <= 2.0 * r.1).count() as f64 / n;
        eprintln!(
            "{id}: mean {mean:.0} truth {truth:.0} spread {spread:.0} stated {stated:.0} within 2 s.e. {within:.3}"
        );
        assert!(stated > 0.85 * spread && stated < 1.3 * spread, "{id}: stated {stated} vs spread {spread}");
        assert!((0.92..=0.995).contains(&within), "{id}: {within} of runs within 2 s.e.");
    }
    let mut eval = Evaluator::new(&model, Posture::as_deployed(&model), 256, 5);
    eval.anchor(Headline::of(&risk));
    let entry = cover(&eval, &risk.scenarios, day("2027-01-01")).into_iter().find(|c| c.id == "entry").unwrap();
    assert_eq!((entry.ale, entry.ale_std_error), (risk.ale, Some(0.0)));
}

/// `max_ale` is judged against the figure's noise: over only beyond two standard errors, too close
/// to judge within them, and a scenario (the headline's own figure) on the figure alone.
#[test]
fn max_ale_within_two_standard_errors_is_too_close_to_judge() {
    let model = model();
    let (risk, eval) = run(&model);
    let c = cover(&eval, &risk.scenarios, day("2027-01-01"));
    let edge = by_id(&c, "a-db");
    let se = edge.ale_std_error.unwrap();
    assert!(se > 0.0);
    let judge = |max: f64| {
        let mut m = model.clone();
        m.accepted_risks.iter_mut().find(|a| a.id == "a-db").unwrap().max_ale = Some(max);
        let mut e = Evaluator::new(&m, Posture::as_deployed(&m), 1 << 16, 11);
        e.anchor(Headline::of(&risk));
        let all = cover(&e, &risk.scenarios, day("2027-01-01"));
        let a = by_id(&all, "a-db");
        (a.over_max_ale, a.near_max_ale)
    };
    assert_eq!(judge(edge.ale - 2.5 * se), (true, false));
    assert_eq!(judge(edge.ale - 1.5 * se), (false, true));
    assert_eq!(judge(edge.ale + 1.5 * se), (false, true));
    assert_eq!(judge(edge.ale + 2.5 * se), (false, false));
    assert_eq!(by_id(&c, "crime-db").ale_std_error, None);
}
