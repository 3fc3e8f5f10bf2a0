//! An ATT&CK Navigator layer (layer format 4.5) for the detection team: every technique the attack
//! graph uses, scored by its risk contribution — the ALE drop if all its steps were neutralised
//! (the technique classes of `decide::classes`) — with comments naming the attack paths that use it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use riskpath_decide::classes::{ClassKind, EndemicClass};
use riskpath_engine::AttackGraph;
use riskpath_engine::paths::ScenarioPaths;
use riskpath_model::{Labels, Model, kb};

use crate::style::{money, percent};

/// The Navigator and layer format versions written.
pub const NAVIGATOR_VERSION: &str = "5.1.0";
pub const LAYER_VERSION: &str = "4.5";
/// The ATT&CK major version the built-in knowledge base follows.
pub const ATTACK_VERSION: &str = "18";

/// How many paths a technique's comment names before summarising the rest.
const PATHS_IN_COMMENT: usize = 5;

#[allow(clippy::too_many_arguments)]
/// The layer. `classes` are ranked endemic classes (technique classes are used), `scenarios` the
/// most likely paths whose use of each technique the comments name.
pub fn layer(
    model: &Model,
    graph: &AttackGraph,
    classes: &[EndemicClass],
    scenarios: &[ScenarioPaths],
    ale: f64,
    seed: u64,
    trials: u64,
    name: &str,
) -> LayerDoc {
    let cur = model.settings.currency.as_str();
    // Per technique: the paths (scenario, rank, chain) that take a step of it.
    let labels = Labels::new(model);
    let mut uses: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for s in scenarios {
        let actor = &model.actors[s.actor].id;
        let target = labels.get(&graph.ids[s.target as usize]);
        for (rank, path) in s.paths.iter().enumerate() {
            let chain: Vec<&str> = path.nodes.iter().map(|&n| labels.get(&graph.ids[n as usize])).collect();
            let label =
                format!("{actor} → {target} #{} ({}): {}", rank + 1, percent(path.probability), chain.join(" → "));
            for &e in &path.edges {
                let list = uses.entry(graph.edges[e].technique.as_str()).or_default();
                if !list.contains(&label) {
                    list.push(label.clone());
                }
            }
        }
    }
    let mut techniques: Vec<&EndemicClass> =
        classes.iter().filter(|c| c.kind == ClassKind::Technique && kb::is_technique_id(&c.key)).collect();
    techniques.sort_by(|a, b| b.ale_reduction.total_cmp(&a.ale_reduction).then(a.key.cmp(&b.key)));
    let entries: Vec<ScoredTechnique> = techniques
        .iter()
        .map(|c| {
            let paths = uses.get(c.key.as_str()).map(Vec::as_slice).unwrap_or(&[]);
            let mut edge_kinds: Vec<&str> = c.edges.iter().map(|&e| model.edges[e].kind.value.as_str()).collect();
            edge_kinds.sort();
            edge_kinds.dedup();
            ScoredTechnique {
                id: c.key.clone(),
                risk: c.ale_reduction,
                share: c.share,
                comment: technique_comment(c, paths, cur),
                metadata: vec![
                    ("ALE drop if neutralised".into(), money(c.ale_reduction.max(0.0), cur)),
                    ("share of ALE".into(), percent(c.share.max(0.0))),
                    ("attack steps".into(), c.edge_count.to_string()),
                    ("edge kinds".into(), edge_kinds.join(", ")),
                ],
            }
        })
        .collect();
    let top = techniques
        .first()
        .map(|c| {
            let t = kb::technique(&c.key).map(|t| format!(" {}", t.name)).unwrap_or_default();
            format!(
                " The technique carrying the most risk is {}{t} ({}/yr).",
                c.key,
                money(c.ale_reduction.max(0.0), cur)
            )
        })
        .unwrap_or_default();
    let description = format!(
        "Techniques of the attack graph scored by risk contribution: the share of the baseline ALE of {} (in percent, \
         at least 1 for any measurable risk) that neutralising every attack step of the technique would remove; \
         the money is in each technique's comment and metadata.{top} Comments name the most likely attack paths that \
         use each technique. riskpath, seed {seed}, {trials} trials per what-if.",
        money(ale, cur)
    );
    build(&Layer {
        name: name.to_string(),
        description,
        attack_version: ATTACK_VERSION.to_string(),
        currency: cur.to_string(),
        techniques: entries,
        metadata: vec![("baseline ALE".into(), money(ale, cur)), ("seed".into(), seed.to_string())],
    })
}

