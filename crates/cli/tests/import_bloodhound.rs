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
    assert!(report.contains("Model keys used: campaign, removable, relation, remediation"), "{report}");
    assert!(model.join("actors.yaml").is_file() && model.join("bloodhound/entry/loss_groups.jsonl").is_file());

    let validated = ok(&["validate", m]);
    assert!(validated.starts_with("ok: 1,479 nodes"), "{validated}");

    // JD@PHANTOM.CORP is a Domain Admin: containment removes the membership, by name.
    let jd = "S-1-5-21-2697957641-2271029196-387917394-2113";
    let runbook = ok(&["incident", m, "--compromised", jd, "--format", "md", "--trials", "2000"]);
    assert!(
        runbook.contains("**remove membership** — Remove JD@PHANTOM.CORP from DOMAIN ADMINS@PHANTOM.CORP"),
        "{runbook}"
    );
    assert!(runbook.contains("enrolment right on the templates that let the enrollee supply the subject"), "{runbook}");
}

/// Every edge a cut or a containment proposes on the imported sample is one an administrator can
/// remove: no structural kind, no edge the importer marked `removable: false`, no membership in
/// Domain Users, Authenticated Users or Domain Computers, no phishing edge.
#[test]
fn no_cut_on_the_sample_proposes_a_structural_edge() {
    let zip = Path::new(env!("CARGO_MANIFEST_DIR")).join("../import/tests/data/bloodhound/ad_sampledata.zip");
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    let m = model.to_str().unwrap();
    ok(&["import", "bloodhound", zip.to_str().unwrap(), "-o", m]);
    let loaded = riskpath_model::load(&model, &riskpath_model::LoadOptions::default()).expect("the import loads");
    let edges = &loaded.model.edges;
    assert!(edges.iter().any(|e| !e.is_removable()), "the import marks structural edges");
    let name = |id: &str| loaded.model.node(id).and_then(|n| n.name.clone()).unwrap_or_else(|| id.to_string());
    let check = |cut: &[serde_json::Value]| {
        for c in cut {
            let (from, to, kind) =
                (c["from"].as_str().unwrap(), c["to"].as_str().unwrap(), c["kind"].as_str().unwrap());
            let e = edges
                .iter()
                .find(|e| e.from.value == from && e.to.value == to && e.kind.value == kind)
                .unwrap_or_else(|| panic!("cut edge {from} -{kind}-> {to} not in the model"));
            assert!(e.is_removable(), "the cut proposes {from} -{kind}-> {to}, which cannot be removed");
            assert_ne!(kind, "phishes", "the cut proposes a phishing edge");
            let target = name(to).to_uppercase();
            let population = ["DOMAIN USERS@", "AUTHENTICATED USERS@", "DOMAIN COMPUTERS@", "EVERYONE@"];
            assert!(
                kind != "member_of" || !population.iter().any(|p| target.starts_with(p)),
                "the cut removes {from} from {target}"
            );
        }
    };
    let json = |args: &[&str]| -> serde_json::Value { serde_json::from_str(&ok(args)).expect("JSON") };
    let chokepoints = json(&["chokepoints", m, "--format", "json", "--trials", "2000"]);
    let cut = &chokepoints["min_cut"];
    check(cut["edges"].as_array().unwrap());
    if cut["cost"].is_null() {
        assert!(cut["edges"].as_array().unwrap().is_empty(), "no finite cut, yet edges: {cut}");
    }
    // A choke point on an edge that cannot be removed is a control point, never a removal.
    let mut control_points = 0;
    for point in chokepoints["choke_points"].as_array().unwrap().iter().filter(|p| p["kind"] == "edge") {
        let id = point["id"].as_str().unwrap();
        let removable = edges.iter().filter(|e| e.label() == id).any(|e| e.is_removable());
        let instruction = point["instruction"].as_str().unwrap_or_default();
        if removable {
            assert!(point["fix_cost"].is_number() && point["control_point"].is_null(), "{point}");
        } else {
            control_points += 1;
            assert!(point["control_point"] == true && point["fix_cost"].is_null(), "{point}");
            assert!(
                instruction.starts_with("A control point, not a removal") && !instruction.contains("Remove "),
                "{point}"
            );
        }
    }
    assert!(control_points > 0, "the sample's phishing and Domain Users edges dominate breaches: {chokepoints}");
    let jd = "S-1-5-21-2697957641-2271029196-387917394-2113";
    let incident = json(&["incident", m, "--compromised", jd, "--format", "json", "--trials", "2000"]);
    let steps = incident["containment"]["steps"].as_array().unwrap();
    assert!(!steps.is_empty(), "JD's containment has removable steps");
    check(steps);
}

