//! `riskpath import bloodhound` end to end, with every model key this build's loader accepts: the
//! SpecterOps sample collection becomes a model that validates, and an incident runbook on it
//! states each cut with the importer's concrete fix in readable names.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

fn riskpath(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("NO_COLOR", "1").output().expect("run riskpath")
}

fn ok(args: &[&str]) -> String {
    let out = riskpath(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "riskpath {args:?} failed:\n{err}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_sample_collection_imports_validates_and_its_runbook_names_the_fixes() {
    let zip = Path::new(env!("CARGO_MANIFEST_DIR")).join("../import/tests/data/bloodhound/ad_sampledata.zip");
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    let m = model.to_str().unwrap();
    ok(&["import", "bloodhound", zip.to_str().unwrap(), "-o", m]);
    let report = std::fs::read_to_string(model.join("bloodhound/report.md")).unwrap();
    assert!(report.contains("Model keys used: campaign, relation, remediation"), "{report}");
    assert!(model.join("actors.yaml").is_file() && model.join("bloodhound/entry/loss_groups.json").is_file());

    let validated = ok(&["validate", m]);
    assert!(validated.starts_with("ok: 1479 nodes"), "{validated}");

    // JD@PHANTOM.CORP is a Domain Admin: containment removes the membership, by name.
    let jd = "S-1-5-21-2697957641-2271029196-387917394-2113";
    let runbook = ok(&["incident", m, "--compromised", jd, "--format", "md", "--trials", "2000"]);
    assert!(
        runbook.contains("**remove membership** — Remove JD@PHANTOM.CORP from DOMAIN ADMINS@PHANTOM.CORP"),
        "{runbook}"
    );
    assert!(runbook.contains("enrolment right on the templates that let the enrollee supply the subject"), "{runbook}");
}
