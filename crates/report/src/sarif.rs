//! SARIF 2.1.0 findings for CI and code-scanning views: endemic classes (`RP-CLASS-…`) and choke
//! points (`RP-CHOKEPOINT`) as results located at the edges and nodes in the model files, with the
//! level set by the share of the ALE they carry.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use serde::Serialize;

use serde_json::{Value, json};

use riskpath_decide::chokepoints::ChokePoint;
use riskpath_decide::classes::{ClassKind, EndemicClass};
use riskpath_model::{Loc, Model};

use crate::style::{count, money, percent};

/// The base id artifact URIs are relative to: the model directory.
pub const MODEL_DIR: &str = "MODELDIR";
/// Most related locations listed per result.
const MAX_RELATED: usize = 100;

// The SARIF 2.1.0 objects riskpath writes. Fields are declared in the order of their JSON names
// (byte order), so a log's bytes are those of the same document built as a sorted JSON map.
// Property bags are free-form by the standard and stay JSON values.

/// A SARIF log of runs.
#[derive(Debug, Clone, Serialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub runs: Vec<Run>,
    pub version: &'static str,
}

/// One run: the tool, where file URIs are relative to, the results and the run's properties.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    #[serde(rename = "columnKind")]
    pub column_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invocations: Option<Vec<Invocation>>,
    #[serde(rename = "originalUriBaseIds")]
    pub original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
    pub results: Vec<Finding>,
    pub tool: Tool,
}

/// How a run went: riskpath records its end time.
#[derive(Debug, Clone, Serialize)]
pub struct Invocation {
    #[serde(rename = "endTimeUtc")]
    pub end_time_utc: String,
    #[serde(rename = "executionSuccessful")]
    pub execution_successful: bool,
}

/// An `originalUriBaseIds` entry: an absolute URI, or one relative to another base.
#[derive(Debug, Clone, Serialize)]
pub struct BaseUri {
    pub description: Message,
    pub uri: String,
    #[serde(rename = "uriBaseId", skip_serializing_if = "Option::is_none")]
    pub uri_base_id: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub driver: Driver,
}

/// The tool component: riskpath, its version and the rules of the run.
#[derive(Debug, Clone, Serialize)]
pub struct Driver {
    pub name: &'static str,
    pub rules: Vec<ReportingDescriptor>,
    #[serde(rename = "semanticVersion")]
    pub semantic_version: &'static str,
    pub version: &'static str,
}

/// A rule.
#[derive(Debug, Clone, Serialize)]
pub struct ReportingDescriptor {
    #[serde(rename = "defaultConfiguration")]
    pub default_configuration: Configuration,
    #[serde(rename = "fullDescription")]
    pub full_description: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<Message>,
    pub id: &'static str,
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
    #[serde(rename = "shortDescription")]
    pub short_description: Message,
}

#[derive(Debug, Clone, Serialize)]
pub struct Configuration {
    pub level: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub text: String,
}

impl Message {
    pub fn new(text: impl Into<String>) -> Self {
        Message { text: text.into() }
    }
}

/// A result (SARIF's `result` object).
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub level: &'static str,
    pub locations: Vec<Location>,
    pub message: Message,
    #[serde(rename = "partialFingerprints")]
    pub partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
    #[serde(rename = "relatedLocations", skip_serializing_if = "Vec::is_empty")]
    pub related_locations: Vec<Location>,
    #[serde(rename = "ruleId")]
    pub rule_id: &'static str,
    #[serde(rename = "ruleIndex", skip_serializing_if = "Option::is_none")]
    pub rule_index: Option<usize>,
}

impl Finding {
    /// A result of rule `rule_id` at `locations` (a result riskpath writes has one).
    pub fn new(rule_id: &'static str, level: &'static str, text: String, locations: Vec<Location>) -> Self {
        Finding {
            level,
            locations,
            message: Message::new(text),
            partial_fingerprints: BTreeMap::new(),
            properties: None,
            related_locations: Vec::new(),
            rule_id,
            rule_index: None,
        }
    }

    /// The same result with a partial fingerprint.
    pub fn fingerprint(mut self, key: &'static str, value: String) -> Self {
        self.partial_fingerprints.insert(key, value);
        self
    }
}

