//! The model's types after loading: what DESIGN.md's "The model" section describes, with spans.
//! Every item remembers where it was written (`loc`) so later stages can point back at the YAML.

use crate::kb::Skill;
pub use crate::names::{Name, Names};
use crate::source::{Loc, Sources};

/// A value that is either known or a 90% interval (5th–95th percentile).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Estimate {
    Point(f64),
    Interval { low: f64, high: f64 },
}

impl Estimate {
    pub fn is_uncertain(&self) -> bool {
        matches!(self, Estimate::Interval { low, high } if low < high)
    }
    pub fn low(&self) -> f64 {
        match *self {
            Estimate::Point(v) => v,
            Estimate::Interval { low, .. } => low,
        }
    }
    pub fn high(&self) -> f64 {
        match *self {
            Estimate::Point(v) => v,
            Estimate::Interval { high, .. } => high,
        }
    }
}

/// An estimate with the place it was written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub loc: Loc,
}

/// A reference to another item by id, with the place of the reference.
pub type Ref = Spanned<String>;

#[derive(Debug, Clone)]
pub struct Settings {
    pub currency: String,
    /// Containment rate: the fraction of detected attempts that are stopped.
    pub respond: f64,
    pub trials: u64,
    pub seed: u64,
    /// Simulated years for the annual-loss distribution.
    pub years: u64,
    /// Risk tolerance (money): the loss the organisation accepts at the 1-in-20 level, if stated.
    pub tolerance: Option<f64>,
    /// Path of an ATT&CK STIX bundle to validate techniques against, if given.
    pub attack: Option<String>,
    /// The ATT&CK platforms of the estate, if stated (else derived from node kinds: `Model::platforms`).
    pub platforms: Option<Vec<String>>,
    /// Money per day of effort: converts `fix_cost: {days: N}` into money.
    pub day_rate: Option<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            currency: "USD".into(),
            respond: 0.5,
            trials: 100_000,
            seed: 1,
            years: 100_000,
            tolerance: None,
            attack: None,
            platforms: None,
            day_rate: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    Internet,
    Email,
    Insider,
    Supplier,
    Physical,
}

