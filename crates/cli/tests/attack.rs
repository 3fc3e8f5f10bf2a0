//! Threat knowledge end to end: `kb` (list, catalog, import-attack, group), actors limited to an
//! ATT&CK group in the engine, and `gaps` in text, JSON and Navigator form.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use riskpath_engine::paths::all_scenarios;
use riskpath_engine::risk::expected_loss;
use riskpath_engine::{Posture, compile};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

fn riskpath(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("NO_COLOR", "1").output().expect("run riskpath")
}

fn ok(args: &[&str]) -> String {
    let out = riskpath(args);
    assert_eq!(out.status.code(), Some(0), "riskpath {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json(args: &[&str]) -> Value {
    let text = ok(args);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("riskpath {args:?}: not JSON ({e}):\n{text}"))
}

fn bundle() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/attack/enterprise-attack-v18.1-core.json.zst")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// An estate reached from the internet by exploiting `web` (T1190) or by phishing staff (T1566),
/// with a WAF from the catalog; `attack` becomes `settings.attack` when given.
fn model_text(attack: Option<&Path>, actors: &str) -> String {
    let settings = match attack {
        Some(p) => format!("settings: {{attack: {:?}, trials: 4000, years: 4000}}\n", s(p)),
        None => "settings: {trials: 4000, years: 4000}\n".to_string(),
    };
    format!(
        "{settings}entry_points:
  - {{id: internet, kind: internet}}
  - {{id: phishing, kind: email}}
nodes:
  - {{id: web, kind: service, tags: [internet-facing]}}
  - {{id: staff, kind: identity}}
  - {{id: db, kind: datastore, crown_jewel: true, loss: {{confidentiality: {{low: 1e6, high: 1e7}}}}}}
edges:
  - {{from: internet, to: web, kind: exploits, p: 0.5}}
  - {{from: web, to: db, kind: authenticates, p: 0.5}}
  - {{from: phishing, to: staff, kind: phishes, p: 0.3}}
  - {{from: staff, to: db, kind: authenticates, technique: T1078.004, p: 0.4}}
controls:
  - {{id: waf, uses: catalog/waf, scope: [tag:internet-facing]}}
  - {{id: mfa, uses: catalog/phishing-resistant-mfa, status: planned}}
{actors}"
    )
}

fn model_dir(attack: Option<&Path>, actors: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("model.yaml"), model_text(attack, actors)).unwrap();
    (tmp, dir)
}

#[test]
fn kb_lists_by_default_and_has_subcommands() {
    let default = ok(&["kb"]);
    assert_eq!(ok(&["kb", "list"]), default, "`kb` and `kb list` are the same");
    assert!(default.contains("edge kinds") && default.contains("riskpath kb catalog"));
    let doc = json(&["kb", "--format", "json"]);
    assert!(doc["edge_kinds"].as_array().unwrap().len() >= 25);
    assert_eq!(json(&["kb", "list", "--format", "json"]), doc);

    let catalog = json(&["kb", "catalog", "--format", "json"]);
    let entries = catalog["catalog"].as_array().unwrap();
    assert!(entries.len() >= 15);
    for name in ["phishing-resistant-mfa", "edr", "waf", "immutable-backups", "siem-detections", "iam-review"] {
        let c = entries.iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no catalog/{name}"));
        assert!(c["implements"].as_array().is_some_and(|m| !m.is_empty()) && c["rationale"].is_string(), "{c}");
    }
    let text = ok(&["kb", "catalog"]);
    assert!(text.contains("catalog/edr") && text.contains("implements"));
}