/// A technique's comment: its risk contribution and the most likely paths that use it.
fn technique_comment(c: &EndemicClass, paths: &[String], cur: &str) -> String {
    let mut comment = format!(
        "Risk contribution {}/yr ({} of the ALE): the ALE drop if its {} attack step{} were neutralised.",
        money(c.ale_reduction.max(0.0), cur),
        percent(c.share.max(0.0)),
        c.edge_count,
        if c.edge_count == 1 { "" } else { "s" }
    );
    if paths.is_empty() {
        comment += " On none of the most likely paths.";
    } else {
        comment += &format!(" Used by {} of the most likely paths: ", paths.len());
        comment += &paths.iter().take(PATHS_IN_COMMENT).cloned().collect::<Vec<_>>().join("; ");
        if paths.len() > PATHS_IN_COMMENT {
            comment += &format!("; and {} more", paths.len() - PATHS_IN_COMMENT);
        }
        comment.push('.');
    }
    comment
}

/// A technique of a layer: its risk in money per year and as a share of the ALE (the score),
/// comment and metadata.
pub struct ScoredTechnique {
    pub id: String,
    pub risk: f64,
    pub share: f64,
    pub comment: String,
    pub metadata: Vec<(String, String)>,
}

/// What a riskpath layer says; [`build`] adds what every layer shares.
pub struct Layer {
    pub name: String,
    pub description: String,
    /// The ATT&CK major version the technique ids follow.
    pub attack_version: String,
    pub currency: String,
    pub techniques: Vec<ScoredTechnique>,
    /// Layer-level metadata after the generator's.
    pub metadata: Vec<(String, String)>,
}

// The layer format 4.5 objects riskpath writes. Fields are declared in the order of their JSON
// names (byte order), so a layer's bytes are those of the same document as a sorted JSON map.

