//! `riskpath_app::verify` on a copy of acme: the counts are the controls' states recounted, the
//! findings follow `fail_on`, runs are recorded in a hash chain that verifies, `record: false`
//! writes nothing, and zero limits are usage errors.

use std::path::Path;
use std::time::{Duration, SystemTime};

use riskpath_app::verify::{FailOn, VerifyConfig, VerifyFormat, check_limits, verify};
use riskpath_app::{AppError, ModelSource, RunConfig, Silent};
use riskpath_assure::Limits;
use riskpath_assure::history::Store;
use riskpath_model::accepted::Date;
use riskpath_report::style::Style;

const ACME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/acme");

/// A copy of acme (model files, policies, evidence) without any history.
fn acme_copy(into: &Path) -> std::path::PathBuf {
    let dir = into.join("acme");
    copy(Path::new(ACME), &dir);
    let _ = std::fs::remove_dir_all(dir.join(".riskpath"));
    dir
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn config(dir: &Path, record: bool, fail_on: FailOn) -> VerifyConfig {
    VerifyConfig {
        model: ModelSource::path(dir),
        model_path: dir.to_path_buf(),
        run: RunConfig { trials: Some(500), seed: Some(5), years: Some(500) },
        db: None,
        record,
        limits: Limits::default(),
        sandbox: Default::default(),
        now: SystemTime::now(),
        as_of: Date::parse("2026-12-01").unwrap(),
        format: VerifyFormat::Json,
        style: Style::plain(),
        fail_on,
    }
}

#[test]
fn counts_findings_and_the_recorded_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = acme_copy(tmp.path());
    let dry = verify(&config(&dir, false, FailOn::Failure), &Silent).unwrap();
    assert!(!dir.join(".riskpath").exists(), "record: false writes nothing");
    let doc = &dry.doc.doc;
    let s = &doc.summary;
    let counted = doc.controls.len();
    assert_eq!(s.pass + s.fail + s.stale + s.error + s.unchecked + s.planned, counted);
    let failing = doc.controls.iter().filter(|c| c.state.is_failing()).count();
    assert_eq!(s.failing(), failing);
    assert!(failing > 0, "acme has failing controls");
    let findings = dry.doc.findings.clone().expect("failing controls are findings");
    assert!(findings.starts_with(&format!("{failing} controls do not hold")), "{findings}");
    assert!(doc.history.is_none());

    let regression_only = verify(&config(&dir, true, FailOn::Regression), &Silent).unwrap();
    assert_eq!(regression_only.doc.findings, None, "no previous run: nothing regressed");
    let second = verify(&config(&dir, true, FailOn::Failure), &Silent).unwrap();
    let info = second.doc.doc.history.as_ref().expect("a recorded run says where");
    assert_eq!((info.seq, info.previous_seq), (2, Some(1)));
    let store = Store::open_existing(&dir.join(".riskpath/history.db")).unwrap();
    assert_eq!(store.records().unwrap().len(), 2);
    assert!(store.verify_chain().unwrap().problems.is_empty());
}

#[test]
fn zero_limits_are_usage_errors() {
    let zero_time = Limits { policy_timeout: Duration::ZERO, ..Limits::default() };
    assert!(
        matches!(check_limits(&zero_time), Err(AppError::Usage(m)) if m == "--policy-timeout must be at least 1 ms")
    );
    let zero_memory = Limits { max_policy_memory: 0, ..Limits::default() };
    let m = check_limits(&zero_memory);
    assert!(matches!(m, Err(AppError::Usage(m)) if m == "--max-policy-memory must be at least 1 byte"));
    assert!(check_limits(&Limits::default()).is_ok());
}
