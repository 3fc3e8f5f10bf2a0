//! The built-in knowledge base: edge kinds with their ATT&CK technique, base success probability
//! per attacker skill and the mitigations that apply; the techniques, mitigations and node kinds it knows.

mod aws;
mod builtin;
mod catalog;
mod directory;

use std::collections::HashMap;
use std::sync::LazyLock;

pub use catalog::{CATALOG, CatalogControl, CatalogEfficacy, catalog_control};

// The knowledge base's data lives in one file per area (`builtin.rs`: the hand-written estate's
// kinds, `aws.rs`: the AWS importer's, `directory.rs`: Active Directory and Entra ID from the
// BloodHound importer); each contributes its own slices, joined here in a fixed order.

/// Node kinds a model may use.
pub static NODE_KINDS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| [builtin::NODE_KINDS, aws::NODE_KINDS, directory::NODE_KINDS].concat());
/// Edge kinds, area by area (see each area's file for its order).
pub static EDGE_KINDS: LazyLock<Vec<EdgeKind>> = LazyLock::new(|| {
    [builtin::EDGE_KINDS, aws::EDGE_KINDS, directory::AD_EDGE_KINDS, directory::AZURE_EDGE_KINDS].concat()
});
/// ATT&CK techniques and sub-techniques known by id and name.
pub static TECHNIQUES: LazyLock<Vec<Technique>> =
    LazyLock::new(|| [builtin::TECHNIQUES, aws::TECHNIQUES, directory::TECHNIQUES].concat());
/// ATT&CK mitigations known by id and name.
pub static MITIGATIONS: LazyLock<Vec<Mitigation>> = LazyLock::new(|| [builtin::MITIGATIONS, aws::MITIGATIONS].concat());

static EDGE_KIND_BY_NAME: LazyLock<HashMap<&'static str, &'static EdgeKind>> =
    LazyLock::new(|| EDGE_KINDS.iter().map(|k| (k.name, k)).collect());
static TECHNIQUE_BY_ID: LazyLock<HashMap<&'static str, &'static Technique>> =
    LazyLock::new(|| TECHNIQUES.iter().map(|t| (t.id, t)).collect());

/// Attacker skill: picks the column of an edge kind's base probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Skill {
    Low,
    Medium,
    High,
}

impl Skill {
    pub const ALL: [Skill; 3] = [Skill::Low, Skill::Medium, Skill::High];
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn name(self) -> &'static str {
        ["low", "medium", "high"][self.index()]
    }
    pub fn parse(s: &str) -> Option<Skill> {
        Skill::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// One kind of attack step (an edge kind): what it means and how likely it succeeds.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct EdgeKind {
    /// The name used in models, e.g. `exploits`.
    pub name: &'static str,
    /// Area of the estate: network, identity, cloud, endpoint, cicd, saas, data.
    pub area: &'static str,
    /// What the step is, in one line.
    pub description: &'static str,
    /// The ATT&CK technique this step is (id as in ATT&CK v18.1, e.g. `T1190`).
    pub technique: &'static str,
    /// Other ATT&CK techniques the same step is often carried out with (for hunting).
    pub also: &'static [&'static str],
    /// Base success probability for a low, medium and high skill attacker, before controls.
    pub base: [f64; 3],
    /// Why these probabilities, in one line.
    pub rationale: &'static str,
    /// ATT&CK mitigations (M-ids) that address this step.
    pub mitigations: &'static [&'static str],
}

impl EdgeKind {
    pub fn base(&self, skill: Skill) -> f64 {
        self.base[skill.index()]
    }
    /// A fact about the estate rather than an attack step (it always succeeds, e.g. group
    /// membership): no org-wide fix removes it, so it forms no endemic class.
    pub fn is_structural(&self) -> bool {
        self.base == [1.0; 3]
    }
}

/// An ATT&CK technique or sub-technique the knowledge base knows by id and name.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Technique {
    pub id: &'static str,
    pub name: &'static str,
    /// ATT&CK tactic short names, e.g. `initial-access`.
    pub tactics: &'static [&'static str],
}