/// A Navigator layer document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerDoc {
    pub description: String,
    pub domain: &'static str,
    pub gradient: Gradient,
    pub hide_disabled: bool,
    pub layout: Layout,
    pub legend_items: Vec<LegendItem>,
    pub links: Vec<Link>,
    pub metadata: Vec<Metadata>,
    pub name: String,
    pub select_subtechniques_with_parent: bool,
    pub select_techniques_across_tactics: bool,
    pub select_visible_techniques: bool,
    pub show_tactic_row_background: bool,
    pub sorting: u8,
    pub tactic_row_background: &'static str,
    pub techniques: Vec<TechniqueEntry>,
    pub versions: Versions,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Gradient {
    pub colors: [&'static str; 3],
    pub max_value: u64,
    pub min_value: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Layout {
    pub aggregate_function: &'static str,
    pub count_unscored: bool,
    pub expanded_subtechniques: &'static str,
    pub layout: &'static str,
    pub show_aggregate_scores: bool,
    #[serde(rename = "showID")]
    pub show_id: bool,
    pub show_name: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct LegendItem {
    pub color: &'static str,
    pub label: String,
}

/// A link of a layer or technique (riskpath writes none).
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub label: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Metadata {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Versions {
    pub attack: String,
    pub layer: &'static str,
    pub navigator: &'static str,
}

/// A technique of the layer: scored, or the expanded parent of scored sub-techniques.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TechniqueEntry {
    pub comment: String,
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Vec<Metadata>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u64>,
    pub show_subtechniques: bool,
    #[serde(rename = "techniqueID")]
    pub technique_id: String,
}

fn metadata(pairs: &[(String, String)]) -> Vec<Metadata> {
    pairs.iter().map(|(name, value)| Metadata { name: name.clone(), value: value.clone() }).collect()
}

/// A technique's score: whole percent of the ALE, at least 1 for any measurable risk.
fn score(t: &ScoredTechnique) -> u64 {
    match (t.share.max(0.0) * 100.0).round() as u64 {
        0 if t.risk > 0.0 => 1,
        s => s.min(100),
    }
}

/// The layer's technique entries: each scored technique, then the parents of scored
/// sub-techniques not scored themselves (Navigator shows a sub-technique only under its expanded
/// parent).
fn entries(techniques: &[ScoredTechnique]) -> Vec<TechniqueEntry> {
    let mut entries: Vec<TechniqueEntry> = techniques
        .iter()
        .map(|t| TechniqueEntry {
            comment: t.comment.clone(),
            enabled: true,
            metadata: Some(metadata(&t.metadata)),
            score: Some(score(t)),
            show_subtechniques: false,
            technique_id: t.id.clone(),
        })
        .collect();
    let mut parents: Vec<&str> = Vec::new();
    for t in techniques {
        if let Some((parent, _)) = t.id.split_once('.')
            && !parents.contains(&parent)
        {
            parents.push(parent);
        }
    }
    for parent in parents {
        match entries.iter_mut().find(|e| e.technique_id == parent) {
            Some(e) => e.show_subtechniques = true,
            None => entries.push(TechniqueEntry {
                comment: "Parent of scored sub-techniques.".into(),
                enabled: true,
                metadata: None,
                score: None,
                show_subtechniques: true,
                technique_id: parent.to_string(),
            }),
        }
    }
    entries
}

/// The layer format 4.5 document. Scores are whole percent of the ALE (at least 1 for any
/// measurable risk): MITRE's loader, mitreattack-python, refuses a non-integer `gradient.maxValue`
/// and builds one colour per unit of the gradient, so scores in money took it minutes. Sub-techniques
/// are shown under their expanded parent; the legend is in money.
pub fn build(layer: &Layer) -> LayerDoc {
    let max = layer.techniques.iter().map(score).max().unwrap_or(0).max(1);
    let top_risk = layer.techniques.iter().map(|t| t.risk).fold(0.0, f64::max);
    let mut meta = vec![("generator".to_string(), format!("riskpath {}", env!("CARGO_PKG_VERSION")))];
    meta.extend(layer.metadata.iter().cloned());
    let highest = format!("highest risk: {max}% of the ALE, {}/yr", money(top_risk, &layer.currency));
    LayerDoc {
        description: layer.description.clone(),
        domain: "enterprise-attack",
        gradient: Gradient { colors: ["#ffffffff", "#ffb366ff", "#ff3333ff"], max_value: max, min_value: 0 },
        hide_disabled: false,
        layout: Layout {
            aggregate_function: "max",
            count_unscored: false,
            expanded_subtechniques: "annotated",
            layout: "side",
            show_aggregate_scores: false,
            show_id: true,
            show_name: true,
        },
        legend_items: vec![
            LegendItem { color: "#ffffff", label: "no measurable risk".into() },
            LegendItem { color: "#ff3333", label: highest },
        ],
        links: Vec::new(),
        metadata: metadata(&meta),
        name: layer.name.clone(),
        select_subtechniques_with_parent: false,
        select_techniques_across_tactics: true,
        select_visible_techniques: false,
        show_tactic_row_background: false,
        sorting: 3,
        tactic_row_background: "#dddddd",
        techniques: entries(&layer.techniques),
        versions: Versions { attack: layer.attack_version.clone(), layer: LAYER_VERSION, navigator: NAVIGATOR_VERSION },
    }
}

/// Checks a layer against the layer format 4.5's required fields and types; returns the problems.
pub fn validate(layer: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut need = |ok: bool, what: &str| {
        if !ok {
            problems.push(what.to_string());
        }
    };
    need(layer["name"].is_string(), "name must be a string");
    need(
        layer["domain"].as_str().is_some_and(|d| ["enterprise-attack", "mobile-attack", "ics-attack"].contains(&d)),
        "domain must name an ATT&CK domain",
    );
    let v = &layer["versions"];
    need(v.is_object(), "versions must be an object");
    need(v["layer"].as_str() == Some(LAYER_VERSION), "versions.layer must be 4.5");
    need(
        v["attack"].is_string() && v["navigator"].is_string(),
        "versions.attack and versions.navigator must be strings",
    );
    if let Some(s) = layer.get("sorting") {
        need(s.as_u64().is_some_and(|s| s <= 3), "sorting must be 0-3");
    }
    if let Some(g) = layer.get("gradient") {
        need(
            g["colors"].as_array().is_some_and(|c| c.len() >= 2 && c.iter().all(Value::is_string)),
            "gradient.colors must list ≥ 2 colours",
        );
        need(
            g["minValue"].is_i64() && g["maxValue"].is_i64(),
            "gradient min and max must be integers (MITRE's loader refuses others)",
        );
    }
    if let Some(items) = layer.get("legendItems") {
        need(
            items.as_array().is_some_and(|i| i.iter().all(|x| x["label"].is_string() && x["color"].is_string())),
            "legendItems need a label and a color",
        );
    }
    match layer["techniques"].as_array() {
        None => need(false, "techniques must be an array"),
        Some(list) => {
            for t in list {
                let id = t["techniqueID"].as_str().unwrap_or("");
                need(kb::is_technique_id(id), &format!("techniqueID `{id}` is not an ATT&CK technique id"));
                if let Some(s) = t.get("score") {
                    need(s.is_number(), &format!("{id}: score must be a number"));
                }
                for key in ["enabled", "showSubtechniques"] {
                    if let Some(b) = t.get(key) {
                        need(b.is_boolean(), &format!("{id}: {key} must be a boolean"));
                    }
                }
                if let Some(c) = t.get("comment") {
                    need(c.is_string(), &format!("{id}: comment must be a string"));
                }
                if let Some(m) = t.get("metadata") {
                    need(
                        m.as_array().is_some_and(|m| m.iter().all(|x| x["name"].is_string() && x["value"].is_string())),
                        &format!("{id}: metadata entries need a name and a value"),
                    );
                }
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A scored sub-technique whose parent is not scored (so a parent entry without score or
    /// metadata) and a scored technique: the typed layer's bytes equal those of the same layer as
    /// a sorted JSON map, so a field declared out of order fails here; it passes the checks.
    #[test]
    fn the_typed_layer_is_written_in_sorted_key_order_and_valid() {
        let technique = |id: &str, share: f64| ScoredTechnique {
            id: id.into(),
            risk: share * 1e6,
            share,
            comment: format!("{id} comment"),
            metadata: vec![("edges".into(), "2".into())],
        };
        let layer = Layer {
            name: "n".into(),
            description: "d".into(),
            attack_version: "18".into(),
            currency: "USD".into(),
            techniques: vec![technique("T1078.004", 0.004), technique("T1190", 0.5)],
            metadata: vec![("seed".into(), "1".into())],
        };
        let doc = build(&layer);
        let value = serde_json::to_value(&doc).unwrap();
        assert_eq!(serde_json::to_string_pretty(&doc).unwrap(), serde_json::to_string_pretty(&value).unwrap());
        assert!(validate(&value).is_empty(), "{:?}", validate(&value));
        let scores: Vec<_> = doc.techniques.iter().map(|t| (t.technique_id.as_str(), t.score)).collect();
        assert_eq!(scores, [("T1078.004", Some(1)), ("T1190", Some(50)), ("T1078", None)]);
        assert_eq!(doc.gradient.max_value, 50);
    }

    #[test]
    fn validation_names_missing_and_wrong_fields() {
        assert!(validate(&json!({})).len() >= 4);
        let good = json!({
            "name": "x",
            "versions": {"attack": "18", "navigator": "5.1.0", "layer": "4.5"},
            "domain": "enterprise-attack",
            "techniques": [{"techniqueID": "T1078.004", "score": 3, "enabled": true, "comment": "c"}],
        });
        assert!(validate(&good).is_empty(), "{:?}", validate(&good));
        let mut bad = good.clone();
        bad["techniques"][0]["techniqueID"] = json!("T78");
        bad["techniques"][0]["score"] = json!("high");
        assert_eq!(validate(&bad).len(), 2, "{:?}", validate(&bad));
    }
}
