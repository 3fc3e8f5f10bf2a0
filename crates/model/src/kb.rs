//! The built-in knowledge base: edge kinds with their ATT&CK technique, base success probability
//! per attacker skill and the mitigations that apply; the techniques, mitigations and node kinds it knows.

mod aws;
mod builtin;
mod catalog;
mod directory;
mod fixes;
mod platforms;
mod rates;
mod remediation;
mod vocabulary;

use std::collections::HashMap;
use std::sync::LazyLock;

pub use catalog::{CATALOG, CatalogControl, CatalogEfficacy, catalog_control};
pub use fixes::{DEFAULT_COST, NOT_REMOVABLE, removable_by_default};
pub use platforms::{MITIGATION_PLATFORMS, MitigationPlatforms, PLATFORMS, mitigation_platforms};

// The knowledge base's data lives in one file per area (`builtin.rs`: the hand-written estate's
// kinds, `aws.rs`: the AWS importer's, `vocabulary.rs`: directory and cloud node kinds and
// identity-attack techniques, `directory.rs`: Active Directory and Entra ID edge kinds from the
// BloodHound importer); each contributes its own slices, joined here in a fixed order.

/// Node kinds a model may use.
pub static NODE_KINDS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| [builtin::NODE_KINDS, aws::NODE_KINDS, vocabulary::NODE_KINDS, directory::NODE_KINDS].concat());
/// What each node kind is, its ATT&CK platforms and what rotating a held one means.
pub static NODE_KIND_INFO: LazyLock<Vec<NodeKind>> =
    LazyLock::new(|| [vocabulary::NODE_KIND_INFO, aws::NODE_KIND_INFO, directory::NODE_KIND_INFO].concat());
/// Edge kinds, area by area (see each area's file for its order).
pub static EDGE_KINDS: LazyLock<Vec<EdgeKind>> = LazyLock::new(|| {
    [builtin::EDGE_KINDS, aws::EDGE_KINDS, directory::AD_EDGE_KINDS, directory::AZURE_EDGE_KINDS].concat()
});
/// The default remediation of each edge kind: what removing such a step means.
pub static REMEDIATIONS: LazyLock<Vec<Remediation>> =
    LazyLock::new(|| [remediation::REMEDIATIONS, aws::REMEDIATIONS, directory::REMEDIATIONS].concat());
/// ATT&CK techniques and sub-techniques known by id and name.
pub static TECHNIQUES: LazyLock<Vec<Technique>> =
    LazyLock::new(|| [builtin::TECHNIQUES, aws::TECHNIQUES, vocabulary::TECHNIQUES].concat());
/// Techniques with a base success probability of their own (see [`base_rate`]).
pub static TECHNIQUE_RATES: LazyLock<Vec<TechniqueRate>> = LazyLock::new(|| [rates::TECHNIQUE_RATES].concat());
/// ATT&CK mitigations known by id and name.
pub static MITIGATIONS: LazyLock<Vec<Mitigation>> = LazyLock::new(|| [builtin::MITIGATIONS, aws::MITIGATIONS].concat());

static EDGE_KIND_BY_NAME: LazyLock<HashMap<&'static str, &'static EdgeKind>> =
    LazyLock::new(|| EDGE_KINDS.iter().map(|k| (k.name, k)).collect());
static TECHNIQUE_BY_ID: LazyLock<HashMap<&'static str, &'static Technique>> =
    LazyLock::new(|| TECHNIQUES.iter().map(|t| (t.id, t)).collect());
static RATE_BY_TECHNIQUE: LazyLock<HashMap<&'static str, &'static TechniqueRate>> =
    LazyLock::new(|| TECHNIQUE_RATES.iter().map(|r| (r.technique, r)).collect());
static REMEDIATION_BY_KIND: LazyLock<HashMap<&'static str, &'static Remediation>> =
    LazyLock::new(|| REMEDIATIONS.iter().map(|r| (r.kind, r)).collect());
static NODE_KIND_BY_NAME: LazyLock<HashMap<&'static str, &'static NodeKind>> =
    LazyLock::new(|| NODE_KIND_INFO.iter().map(|k| (k.name, k)).collect());

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