/// The SIDs and object GUIDs of named objects in `text` (what a person should not have to read).
fn raw_ids(text: &str) -> Vec<&str> {
    const CA_GUIDS: [&str; 4] = [
        "CDCA8CA4-69D6-4488-87AE-F8F507D53DB9",
        "396FFDC9-079C-4AB1-9816-ACEED046BCDD",
        "4F334FEC-0BCE-46A0-AF60-F1C481829440",
        "CEC2A22A-AF46-4DC5-A942-26514BD8AE94",
    ];
    text.lines().filter(|l| l.contains("S-1-5-21-") || CA_GUIDS.iter().any(|g| l.contains(g))).collect()
}

#[test]
fn every_renderer_names_imported_objects_by_name() {
    let zip = Path::new(env!("CARGO_MANIFEST_DIR")).join("../import/tests/data/bloodhound/ad_sampledata.zip");
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    let m = model.to_str().unwrap();
    ok(&["import", "bloodhound", zip.to_str().unwrap(), "-o", m]);
    let trials = ["--trials", "500"];

    let analyze = ok(&[&["analyze", m][..], &trials].concat());
    assert!(raw_ids(&analyze).is_empty(), "{:?}", raw_ids(&analyze));
    assert!(analyze.contains("PHANTOM-DC01-CA@PHANTOM.CORP") && analyze.contains("integrity loss of "), "{analyze}");
    assert!(analyze.contains("→ DOMAIN ADMINS@PHANTOM.CORP") || analyze.contains("→ ENTERPRISE ADMINS@"), "{analyze}");

    // Analysis JSON: every path node and every scenario target has its name beside the id.
    let doc: serde_json::Value =
        serde_json::from_str(&ok(&[&["analyze", m, "--format", "json"][..], &trials].concat())).unwrap();
    let paths = doc["paths"].as_array().expect("paths");
    assert!(!paths.is_empty());
    for path in paths {
        let (ids, names) = (path["nodes"].as_array().unwrap(), path["names"].as_array().unwrap());
        assert_eq!(ids.len(), names.len(), "{path}");
        assert!(names.iter().all(|n| !n.as_str().unwrap().starts_with("S-1-5-21-")), "{path}");
        assert!(!path["target_name"].as_str().unwrap().starts_with("S-1-5-21-"), "{path}");
    }
    assert!(doc["scenarios"].as_array().unwrap().iter().all(|s| s["target_name"].is_string()), "{}", doc["scenarios"]);

    let choke = ok(&[&["chokepoints", m][..], &trials].concat());
    assert!(raw_ids(&choke).is_empty(), "{:?}", raw_ids(&choke));
    let rows = |kind: &str| choke.lines().filter(|l| l.starts_with(&format!("  {kind}  "))).collect::<Vec<_>>();
    assert!(rows("node").iter().any(|l| l.contains("@PHANTOM.CORP")), "{choke}");
    assert!(rows("edge").iter().any(|l| l.contains("@PHANTOM.CORP → ")), "edges as `from → to` by name: {choke}");
    // JSON keeps the id and puts the name beside it.
    let json: serde_json::Value =
        serde_json::from_str(&ok(&[&["chokepoints", m, "--format", "json"][..], &trials].concat())).unwrap();
    let node =
        json["choke_points"].as_array().unwrap().iter().find(|p| p["kind"] == "node").expect("a node choke point");
    assert!(node["id"].as_str().unwrap().starts_with("S-1-5-21-") || node["id"].as_str().unwrap().contains('-'));
    assert!(node["name"].as_str().unwrap().contains('@'), "{node}");

    let jd = "S-1-5-21-2697957641-2271029196-387917394-2113";
    let incident = ok(&[&["incident", m, "--compromised", jd][..], &trials].concat());
    // The one line with a SID is the node's own description, which states its BloodHound id.
    assert!(raw_ids(&incident).iter().all(|l| l.trim() == format!("{jd})")), "{incident}");
    assert!(incident.starts_with("Incident: JD@PHANTOM.CORP compromised"), "{incident}");
    let runbook = ok(&[&["incident", m, "--compromised", jd, "--format", "md"][..], &trials].concat());
    assert!(runbook.starts_with("# Incident runbook: JD@PHANTOM.CORP compromised"), "{runbook}");
    // Only the glossary of the compromised node (id, kind: name — description) shows the SID.
    assert!(raw_ids(&runbook).iter().all(|l| l.starts_with(&format!("- `{jd}` (user): JD@PHANTOM.CORP"))), "{runbook}");

    for audience in ["exec", "engineer"] {
        let report = ok(&[&["report", m, "--audience", audience, "--format", "md"][..], &trials].concat());
        // The engineer report's node notes are the glossary: `id` (kind): name — description.
        let stray: Vec<&str> = raw_ids(&report).into_iter().filter(|l| !l.starts_with("- `")).collect();
        assert!(stray.is_empty(), "{audience}: {stray:?}");
        assert!(report.contains("@PHANTOM.CORP"), "{audience}: {report}");
    }
}
