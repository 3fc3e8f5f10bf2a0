//! `riskpath chokepoints`: the cut covers only the jewels some actor targets, and none is offered
//! when the ALE is zero (the output says why instead).

use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

/// e0 → a (cost 5) → j and → k (cost 1 each); the actor targets j only.
const MODEL: &str = "entry_points: [{id: e0, kind: internet}]
nodes:
  - {id: a, kind: host}
  - {id: j, kind: datastore, crown_jewel: true, loss: {confidentiality: 1000000}}
  - {id: k, kind: datastore, crown_jewel: true, loss: {confidentiality: 1000000}}
edges:
  - {from: e0, to: a, kind: exploits, p: 0.5, fix_cost: 5}
  - {from: a, to: j, kind: exploits, p: 0.5, fix_cost: 1}
  - {from: a, to: k, kind: exploits, p: 0.5, fix_cost: 1}
actors:
  - {id: x, frequency: FREQ, entry: [e0], skill: medium, targets: [j]}
";

fn chokepoints(frequency: &str, format: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.yaml"), MODEL.replace("FREQ", frequency)).unwrap();
    let out = Command::new(BIN)
        .args(["chokepoints", dir.path().to_str().unwrap(), "--format", format, "--trials", "2000"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_cut_protects_the_targeted_jewel_only() {
    let doc: Value = serde_json::from_str(&chokepoints("1", "json")).unwrap();
    let cut = &doc["min_cut"];
    // Brute force by hand: {a→j} (1) is the cheapest set stopping j; k is no actor's target.
    assert_eq!(cut["cost"], 1.0);
    assert_eq!(cut["method"], "flow");
    let edges: Vec<(&str, &str)> = cut["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].as_str().unwrap(), e["to"].as_str().unwrap()))
        .collect();
    assert_eq!(edges, [("a", "j")]);
    assert!(chokepoints("1", "text").contains("(The cut: the cheapest set of removable edges"));
}

#[test]
fn no_cut_is_offered_when_nothing_is_at_risk() {
    let doc: Value = serde_json::from_str(&chokepoints("0", "json")).unwrap();
    assert_eq!(doc["ale"], 0.0);
    assert!(doc["min_cut"]["edges"].as_array().unwrap().is_empty());
    assert!(chokepoints("0", "text").contains("none needed: no crown jewel an actor targets"));
}

/// Two actors: x enters at e0 and targets j, v enters at e1 and targets k; a→j and b→k are cheap,
/// the entries' edges dear.
const TWO: &str = "entry_points: [{id: e0, kind: internet}, {id: e1, kind: internet}]
nodes:
  - {id: a, kind: host}
  - {id: b, kind: host}
  - {id: j, kind: datastore, crown_jewel: true, loss: {confidentiality: 1000000}}
  - {id: k, kind: datastore, crown_jewel: true, loss: {confidentiality: 1000000}}
edges:
  - {from: e0, to: a, kind: exploits, p: 0.5, fix_cost: 5}
  - {from: e1, to: b, kind: exploits, p: 0.5, fix_cost: 5}
  - {from: a, to: j, kind: exploits, p: 0.5, fix_cost: 1}
  - {from: b, to: k, kind: exploits, p: 0.5, fix_cost: 2}
  - {from: a, to: k, kind: exploits, p: 0.5, fix_cost: 3}
actors:
  - {id: x, frequency: 1, entry: [e0], skill: medium, targets: [j]}
  - {id: v, frequency: 1, entry: [e1], skill: medium, targets: [k]}
";

fn scoped(args: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.yaml"), TWO).unwrap();
    let out = Command::new(BIN)
        .args(["chokepoints", dir.path().to_str().unwrap(), "--trials", "2000"])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn cut_edges(doc: &Value) -> Vec<(String, String)> {
    doc["min_cut"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].as_str().unwrap().to_string(), e["to"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn each_actor_is_cut_from_its_own_targets_and_scope_narrows_it() {
    // By hand: x must lose a→j (1), v must lose b→k (2); a→k matters to nobody (x does not target k).
    let (code, out, err) = scoped(&["--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["min_cut"]["cost"], 3.0);
    assert_eq!(doc["min_cut"]["method"], "integer_program");
    assert_eq!(cut_edges(&doc), [("a".into(), "j".into()), ("b".into(), "k".into())]);
    let (_, out, _) = scoped(&["--format", "json", "--actor", "v"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["scope"]["actor"], "v");
    assert_eq!(doc["min_cut"]["method"], "flow");
    assert_eq!(cut_edges(&doc), [("b".into(), "k".into())]);
    let (_, out, _) = scoped(&["--target", "j"]);
    assert!(out.contains("Cut scope: crown jewel j only."), "{out}");
}

#[test]
fn an_unknown_actor_or_untargeted_jewel_is_a_usage_error() {
    let (code, out, err) = scoped(&["--actor", "z"]);
    assert_eq!(code, Some(2));
    assert!(out.is_empty() && err.contains("--actor z: no actor has this id"), "{err}");
    let (code, _, err) = scoped(&["--actor", "x", "--target", "k"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("actor x does not target this node") && err.contains("`j`"), "{err}");
}