/// What a node kind is: its meaning, the ATT&CK platforms it implies and what rotating one means.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct NodeKind {
    /// The name used in models, e.g. `cert_template`.
    pub name: &'static str,
    /// What a node of this kind is, in one line.
    pub description: &'static str,
    /// ATT&CK platforms (names as in [`PLATFORMS`]) a model with such a node has; empty when the
    /// kind says nothing about platform (an `identity` may live in any directory).
    pub platforms: &'static [&'static str],
    /// What to do in an incident with a held or exposed node of this kind, `{id}` standing for its
    /// id; `None` when it is not a credential or identity to rotate (a host is contained instead).
    pub rotation: Option<&'static str>,
}

/// What removing an edge of a kind means: the kind of action and one instruction.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Remediation {
    /// The edge kind.
    pub kind: &'static str,
    /// rotate_credential, revoke_sessions, remove_trust, remove_membership, remove_permission,
    /// block_network, isolate, freeze_pipeline, suspend_account, block_lure or restore_config.
    pub action: &'static str,
    /// The instruction, `{from}` and `{to}` standing for the edge's ends.
    pub text: &'static str,
}

/// A technique's own base success probability, for edges whose `technique` names it in place of
/// their kind's (a vishing call on a `phishes` edge succeeds more often than an email lure).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct TechniqueRate {
    pub technique: &'static str,
    /// For a low, medium and high skill attacker who holds the source node, before controls.
    pub base: [f64; 3],
    /// Why these probabilities, in one line.
    pub rationale: &'static str,
}

/// Where an edge's base probability comes from, in the order that wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseSource {
    /// The edge's own `p`.
    EdgeP,
    /// The edge's `technique`, which differs from its kind's and has a rate of its own.
    Technique,
    /// The edge kind.
    Kind,
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

/// What a node kind is (`None` for a kind without an entry in any area's `NODE_KIND_INFO`).
pub fn node_kind(name: &str) -> Option<&'static NodeKind> {
    NODE_KIND_BY_NAME.get(name).copied()
}

/// The technique's own base rate, if the knowledge base gives it one.
pub fn technique_rate(id: &str) -> Option<&'static TechniqueRate> {
    RATE_BY_TECHNIQUE.get(id).copied()
}

/// The base probabilities of an edge of `kind` whose own `technique` is `technique` (before an edge
/// `p`, which wins over both): the technique's rate when the edge names a technique other than its
/// kind's and that technique has a rate (exactly that id: a parent's rate is not inherited), else
/// the kind's.
pub fn base_rate(kind: &EdgeKind, technique: Option<&str>) -> ([f64; 3], BaseSource) {
    match technique.filter(|t| *t != kind.technique).and_then(technique_rate) {
        Some(rate) => (rate.base, BaseSource::Technique),
        None => (kind.base, BaseSource::Kind),
    }
}

/// What removing an edge of `kind` means: its entry in `REMEDIATIONS`, else a generic instruction
/// for its area. Returns the action and the instruction template (`{from}`, `{to}`).
pub fn remediation(kind: &EdgeKind) -> (&'static str, &'static str) {
    if let Some(r) = REMEDIATION_BY_KIND.get(kind.name) {
        return (r.action, r.text);
    }
    match kind.area {
        "network" => ("block_network", "Block {from} → {to} at the firewall or security group"),
        "data" => ("remove_permission", "Revoke {from}'s access to {to}"),
        _ => ("remove_permission", "Remove the access that lets {from} reach {to}"),
    }
}

