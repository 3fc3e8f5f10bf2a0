//! The CLI is an adapter: each command writes exactly the bytes of its `riskpath_app` function for
//! the same model and options (analyze, chokepoints, plan, gaps, report, export, incident, kb group).

use std::path::PathBuf;
use std::process::Command;

use riskpath_app::chokepoints::ChokepointsConfig;
use riskpath_app::export::{DotConfig, NavigatorConfig, SarifConfig};
use riskpath_app::gaps::{GapsConfig, GapsFormat};
use riskpath_app::plan::PlanConfig;
use riskpath_app::report::{Audience, ReportConfig, ReportFormat};
use riskpath_app::{AnalyzeConfig, Format, ModelSource, RunConfig, Silent, SimConfig, analyze};
use riskpath_decide::chokepoints::CutScope;
use riskpath_decide::roadmap::PlanOptions;
use riskpath_model::accepted::Date;
use riskpath_report::style::Style;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");
const ACME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/acme");
const SIM: [&str; 8] = ["--trials", "3000", "--years", "2500", "--seed", "11", "--decision-trials", "200"];

/// The CLI's stdout for `args` on acme with the small run of [`SIM`].
fn cli(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(&args[..1])
        .args(&args[1..])
        .arg(ACME)
        .args(SIM)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1764892800")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn sim() -> SimConfig {
    SimConfig {
        run: RunConfig { trials: Some(3000), seed: Some(11), years: Some(2500) },
        decision_trials: 200,
        precision: None,
    }
}

fn acme() -> ModelSource {
    ModelSource::path(ACME)
}

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn analysis(format: Format, as_of: &str) -> String {
    let mut config = AnalyzeConfig::new(acme(), day(as_of));
    config.sim = sim();
    config.paths = 3;
    config.format = format;
    analyze(&config, &Silent).unwrap().render().unwrap()
}

#[test]
fn analyze_writes_the_librarys_bytes() {
    for as_of in ["2026-12-01", "2031-01-01"] {
        let json = cli(&["analyze", "--format", "json", "--as-of", as_of, "-k", "3"]);
        assert!(json.starts_with("{\n  \"schema_version\": 1,"), "{as_of}");
        assert!(json == analysis(Format::Json, as_of), "JSON on {as_of}");
        assert!(cli(&["analyze", "--format", "text", "--as-of", as_of, "-k", "3"]) == analysis(Format::Text, as_of));
    }
}

#[test]
fn chokepoints_and_plan_write_the_librarys_bytes() {
    for (flag, format) in [("json", Format::Json), ("text", Format::Text)] {
        let config = ChokepointsConfig {
            model: acme(),
            sim: sim(),
            top: 4,
            scope: CutScope { actor: Some("crime".into()), target: None },
            format,
            style: Style::plain(),
            threads: None,
        };
        let library = riskpath_app::chokepoints::chokepoints(&config, &Silent).unwrap().render().unwrap();
        assert!(cli(&["chokepoints", "--format", flag, "--top", "4", "--actor", "crime"]) == library, "{flag}");
        let options = PlanOptions { budget_per_year: 400_000.0, years: 2, team_capacity: Some(2), exact_nodes: 50 };
        let config = PlanConfig { model: acme(), sim: sim(), options, format, style: Style::plain(), threads: None };
        let library = riskpath_app::plan::plan(&config, &Silent).unwrap().render().unwrap();
        let args = ["plan", "--format", flag, "--budget", "400k", "--plan-years", "2", "--team-capacity", "2"];
        assert!(cli(&[&args[..], &["--exact-nodes", "50"]].concat()) == library, "{flag}");
    }
}

#[test]
fn gaps_writes_the_librarys_bytes() {
    for (flag, format) in [("json", GapsFormat::Json), ("text", GapsFormat::Text), ("navigator", GapsFormat::Navigator)]
    {
        let config = GapsConfig {
            model: acme(),
            sim: sim(),
            top: 6,
            attack: None,
            format,
            style: Style::plain(),
            threads: None,
        };
        let library = riskpath_app::gaps::gaps(&config, &Silent).unwrap().render().unwrap();
        assert!(cli(&["gaps", "--format", flag, "--top", "6"]) == library, "{flag}");
    }
}

