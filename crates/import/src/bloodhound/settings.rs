//! The import's settings: defaults, the hand-written `import.bloodhound` section and the command
//! line, in that order of precedence (the command line wins).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::graph::{Graph, Ix, Node};
use super::keys::ModelKeys;
use crate::overlay::{check_loss, glob};

/// The loss of a Tier Zero compromise when no overlay says otherwise: a placeholder the summary
/// points out. The attacker controls every account and host of the forest or tenant: integrity
/// (ransomware, tampering) and the response and rebuild.
pub fn default_loss() -> Value {
    json!({"integrity": {"low": 1_000_000, "high": 40_000_000}, "response": {"low": 300_000, "high": 3_000_000}})
}

/// `import.bloodhound` as written by hand.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    /// The loss of each Tier Zero crown jewel.
    #[serde(default)]
    pub loss: Option<Value>,
    /// More crown jewels, or other losses for Tier Zero ones: by id or name pattern.
    #[serde(default)]
    pub jewels: Vec<JewelRule>,
    /// Tier Zero nodes (id or name patterns) that are not crown jewels.
    #[serde(default)]
    pub not_jewels: Vec<String>,
    /// Principals already held (ids or names).
    #[serde(default)]
    pub owned: Vec<String>,
    /// The phishing preset: `false` to leave it out, or its campaign `reach`.
    #[serde(default)]
    pub phishing: Option<Value>,
    /// The assume-breach preset: `{targets: computers | tag:NAME, reach: …}`.
    #[serde(default)]
    pub foothold: Option<Foothold>,
    /// Days without a logon after which an account is stale (default 90).
    #[serde(default)]
    pub stale_days: Option<i64>,
    /// OpenGraph kinds to riskpath kinds: `{edges: {KIND: edge_kind}, nodes: {KIND: node_kind}}`.
    #[serde(default)]
    pub opengraph: OpenGraphMap,
}

/// How OpenGraph kinds that are not BloodHound's become riskpath kinds.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OpenGraphMap {
    #[serde(default)]
    pub edges: BTreeMap<String, String>,
    #[serde(default)]
    pub nodes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JewelRule {
    #[serde(rename = "match")]
    pub pattern: String,
    #[serde(default)]
    pub loss: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Foothold {
    pub targets: String,
    #[serde(default)]
    pub reach: Option<Value>,
}

/// The effective settings of one import.
#[derive(Debug, Clone)]
pub struct Settings {
    pub keys: ModelKeys,
    pub loss: Value,
    /// Whether `loss` is the built-in placeholder.
    pub default_loss: bool,
    pub jewels: Vec<JewelRule>,
    pub not_jewels: Vec<String>,
    pub owned: Vec<String>,
    /// The phishing campaign's reach, or `None` for no phishing preset.
    pub phishing: Option<Value>,
    /// Foothold selector (`computers` or `tag:NAME`) and reach.
    pub foothold: Option<(String, Value)>,
    pub stale_days: i64,
    pub opengraph: OpenGraphMap,
}

/// Members one phishing attempt reaches by default (a 90% interval).
pub fn default_reach() -> Value {
    json!({"low": 2, "high": 20})
}

impl Settings {
    /// Settings from the overlay; `place` names where it was written for errors.
    pub fn new(overlay: Option<(String, Value)>, keys: ModelKeys) -> Result<Settings, String> {
        let (place, o) = match overlay {
            Some((place, value)) => {
                let o: Overlay =
                    serde_json::from_value(value).map_err(|e| format!("{place}: import.bloodhound: {e}"))?;
                (place, o)
            }
            None => (String::new(), Overlay::default()),
        };
        for (i, j) in o.jewels.iter().enumerate() {
            if let Some(loss) = &j.loss {
                check_loss(loss).map_err(|e| format!("{place}: import.bloodhound jewels[{i}]: {e}"))?;
            }
        }
        if let Some(loss) = &o.loss {
            check_loss(loss).map_err(|e| format!("{place}: import.bloodhound loss: {e}"))?;
        }
        for (from, to) in &o.opengraph.edges {
            if riskpath_model::kb::edge_kind(to).is_none() {
                return Err(format!(
                    "{place}: import.bloodhound opengraph.edges: `{from}` maps to `{to}`, which is not an edge kind"
                ));
            }
        }
        for (from, to) in &o.opengraph.nodes {
            if !riskpath_model::kb::NODE_KINDS.contains(&to.as_str()) {
                return Err(format!(
                    "{place}: import.bloodhound opengraph.nodes: `{from}` maps to `{to}`, which is not a node kind"
                ));
            }
        }
        let phishing = match o.phishing {
            Some(Value::Bool(false)) => None,
            Some(Value::Object(m)) if m.contains_key("reach") => Some(m["reach"].clone()),
            Some(Value::Bool(true)) | None => Some(default_reach()),
            Some(other) => {
                return Err(format!("{place}: import.bloodhound phishing: `false` or {{reach: …}}, not {other}"));
            }
        };
        let foothold = o.foothold.map(|f| (f.targets, f.reach.unwrap_or_else(|| json!(1))));
        if let Some((targets, _)) = &foothold {
            check_foothold(targets).map_err(|e| format!("{place}: import.bloodhound foothold: {e}"))?;
        }
        Ok(Settings {
            keys,
            default_loss: o.loss.is_none(),
            loss: o.loss.unwrap_or_else(default_loss),
            jewels: o.jewels,
            not_jewels: o.not_jewels,
            owned: o.owned,
            phishing,
            foothold,
            stale_days: o.stale_days.unwrap_or(90).max(1),
            opengraph: o.opengraph,
        })
    }

    fn matches(pattern: &str, n: &Node) -> bool {
        glob(pattern, &n.id) || (!n.name.is_empty() && glob(pattern, &n.name))
    }

    /// Whether a Tier Zero node is excluded from the crown jewels.
    pub fn not_jewel(&self, n: &Node) -> bool {
        self.not_jewels.iter().any(|p| Self::matches(p, n))
    }

    /// The loss an overlay rule gives the node (first matching rule), making it a jewel.
    pub fn jewel_loss(&self, n: &Node) -> Option<Value> {
        let rule = self.jewels.iter().find(|j| Self::matches(&j.pattern, n))?;
        Some(rule.loss.clone().unwrap_or_else(|| self.loss.clone()))
    }

    /// The riskpath node kind of a BloodHound or OpenGraph label (the overlay's map first).
    pub fn node_kind(&self, label: &str) -> &str {
        match self.opengraph.nodes.get(label) {
            Some(kind) => kind,
            None => super::kinds::node_kind(label),
        }
    }

    /// The owned principals, by id or name (exact, case-insensitive).
    pub fn owned_nodes(&self, graph: &Graph) -> Vec<Ix> {
        let mut out: Vec<Ix> = self.owned.iter().filter_map(|o| find(graph, o)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The node with this id or name (case-insensitive).
pub fn find(graph: &Graph, key: &str) -> Option<Ix> {
    let upper = key.trim().to_ascii_uppercase();
    graph
        .ix(&upper)
        .or_else(|| graph.nodes.iter().position(|n| n.name.eq_ignore_ascii_case(key.trim())).map(|i| i as Ix))
}

/// A foothold selector: `computers` or `tag:NAME`.
pub fn check_foothold(targets: &str) -> Result<(), String> {
    if targets == "computers" || targets.strip_prefix("tag:").is_some_and(|t| !t.is_empty()) {
        Ok(())
    } else {
        Err(format!("targets `{targets}`: use `computers` or `tag:NAME`"))
    }
}