/// An ATT&CK mitigation (course of action).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Mitigation {
    pub id: &'static str,
    pub name: &'static str,
}

pub fn edge_kind(name: &str) -> Option<&'static EdgeKind> {
    EDGE_KIND_BY_NAME.get(name).copied()
}

pub fn technique(id: &str) -> Option<&'static Technique> {
    TECHNIQUE_BY_ID.get(id).copied()
}

pub fn mitigation(id: &str) -> Option<&'static Mitigation> {
    MITIGATIONS.iter().find(|m| m.id == id)
}

/// The parent of a sub-technique (`T1078.004` → `T1078`), or the id itself.
pub fn parent_technique(id: &str) -> &str {
    id.split_once('.').map_or(id, |(parent, _)| parent)
}

/// Whether a control listed for `listed` covers an edge using `used`: the same technique, or
/// `used` is a sub-technique of `listed` (a control against T1078 covers T1078.004).
pub fn technique_covers(listed: &str, used: &str) -> bool {
    listed == used || (!listed.contains('.') && parent_technique(used) == listed)
}

/// Whether an actor whose ATT&CK group uses `used` (sorted technique ids) may take a step of
/// `technique`: the group uses the technique itself, its parent, or one of its sub-techniques.
pub fn group_allows(used: &[String], technique: &str) -> bool {
    let has = |t: &str| used.binary_search_by(|u| u.as_str().cmp(t)).is_ok();
    has(technique)
        || (technique.contains('.') && has(parent_technique(technique)))
        || (!technique.contains('.') && used.iter().any(|u| u.contains('.') && parent_technique(u) == technique))
}

/// Whether `id` has the shape of an ATT&CK technique id: `T` + 4 digits, optional `.` + 3 digits.
pub fn is_technique_id(id: &str) -> bool {
    let b = id.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => b[0] == b'T' && digits(&b[1..5]),
        9 => b[0] == b'T' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..9]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn technique_coverage_follows_the_subtechnique_tree() {
        assert!(technique_covers("T1078", "T1078.004"));
        assert!(technique_covers("T1078.004", "T1078.004"));
        assert!(!technique_covers("T1078.004", "T1078"));
        assert!(!technique_covers("T1078", "T1021"));
        assert!(is_technique_id("T1078.004") && is_technique_id("T1190"));
        assert!(!is_technique_id("T190") && !is_technique_id("t1190") && !is_technique_id("T1078.04"));
    }

    #[test]
    fn group_techniques_allow_parents_and_subtechniques_but_not_siblings() {
        let used = vec!["T1078.004".to_string(), "T1566".to_string()];
        assert!(group_allows(&used, "T1078.004") && group_allows(&used, "T1078"));
        assert!(group_allows(&used, "T1566") && group_allows(&used, "T1566.001"));
        assert!(!group_allows(&used, "T1078.002") && !group_allows(&used, "T1190"));
    }

    #[test]
    fn every_edge_kind_refers_to_known_techniques_and_mitigations() {
        assert!(EDGE_KINDS.len() >= 25, "at least 25 edge kinds");
        for kind in EDGE_KINDS.iter() {
            assert!(technique(kind.technique).is_some(), "{}: {}", kind.name, kind.technique);
            for t in kind.also {
                assert!(technique(t).is_some(), "{}: {t}", kind.name);
            }
            for m in kind.mitigations {
                assert!(mitigation(m).is_some(), "{}: {m}", kind.name);
            }
            for p in kind.base {
                assert!((0.0..=1.0).contains(&p), "{}", kind.name);
            }
            assert!(kind.base[0] <= kind.base[1] && kind.base[1] <= kind.base[2], "{}", kind.name);
        }
        let mut names: Vec<_> = EDGE_KINDS.iter().map(|k| k.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), EDGE_KINDS.len(), "edge kind names are unique");
        let mut ids: Vec<_> = TECHNIQUES.iter().map(|t| t.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), TECHNIQUES.len(), "technique ids are unique");
        let mut kinds = NODE_KINDS.clone();
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), NODE_KINDS.len(), "node kinds are unique");
    }
}