impl EntryKind {
    pub const NAMES: [&'static str; 5] = ["internet", "email", "insider", "supplier", "physical"];
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
    pub fn parse(s: &str) -> Option<EntryKind> {
        use EntryKind::*;
        Some(match s {
            "internet" => Internet,
            "email" => Email,
            "insider" => Insider,
            "supplier" => Supplier,
            "physical" => Physical,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct EntryPoint {
    pub id: String,
    pub kind: EntryKind,
    pub name: Option<String>,
    /// The population this entry point reaches some members of per attempt, if it is a campaign.
    pub campaign: Option<crate::groups::Campaign>,
    /// Free text shown in reports, `explain` and incident runbooks.
    pub description: Option<String>,
    pub loc: Loc,
}

/// Loss types; several on one jewel add up per loss event.
pub const LOSS_TYPES: [&str; 6] =
    ["confidentiality", "integrity", "availability", "regulatory", "response", "reputation"];

#[derive(Debug, Clone)]
pub struct Loss {
    pub kind: &'static str,
    pub amount: Spanned<Estimate>,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub kind: String,
    pub name: Option<String>,
    pub zone: Option<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub crown_jewel: bool,
    pub loss: Vec<Loss>,
    /// Free text shown in reports, `explain` and incident runbooks.
    pub description: Option<String>,
    /// What to do with this node when it is held or exposed in an incident (replaces its kind's
    /// rotation text).
    pub remediation: Option<String>,
    pub loc: Loc,
}

/// The unit of a fix cost: money in the model's currency, or effort in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CostUnit {
    Money,
    Days,
}

/// What removing an edge costs, with its unit.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FixCost {
    pub amount: f64,
    pub unit: CostUnit,
}

/// One step an attacker can take. What most edges state (ends, kind, `p`, `requires`) is held
/// inline; the rest, which few edges state, in one optional [`EdgeExtra`] (read with
/// [`Edge::extra`]), so a model of millions of generated or imported edges stays small.
#[derive(Debug, Clone)]
pub struct Edge {
    pub id: Option<String>,
    pub from: Spanned<Name>,
    pub to: Spanned<Name>,
    pub kind: Spanned<Name>,
    /// Replaces the knowledge base's base probability for every actor.
    pub p: Option<Spanned<Estimate>>,
    /// AND condition: the edge fires only if all these nodes are held too.
    pub requires: Vec<Ref>,
    /// The fields few edges state; `None` when the edge states none of them.
    pub extra: Option<Box<EdgeExtra>>,
    pub loc: Loc,
}

/// The fields of an edge that few edges state.
#[derive(Debug, Clone, Default)]
pub struct EdgeExtra {
    /// Replaces the kind's technique.
    pub technique: Option<Spanned<String>>,
    /// OR of ANDs: besides `requires`, all nodes of at least one alternative must be held.
    pub requires_any: Vec<Vec<Ref>>,
    /// What removing this edge costs, as the edge states it (money or days); else its kind's default.
    pub fix_cost: Option<Spanned<FixCost>>,
    /// Whether the edge can be cut at all, as the edge states it; else its kind's default.
    pub removable: Option<Spanned<bool>>,
    /// The vulnerabilities the edge stands for (scanner findings); when given, `p` is derived
    /// from them by [`crate::vuln::combine`].
    pub vulnerabilities: Vec<crate::vuln::Vulnerability>,
    /// The concrete relation the edge stands for, e.g. "ForceChangePassword on ALICE@CORP.LOCAL".
    pub relation: Option<String>,
    /// What removing this edge means, in place of its kind's default remediation.
    pub remediation: Option<String>,
    /// Free text shown in reports and `explain`.
    pub description: Option<String>,
}

/// What an edge that states none of the rare fields reads.
static NO_EXTRA: EdgeExtra = EdgeExtra {
    technique: None,
    requires_any: Vec::new(),
    fix_cost: None,
    removable: None,
    vulnerabilities: Vec::new(),
    relation: None,
    remediation: None,
    description: None,
};

impl EdgeExtra {
    /// States none of its fields (then an edge keeps no `EdgeExtra`).
    pub fn is_empty(&self) -> bool {
        self.technique.is_none()
            && self.requires_any.is_empty()
            && self.fix_cost.is_none()
            && self.removable.is_none()
            && self.vulnerabilities.is_empty()
            && self.relation.is_none()
            && self.remediation.is_none()
            && self.description.is_none()
    }
    /// Boxed when it states something, else `None`.
    pub fn boxed(self) -> Option<Box<EdgeExtra>> {
        (!self.is_empty()).then(|| Box::new(self))
    }
}

impl Edge {
    /// The rare fields: the edge's own, or all empty.
    pub fn extra(&self) -> &EdgeExtra {
        self.extra.as_deref().unwrap_or(&NO_EXTRA)
    }
    /// The rare fields to change (made empty first when the edge has none).
    pub fn extra_mut(&mut self) -> &mut EdgeExtra {
        self.extra.get_or_insert_with(Default::default)
    }
    /// A name for messages: its id, or `from -> to`.
    pub fn label(&self) -> String {
        self.id.clone().unwrap_or_else(|| format!("{} -> {}", self.from.value, self.to.value))
    }
    /// The ATT&CK technique of the step: its own `technique`, else its kind's (`None` for an
    /// unknown kind, which validation reports).
    pub fn technique_id(&self) -> Option<&str> {
        match &self.extra().technique {
            Some(t) => Some(&t.value),
            None => crate::kb::edge_kind(&self.kind.value).map(|k| k.technique),
        }
    }
    /// What removing this edge means: its kind's action, with the edge's own `remediation` or else
    /// its kind's default filled in with the edge's ends (`None` for an unknown kind).
    pub fn remedy(&self) -> Option<Remedy> {
        let kind = crate::kb::edge_kind(&self.kind.value)?;
        let (action, template) = crate::kb::remediation(kind);
        Some(match &self.extra().remediation {
            Some(own) => Remedy { action, instruction: own.clone(), source: "edge" },
            None => Remedy {
                action,
                instruction: crate::kb::fill(
                    template,
                    &[("from", self.from.value.as_str()), ("to", self.to.value.as_str())],
                ),
                source: "kind",
            },
        })
    }
}

/// What removing an edge means, as cuts, containment and `explain` show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Remedy {
    /// The kind of action (`kb::Remediation::action`): rotate_credential, remove_permission, …
    pub action: &'static str,
    /// What to do, in one sentence.
    pub instruction: String,
    /// `edge` (the edge's own `remediation`) or `kind` (its kind's default).
    pub source: &'static str,
}

/// What a scope selector picks: a node (by id, tag, kind, zone or owner), or anything (`*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Any,
    Id(String),
    Tag(String),
    Kind(String),
    Zone(String),
    Owner(String),
}

impl Selector {
    /// Does this selector pick `end`? An entry point has no tags, zone or owner: `*`, its id and its
    /// kind (`internet`, `email`, …) pick it.
    pub fn matches(&self, end: EdgeEnd<'_>) -> bool {
        let node = match end {
            EdgeEnd::Node(node) => node,
            EdgeEnd::Entry(entry) => {
                return match self {
                    Selector::Any => true,
                    Selector::Id(id) => &entry.id == id,
                    Selector::Kind(k) => entry.kind.name() == k,
                    Selector::Tag(_) | Selector::Zone(_) | Selector::Owner(_) => false,
                };
            }
        };
        match self {
            Selector::Any => true,
            Selector::Id(id) => &node.id == id,
            Selector::Tag(t) => node.tags.iter().any(|x| x == t),
            Selector::Kind(k) => &node.kind == k,
            Selector::Zone(z) => node.zone.as_deref() == Some(z.as_str()),
            Selector::Owner(o) => node.owner.as_deref() == Some(o.as_str()),
        }
    }
}

impl std::fmt::Display for Selector {
    /// As written in a scope: `*`, an id, or `tag:`, `kind:`, `zone:`, `owner:` and a value.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selector::Any => write!(f, "*"),
            Selector::Id(id) => write!(f, "{id}"),
            Selector::Tag(t) => write!(f, "tag:{t}"),
            Selector::Kind(k) => write!(f, "kind:{k}"),
            Selector::Zone(z) => write!(f, "zone:{z}"),
            Selector::Owner(o) => write!(f, "owner:{o}"),
        }
    }
}

