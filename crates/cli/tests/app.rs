//! The CLI is an adapter: `riskpath analyze` writes exactly the bytes of `riskpath_app::analyze`
//! for the same model and options, as JSON and as plain text.

use std::process::Command;

use riskpath_app::{AnalyzeConfig, Format, ModelSource, RunConfig, Silent, SimConfig, analyze};
use riskpath_model::accepted::Date;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");
const ACME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/acme");

fn cli(format: &str, as_of: &str) -> String {
    let args = ["analyze", ACME, "--trials", "3000", "--years", "2500", "--seed", "11", "--decision-trials", "200"];
    let out = Command::new(BIN)
        .args(args)
        .args(["--format", format, "--as-of", as_of, "-k", "3"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn library(format: Format, as_of: &str) -> String {
    let mut config = AnalyzeConfig::new(ModelSource::path(ACME), Date::parse(as_of).unwrap());
    config.sim = SimConfig {
        run: RunConfig { trials: Some(3000), seed: Some(11), years: Some(2500) },
        decision_trials: 200,
        precision: None,
    };
    config.paths = 3;
    config.format = format;
    analyze(&config, &Silent).unwrap().render().unwrap()
}

#[test]
fn analyze_writes_the_librarys_bytes() {
    for as_of in ["2026-12-01", "2031-01-01"] {
        let json = cli("json", as_of);
        assert!(json.starts_with("{\n  \"schema_version\": 1,"), "{as_of}");
        assert!(json == library(Format::Json, as_of), "JSON on {as_of}");
        assert!(cli("text", as_of) == library(Format::Text, as_of), "text on {as_of}");
    }
}
