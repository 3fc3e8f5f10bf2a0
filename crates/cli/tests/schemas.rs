//! The published JSON Schemas in `schemas/` against the real outputs on the bundled examples: every
//! object in a schema is closed, so a field added to an output without its schema fails here.

mod common;

use common::copy_dir;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const FAST: [&str; 6] = ["--trials", "4000", "--seed", "7", "--decision-trials", "256"];

fn schema(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{ROOT}/schemas/{name}")).expect("schema file");
    serde_json::from_str(&text).expect("schema is JSON")
}

/// The errors of `doc` against the schema `name`, each with where it is.
fn errors(name: &str, doc: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(&schema(name)).expect("schema compiles");
    validator.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path())).collect()
}

/// The JSON `riskpath args` writes on stdout (exit 0).
fn output(args: &[&str]) -> Value {
    let out = Command::new(BIN).args(args).env("NO_COLOR", "1").output().expect("run riskpath");
    assert_eq!(out.status.code(), Some(0), "riskpath {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("riskpath {args:?}: not JSON ({e})"))
}

/// Where in `schema` an object schema lists properties without closing them.
fn open_objects(schema: &Value, at: &str, found: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && map.get("additionalProperties") != Some(&Value::Bool(false)) {
                found.push(at.to_string());
            }
            map.iter().for_each(|(k, v)| open_objects(v, &format!("{at}/{k}"), found));
        }
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| open_objects(v, &format!("{at}/{i}"), found)),
        _ => {}
    }
}

#[test]
fn every_published_schema_is_closed() {
    for entry in std::fs::read_dir(format!("{ROOT}/schemas")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !name.ends_with(".schema.json") {
            continue;
        }
        let mut open = Vec::new();
        open_objects(&schema(&name), "#", &mut open);
        assert!(open.is_empty(), "{name}: objects without additionalProperties: false at {open:?}");
    }
}

#[test]
fn analyze_json_matches_its_schema_on_every_example() {
    for example in ["acme", "ad", "aws"] {
        let dir = format!("{ROOT}/examples/{example}");
        let doc = output(&[&["analyze", &dir, "--format", "json", "-k", "2"], &FAST[..]].concat());
        let found = errors("analysis.v1.schema.json", &doc);
        assert!(found.is_empty(), "examples/{example}: {found:#?}");
    }
}

#[test]
fn the_analysis_schema_refuses_an_undeclared_field_and_a_wrong_version() {
    let dir = format!("{ROOT}/examples/acme");
    let mut doc = output(&[&["analyze", &dir, "--format", "json", "-k", "1"], &FAST[..]].concat());
    assert!(errors("analysis.v1.schema.json", &doc).is_empty());
    doc["paths"][0]["new_field"] = json!(1);
    assert_eq!(errors("analysis.v1.schema.json", &doc).len(), 1, "an undeclared path field is refused");
    doc["paths"][0].as_object_mut().unwrap().remove("new_field");
    for place in ["/accepted_risks/0", "/accepted_risks/0/scenarios/0"] {
        doc.pointer_mut(place).unwrap()["new_field"] = json!(1);
        assert_eq!(errors("analysis.v1.schema.json", &doc).len(), 1, "an undeclared field at {place} is refused");
        doc.pointer_mut(place).unwrap().as_object_mut().unwrap().remove("new_field");
    }
    doc["schema_version"] = json!(2);
    assert_eq!(errors("analysis.v1.schema.json", &doc).len(), 1, "another schema version is refused");
}

/// Every model file under `dir` (as the loader finds them: hidden folders and `evidence/` skipped).
fn model_files(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if !name.starts_with('.') && name != "evidence" {
                model_files(&path, found);
            }
        } else if [".yaml", ".yml", ".json", ".jsonl"].iter().any(|ext| name.ends_with(ext)) {
            found.push(path);
        }
    }
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).expect("YAML")
}

#[test]
fn every_example_model_file_matches_the_model_schema() {
    let mut files = Vec::new();
    for example in ["acme", "ad", "aws"] {
        model_files(&std::path::Path::new(ROOT).join("examples").join(example), &mut files);
    }
    assert!(files.len() >= 20, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        if file.extension().is_some_and(|x| x == "jsonl") {
            for line in text.lines() {
                let found = line_errors(line);
                assert!(found.is_empty(), "{}: {line}: {found:#?}", file.display());
            }
            continue;
        }
        let found = errors("model.schema.json", &yaml(&text));
        assert!(found.is_empty(), "{}: {found:#?}", file.display());
    }
}

/// The errors of one JSON Lines line against `model.schema.json#/definitions/line`.
fn line_errors(line: &str) -> Vec<String> {
    let mut model = schema("model.schema.json");
    // In draft-07 a `$ref` replaces its siblings: the root then validates one line.
    model["$ref"] = json!("#/definitions/line");
    let validator = jsonschema::validator_for(&model).expect("schema compiles");
    let doc: Value = serde_json::from_str(line).expect("a JSON line");
    validator.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path())).collect()
}