#[test]
fn import_attack_writes_a_cache_that_models_can_name() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("attack-cache.json");
    let doc = json(&["kb", "import-attack", s(&bundle()), "-o", s(&cache), "--format", "json"]);
    assert_eq!(doc["counts"]["techniques"], 356);
    assert_eq!(doc["counts"]["subtechniques"], 479);
    assert_eq!(doc["counts"]["mitigations"], 268);
    assert_eq!(doc["counts"]["groups"], 187);
    assert_eq!(doc["counts"]["uses"], 4362);
    assert!(doc["cache_load_ms"].as_f64().unwrap() < 200.0, "{doc}");
    assert!(cache.is_file());

    let dir = tmp.path().join("model");
    std::fs::create_dir(&dir).unwrap();
    let actors = "actors: [{id: apt29, attack_group: G0016, frequency: 1, entry: [internet, phishing]}]\n";
    std::fs::write(dir.join("model.yaml"), model_text(Some(Path::new("../attack-cache.json")), actors)).unwrap();
    assert!(ok(&["validate", s(&dir)]).starts_with("ok:"));

    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "{\"type\": \"bundle\", \"objects\": 7}").unwrap();
    let out = riskpath(&["kb", "import-attack", s(&bad)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not an ATT&CK STIX bundle") && !err.contains("panicked"), "{err}");
}

#[test]
fn an_actor_of_a_group_that_does_not_exploit_cannot_take_exploits_edges() {
    // G0099 (APT-C-36) uses T1566.001 and T1078 but not T1190; G0016 (APT29) uses T1190.
    let actors = "actors:
  - {id: blind-eagle, attack_group: G0099, frequency: 1, entry: [internet]}
  - {id: apt29, attack_group: G0016, frequency: 1, entry: [internet]}
  - {id: anyone, frequency: 1, entry: [internet]}
";
    let text = model_text(Some(&bundle()), actors);
    let loaded = riskpath_model::load_str("model.yaml", &text, &Default::default()).expect("loads");
    let model = &loaded.model;
    assert!(!model.actors[0].allows("T1190") && model.actors[1].allows("T1190"));
    let graph = compile(model, &Posture::as_deployed(model));
    let loss = expected_loss(model, &graph, 8192, 1);
    let p = |a: usize| loss.scenarios.iter().find(|s| s.actor == a).unwrap().probability;
    assert_eq!(p(0), 0.0, "the internet route starts with an exploit");
    assert!(p(1) > 0.05 && (p(1) - p(2)).abs() < 0.03, "APT29 exploits like an unlimited actor: {} vs {}", p(1), p(2));
    let scenarios = all_scenarios(model, &graph, 3);
    assert!(scenarios.iter().find(|s| s.actor == 0).unwrap().paths.is_empty());
    assert!(!scenarios.iter().find(|s| s.actor == 1).unwrap().paths.is_empty());

    let (_tmp, dir) = model_dir(Some(&bundle()), actors);
    let doc = json(&["kb", "group", "G0099", s(&dir), "--format", "json"]);
    assert_eq!(doc["group"]["name"], "APT-C-36");
    assert_eq!(doc["actors"], serde_json::json!(["blind-eagle"]));
    let edges = doc["edges"].as_array().unwrap();
    let exploit = edges.iter().find(|e| e["kind"] == "exploits").unwrap();
    assert_eq!(exploit["allowed"], false);
    let phish = edges.iter().find(|e| e["kind"] == "phishes").unwrap();
    assert_eq!(phish["allowed"], true, "a sub-technique the group uses allows its parent: {phish}");
    assert!(doc["lacks"].as_array().unwrap().iter().any(|l| l["technique"] == "T1190"));
    let text = ok(&["kb", "group", "APT29", s(&dir)]);
    assert!(text.contains("G0016 APT29") && text.contains("can walk"), "{text}");

    // Without a bundle, a group is an error that says what is needed.
    let (_tmp, dir) = model_dir(None, "");
    let out = riskpath(&["kb", "group", "G0016", s(&dir)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("settings.attack"));
    assert!(ok(&["kb", "group", "G0016", s(&dir), "--attack", s(&bundle())]).contains("APT29"));
}

#[test]
fn gaps_in_text_json_and_navigator() {
    let actors = "actors: [{id: crime, frequency: 2, entry: [internet, phishing]}]\n";
    let (_tmp, dir) = model_dir(Some(&bundle()), actors);
    let sim = ["--trials", "4000", "--years", "4000", "--decision-trials", "2048"];
    let args = |format: &'static str| -> Vec<String> {
        ["gaps", s(&dir), "--format", format].iter().chain(&sim).map(|x| x.to_string()).collect()
    };
    let run = |format: &'static str| {
        let a = args(format);
        json(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };

    let doc = run("json");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["mitigation_source"], "attack-bundle");
    let techniques = doc["techniques"].as_array().unwrap();
    let risks: Vec<f64> = techniques.iter().map(|t| t["risk"].as_f64().unwrap()).collect();
    assert!(risks.windows(2).all(|w| w[0] >= w[1]), "ranked by risk: {risks:?}");
    assert!(risks[0] > 0.0);
    let ids: Vec<&str> = techniques.iter().map(|t| t["technique"].as_str().unwrap()).collect();
    for t in ["T1190", "T1078", "T1566", "T1078.004"] {
        assert!(ids.contains(&t), "{t} missing from {ids:?}");
    }
    let t1190 = techniques.iter().find(|t| t["technique"] == "T1190").unwrap();
    let mitigation =
        |id: &str| t1190["mitigations"].as_array().unwrap().iter().find(|m| m["id"] == id).cloned().unwrap();
    let waf = mitigation("M1050");
    assert_eq!(waf["coverage"], "covered", "catalog/waf implements M1050: {waf}");
    assert_eq!(waf["controls"], serde_json::json!(["waf"]));
    assert_eq!(mitigation("M1051")["coverage"], "missing");
    assert!(t1190["missing"].as_array().unwrap().iter().any(|m| m == "M1051"));
    assert!(!t1190["missing"].as_array().unwrap().iter().any(|m| m == "M1050"));
    // The planned MFA control is named where it would help, but does not count.
    let t1078 = techniques.iter().find(|t| t["technique"] == "T1078").unwrap();
    let mfa = t1078["mitigations"].as_array().unwrap().iter().find(|m| m["id"] == "M1032").unwrap();
    assert_eq!(mfa["coverage"], "missing");
    assert_eq!(mfa["planned"], serde_json::json!(["mfa"]));
    let missing = doc["missing"].as_array().unwrap();
    assert!(missing.iter().any(|m| m["id"] == "M1051") && !missing.iter().any(|m| m["id"] == "M1050"));

    let layer = run("navigator");
    assert_eq!(layer["versions"]["layer"], "4.5");
    assert_eq!(layer["domain"], "enterprise-attack");
    let entries = layer["techniques"].as_array().unwrap();
    let e = entries.iter().find(|e| e["techniqueID"] == "T1190").unwrap();
    assert!(e["score"].as_f64().unwrap() > 0.0);
    assert!(
        e["comment"].as_str().unwrap().starts_with("missing: ") && e["comment"].as_str().unwrap().contains("M1051")
    );
    let parent = entries.iter().find(|e| e["techniqueID"] == "T1078").unwrap();
    assert_eq!(parent["showSubtechniques"], true, "a scored sub-technique's parent is expanded");
    assert!(layer["gradient"]["maxValue"].as_f64().unwrap() >= e["score"].as_f64().unwrap());

    let a = args("text");
    let text = ok(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(text.contains("Mitigation gaps") && text.contains("T1190") && text.contains("missing"), "{text}");

    // Without the bundle: the built-in edge kinds' mitigation lists.
    let (_tmp, dir) = model_dir(None, actors);
    let a: Vec<String> = ["gaps", s(&dir), "--format", "json"].iter().chain(&sim).map(|x| x.to_string()).collect();
    let doc = json(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(doc["mitigation_source"], "builtin");
    let t1190 = doc["techniques"].as_array().unwrap().iter().find(|t| t["technique"] == "T1190").unwrap().clone();
    let ids: Vec<&str> = t1190["mitigations"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, riskpath_model::kb::edge_kind("exploits").unwrap().mitigations);
}

/// `gaps` on an AWS-only estate with a SIEM scoped `*` that implements Audit (M1047) but only
/// detects role use and bucket reads.
fn aws_gaps(platforms: &str) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    std::fs::create_dir(&dir).unwrap();
    let model = format!(
        "settings: {{attack: {:?}, trials: 4000, years: 4000{platforms}}}
entry_points: [{{id: phishing, kind: email}}]
nodes:
  - {{id: dev, kind: iam_user}}
  - {{id: admin, kind: role}}
  - {{id: data, kind: bucket, crown_jewel: true, loss: {{confidentiality: {{low: 1e6, high: 1e7}}}}}}
edges:
  - {{from: phishing, to: dev, kind: phishes, p: 0.3}}
  - {{from: dev, to: admin, kind: assumes, p: 0.9}}
  - {{from: admin, to: data, kind: reads, p: 0.9}}
controls:
  - {{id: siem, detects: {{T1078.004: 0.3, T1530: 0.2}}, implements: [M1047], scope: ['*']}}
actors: [{{id: crime, frequency: 2, entry: [phishing]}}]
",
        s(&bundle())
    );
    std::fs::write(dir.join("model.yaml"), model).unwrap();
    json(&["gaps", s(&dir), "--format", "json", "--trials", "4000", "--years", "4000", "--decision-trials", "2048"])
}

fn technique<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["techniques"].as_array().unwrap().iter().find(|t| t["technique"] == id).unwrap_or_else(|| panic!("{id}"))
}