/// A location: a place in a file, with an id and a message when it is a related one.
#[derive(Debug, Clone, Serialize)]
pub struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    #[serde(rename = "physicalLocation")]
    pub physical_location: PhysicalLocation,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhysicalLocation {
    #[serde(rename = "artifactLocation")]
    pub artifact_location: ArtifactLocation,
    pub region: Region,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArtifactLocation {
    pub uri: String,
    #[serde(rename = "uriBaseId")]
    pub uri_base_id: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Region {
    #[serde(rename = "startColumn")]
    pub start_column: usize,
    #[serde(rename = "startLine")]
    pub start_line: usize,
}

impl ReportingDescriptor {
    /// A rule with its descriptions and default level; `help` repeats the full description
    /// where the caller gives one.
    pub fn new(id: &'static str, name: &'static str, short: &str, full: String, level: &'static str) -> Self {
        ReportingDescriptor {
            default_configuration: Configuration { level },
            full_description: Message::new(full),
            help: None,
            id,
            name,
            properties: None,
            short_description: Message::new(short),
        }
    }

    /// The rule as riskpath's findings rules are shown: help text and the security tags.
    pub fn tagged(mut self) -> Self {
        self.help = Some(self.full_description.clone());
        self.properties = Some(json!({"tags": ["security", "attack-path", "risk"]}));
        self
    }
}

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
pub fn base_uri(model_dir: &Path) -> BaseUri {
    let joined = encoded_components(model_dir);
    let description = Message::new("The model directory");
    if model_dir.is_absolute() {
        let uri = format!("file:///{joined}/").replace("file:////", "file:///");
        BaseUri { description, uri, uri_base_id: None }
    } else if joined.is_empty() {
        BaseUri { description, uri: "./".into(), uri_base_id: Some("%SRCROOT%") }
    } else {
        BaseUri { description, uri: format!("{joined}/"), uri_base_id: Some("%SRCROOT%") }
    }
}

/// A location in a model file: `file` as loaded, made relative to the model directory
/// (`uriBaseId` [`MODEL_DIR`]), with an optional message.
pub fn file_location(file: &Path, model_dir: &Path, line: usize, column: usize, message: Option<String>) -> Location {
    Location {
        id: None,
        message: message.map(Message::new),
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation { uri: relative_uri(file, model_dir), uri_base_id: MODEL_DIR },
            region: Region { start_column: column, start_line: line },
        },
    }
}

/// [`file_location`] of a place in a loaded model file.
pub fn location(model: &Model, model_dir: &Path, loc: Loc, message: Option<String>) -> Location {
    let (line, column) = model.sources.line_col(loc);
    file_location(&model.sources.get(loc.file).path, model_dir, line, column, message)
}

/// The tool: riskpath, its version and `rules`.
pub fn driver(rules: Vec<ReportingDescriptor>) -> Tool {
    let version = env!("CARGO_PKG_VERSION");
    Tool { driver: Driver { name: "riskpath", rules, semantic_version: version, version } }
}

/// A SARIF 2.1.0 log of one run (with the model directory as [`MODEL_DIR`]) from its parts and
/// the run's property bag.
pub fn log(tool: Tool, results: Vec<Finding>, model_dir: &Path, properties: Value) -> Log {
    let run = Run {
        column_kind: "unicodeCodePoints",
        invocations: None,
        original_uri_base_ids: BTreeMap::from([(MODEL_DIR, base_uri(model_dir))]),
        properties: Some(properties),
        results,
        tool,
    };
    Log { schema: "https://json.schemastore.org/sarif-2.1.0.json", runs: vec![run], version: "2.1.0" }
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
) -> Log {
    let cur = model.settings.currency.as_str();
    let labels = riskpath_model::Labels::new(model);
    let rules: Vec<ReportingDescriptor> = RULES
        .iter()
        .map(|r| ReportingDescriptor::new(r.id, r.name, r.short, r.full.into(), "warning").tagged())
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
        let mut steps = c.edges.iter().take(1 + MAX_RELATED).map(|&e| {
            let me = &model.edges[e];
            let what = format!(
                "attack step {} → {} ({})",
                labels.get(&me.from.value),
                labels.get(&me.to.value),
                me.kind.value
            );
            location(model, model_dir, me.loc, Some(what))
        });
        let Some(first) = steps.next() else { continue };
        let mut result = Finding::new(RULES[rule].id, level(c.share), text, vec![first])
            .fingerprint("riskpathFinding/v1", format!("class/{what}/{}", c.key));
        result.rule_index = Some(rule);
        result.properties = Some(json!({
            "key": c.key,
            "name": c.name,
            "edges": c.edge_count,
            "ale_reduction": c.ale_reduction,
            "share": c.share
        }));
        result.related_locations = steps.enumerate().map(|(i, l)| Location { id: Some(i + 1), ..l }).collect();
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
        let mut result = Finding::new(RULES[3].id, level(share), text, vec![location(model, model_dir, loc, None)])
            .fingerprint("riskpathFinding/v1", format!("chokepoint/{}/{}", p.kind, p.id));
        result.rule_index = Some(3);
        result.properties = Some(json!({
            "kind": p.kind,
            "id": p.id,
            "dominated_share": p.dominated_share,
            "risk_share": p.risk_share,
            "breaches_stopped": p.breaches_stopped,
            "ale_reduction": p.ale_reduction
        }));
        results.push(result);
    }
    log(driver(rules), results, model_dir, json!({"currency": cur, "ale": ale, "seed": seed, "trials": trials}))
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
        assert_eq!(base_uri(Path::new("examples/acme")).uri, "examples/acme/");
        assert_eq!(base_uri(Path::new("/srv/model")).uri, "file:///srv/model/");
        assert_eq!(base_uri(Path::new("")).uri, "./");
    }

    /// Every field set: the typed log's bytes equal those of the same log as a sorted JSON map, so
    /// a field declared out of order (or a renamed one) fails here.
    #[test]
    fn the_typed_log_is_written_in_sorted_key_order() {
        let rule = ReportingDescriptor::new("R", "Rule", "short", "full".into(), "warning").tagged();
        let mut result = Finding::new(
            "R",
            "note",
            "text".into(),
            vec![file_location(Path::new("m/a.yaml"), Path::new("m"), 2, 3, Some("at".into()))],
        )
        .fingerprint("b", "2".into())
        .fingerprint("a", "1".into());
        result.rule_index = Some(0);
        result.properties = Some(json!({"z": 1, "a": [1, 2]}));
        result.related_locations =
            vec![Location { id: Some(1), ..file_location(Path::new("m/b.yaml"), Path::new("m"), 1, 1, None) }];
        let mut log = log(driver(vec![rule]), vec![result], Path::new("m"), json!({"k": "v"}));
        log.runs[0].invocations =
            Some(vec![Invocation { end_time_utc: "2026-12-05T00:00:00Z".into(), execution_successful: true }]);
        let typed = serde_json::to_string_pretty(&log).unwrap();
        let sorted = serde_json::to_string_pretty(&serde_json::to_value(&log).unwrap()).unwrap();
        assert_eq!(typed, sorted);
        assert!(validate(&serde_json::to_value(&log).unwrap()).is_empty());
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
