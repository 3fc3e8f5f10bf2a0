//! `riskpath import aws-iam` end to end: the bundled example re-imports byte for byte, the imported
//! account runs through analyze, chokepoints, incident and report, and bad input writes nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");
/// The time the example was imported at (date conditions).
const AT: &str = "1767225600";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn riskpath(args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(root()).output().expect("riskpath runs")
}

fn dump() -> String {
    root().join("crates/import/tests/fixtures/aws/iam-vulnerable.json").display().to_string()
}

/// A copy of examples/aws without its generated folder.
fn overlay_only() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join("examples/aws/overlay.yaml"), dir.path().join("overlay.yaml")).unwrap();
    dir
}

#[test]
fn the_example_reimports_byte_for_byte_and_keeps_the_overlay() {
    let dir = overlay_only();
    let out = dir.path().display().to_string();
    for _ in 0..2 {
        let o = riskpath(&["import", "aws-iam", &dump(), "-o", &out, "--at", AT]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("70 principals reach administrator"));
    }
    for file in ["nodes.jsonl", "edges.jsonl", "report.md"] {
        let fresh = std::fs::read_to_string(dir.path().join("aws").join(file)).unwrap();
        let committed = std::fs::read_to_string(root().join("examples/aws/aws").join(file)).unwrap();
        assert!(fresh == committed, "examples/aws/aws/{file} is stale: re-run the import in examples/aws/overlay.yaml");
    }
    assert!(dir.path().join("overlay.yaml").exists());
}

#[test]
fn an_imported_account_runs_through_analyze_chokepoints_incident_and_report() {
    let model = root().join("examples/aws").display().to_string();
    let o = riskpath(&["analyze", &model, "--trials", "2000", "--years", "2000"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The administrator node is shown by its name, not its id (the paths print it whole).
    assert!(String::from_utf8_lossy(&o.stdout).contains("administrator of AWS account 200611803367"));
    let o = riskpath(&["chokepoints", &model, "--top", "3"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let role = "arn:aws:iam::200611803367:role/privesc-high-priv-service-role";
    let o = riskpath(&["incident", &model, "--compromised", role, "--trials", "2000"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && text.contains("administrator of AWS account 200611803367"), "{text}");
    let report = tempfile::tempdir().unwrap();
    let file = report.path().join("r.md").display().to_string();
    let o = riskpath(&["report", &model, "--format", "md", "-o", &file, "--trials", "2000", "--years", "2000"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn bad_dumps_exit_2_naming_the_place_and_leave_the_previous_import() {
    let dir = overlay_only();
    let out = dir.path().display().to_string();
    assert!(riskpath(&["import", "aws-iam", &dump(), "-o", &out, "--at", AT]).status.success());
    let before = std::fs::read_to_string(dir.path().join("aws/edges.jsonl")).unwrap();
    let bad = dir.path().join("broken.dump");
    std::fs::write(&bad, "{\"RoleDetailList\": [\n  {\"RoleName\": \"r\"\n]}").unwrap();
    let o = riskpath(&["import", "aws-iam", &bad.display().to_string(), "-o", &out]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("broken.dump:3:1: not valid JSON") && err.contains("nothing was written"), "{err}");
    std::fs::write(&bad, "{\"UserDetailList\": [], \"IsTruncated\": true, \"Marker\": \"AAA\"}").unwrap();
    let o = riskpath(&["import", "aws-iam", &bad.display().to_string(), "-o", &out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("IsTruncated: true"));
    assert_eq!(std::fs::read_to_string(dir.path().join("aws/edges.jsonl")).unwrap(), before);
}