/// Which end of an edge a scope selector looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The edge's target: the step lands there (`tag:employee`; the default).
    Target,
    /// The edge's source: the step starts there (`from:tag:workstation`), e.g. an EDR on the host
    /// that credentials are dumped from.
    Source,
}

/// One entry of a control's `scope`: a selector and the end of the edge it looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeSelector {
    pub side: Side,
    pub selector: Selector,
}

impl std::fmt::Display for ScopeSelector {
    /// As written in a scope, `from:` first for the source side.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.side {
            Side::Target => write!(f, "{}", self.selector),
            Side::Source => write!(f, "from:{}", self.selector),
        }
    }
}

/// One end of an edge, as a scope sees it.
#[derive(Debug, Clone, Copy)]
pub enum EdgeEnd<'a> {
    Node(&'a Node),
    /// An entry point (only ever an edge's source).
    Entry(&'a EntryPoint),
}

impl EdgeEnd<'_> {
    /// Where the node or entry point is written.
    pub fn loc(&self) -> Loc {
        match self {
            EdgeEnd::Node(n) => n.loc,
            EdgeEnd::Entry(e) => e.loc,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ControlStatus {
    Deployed,
    Planned,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cost {
    pub once: f64,
    pub yearly: f64,
}

/// A control's assurance check: a Rego policy over evidence files.
#[derive(Debug, Clone)]
pub struct Check {
    pub policy: Spanned<String>,
    pub evidence: Vec<Spanned<String>>,
    pub package: Option<String>,
    /// Evidence older than this many seconds is stale.
    pub max_age_secs: Option<u64>,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct Efficacy {
    pub technique: Spanned<String>,
    pub value: Spanned<Estimate>,
}

#[derive(Debug, Clone)]
pub struct Control {
    pub id: String,
    pub name: Option<String>,
    pub mitigates: Vec<Efficacy>,
    pub detects: Vec<Efficacy>,
    pub scope: Vec<Spanned<ScopeSelector>>,
    /// ATT&CK mitigations (M-ids) this control implements.
    pub implements: Vec<Spanned<String>>,
    /// The built-in catalog control it is based on (`uses: catalog/<name>`), without the prefix.
    pub catalog: Option<Spanned<String>>,
    pub status: ControlStatus,
    pub cost: Cost,
    pub owner: Option<String>,
    pub check: Option<Check>,
    /// Free text shown in reports.
    pub description: Option<String>,
    pub loc: Loc,
}

impl Control {
    /// Does this control's scope cover the edge from `source` to `target` (one selector matching
    /// the end it looks at)?
    pub fn covers(&self, source: EdgeEnd<'_>, target: EdgeEnd<'_>) -> bool {
        self.covering_selector(source, target).is_some()
    }
    /// Whether the control lists `technique` (itself or its parent) in `mitigates` or `detects`: only
    /// then can it act on, or implement a mitigation for, a step of that technique.
    pub fn lists(&self, technique: &str) -> bool {
        self.mitigates.iter().chain(&self.detects).any(|x| crate::kb::technique_covers(&x.technique.value, technique))
    }
    /// The first selector of the scope that covers the edge from `source` to `target`.
    pub fn covering_selector(&self, source: EdgeEnd<'_>, target: EdgeEnd<'_>) -> Option<&ScopeSelector> {
        self.scope.iter().map(|s| &s.value).find(|s| match s.side {
            Side::Target => s.selector.matches(target),
            Side::Source => s.selector.matches(source),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub id: String,
    pub name: Option<String>,
    /// Attempts per year.
    pub frequency: Spanned<Estimate>,
    pub entry: Vec<Ref>,
    pub skill: Skill,
    /// Targets; empty in the YAML means every crown jewel, and the loader fills them in.
    pub targets: Vec<Ref>,
    /// The ATT&CK group (`G0016`, or a name or alias) whose known techniques limit this actor.
    pub attack_group: Option<Spanned<String>>,
    /// Resolved from `attack_group` by the loader: the techniques the group is known to use (sorted
    /// ATT&CK ids). `None` means no limit.
    pub allowed_techniques: Option<Vec<String>>,
    /// Free text shown in reports.
    pub description: Option<String>,
    pub loc: Loc,
}

impl Actor {
    /// Whether this actor may take a step of `technique`: always, unless its ATT&CK group limits it
    /// (then the group uses the technique, its parent or one of its sub-techniques).
    pub fn allows(&self, technique: &str) -> bool {
        self.allowed_techniques.as_ref().is_none_or(|used| crate::kb::group_allows(used, technique))
    }
}

#[derive(Debug, Clone)]
pub struct Initiative {
    pub id: String,
    pub name: Option<String>,
    pub deploys: Vec<Ref>,
    pub removes: Vec<Ref>,
    pub cost: Cost,
    pub duration_quarters: u32,
    pub depends_on: Vec<Ref>,
    pub owner: Option<String>,
    /// Free text shown in reports.
    pub description: Option<String>,
    pub loc: Loc,
}

/// A loaded, validated model.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub settings: Settings,
    pub entry_points: Vec<EntryPoint>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub controls: Vec<Control>,
    pub actors: Vec<Actor>,
    pub initiatives: Vec<Initiative>,
    /// Crown jewels that share one loss event per attempt.
    pub loss_groups: Vec<crate::groups::LossGroup>,
    /// Risks leadership chose to carry, each with an owner and an expiry.
    pub accepted_risks: Vec<crate::accepted::AcceptedRisk>,
    pub sources: Sources,
}

impl Model {
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
    /// The node or entry point with id `id`, as an edge's end (`None` if neither exists); for
    /// many lookups, [`Self::edge_ends`].
    pub fn edge_end(&self, id: &str) -> Option<EdgeEnd<'_>> {
        self.node(id).map(EdgeEnd::Node).or_else(|| self.entry_points.iter().find(|e| e.id == id).map(EdgeEnd::Entry))
    }
    /// Every node and entry point by id, as an edge's end (what control scopes look at).
    pub fn edge_ends(&self) -> std::collections::HashMap<&str, EdgeEnd<'_>> {
        let entries = self.entry_points.iter().map(|e| (e.id.as_str(), EdgeEnd::Entry(e)));
        entries.chain(self.nodes.iter().map(|n| (n.id.as_str(), EdgeEnd::Node(n)))).collect()
    }
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }
    pub fn crown_jewels(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.crown_jewel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_kind_names_round_trip() {
        for name in EntryKind::NAMES {
            assert_eq!(EntryKind::parse(name).map(EntryKind::name), Some(name));
        }
    }
}