#[test]
fn report_and_exports_write_the_librarys_bytes() {
    for (audience, format, flags) in [
        (Audience::Exec, ReportFormat::Html, ["--audience", "exec", "--format", "html"]),
        (Audience::Engineer, ReportFormat::Md, ["--audience", "engineer", "--format", "md"]),
    ] {
        let config = ReportConfig {
            model: acme(),
            name: "acme".into(),
            sim: sim(),
            audience,
            format,
            paths: 2,
            path_scenarios: 4,
            budget: None,
            plan_years: 3,
            team_capacity: None,
            exact_nodes: 100,
            history: None,
            as_of: day("2025-12-05"),
            threads: None,
        };
        let library = riskpath_app::report::report(&config, &Silent).unwrap().doc.content;
        let args = ["report", "-k", "2", "--path-scenarios", "4", "--exact-nodes", "100", "--db", "/nonexistent"];
        assert!(cli(&[&args[..], &flags[..]].concat()) == library, "{flags:?}");
    }
    let config = NavigatorConfig { model: acme(), name: "acme".into(), sim: sim(), paths: 2, threads: None };
    let layer = riskpath_app::export::navigator_layer(&config, &Silent).unwrap().render().unwrap();
    assert!(cli(&["export", "navigator", "-k", "2"]) == layer);
    let config = SarifConfig { model: acme(), model_dir: PathBuf::from(ACME), sim: sim(), top: 3, threads: None };
    let log = riskpath_app::export::sarif_log(&config, &Silent).unwrap().render().unwrap();
    assert!(cli(&["export", "sarif", "--top", "3"]) == log);
    let scope = CutScope { actor: None, target: Some("customer-db".into()) };
    let dot = riskpath_app::export::dot_graph(&DotConfig { model: acme(), scope, top_paths: Some(2) }).unwrap().doc;
    let out = Command::new(BIN)
        .args(["export", "dot", ACME, "--target", "customer-db", "--top-paths", "2"])
        .output()
        .unwrap();
    assert!(out.stdout == dot.as_bytes());
}

#[test]
fn incident_and_kb_group_write_the_librarys_bytes() {
    use riskpath_app::incident::{IncidentConfig, IncidentFormat};
    for (flag, format) in [("json", IncidentFormat::Json), ("text", IncidentFormat::Text), ("md", IncidentFormat::Md)] {
        let config = IncidentConfig {
            model: acme(),
            model_path: PathBuf::from(ACME),
            compromised: vec!["laptops-sre".into()],
            skill: None,
            trials: Some(3000),
            seed: Some(11),
            top: 4,
            format,
            style: Style::plain(),
            threads: None,
        };
        let library = riskpath_app::incident::incident(&config, &Silent).unwrap().render().unwrap();
        let out = Command::new(BIN)
            .args(["incident", ACME, "--compromised", "laptops-sre", "--trials", "3000", "--seed", "11"])
            .args(["--top", "4", "--format", flag])
            .output()
            .unwrap();
        assert!(out.stdout == library.as_bytes(), "{flag}");
    }
    let bundle = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/attack/enterprise-attack-v18.1-core.json.zst");
    for (flag, format) in [("json", Format::Json), ("text", Format::Text)] {
        let config = riskpath_app::kb::GroupConfig {
            model: acme(),
            group: "APT29".into(),
            attack: Some(bundle.into()),
            format,
            style: Style::plain(),
        };
        let library = riskpath_app::kb::group(&config).unwrap().render().unwrap();
        let out = Command::new(BIN)
            .args(["kb", "group", "APT29", ACME, "--attack", bundle, "--format", flag])
            .output()
            .unwrap();
        assert!(out.stdout == library.as_bytes(), "{flag}");
    }
}

#[test]
fn kb_documents_are_the_librarys_typed_documents() {
    use riskpath_app::docs::{CatalogDoc, KbDoc};
    use riskpath_app::outcome::Document;
    let out = |args: &[&str]| Command::new(BIN).args(args).output().unwrap().stdout;
    assert!(out(&["kb", "--format", "json"]) == KbDoc::builtin().json().unwrap().as_bytes());
    assert!(out(&["kb", "catalog", "--format", "json"]) == CatalogDoc::builtin().json().unwrap().as_bytes());
}