/// Every line `riskpath gen` writes matches the line schema, which refuses what the loader refuses.
#[test]
fn json_lines_match_the_line_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let out = Command::new(BIN).args(["gen", "--edges", "400", "-o", dir.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success());
    let mut lines = 0;
    for name in ["model.jsonl", "edges-000.jsonl"] {
        for line in std::fs::read_to_string(dir.join(name)).unwrap().lines() {
            let found = line_errors(line);
            assert!(found.is_empty(), "{line}: {found:#?}");
            lines += 1;
        }
    }
    assert!(lines > 400, "{lines}");
    for bad in [
        r#"{"edges": {"from": "a", "to": "b", "kind": "ssh"}}"#,
        r#"{"edge": {"from": "a", "to": "b", "kind": "ssh"}, "node": {"id": "c", "kind": "host"}}"#,
        r#"{"edge": {"from": "a", "to": "b", "kind": "ssh", "p": 1.5}}"#,
        r#"{"node": {"id": "c", "kind": "host", "zoen": "dmz"}}"#,
        r#"{}"#,
    ] {
        assert!(!line_errors(bad).is_empty(), "accepted: {bad}");
    }
}

#[test]
fn the_model_schema_refuses_what_the_loader_refuses() {
    let good = "nodes: [{id: web, kind: service, loss: {confidentiality: {low: 1e5, high: 2e6}}}]\n\
                edges: [{from: internet, to: web, kind: exploits, p: 0.3, fix_cost: {days: 2}}]";
    assert!(errors("model.schema.json", &yaml(good)).is_empty());
    for bad in [
        "nodes: [{id: web, kind: service, zoen: dmz}]",
        "edges: [{from: internet, to: web, kind: exploits, p: 1.5}]",
        "edges: [{from: internet, to: web, kind: exploits, p: 0.3, vulnerabilities: [{id: CVE-2024-0001}]}]",
        "edges: [{from: internet, to: web, kind: exploits, fix_cost: {hours: 2}}]",
        "nodes: [{id: db, kind: datastore, loss: {privacy: 1e6}}]",
        "settings: {currency: usd}",
        "actors: [{id: crime, frequency: 2, entry: internet, skill: elite}]",
        "node: []",
    ] {
        assert!(!errors("model.schema.json", &yaml(bad)).is_empty(), "accepted: {bad}");
    }
}

fn sorted(mut keys: Vec<&str>) -> Vec<&str> {
    keys.sort_unstable();
    keys
}

/// The JSON pointers of the objects of `schema` that list properties.
fn objects_with_properties(schema: &Value, at: &str, found: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") {
                found.push(at.to_string());
            }
            map.iter().for_each(|(k, v)| objects_with_properties(v, &format!("{at}/{k}"), found));
        }
        Value::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| objects_with_properties(v, &format!("{at}/{i}"), found))
        }
        _ => {}
    }
}

#[test]
fn the_model_schema_lists_exactly_the_keys_the_loader_accepts() {
    let model = schema("model.schema.json");
    for (at, accepted) in riskpath_model::keys::ALL {
        let misplaced = riskpath_model::keys::MISPLACED.iter().filter(|(place, _)| place == at).map(|(_, key)| *key);
        let accepted: Vec<&str> = accepted.iter().copied().filter(|k| !misplaced.clone().any(|m| m == *k)).collect();
        let listed = model.pointer(&format!("{at}/properties")).and_then(Value::as_object);
        let listed = listed.unwrap_or_else(|| panic!("model.schema.json has no object at `{at}`"));
        assert_eq!(
            sorted(listed.keys().map(String::as_str).collect()),
            sorted(accepted),
            "model.schema.json `{at}` against the loader's keys (crates/model/src/keys.rs)"
        );
    }
    let mut objects = Vec::new();
    objects_with_properties(&model, "", &mut objects);
    let tied: Vec<&str> = riskpath_model::keys::ALL.iter().map(|(at, _)| *at).collect();
    let untied: Vec<&String> = objects.iter().filter(|at| !tied.contains(&at.as_str())).collect();
    assert!(untied.is_empty(), "model.schema.json objects no loader key list governs: {untied:?}");
}

/// `<stem>.v<N>.schema.json` → N: an output's schema is versioned like the output.
fn version_in_name(name: &str) -> u64 {
    let stem = name.strip_suffix(".schema.json").expect("a schema file name");
    let (_, v) = stem.rsplit_once(".v").unwrap_or_else(|| panic!("{name}: no version in the name"));
    v.parse().unwrap_or_else(|_| panic!("{name}: version `{v}` is not a number"))
}

