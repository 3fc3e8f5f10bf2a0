//! SARIF 2.1.0 findings for CI and code-scanning views: endemic classes (`RP-CLASS-…`) and choke
//! points (`RP-CHOKEPOINT`) as results located at the edges and nodes in the model files, with the
//! level set by the share of the ALE they carry.

use std::path::{Component, Path};

use serde_json::{Value, json};

use riskpath_decide::chokepoints::ChokePoint;
use riskpath_decide::classes::{ClassKind, EndemicClass};
use riskpath_model::{Loc, Model};

use crate::style::{count, money, percent};

/// The base id artifact URIs are relative to: the model directory.
pub const MODEL_DIR: &str = "MODELDIR";
/// Most related locations listed per result.
const MAX_RELATED: usize = 100;

struct Rule {
    id: &'static str,
    name: &'static str,
    short: &'static str,
    full: &'static str,
}

const RULES: [Rule; 4] = [
    Rule {
        id: "RP-CLASS-TECHNIQUE",
        name: "EndemicTechnique",
        short: "An ATT&CK technique carries a large share of the risk across many attack steps",
        full: "Many attack steps of the model use this technique; mitigating it everywhere, as one organisation-wide fix, \
               removes the ALE shown. Levels: error at 20% of the ALE or more, warning at 5%, note below.",
    },
    Rule {
        id: "RP-CLASS-EDGE-KIND",
        name: "EndemicEdgeKind",
        short: "One kind of attack step carries a large share of the risk",
        full: "Steps of this kind (e.g. reading cloud storage with a held role) recur across the estate; fixing the kind \
               of access everywhere removes the ALE shown.",
    },
    Rule {
        id: "RP-CLASS-MISSING-MITIGATION",
        name: "MissingMitigation",
        short: "An ATT&CK mitigation is missing on attack steps that carry risk",
        full: "No counted control implementing this ATT&CK mitigation covers these steps; the ALE shown is what \
               neutralising them would remove.",
    },
    Rule {
        id: "RP-CHOKEPOINT",
        name: "ChokePoint",
        short: "A node or edge that many simulated breaches pass through",
        full: "Every path of the breaches it dominates goes through it: removing or hardening it stops the share of \
               breaches shown, re-simulated with common random numbers.",
    },
];

/// A finding's level by its share of the ALE: error from 20%, warning from 5%, else note.
pub fn level(share: f64) -> &'static str {
    if share >= 0.20 {
        "error"
    } else if share >= 0.05 {
        "warning"
    } else {
        "note"
    }
}

/// A path relative to `base` as a URI reference (`/`-separated, percent-encoded).
pub fn relative_uri(path: &Path, base: &Path) -> String {
    encoded_components(path.strip_prefix(base).unwrap_or(path))
}

