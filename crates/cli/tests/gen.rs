//! `riskpath gen`: a generated model is valid, analyzes, is reproducible from its seed, is the same
//! model in JSON Lines and in YAML, and the command never overwrites an existing model.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

fn riskpath(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("NO_COLOR", "1").output().expect("run riskpath")
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "riskpath failed ({:?}):\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn generate(dir: &Path, edges: &str, seed: &str) -> Output {
    riskpath(&["gen", "--edges", edges, "--seed", seed, "-o", dir.to_str().unwrap()])
}

#[test]
fn a_generated_2000_edge_model_validates_and_analyzes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    ok(&generate(&dir, "2000", "3"));

    let out = ok(&riskpath(&["validate", dir.to_str().unwrap()]));
    assert!(out.contains("2,000 edges"), "{out}");
    assert!(out.contains("3 entry points"), "{out}");
    assert!(out.contains("1 actor,"), "{out}");

    let out = ok(&riskpath(&[
        "analyze",
        dir.to_str().unwrap(),
        "--format",
        "json",
        "--trials",
        "2000",
        "--years",
        "2000",
        "-k",
        "2",
    ]));
    let doc: serde_json::Value = serde_json::from_str(&out).expect("analyze prints JSON");
    let scenarios = doc["scenarios"].as_array().expect("scenarios");
    assert_eq!(scenarios.len(), 1, "one actor, one crown jewel");
    // The graph is supercritical and the jewel is its busiest node: attacks often reach it.
    let p = scenarios[0]["probability"].as_f64().unwrap();
    assert!(p > 0.05 && p < 1.0, "P(compromise) = {p}");
    assert!(doc["risk"]["ale"].as_f64().unwrap() > 0.0);
}

#[test]
fn the_same_seed_gives_the_same_model_and_existing_files_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));
    ok(&generate(&a, "300", "5"));
    ok(&generate(&b, "300", "5"));
    ok(&generate(&c, "300", "6"));
    let read = |d: &Path| std::fs::read_to_string(d.join("edges-000.jsonl")).unwrap();
    assert_eq!(read(&a), read(&b));
    assert_ne!(read(&a), read(&c));

    let before = std::fs::read_to_string(a.join("model.jsonl")).unwrap();
    let out = generate(&a, "400", "1");
    assert_eq!(out.status.code(), Some(2), "refuses to overwrite");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not overwriting"));
    assert_eq!(std::fs::read_to_string(a.join("model.jsonl")).unwrap(), before);
}

/// More than 100,000 nodes are split over files the loader accepts, and the model loads whole
/// (100,100 nodes: 3 entry points and 100,097 others).
#[test]
fn large_node_counts_are_split_over_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_riskpath"))
        .args([
            "gen",
            "--nodes",
            "100100",
            "--edges",
            "200000",
            "--seed",
            "3",
            "--format",
            "yaml",
            "-o",
            dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.join("nodes-001.yaml").is_file());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_riskpath"))
        .args(["validate", dir.to_str().unwrap(), "--format", "short"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("100,097 nodes, 3 entry points"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The same arguments in JSON Lines and in YAML give the same model: `riskpath diff` between them
/// finds no change, and `analyze` prints the same document (same numbers, same paths, same ids).
#[test]
fn json_lines_and_yaml_give_the_same_model() {
    let tmp = tempfile::tempdir().unwrap();
    let (jsonl, yaml) = (tmp.path().join("jsonl"), tmp.path().join("yaml"));
    ok(&generate(&jsonl, "3000", "4"));
    ok(&riskpath(&["gen", "--edges", "3000", "--seed", "4", "--format", "yaml", "-o", yaml.to_str().unwrap()]));
    assert!(jsonl.join("edges-000.jsonl").is_file() && yaml.join("edges-000.yaml").is_file());
    let diff = ok(&riskpath(&["diff", yaml.to_str().unwrap(), jsonl.to_str().unwrap(), "--format", "json"]));
    let doc: serde_json::Value = serde_json::from_str(&diff).unwrap();
    assert_eq!(doc["diff"]["changes"].as_array().map(Vec::len), Some(0), "{diff}");
    assert_eq!(doc["diff"]["ale"]["value"], 0.0, "{diff}");
    let analyze = |dir: &Path| {
        ok(&riskpath(&["analyze", dir.to_str().unwrap(), "--format", "json", "--trials", "1000", "--years", "1000"]))
    };
    assert_eq!(analyze(&jsonl), analyze(&yaml));
}