/// The JSON pointer of every object in `doc`, one per place in its shape (array indices and keys
/// of the same place counted once by the first object found there).
fn object_places(doc: &Value, at: &str, shape: &str, seen: &mut Vec<String>, found: &mut Vec<String>) {
    match doc {
        Value::Object(map) => {
            if !seen.contains(&shape.to_string()) {
                seen.push(shape.to_string());
                found.push(at.to_string());
            }
            for (k, v) in map {
                let key = k.replace('~', "~0").replace('/', "~1");
                object_places(v, &format!("{at}/{key}"), &format!("{shape}/{key}"), seen, found);
            }
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| object_places(v, &format!("{at}/{i}"), &format!("{shape}/*"), seen, found)),
        _ => {}
    }
}

/// `doc` (what `what` wrote) matches the schema `name`, carries the version the name says, and is
/// refused with an undeclared field added to any of its objects (one per place in its shape).
fn conforms(name: &str, what: &str, doc: &Value) {
    let validator = jsonschema::validator_for(&schema(name)).expect("schema compiles");
    let found: Vec<String> = validator.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(found.is_empty(), "{what} against {name}: {found:#?}");
    assert_eq!(doc["schema_version"].as_u64(), Some(version_in_name(name)), "{what}: schema_version");
    let (mut seen, mut places) = (Vec::new(), Vec::new());
    object_places(doc, "", "", &mut seen, &mut places);
    for place in places {
        let mut changed = doc.clone();
        let object = changed.pointer_mut(&place).and_then(Value::as_object_mut).expect("an object");
        object.insert("undeclared_field".into(), json!({"undeclared_field": true}));
        assert!(!validator.is_valid(&changed), "{what}: {name} accepts an undeclared field at `{place}`");
    }
}

/// Runs `args` and checks its JSON against the schema `name` (see `conforms`).
fn check(name: &str, args: &[&str]) -> Value {
    let doc = output(args);
    conforms(name, &format!("riskpath {}", args.join(" ")), &doc);
    doc
}

fn example(name: &str) -> String {
    format!("{ROOT}/examples/{name}")
}

/// `args` followed by the fast simulation settings.
fn fast<'a>(args: &[&'a str]) -> Vec<&'a str> {
    [args, &FAST[..]].concat()
}

/// A copy of examples/acme with the example Trivy scans imported (vulnerabilities on its edges),
/// and the import's JSON summary.
fn scanned_acme(tmp: &Path) -> (String, Value) {
    let dir = tmp.join("acme");
    copy_dir(Path::new(&example("acme")), &dir);
    let scans = format!("{ROOT}/examples/scans/acme");
    let mut args = vec!["import".to_string(), "trivy".into(), "--format".into(), "json".into()];
    for entry in std::fs::read_dir(&scans).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".trivy.json") {
            args.push(path.to_string_lossy().into_owned());
        }
    }
    args.extend(["--map".into(), format!("{scans}/map.yaml"), "--model".into(), dir.to_string_lossy().into_owned()]);
    let summary = output(&args.iter().map(String::as_str).collect::<Vec<_>>());
    (dir.to_string_lossy().into_owned(), summary)
}

/// Two routes an actor walks in nearly every attempt (P ≥ 0.99): the saturation view, with one
/// initiative to plan.
const SATURATED: &str = concat!(
    include_str!("../../../data/test/saturated.yaml"),
    "controls: [{id: waf, uses: catalog/waf, scope: [web, app], status: planned}]
initiatives: [{id: deploy-waf, deploys: [waf], cost: {once: 500, yearly: 100}, duration: 1q}]
"
);

fn saturated(tmp: &Path) -> String {
    let dir = tmp.join("saturated");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("model.yaml"), SATURATED).unwrap();
    dir.to_string_lossy().into_owned()
}

fn bundle() -> String {
    format!("{ROOT}/data/attack/enterprise-attack-v18.1-core.json.zst")
}

#[test]
fn chokepoints_json_matches_its_schema() {
    for name in ["acme", "ad", "aws"] {
        check("chokepoints.v1.schema.json", &fast(&["chokepoints", &example(name), "--format", "json", "--top", "5"]));
    }
    let tmp = tempfile::tempdir().unwrap();
    let (scanned, _) = scanned_acme(tmp.path());
    let doc = check("chokepoints.v1.schema.json", &fast(&["chokepoints", &scanned, "--format", "json"]));
    assert!(doc["vulnerabilities"].is_object(), "the scanned copy ranks its CVEs");
    let doc = check("chokepoints.v1.schema.json", &fast(&["chokepoints", &saturated(tmp.path()), "--format", "json"]));
    assert!(doc["saturation"].is_object() && doc["one_foothold_ale"].is_number(), "{doc}");
}