fn coverage_of(t: &Value, mitigation: &str) -> Option<String> {
    let m = t["mitigations"].as_array().unwrap().iter().find(|m| m["id"] == mitigation)?;
    Some(m["coverage"].as_str().unwrap().to_string())
}

#[test]
fn gaps_respect_the_estate_s_platforms_and_what_a_control_lists() {
    let doc = aws_gaps("");
    assert_eq!(doc["platforms"]["names"], serde_json::json!(["IaaS"]));
    assert_eq!(doc["platforms"]["source"], "node_kinds");
    // ATT&CK links Active Directory Configuration to Cloud Accounts; an AWS-only estate has no AD.
    let assume = technique(&doc, "T1078.004");
    assert_eq!(coverage_of(assume, "M1015"), None, "{assume}");
    assert!(assume["not_applicable"].as_array().unwrap().iter().any(|m| m == "M1015"));
    assert!(!doc["missing"].as_array().unwrap().iter().any(|m| m["id"] == "M1015"));
    // The SIEM lists T1530, so it audits bucket reads ...
    assert_eq!(coverage_of(technique(&doc, "T1530"), "M1047").as_deref(), Some("covered"));
    // ... but it does not audit phishing, which it neither lists nor covers.
    let phishing = technique(&doc, "T1566");
    assert_eq!(coverage_of(phishing, "M1047").as_deref(), Some("missing"), "{phishing}");

    // Stated platforms win over the node kinds: with Windows, AD configuration is a gap again.
    let doc = aws_gaps(", platforms: [IaaS, Windows]");
    assert_eq!(doc["platforms"]["source"], "settings");
    assert_eq!(coverage_of(technique(&doc, "T1078.004"), "M1015").as_deref(), Some("missing"));
}
