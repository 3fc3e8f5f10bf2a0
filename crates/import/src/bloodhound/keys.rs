//! Which keys of the shared model language the loader of this build accepts (campaigns, `removable`,
//! `relation`/`remediation`, `loss_groups`, `description`): the importer writes a key only when a
//! tiny model using it loads, so its output always loads and gains each key as the loader does.

use std::sync::LazyLock;

use riskpath_model::{LoadOptions, load_str};

/// The optional model keys the importer may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ModelKeys {
    /// `entry_points[].campaign`: a phishing or foothold population instead of independent edges.
    pub campaign: bool,
    /// `edges[].removable: false` for built-in memberships and Tier Zero's grants by design.
    pub removable: bool,
    /// `edges[].relation` naming the concrete right.
    pub relation: bool,
    /// `edges[].remediation` naming the concrete fix.
    pub remediation: bool,
    /// `loss_groups`: the Tier Zero jewels of one forest or tenant as one loss event.
    pub loss_groups: bool,
    /// `nodes[].description`.
    pub description: bool,
}

static SUPPORTED: LazyLock<ModelKeys> = LazyLock::new(|| ModelKeys {
    campaign: accepts(
        r#""entry_points": [{"id": "e", "kind": "email", "campaign": {"targets": ["tag:t"], "reach": 1}}]"#,
        "",
        "",
    ),
    removable: accepts("", r#", "removable": false"#, ""),
    relation: accepts("", r#", "relation": "r""#, ""),
    remediation: accepts("", r#", "remediation": "r""#, ""),
    loss_groups: accepts(r#""loss_groups": [{"id": "g", "members": ["a"]}]"#, "", ""),
    description: accepts("", "", r#", "description": "d""#),
});

impl ModelKeys {
    /// The keys this build's loader accepts (probed once).
    pub fn supported() -> ModelKeys {
        *SUPPORTED
    }
    /// None of the optional keys (the output of a loader that knows none of them).
    pub fn none() -> ModelKeys {
        ModelKeys::default()
    }
    /// The names of the keys in use, for the import summary.
    pub fn names(&self) -> Vec<&'static str> {
        [
            (self.campaign, "campaign"),
            (self.removable, "removable"),
            (self.relation, "relation"),
            (self.remediation, "remediation"),
            (self.loss_groups, "loss_groups"),
            (self.description, "description"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

/// Whether a one-jewel model with `top` (extra top-level keys), `edge` (extra keys of its edge) and
/// `node` (extra keys of its node) loads without errors.
fn accepts(top: &str, edge: &str, node: &str) -> bool {
    let entry = if top.contains("entry_points") { "" } else { r#""entry_points": [{"id": "e", "kind": "email"}],"# };
    let top = if top.is_empty() { String::new() } else { format!("{top},") };
    let text = format!(
        r#"{{{entry} {top}
            "nodes": [{{"id": "a", "kind": "identity", "tags": ["t"], "crown_jewel": true, "loss": {{"integrity": 1000}}{node}}}],
            "edges": [{{"from": "e", "to": "a", "kind": "phishes"{edge}}}],
            "actors": [{{"id": "x", "frequency": 1, "entry": ["e"]}}]}}"#
    );
    load_str("probe.json", &text, &LoadOptions::default()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_model_loads_without_optional_keys_and_unknown_keys_are_refused() {
        assert!(accepts("", "", ""), "the bare probe model must load");
        assert!(!accepts("", r#", "no_such_key": 1"#, ""));
    }
}
