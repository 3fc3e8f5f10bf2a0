//! The decision commands of `riskpath_app` on acme and a saturated estate: every figure derives
//! from the one headline (choke points and plan on the analysis' ALE and decision trials), the
//! whole DOT graph is the compiled model's, and bad input is a usage error or a notice, never a panic.

use riskpath_app::chokepoints::{ChokepointsConfig, chokepoints};
use riskpath_app::export::{DotConfig, dot_graph};
use riskpath_app::plan::{PlanConfig, plan};
use riskpath_app::report::{Audience, ReportConfig, ReportFormat, report};
use riskpath_app::{AnalyzeConfig, AppError, Format, ModelSource, RunConfig, Silent, SimConfig, analyze};
use riskpath_decide::chokepoints::CutScope;
use riskpath_decide::roadmap::PlanOptions;
use riskpath_engine::{Posture, compile};
use riskpath_model::accepted::Date;
use riskpath_report::style::Style;

const ACME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/acme");

/// Two routes walked in nearly every attempt (P ≥ 0.99): the one-foothold view applies.
const SATURATED: &str = include_str!("../../../data/test/saturated.yaml");

fn sim() -> SimConfig {
    SimConfig {
        run: RunConfig { trials: Some(2000), seed: Some(3), years: Some(2000) },
        decision_trials: 96,
        precision: None,
    }
}

fn model_dir(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.yaml"), text).unwrap();
    dir
}

fn cut(model: ModelSource, scope: CutScope) -> ChokepointsConfig {
    ChokepointsConfig { model, sim: sim(), top: 3, scope, format: Format::Json, style: Style::plain(), threads: None }
}

fn headline(model: ModelSource) -> f64 {
    let mut config = AnalyzeConfig::new(model, Date::parse("2026-01-01").unwrap());
    config.sim = sim();
    analyze(&config, &Silent).unwrap().doc.risk.unwrap().ale
}

#[test]
fn choke_points_are_measured_on_the_analysis_headline_and_decision_trials() {
    let doc = chokepoints(&cut(ModelSource::path(ACME), CutScope::default()), &Silent).unwrap().doc;
    assert_eq!(doc.ale.to_bits(), headline(ModelSource::path(ACME)).to_bits());
    assert_eq!((doc.seed, doc.trials), (3, 96));
    assert!(doc.saturation.is_none() && doc.one_foothold_ale.is_none(), "acme is not saturated");
    let scoped =
        chokepoints(&cut(ModelSource::path(ACME), CutScope { actor: Some("crime".into()), target: None }), &Silent);
    assert_eq!(scoped.unwrap().doc.scope.actor.as_deref(), Some("crime"));
}

#[test]
fn a_saturated_estate_ranks_in_the_one_foothold_view() {
    let dir = model_dir(SATURATED);
    let doc = chokepoints(&cut(ModelSource::path(dir.path()), CutScope::default()), &Silent).unwrap().doc;
    assert!(doc.saturation.is_some());
    let one_foothold = doc.one_foothold_ale.expect("the view's own ALE");
    assert!(one_foothold > 0.0 && one_foothold < doc.ale, "one foothold ({one_foothold}) < both ({})", doc.ale);
    // The cheapest cut separates both routes: two of the four edges, whichever they are.
    assert_eq!(doc.min_cut.edges.len(), 2, "{:?}", doc.min_cut);
}

#[test]
fn bad_scope_and_plans_are_usage_errors() {
    let usage = |r: Result<String, AppError>| match r {
        Err(AppError::Usage(m)) => m,
        other => panic!("expected a usage error, got {other:?}"),
    };
    let scope = CutScope { actor: Some("nobody".into()), target: None };
    let m = usage(chokepoints(&cut(ModelSource::path(ACME), scope), &Silent).map(|_| String::new()));
    assert!(m.contains("nobody"), "{m}");
    let options = PlanOptions { budget_per_year: 1e6, years: 3, team_capacity: None, exact_nodes: 0 };
    let plan_of = |model: ModelSource, years: usize| {
        let config = PlanConfig {
            model,
            sim: sim(),
            options: PlanOptions { years, ..options },
            format: Format::Json,
            style: Style::plain(),
            threads: None,
        };
        plan(&config, &Silent).map(|o| o.render().unwrap())
    };
    assert_eq!(usage(plan_of(ModelSource::path(ACME), 0)), "--plan-years must be between 1 and 10");
    assert_eq!(usage(plan_of(ModelSource::path(ACME), 11)), "--plan-years must be between 1 and 10");
    let dir = model_dir(SATURATED);
    assert_eq!(usage(plan_of(ModelSource::path(dir.path()), 3)), "the model has no initiatives to plan");
    let json: serde_json::Value = serde_json::from_str(&plan_of(ModelSource::path(ACME), 2).unwrap()).unwrap();
    assert_eq!(json["plan"]["budget_per_year"], 1e6);
    assert_eq!(json["plan"]["burn_down"].as_array().unwrap().len(), 8, "a quarter at a time over two years");
    assert_eq!(json["plan"]["baseline_ale"].as_f64().unwrap().to_bits(), headline(ModelSource::path(ACME)).to_bits());
}

#[test]
fn the_whole_dot_graph_is_the_compiled_model() {
    let loaded = riskpath_model::load(ACME.as_ref(), &riskpath_app::model::load_options(64 << 20)).unwrap();
    let model = &loaded.model;
    let expected = riskpath_report::dot::dot(model, &compile(model, &Posture::as_deployed(model)), &None);
    let config = DotConfig { model: ModelSource::path(ACME), scope: CutScope::default(), top_paths: None };
    assert!(dot_graph(&config).unwrap().doc == expected);
    let zero = DotConfig { top_paths: Some(0), ..config };
    assert!(matches!(dot_graph(&zero), Err(AppError::Usage(m)) if m == "--top-paths must be at least 1"));
}

#[test]
fn an_unreadable_history_is_a_notice_and_lapsed_acceptances_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    std::fs::write(&db, "not a database").unwrap();
    let config = ReportConfig {
        model: ModelSource::path(ACME),
        name: "acme-estate".into(),
        sim: sim(),
        audience: Audience::Exec,
        format: ReportFormat::Md,
        paths: 2,
        path_scenarios: 3,
        budget: None,
        plan_years: 3,
        team_capacity: None,
        exact_nodes: 0,
        history: Some(db),
        as_of: Date::parse("2031-01-01").unwrap(),
        threads: Some(1),
    };
    let outcome = report(&config, &Silent).unwrap();
    assert_eq!(outcome.doc.notices.len(), 1);
    assert!(outcome.doc.notices[0].starts_with("not using the verify history:"), "{:?}", outcome.doc.notices);
    assert!(outcome.doc.content.contains("acme-estate"));
    assert!(outcome.warnings.render_short().contains("expired"));
}