#[test]
fn plan_json_matches_its_schema() {
    for name in ["acme", "ad"] {
        for exact in ["0", "20000"] {
            let args = ["plan", &example(name), "--format", "json", "--budget", "400000", "--exact-nodes", exact];
            check("plan.v1.schema.json", &fast(&args));
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let args = ["plan", &saturated(tmp.path()), "--format", "json", "--budget", "1000"];
    let doc = check("plan.v1.schema.json", &fast(&args));
    assert!(doc["saturation"].is_object(), "{doc}");
}

#[test]
fn gaps_json_matches_its_schema() {
    for name in ["acme", "ad", "aws"] {
        check("gaps.v1.schema.json", &fast(&["gaps", &example(name), "--format", "json"]));
    }
    let tmp = tempfile::tempdir().unwrap();
    let (scanned, _) = scanned_acme(tmp.path());
    let doc = check("gaps.v1.schema.json", &fast(&["gaps", &scanned, "--format", "json", "--attack", &bundle()]));
    assert!(doc["vulnerabilities"].is_object(), "the scanned copy ranks its CVEs");
}

#[test]
fn incident_json_matches_its_schema_with_and_without_a_containment() {
    let acme = example("acme");
    // A crown jewel already lost (nothing to contain) and a foothold with jewels within reach.
    for compromised in ["files-bucket", "laptops-eng"] {
        check(
            "incident.v1.schema.json",
            &["incident", &acme, "--compromised", compromised, "--format", "json", "--trials", "4000"],
        );
    }
}

#[test]
fn verify_and_history_json_match_their_schemas() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["acme", "ad"] {
        let db = tmp.path().join(format!("{name}.db"));
        let db = db.to_str().unwrap();
        let args =
            ["verify", &example(name), "--format", "json", "--db", db, "--trials", "2000", "--fail-on", "regression"];
        check("verify.v1.schema.json", &args);
        check("verify.v1.schema.json", &args);
        check("history.v1.schema.json", &["history", &example(name), "--format", "json", "--db", db]);
    }
}

#[test]
fn explain_json_matches_its_schema() {
    check(
        "explain.v1.schema.json",
        &["explain", "edge", &example("acme"), "internet", "web-frontend", "--format", "json"],
    );
    let tmp = tempfile::tempdir().unwrap();
    let (scanned, _) = scanned_acme(tmp.path());
    let doc =
        check("explain.v1.schema.json", &["explain", "edge", &scanned, "internet", "public-api", "--format", "json"]);
    let edges = doc["edges"].as_array().unwrap();
    assert!(edges.iter().any(|e| e["vulnerabilities"].is_array()), "{doc}");
}

#[test]
fn kb_json_matches_its_schemas() {
    check("kb.v1.schema.json", &["kb", "list", "--format", "json"]);
    check("kb-catalog.v1.schema.json", &["kb", "catalog", "--format", "json"]);
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("attack.json");
    let args = ["kb", "import-attack", &bundle(), "-o", cache.to_str().unwrap(), "--format", "json"];
    check("kb-import-attack.v1.schema.json", &args);
    for group in ["G0016", "G0099"] {
        check(
            "kb-group.v1.schema.json",
            &["kb", "group", group, &example("acme"), "--attack", &bundle(), "--format", "json"],
        );
    }
}

#[test]
fn import_summaries_match_their_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, summary) = scanned_acme(tmp.path());
    conforms("import-scan.v1.schema.json", "import trivy (examples/scans/acme)", &summary);
    let grype = format!("{ROOT}/crates/import/tests/fixtures/scan/grype");
    for report in ["presenter-image.json", "keycloak-test.json"] {
        let out = tmp.path().join(report);
        let args = ["import", "grype", &format!("{grype}/{report}"), "-o", out.to_str().unwrap(), "--format", "json"];
        check("import-scan.v1.schema.json", &args);
    }
}

#[test]
fn diff_json_matches_its_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let (scanned, _) = scanned_acme(tmp.path());
    let acme = example("acme");
    for (base, head) in [(&acme, &acme), (&acme, &scanned), (&scanned, &acme)] {
        let args = ["diff", base, head, "--format", "json", "--trials", "4000", "--years", "4000", "--seed", "7"];
        check("diff.v1.schema.json", &args);
    }
    // With a verify history: control states between the sides' newest runs.
    let db = tmp.path().join("history.db");
    let db = db.to_str().unwrap();
    for side in [&acme, &scanned] {
        output(&["verify", side, "--format", "json", "--db", db, "--trials", "2000", "--fail-on", "regression"]);
    }
    let args = ["diff", &acme, &scanned, "--format", "json", "--db", db, "--trials", "4000", "--years", "4000"];
    let doc = check("diff.v1.schema.json", &args);
    assert!(doc["control_states"]["head_run"].is_array(), "{doc}");
}
