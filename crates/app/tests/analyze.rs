//! `riskpath_app::analyze` on the bundled acme estate: its headline is the engine's assessment of
//! the model as deployed, its bytes do not depend on threads or on who loaded the model, and bad
//! configuration is a located error before any work. (The CLI's bytes: crates/cli/tests/app.rs.)

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use riskpath_app::progress::Observer;
use riskpath_app::{AnalyzeConfig, AppError, Format, ModelSource, Progress, RunConfig, Silent, SimConfig, analyze};
use riskpath_engine::Posture;
use riskpath_engine::risk::{RiskConfig, assess, expected_work};
use riskpath_model::accepted::Date;

const ACME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/acme");

fn day() -> Date {
    Date::parse("2026-12-01").unwrap()
}

/// A small run of acme (seed 7, 2,000 trials and years, 128 decision trials).
fn config(source: ModelSource) -> AnalyzeConfig {
    let mut config = AnalyzeConfig::new(source, day());
    config.sim = SimConfig {
        run: RunConfig { trials: Some(2000), seed: Some(7), years: Some(2000) },
        decision_trials: 128,
        precision: None,
    };
    config
}

fn acme() -> AnalyzeConfig {
    config(ModelSource::path(ACME))
}

fn loaded() -> Arc<riskpath_model::Loaded> {
    Arc::new(riskpath_model::load(ACME.as_ref(), &riskpath_app::model::load_options(64 << 20)).unwrap())
}

#[test]
fn the_headline_is_the_engines_assessment_of_the_model_as_deployed() {
    let outcome = analyze(&acme(), &Silent).unwrap();
    let loaded = loaded();
    let model = &loaded.model;
    let run = RiskConfig { trials: 2000, years: 2000, seed: 7 };
    let expected = assess(model, &Posture::as_deployed(model), run);
    let doc = &outcome.doc;
    assert_eq!((doc.seed, doc.trials, doc.years), (Some(7), Some(2000), Some(2000)));
    let risk = doc.risk.as_ref().expect("a simulated analysis has its risk");
    assert!(expected.ale > 0.0);
    assert_eq!(risk.ale.to_bits(), expected.ale.to_bits());
    assert_eq!(risk.ale_std_error.to_bits(), expected.ale_std_error.to_bits());
    assert_eq!([risk.p50, risk.p90, risk.p99], [expected.p50, expected.p90, expected.p99]);
    let scenarios = doc.scenarios.as_ref().unwrap();
    assert_eq!(scenarios.len(), expected.scenarios.len());
}

#[test]
fn neither_threads_nor_who_loaded_the_model_change_a_byte() {
    let bytes = |config: &AnalyzeConfig| analyze(config, &Silent).unwrap().render().unwrap();
    let base = bytes(&acme());
    for threads in [1, 3] {
        let mut config = acme();
        config.threads = Some(threads);
        assert!(bytes(&config) == base, "{threads} threads");
    }
    let outcome = analyze(&config(ModelSource::Loaded(loaded())), &Silent).unwrap();
    assert!(outcome.render().unwrap() == base, "the model loaded by the caller");
    assert!(outcome.warnings.list.is_empty(), "acme's acceptance holds on {}", day());
}

#[test]
fn json_is_the_document_and_text_is_rendered_only_when_asked() {
    let json = analyze(&acme(), &Silent).unwrap();
    assert!(json.text.is_none());
    let bytes = json.render().unwrap();
    assert_eq!(bytes, riskpath_app::to_json(&json.doc).unwrap());
    let value: serde_json::Value = serde_json::from_str(&bytes).unwrap();
    assert_eq!(value["schema_version"], 1);
    assert_eq!(value["as_of"], "2026-12-01", "acme records an accepted risk");
    let mut config = acme();
    config.format = Format::Text;
    let text = analyze(&config, &Silent).unwrap();
    let rendered = text.render().unwrap();
    assert_eq!(Some(&rendered), text.text.as_ref());
    assert!(!rendered.contains('\u{1b}'), "plain style: no colour");
    let ale = riskpath_report::style::money(json.doc.risk.as_ref().unwrap().ale, &json.doc.currency);
    assert!(rendered.contains(&ale), "the text shows the same ALE ({ale})");
}

