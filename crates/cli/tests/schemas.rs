//! The published JSON Schemas in `schemas/` against the real outputs on the bundled examples: every
//! object in a schema is closed, so a field added to an output without its schema fails here.

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
        } else if [".yaml", ".yml", ".json"].iter().any(|ext| name.ends_with(ext)) {
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
        let doc = yaml(&std::fs::read_to_string(&file).unwrap());
        let found = errors("model.schema.json", &doc);
        assert!(found.is_empty(), "{}: {found:#?}", file.display());
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
