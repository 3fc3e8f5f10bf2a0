//! An ATT&CK Navigator layer (layer format 4.5) for the detection team: every technique the attack
//! graph uses, scored by its risk contribution — the ALE drop if all its steps were neutralised
//! (the technique classes of `decide::classes`) — with comments naming the attack paths that use it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

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
) -> Value {
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

fn metadata(pairs: &[(String, String)]) -> Vec<Value> {
    pairs.iter().map(|(name, value)| json!({"name": name, "value": value})).collect()
}

/// The layer format 4.5 document. Scores are whole percent of the ALE (at least 1 for any
/// measurable risk): MITRE's loader, mitreattack-python, refuses a non-integer `gradient.maxValue`
/// and builds one colour per unit of the gradient, so scores in money took it minutes. Sub-techniques
/// are shown under their expanded parent; the legend is in money.
pub fn build(layer: &Layer) -> Value {
    let score = |t: &ScoredTechnique| match (t.share.max(0.0) * 100.0).round() as u64 {
        0 if t.risk > 0.0 => 1,
        s => s.min(100),
    };
    let mut entries: Vec<Value> = Vec::new();
    let mut parents: Vec<String> = Vec::new();
    for t in &layer.techniques {
        entries.push(json!({
            "techniqueID": t.id,
            "score": score(t),
            "comment": t.comment,
            "enabled": true,
            "showSubtechniques": false,
            "metadata": metadata(&t.metadata),
        }));
        if let Some((parent, _)) = t.id.split_once('.')
            && !parents.iter().any(|p| p == parent)
        {
            parents.push(parent.to_string());
        }
    }
    // Navigator shows a sub-technique only under its expanded parent.
    for parent in parents {
        match entries.iter_mut().find(|e| e["techniqueID"] == parent.as_str()) {
            Some(e) => e["showSubtechniques"] = json!(true),
            None => entries.push(json!({
                "techniqueID": parent,
                "enabled": true,
                "showSubtechniques": true,
                "comment": "Parent of scored sub-techniques.",
            })),
        }
    }
    let max = layer.techniques.iter().map(score).max().unwrap_or(0).max(1);
    let top_risk = layer.techniques.iter().map(|t| t.risk).fold(0.0, f64::max);
    let mut meta = vec![("generator".to_string(), format!("riskpath {}", env!("CARGO_PKG_VERSION")))];
    meta.extend(layer.metadata.iter().cloned());
    json!({
        "name": layer.name,
        "versions": {"attack": layer.attack_version, "navigator": NAVIGATOR_VERSION, "layer": LAYER_VERSION},
        "domain": "enterprise-attack",
        "description": layer.description,
        "sorting": 3,
        "layout": {
            "layout": "side",
            "aggregateFunction": "max",
            "showID": true,
            "showName": true,
            "showAggregateScores": false,
            "countUnscored": false,
            "expandedSubtechniques": "annotated"
        },
        "hideDisabled": false,
        "techniques": entries,
        "gradient": {"colors": ["#ffffffff", "#ffb366ff", "#ff3333ff"], "minValue": 0, "maxValue": max},
        "legendItems": [
            {"label": "no measurable risk", "color": "#ffffff"},
            {"label": format!("highest risk: {max}% of the ALE, {}/yr", money(top_risk, &layer.currency)), "color": "#ff3333"},
        ],
        "metadata": metadata(&meta),
        "links": [],
        "showTacticRowBackground": false,
        "tacticRowBackground": "#dddddd",
        "selectTechniquesAcrossTactics": true,
        "selectSubtechniquesWithParent": false,
        "selectVisibleTechniques": false,
    })
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