#[test]
fn a_lapsed_acceptance_is_a_warning_of_the_outcome() {
    let mut config = acme();
    config.as_of = Date::parse("2031-01-01").unwrap();
    let outcome = analyze(&config, &Silent).unwrap();
    assert!(!outcome.warnings.list.is_empty(), "acme's acceptance has expired by 2031");
    assert!(outcome.warnings.render_short().contains("expired"), "{}", outcome.warnings.render_short());
}

/// What a run told its observers: the bars opened (total, what), the counters opened, the work added.
#[derive(Default)]
struct Recorder {
    bars: Mutex<Vec<(u64, String)>>,
    counters: Mutex<Vec<String>>,
    added: Arc<AtomicU64>,
    counted: Arc<AtomicU64>,
}

struct Adds(Arc<AtomicU64>);

impl Observer for Adds {
    fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
}

impl Progress for Recorder {
    fn bar(&self, total: u64, what: &str) -> Box<dyn Observer> {
        self.bars.lock().unwrap().push((total, what.into()));
        Box::new(Adds(self.added.clone()))
    }
    fn counter(&self, what: &str) -> Arc<dyn Observer + Send> {
        self.counters.lock().unwrap().push(what.into());
        Arc::new(Adds(self.counted.clone()))
    }
}

#[test]
fn progress_is_the_simulations_work_then_the_what_ifs_counted() {
    let recorder = Recorder::default();
    analyze(&acme(), &recorder).unwrap();
    let loaded = loaded();
    let work = expected_work(&loaded.model, RiskConfig { trials: 2000, years: 2000, seed: 7 });
    assert_eq!(*recorder.bars.lock().unwrap(), vec![(work, "simulating".to_string())]);
    assert!(recorder.added.load(Ordering::Relaxed) > 0);
    assert_eq!(*recorder.counters.lock().unwrap(), vec!["what-ifs measured".to_string()]);
    assert!(recorder.counted.load(Ordering::Relaxed) > 0, "classes and the tornado are what-ifs");
}

fn usage(config: &AnalyzeConfig) -> String {
    match analyze(config, &Silent) {
        Err(AppError::Usage(message)) => message,
        other => panic!("expected a usage error, got {other:?}"),
    }
}

#[test]
fn bad_configuration_is_a_usage_error_naming_the_setting() {
    let with = |change: &dyn Fn(&mut AnalyzeConfig)| {
        let mut config = acme();
        change(&mut config);
        usage(&config)
    };
    assert!(with(&|c| c.paths = 0).contains("-k: 0 is outside 1..=100"));
    assert!(with(&|c| c.paths = 101).contains("-k: 101 is outside 1..=100"));
    assert!(with(&|c| c.threads = Some(0)).contains("threads must be at least 1"));
    assert!(with(&|c| c.sim.run.trials = Some(0)).contains("--trials and --years must be at least 1"));
    assert!(with(&|c| c.sim.decision_trials = 0).contains("--decision-trials must be between 1 and 1e9"));
    assert!(with(&|c| c.sim.run.years = Some(u64::MAX / 2)).contains("attacker attempts"));
    let missing = with(&|c| c.model = ModelSource::path("/nonexistent/riskpath-model"));
    assert_eq!(missing, "no such file or directory: /nonexistent/riskpath-model");
}

#[test]
fn a_model_with_errors_is_every_problem_located() {
    let dir = tempfile::tempdir().unwrap();
    let text = "nodes:\n  - {id: a, kind: host}\nedges:\n  - {from: a, to: b, kind: x}\n";
    std::fs::write(dir.path().join("m.yaml"), text).unwrap();
    match analyze(&config(ModelSource::path(dir.path())), &Silent) {
        Err(error @ AppError::Model(_)) => {
            let AppError::Model(problems) = &error else { unreachable!() };
            assert!(problems.error_count() >= 1);
            assert!(problems.render_short().contains("m.yaml:4:"), "{}", problems.render_short());
            assert!(error.to_string().ends_with("in the model; nothing was written"), "{error}");
        }
        other => panic!("expected the model's problems, got {other:?}"),
    }
}