/// `path`'s named and `..` components, percent-encoded and `/`-separated (root and `.` dropped).
fn encoded_components(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(encode(&s.to_string_lossy())),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'+' | b'@' | b'=' | b',' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Where the model directory is, for `originalUriBaseIds`: an absolute `file://` URI, or a path
/// relative to the source root (`%SRCROOT%`), always ending in `/`.
pub fn base_uri(model_dir: &Path) -> Value {
    let joined = encoded_components(model_dir);
    if model_dir.is_absolute() {
        json!({"uri": format!("file:///{joined}/").replace("file:////", "file:///"), "description": {"text": "The model directory"}})
    } else if joined.is_empty() {
        json!({"uri": "./", "uriBaseId": "%SRCROOT%", "description": {"text": "The model directory"}})
    } else {
        json!({"uri": format!("{joined}/"), "uriBaseId": "%SRCROOT%", "description": {"text": "The model directory"}})
    }
}

/// A location in a model file: `file` as loaded, made relative to the model directory
/// (`uriBaseId` [`MODEL_DIR`]), with an optional message.
pub fn file_location(file: &Path, model_dir: &Path, line: usize, column: usize, message: Option<String>) -> Value {
    let mut l = json!({
        "physicalLocation": {
            "artifactLocation": {"uri": relative_uri(file, model_dir), "uriBaseId": MODEL_DIR},
            "region": {"startLine": line, "startColumn": column}
        }
    });
    if let Some(m) = message {
        l["message"] = json!({"text": m});
    }
    l
}

/// [`file_location`] of a place in a loaded model file.
pub fn location(model: &Model, model_dir: &Path, loc: Loc, message: Option<String>) -> Value {
    let (line, column) = model.sources.line_col(loc);
    file_location(&model.sources.get(loc.file).path, model_dir, line, column, message)
}

/// The tool's driver: riskpath, its version and `rules`.
pub fn driver(rules: Vec<Value>) -> Value {
    json!({"driver": {
        "name": "riskpath",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules
    }})
}

/// A SARIF 2.1.0 log of one run (with the model directory as [`MODEL_DIR`]) from its parts.
pub fn log(tool: Value, results: Vec<Value>, model_dir: &Path, mut extra: Value) -> Value {
    let mut run = json!({
        "tool": tool,
        "originalUriBaseIds": {MODEL_DIR: base_uri(model_dir)},
        "results": results,
        "columnKind": "unicodeCodePoints",
    });
    if let (Some(run), Some(extra)) = (run.as_object_mut(), extra.as_object_mut()) {
        run.append(extra);
    }
    json!({"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [run]})
}

/// The SARIF log. `model_dir` is the directory the model was loaded from (file paths are made
/// relative to it); `ale` the baseline the shares are of.
#[allow(clippy::too_many_arguments)]
pub fn sarif(
    model: &Model,
    model_dir: &Path,
    classes: &[EndemicClass],
    choke_points: &[ChokePoint],
    ale: f64,
    seed: u64,
    trials: u64,
) -> Value {
    let cur = model.settings.currency.as_str();
    let labels = riskpath_model::Labels::new(model);
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.short},
                "fullDescription": {"text": r.full},
                "defaultConfiguration": {"level": "warning"},
                "help": {"text": r.full},
                "properties": {"tags": ["security", "attack-path", "risk"]}
            })
        })
        .collect();
    let mut results = Vec::new();
    for c in classes.iter().filter(|c| c.ale_reduction > 0.0 && !c.edges.is_empty()) {
        let (rule, what) = match c.kind {
            ClassKind::Technique => (0, "technique"),
            ClassKind::EdgeKind => (1, "edge kind"),
            ClassKind::MissingMitigation => (2, "missing mitigation"),
        };
        let named = if c.name.is_empty() { format!("`{}`", c.key) } else { format!("`{}` ({})", c.key, c.name) };
        let text = format!(
            "Endemic {what} {named}: {}; neutralising them all removes {}/yr, {} of the ALE.",
            count(c.edge_count, "attack step"),
            money(c.ale_reduction, cur),
            percent(c.share)
        );
        // The first step is the location, the next MAX_RELATED the related ones: only those are
        // located (a class may hold most of a 10^6-edge estate).
        let steps: Vec<Value> = c
            .edges
            .iter()
            .take(1 + MAX_RELATED)
            .map(|&e| {
                let me = &model.edges[e];
                location(
                    model,
                    model_dir,
                    me.loc,
                    Some(format!(
                        "attack step {} → {} ({})",
                        labels.get(&me.from.value),
                        labels.get(&me.to.value),
                        me.kind.value
                    )),
                )
            })
            .collect();
        let mut related: Vec<Value> = steps.iter().skip(1).take(MAX_RELATED).cloned().collect();
        for (i, r) in related.iter_mut().enumerate() {
            r["id"] = json!(i + 1);
        }
        let mut result = json!({
            "ruleId": RULES[rule].id,
            "ruleIndex": rule,
            "level": level(c.share),
            "message": {"text": text},
            "locations": [steps[0].clone()],
            "partialFingerprints": {"riskpathFinding/v1": format!("class/{what}/{}", c.key)},
            "properties": {
                "key": c.key,
                "name": c.name,
                "edges": c.edge_count,
                "ale_reduction": c.ale_reduction,
                "share": c.share
            }
        });
        if !related.is_empty() {
            result["relatedLocations"] = json!(related);
        }
        results.push(result);
    }
    for p in crate::view::stable_order(choke_points).into_iter().filter(|p| p.ale_reduction > 0.0) {
        let loc = match p.kind {
            "node" => model.edge_end(&p.id).map(|end| end.loc()),
            _ => model.edges.iter().find(|e| e.label() == p.id).map(|e| e.loc),
        };
        let Some(loc) = loc else { continue };
        let share = if ale > 0.0 { p.ale_reduction / ale } else { 0.0 };
        let text = format!(
            "Choke point {} `{}`: it dominates {} of simulated breaches; removing it stops {} of them and cuts the ALE by {}/yr ({}).",
            p.kind,
            p.name.as_deref().unwrap_or(&p.id),
            percent(p.dominated_share),
            percent(p.breaches_stopped),
            money(p.ale_reduction, cur),
            percent(share)
        );
        results.push(json!({
            "ruleId": RULES[3].id,
            "ruleIndex": 3,
            "level": level(share),
            "message": {"text": text},
            "locations": [location(model, model_dir, loc, None)],
            "partialFingerprints": {"riskpathFinding/v1": format!("chokepoint/{}/{}", p.kind, p.id)},
            "properties": {
                "kind": p.kind,
                "id": p.id,
                "dominated_share": p.dominated_share,
                "risk_share": p.risk_share,
                "breaches_stopped": p.breaches_stopped,
                "ale_reduction": p.ale_reduction
            }
        }));
    }
    log(
        driver(rules),
        results,
        model_dir,
        json!({"properties": {"currency": cur, "ale": ale, "seed": seed, "trials": trials}}),
    )
}