/// Fills `{name}` placeholders of a knowledge-base template (`{from}`, `{to}`, `{id}`) in one pass,
/// so a value that itself contains braces is copied as it is; unknown placeholders stay.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let found = after.find('}').and_then(|close| {
            let name = &after[..close];
            values.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v, close))
        });
        match found {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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

/// Which of a control's listed techniques applies to a step using `used`: the most specific entry
/// that covers it (the technique itself over its parent), whatever the order they were written in.
/// Returns its position in `listed`.
pub fn most_specific_cover<'a>(listed: impl IntoIterator<Item = &'a str>, used: &str) -> Option<usize> {
    let mut parent = None;
    for (i, l) in listed.into_iter().enumerate() {
        if l == used {
            return Some(i);
        }
        if parent.is_none() && technique_covers(l, used) {
            parent = Some(i);
        }
    }
    parent
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
    fn the_most_specific_entry_applies_in_either_order() {
        assert_eq!(most_specific_cover(["T1078", "T1078.004"], "T1078.004"), Some(1));
        assert_eq!(most_specific_cover(["T1078.004", "T1078"], "T1078.004"), Some(0));
        assert_eq!(most_specific_cover(["T1078.004", "T1078"], "T1078.002"), Some(1));
        assert_eq!(most_specific_cover(["T1078.004", "T1078"], "T1078"), Some(1));
        assert_eq!(most_specific_cover(["T1078.004"], "T1078"), None);
        assert_eq!(most_specific_cover(["T1190", "T1566"], "T1078"), None);
    }

    #[test]
    fn group_techniques_allow_parents_and_subtechniques_but_not_siblings() {
        let used = vec!["T1078.004".to_string(), "T1566".to_string()];
        assert!(group_allows(&used, "T1078.004") && group_allows(&used, "T1078"));
        assert!(group_allows(&used, "T1566") && group_allows(&used, "T1566.001"));
        assert!(!group_allows(&used, "T1078.002") && !group_allows(&used, "T1190"));
    }

    /// The actions a remediation may name (renderers give each a title).
    const ACTIONS: [&str; 10] = [
        "rotate_credential",
        "revoke_sessions",
        "remove_trust",
        "remove_membership",
        "remove_permission",
        "block_network",
        "isolate",
        "freeze_pipeline",
        "suspend_account",
        "block_lure",
    ];

    #[test]
    fn every_node_kind_says_what_it_is_and_on_which_platforms() {
        let mut problems = Vec::new();
        for name in NODE_KINDS.iter() {
            if node_kind(name).is_none() {
                problems
                    .push(format!("node kind `{name}` has no NODE_KIND_INFO entry (add one in its area's kb file)"));
            }
        }
        for k in NODE_KIND_INFO.iter() {
            if !NODE_KINDS.contains(&k.name) {
                problems.push(format!("NODE_KIND_INFO names `{}`, which is not a node kind", k.name));
            }
            if k.description.is_empty() {
                problems.push(format!("{}: no description", k.name));
            }
            for p in k.platforms {
                if !PLATFORMS.contains(p) {
                    problems.push(format!("{}: `{p}` is not an ATT&CK platform", k.name));
                }
            }
            if k.rotation.is_some_and(|r| !r.contains("{id}")) {
                problems.push(format!("{}: its rotation does not name the node ({{id}})", k.name));
            }
        }
        assert_eq!(NODE_KIND_BY_NAME.len(), NODE_KIND_INFO.len(), "one NODE_KIND_INFO entry per kind");
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        for kind in ["domain", "ou", "gpo", "container", "cert_template", "certificate_authority", "iam_policy"] {
            assert!(NODE_KINDS.contains(&kind), "{kind}");
        }
    }

    #[test]
    fn every_edge_kind_has_a_default_remediation() {
        let mut problems = Vec::new();
        for kind in EDGE_KINDS.iter() {
            if !REMEDIATION_BY_KIND.contains_key(kind.name) {
                problems.push(format!(
                    "edge kind `{}` has no default remediation: add one to its area's REMEDIATIONS",
                    kind.name
                ));
            }
        }
        for r in REMEDIATIONS.iter() {
            if edge_kind(r.kind).is_none() {
                problems.push(format!("REMEDIATIONS names `{}`, which is not an edge kind", r.kind));
            }
            if !ACTIONS.contains(&r.action) {
                problems.push(format!("{}: unknown action `{}`", r.kind, r.action));
            }
            if !r.text.contains("{from}") && !r.text.contains("{to}") {
                problems.push(format!("{}: the remediation names neither end of the edge", r.kind));
            }
        }
        assert_eq!(REMEDIATION_BY_KIND.len(), REMEDIATIONS.len(), "one remediation per kind");
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn remediations_name_the_right_action_per_edge_kind() {
        let cases = [
            ("steals_credential", "rotate_credential"),
            ("authenticates", "rotate_credential"),
            ("hijacks_session", "revoke_sessions"),
            ("steals_session", "revoke_sessions"),
            ("token_theft", "revoke_sessions"),
            ("assumes", "remove_trust"),
            ("member_of", "remove_membership"),
            ("ssh", "block_network"),
            ("rdp", "block_network"),
            ("exploits_internal", "block_network"),
            ("admin_of", "remove_permission"),
            ("deploys_to", "freeze_pipeline"),
        ];
        for (k, action) in cases {
            let (got, text) = remediation(edge_kind(k).unwrap());
            assert_eq!(got, action, "{k}: {text}");
        }
        let text =
            |k: &str, from: &str, to: &str| fill(remediation(edge_kind(k).unwrap()).1, &[("from", from), ("to", to)]);
        assert!(text("authenticates", "leaked-key", "admin").starts_with("Rotate or disable leaked-key"));
        assert_eq!(text("member_of", "alice", "admins"), "Remove alice from admins");
    }

    #[test]
    fn templates_are_filled_in_one_pass() {
        assert_eq!(fill("Remove {from} from {to}", &[("from", "a"), ("to", "b")]), "Remove a from b");
        // A value with braces is copied, not filled again; unknown and unclosed placeholders stay.
        assert_eq!(fill("{from} {to}", &[("from", "{to}"), ("to", "x")]), "{to} x");
        assert_eq!(fill("{id} {other} {", &[("id", "n")]), "n {other} {");
        assert_eq!(fill("", &[("id", "n")]), "");
    }

    #[test]
    fn technique_rates_are_probabilities_with_reasons() {
        let ids: Vec<&str> = TECHNIQUE_RATES.iter().map(|r| r.technique).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "TECHNIQUE_RATES sorted by id, each once");
        let mut disagreements = Vec::new();
        for r in TECHNIQUE_RATES.iter() {
            assert!(technique(r.technique).is_some(), "{}: not in TECHNIQUES", r.technique);
            assert!(r.base.iter().all(|p| (0.0..=1.0).contains(p)), "{}", r.technique);
            assert!(r.base[0] <= r.base[1] && r.base[1] <= r.base[2], "{}: not monotone in skill", r.technique);
            assert!(!r.rationale.is_empty(), "{}", r.technique);
            // Where exactly one kind has this as its main technique, both give the same rate.
            let kinds: Vec<&EdgeKind> = EDGE_KINDS.iter().filter(|k| k.technique == r.technique).collect();
            if let [kind] = kinds[..]
                && kind.base != r.base
            {
                disagreements
                    .push(format!("{} {:?} disagrees with kind {} {:?}", r.technique, r.base, kind.name, kind.base));
            }
        }
        assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    }

    #[test]
    fn an_edge_technique_with_its_own_rate_sets_the_base() {
        let phishes = edge_kind("phishes").unwrap();
        assert_eq!(base_rate(phishes, None), (phishes.base, BaseSource::Kind));
        // The kind's own technique, written out, changes nothing.
        assert_eq!(base_rate(phishes, Some(phishes.technique)), (phishes.base, BaseSource::Kind));
        // Vishing has a rate of its own.
        let (base, source) = base_rate(phishes, Some("T1566.004"));
        assert_eq!(source, BaseSource::Technique);
        assert_eq!(base, technique_rate("T1566.004").unwrap().base);
        assert_ne!(base, phishes.base);
        // A technique without a rate, or a sub-technique of one with a rate, keeps the kind's.
        assert_eq!(base_rate(phishes, Some("T1566.001")).1, BaseSource::Kind);
        let admin = edge_kind("admin_of").unwrap();
        assert_eq!(base_rate(admin, Some("T1558.003")).0, technique_rate("T1558.003").unwrap().base);
        assert!(technique_rate("T1558").is_none() && base_rate(admin, Some("T1558")).1 == BaseSource::Kind);
    }

    #[test]
    fn platform_bound_mitigations_name_known_platforms() {
        for m in MITIGATION_PLATFORMS {
            assert!(mitigation(m.mitigation).is_some(), "{}", m.mitigation);
            assert!(!m.platforms.is_empty() && !m.rationale.is_empty(), "{}", m.mitigation);
            assert!(m.platforms.iter().all(|p| PLATFORMS.contains(p)), "{}", m.mitigation);
        }
        assert_eq!(mitigation_platforms("M1015"), Some(&["Windows"][..]));
        assert_eq!(mitigation_platforms("M1032"), None, "MFA applies everywhere");
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