/// Checks a SARIF log for the fields SARIF 2.1.0 requires and the ones riskpath promises; returns
/// the problems.
pub fn validate(log: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut need = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    need(log["version"] == "2.1.0", "version must be 2.1.0".into());
    let Some(runs) = log["runs"].as_array() else {
        need(false, "runs must be an array".into());
        return problems;
    };
    for (ri, run) in runs.iter().enumerate() {
        let driver = &run["tool"]["driver"];
        need(driver["name"].is_string(), format!("runs[{ri}].tool.driver.name is required"));
        let rule_ids: Vec<&str> =
            driver["rules"].as_array().map_or(Vec::new(), |r| r.iter().filter_map(|x| x["id"].as_str()).collect());
        for (i, r) in driver["rules"].as_array().into_iter().flatten().enumerate() {
            need(r["id"].is_string(), format!("rule {i}: id is required"));
        }
        let bases = &run["originalUriBaseIds"];
        for (i, res) in run["results"].as_array().into_iter().flatten().enumerate() {
            need(res["message"]["text"].is_string(), format!("result {i}: message.text is required"));
            let rule = res["ruleId"].as_str().unwrap_or("");
            need(rule_ids.contains(&rule), format!("result {i}: ruleId `{rule}` is not a rule of the driver"));
            if let Some(idx) = res["ruleIndex"].as_u64() {
                need(rule_ids.get(idx as usize) == Some(&rule), format!("result {i}: ruleIndex does not match ruleId"));
            }
            need(
                ["none", "note", "warning", "error"].contains(&res["level"].as_str().unwrap_or("")),
                format!("result {i}: level must be none, note, warning or error"),
            );
            let locations = res["locations"].as_array();
            need(locations.is_some_and(|l| !l.is_empty()), format!("result {i}: at least one location"));
            for l in locations.into_iter().flatten().chain(res["relatedLocations"].as_array().into_iter().flatten()) {
                let p = &l["physicalLocation"];
                let art = &p["artifactLocation"];
                need(
                    art["uri"].as_str().is_some_and(|u| !u.is_empty() && !u.starts_with('/')),
                    format!("result {i}: artifactLocation.uri must be a relative reference"),
                );
                if let Some(base) = art["uriBaseId"].as_str() {
                    need(
                        bases.get(base).is_some(),
                        format!("result {i}: uriBaseId {base} is not in originalUriBaseIds"),
                    );
                }
                need(
                    p["region"]["startLine"].as_u64().is_some_and(|l| l >= 1),
                    format!("result {i}: region.startLine ≥ 1"),
                );
                need(
                    p["region"]["startColumn"].as_u64().is_some_and(|c| c >= 1),
                    format!("result {i}: region.startColumn ≥ 1"),
                );
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_to_the_model_directory() {
        assert_eq!(relative_uri(Path::new("examples/acme/cloud.yaml"), Path::new("examples/acme")), "cloud.yaml");
        assert_eq!(relative_uri(Path::new("m/sub dir/a#b.yaml"), Path::new("m")), "sub%20dir/a%23b.yaml");
        assert_eq!(base_uri(Path::new("examples/acme"))["uri"], "examples/acme/");
        assert_eq!(base_uri(Path::new("/srv/model"))["uri"], "file:///srv/model/");
        assert_eq!(base_uri(Path::new(""))["uri"], "./");
    }

    #[test]
    fn validation_names_missing_fields() {
        assert!(!validate(&json!({"version": "2.1.0"})).is_empty());
        let log = json!({"version": "2.1.0", "runs": [{
            "tool": {"driver": {"name": "riskpath", "rules": [{"id": "R"}]}},
            "originalUriBaseIds": {"MODELDIR": {"uri": "file:///m/"}},
            "results": [{"ruleId": "R", "ruleIndex": 0, "level": "warning", "message": {"text": "t"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.yaml", "uriBaseId": "MODELDIR"},
                    "region": {"startLine": 1, "startColumn": 1}}}]}]
        }]});
        assert!(validate(&log).is_empty(), "{:?}", validate(&log));
        let mut bad = log.clone();
        bad["runs"][0]["results"][0]["ruleId"] = json!("X");
        bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = json!(0);
        assert_eq!(validate(&bad).len(), 3, "{:?}", validate(&bad));
    }
}
