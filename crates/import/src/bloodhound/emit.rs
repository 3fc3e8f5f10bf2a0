//! The import graph as riskpath model files: nodes with readable names, zones and tags, Tier Zero
//! crown jewels with their loss, edges with the right they stand for and its fix, entry presets —
//! after the documented rules for disabled accounts and stale sessions — one subfolder per source.

use std::collections::{BTreeMap, BTreeSet};

use riskpath_model::kb;
use serde::Serialize;
use serde_json::{Value, json};

use super::graph::{Edge, Graph, Ix, Node, Source};
use super::kinds::{self, K};
use super::opengraph::Mapped;
use super::settings::Settings;
use super::tier::TierZero;
use crate::output::Generated;

/// Items per generated file: the loader parses files in parallel, and each stays far inside its
/// per-file limits.
pub const CHUNK: usize = 50_000;

#[derive(Serialize)]
struct NodeOut<'a> {
    id: &'a str,
    kind: &'a str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    zone: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'static str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    crown_jewel: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    loss: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

#[derive(Serialize)]
struct EdgeOut<'a> {
    from: &'a str,
    to: &'a str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    relation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    removable: Option<bool>,
}

/// An edge's sort key: its ends' ids and its kind.
type EdgeKey<'a> = (String, String, &'a str);

/// What the emitted model holds, for the summary.
#[derive(Debug, Default, Clone)]
pub struct Emitted {
    pub nodes: usize,
    pub edges: usize,
    pub edges_by_kind: BTreeMap<&'static str, usize>,
    pub jewels: Vec<String>,
    /// Edges into disabled accounts that cannot re-enable them.
    pub dropped_disabled: usize,
    pub stale_sessions: usize,
    pub phishing_targets: usize,
    pub foothold_targets: usize,
    pub owned: Vec<String>,
    pub entry_points: Vec<String>,
    pub loss_groups: usize,
    /// Entry presets asked for but not written, with why.
    pub presets_skipped: Vec<String>,
}

/// Kinds that can re-enable a disabled account (they write userAccountControl); any other edge
/// into a disabled account reaches nothing usable and is left out.
const REENABLES: &[K] = &[
    kinds::GENERIC_ALL,
    kinds::GENERIC_WRITE,
    kinds::OWNS,
    kinds::WRITE_DACL,
    kinds::WRITE_OWNER,
    kinds::OWNS_LIMITED,
    kinds::WRITE_OWNER_LIMITED,
    kinds::CONTAINS,
    kinds::PROPAGATES_ACES_TO,
    kinds::CONTAINS_IDENTITY,
    kinds::HAS_SID_HISTORY,
];

/// Facts of the directory rather than grants someone made: never offered as cuts.
const STRUCTURAL: &[K] = &[
    kinds::CONTAINS,
    kinds::PROPAGATES_ACES_TO,
    kinds::CONTAINS_IDENTITY,
    kinds::DC_FOR,
    kinds::SAME_FOREST_TRUST,
    kinds::CLAIM_SPECIAL_IDENTITY,
    kinds::AZ_CONTAINS,
    kinds::AZ_RUNS_AS,
    kinds::AZ_NODE_RESOURCE_GROUP,
];

/// The collection's own clock: its latest logon timestamp (no wall clock, so imports reproduce).
pub fn collection_time(graph: &Graph) -> Option<i64> {
    graph.nodes.iter().filter_map(|n| n.last_logon).max()
}

struct Ctx<'a> {
    graph: &'a Graph,
    tier: &'a TierZero,
    settings: &'a Settings,
    /// Logons before this (epoch seconds) are stale.
    stale_before: Option<i64>,
}

impl<'a> Ctx<'a> {
    fn node(&self, ix: Ix) -> &'a Node {
        self.graph.node(ix)
    }
    fn name(&self, ix: Ix) -> String {
        display_name(self.node(ix))
    }
    fn stale(&self, ix: Ix) -> bool {
        matches!((self.stale_before, self.node(ix).last_logon), (Some(cut), Some(t)) if t < cut)
    }
    fn disabled(&self, ix: Ix) -> bool {
        self.node(ix).enabled == Some(false)
    }
}

/// A node's readable name: BloodHound's name, else its id marked as not collected.
pub fn display_name(n: &Node) -> String {
    match (n.name.is_empty(), n.flags.placeholder) {
        (false, _) => n.name.clone(),
        (true, true) => format!("{} (not in the collection)", n.id),
        (true, false) => n.id.clone(),
    }
}

/// Writes the model files of `graph` into `out` under `folder`.
pub fn emit(graph: &Graph, tier: &TierZero, settings: &Settings, mapped: &Mapped, out: &mut Generated) -> Emitted {
    let stale_before = collection_time(graph).map(|t| t - settings.stale_days * 86_400);
    let cx = Ctx { graph, tier, settings, stale_before };
    let mut stats = Emitted::default();
    let mut nodes: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (i, n) in graph.nodes.iter().enumerate() {
        let item = node_item(&cx, i as Ix, &mut stats);
        nodes.entry(folder_of(n)).or_default().push((n.id.clone(), serde_json::to_string(&item).expect("json")));
    }
    let mut edges: BTreeMap<String, Vec<(EdgeKey, String)>> = BTreeMap::new();
    for e in graph.edges() {
        let Some(item) = edge_item(&cx, &e, &mut stats) else { continue };
        let key = (graph.node(e.from).id.clone(), graph.node(e.to).id.clone(), item.kind);
        let folder = folder_of(if graph.node(e.from).source.is_some() { graph.node(e.from) } else { graph.node(e.to) });
        edges.entry(folder).or_default().push((key, serde_json::to_string(&item).expect("json")));
    }
    for (from, to, kind) in &mapped.edges {
        let Some(kind) = kb::edge_kind(kind).map(|k| k.name) else { continue };
        let (a, b) = (graph.node(*from), graph.node(*to));
        let item = EdgeOut {
            from: &a.id,
            to: &b.id,
            kind,
            relation: settings.keys.relation.then(|| format!("{kind} on {} (OpenGraph, mapped)", display_name(b))),
            remediation: settings
                .keys
                .remediation
                .then(|| kind_remediation(kind, &display_name(a), &display_name(b)))
                .flatten(),
            removable: None,
        };
        *stats.edges_by_kind.entry(kind).or_default() += 1;
        edges
            .entry(folder_of(a))
            .or_default()
            .push(((a.id.clone(), b.id.clone(), kind), serde_json::to_string(&item).expect("json")));
    }
    for (folder, mut items) in nodes {
        items.sort();
        stats.nodes += items.len();
        write_chunks(out, &folder, "nodes", items.into_iter().map(|(_, line)| line).collect());
    }
    for (folder, mut items) in edges {
        items.sort();
        stats.edges += items.len();
        write_chunks(out, &folder, "edges", items.into_iter().map(|(_, line)| line).collect());
    }
    entries(&cx, out, &mut stats);
    if settings.keys.loss_groups {
        loss_groups(&cx, out, &mut stats);
    }
    stats
}

fn folder_of(n: &Node) -> String {
    n.source.as_ref().unwrap_or(&Source::Ad).folder()
}

/// JSON Lines files of at most [`CHUNK`] items each, one `{"<kind>": item}` a line:
/// `<folder>/<key>.jsonl`, or `<key>-1.jsonl`, `<key>-2.jsonl`, … when there are more.
fn write_chunks(out: &mut Generated, folder: &str, key: &str, lines: Vec<String>) {
    let chunks: Vec<&[String]> = lines.chunks(CHUNK).collect();
    let kind = key.strip_suffix('s').unwrap_or(key);
    for (i, chunk) in chunks.iter().enumerate() {
        let name =
            if chunks.len() == 1 { format!("{folder}/{key}.jsonl") } else { format!("{folder}/{key}-{}.jsonl", i + 1) };
        out.file(name, chunk.iter().map(|item| format!("{{\"{kind}\":{item}}}\n")).collect());
    }
}

fn node_item<'a>(cx: &Ctx<'a>, ix: Ix, stats: &mut Emitted) -> NodeOut<'a> {
    let n = cx.node(ix);
    let jewel = cx.tier.jewels.contains(&ix) && !cx.settings.not_jewel(n);
    let extra = cx.settings.jewel_loss(n);
    let crown_jewel = jewel || extra.is_some();
    if crown_jewel {
        stats.jewels.push(display_name(n));
    }
    let zone = if n.domain.is_empty() { None } else { Some(n.domain.to_ascii_lowercase()) };
    NodeOut {
        id: &n.id,
        kind: cx.settings.node_kind(&n.label),
        name: display_name(n),
        zone,
        tags: tags(cx, ix),
        crown_jewel,
        loss: crown_jewel.then(|| extra.unwrap_or_else(|| cx.settings.loss.clone())),
        description: cx.settings.keys.description.then(|| description(n)).flatten(),
    }
}

fn description(n: &Node) -> Option<String> {
    let what = match n.label.as_str() {
        "User" | "Computer" | "Group" | "Domain" | "OU" | "GPO" | "Container" => {
            format!("Active Directory {}", n.label)
        }
        l if l.starts_with("AZ") => format!("Entra ID / Azure {}", &l[2..]),
        l => format!("OpenGraph {l}"),
    };
    let placeholder = if n.flags.placeholder { ", referenced but not in the collection" } else { "" };
    Some(format!("{what} (BloodHound id {}){placeholder}", n.id))
}

/// The tags of a node: what presets and control scopes select it by.
fn tags(cx: &Ctx, ix: Ix) -> Vec<&'static str> {
    let n = cx.node(ix);
    let mut t = Vec::new();
    let account = matches!(n.label.as_str(), "User" | "Computer" | "AZUser");
    if phishable(cx, ix) {
        t.push("enabled-user");
    }
    if account && n.enabled == Some(false) {
        t.push("disabled");
    }
    if account && cx.stale(ix) {
        t.push("stale");
    }
    if cx.tier.nodes.contains(&ix) {
        t.push("tier-zero");
    }
    if n.flags.is_dc {
        t.push("domain-controller");
    }
    if n.label == "Computer" {
        t.push(if n.os.to_ascii_lowercase().contains("server") || n.flags.is_dc { "server" } else { "workstation" });
    }
    if n.flags.admin_count {
        t.push("admin-count");
    }
    if n.label == "User" && n.flags.has_spn {
        t.push("kerberoastable");
    }
    if n.flags.unconstrained {
        t.push("unconstrained-delegation");
    }
    if n.flags.has_laps {
        t.push("laps");
    }
    if n.flags.placeholder {
        t.push("placeholder");
    }
    t
}

/// Phishing targets: enabled user accounts (AD and Entra) that have logged on within the stale
/// window (or whose last logon is unknown) — nobody reads a dormant account's mail.
fn phishable(cx: &Ctx, ix: Ix) -> bool {
    let n = cx.node(ix);
    matches!(n.label.as_str(), "User" | "AZUser")
        && n.enabled == Some(true)
        && !n.flags.placeholder
        && !n.flags.managed_account
        && !cx.stale(ix)
}

fn edge_item<'a>(cx: &Ctx<'a>, e: &Edge, stats: &mut Emitted) -> Option<EdgeOut<'a>> {
    let mut kind = e.kind.riskpath()?;
    if cx.disabled(e.to) && !REENABLES.contains(&e.kind) {
        stats.dropped_disabled += 1;
        return None;
    }
    if e.kind == kinds::HAS_SESSION && (cx.stale(e.from) || cx.stale(e.to)) {
        kind = "has_session_stale";
        stats.stale_sessions += 1;
    }
    *stats.edges_by_kind.entry(kind).or_default() += 1;
    let (from, to) = (cx.name(e.from), cx.name(e.to));
    let keys = &cx.settings.keys;
    Some(EdgeOut {
        from: &cx.node(e.from).id,
        to: &cx.node(e.to).id,
        kind,
        relation: keys.relation.then(|| relation(e, &from, &to)),
        remediation: keys.remediation.then(|| edge_remediation(cx, e, kind, &from, &to)).flatten(),
        removable: (keys.removable && !removable(cx, e)).then_some(false),
    })
}

/// The edge's fix: [`remediation`], except for a membership this estate cannot remove (in a group
/// every account is in, or a built-in member of a Tier Zero group), whose fix is to protect the
/// member; a choke point there is a control point, not a removal.
fn edge_remediation(cx: &Ctx, e: &Edge, kind: &str, from: &str, to: &str) -> Option<String> {
    let kept = cx.settings.keys.removable && !removable(cx, e) && !e.implicit;
    if !kept || e.kind != kinds::MEMBER_OF {
        return remediation(e, kind, from, to);
    }
    let why = if POPULATION_RIDS.iter().any(|rid| cx.node(e.to).id.ends_with(rid)) {
        format!("every account is in {to}")
    } else {
        format!("{from} is a built-in member of {to}")
    };
    Some(format!(
        "The membership stays ({why}): protect {from} instead (phishing-resistant MFA, a strong or managed password, no sessions on lower tiers) and alert on its unusual logons"
    ))
}

/// The groups every account is in as its primary group, Domain Users (RID 513) and Domain Computers
/// (515): a membership there is the account itself, not a grant, so it is never the fix.
const POPULATION_RIDS: &[&str] = &["-513", "-515"];

/// Whether cutting the edge is a fix: not for facts of the directory, implicit memberships, a
/// Tier Zero principal's own rights (granted by design), memberships in Domain Users or Domain
/// Computers, or built-in members of built-in groups.
fn removable(cx: &Ctx, e: &Edge) -> bool {
    if STRUCTURAL.contains(&e.kind) || e.implicit {
        return false;
    }
    let from_tier_zero = cx.tier.nodes.contains(&e.from);
    if e.kind == kinds::MEMBER_OF {
        if POPULATION_RIDS.iter().any(|rid| cx.node(e.to).id.ends_with(rid)) {
            return false;
        }
        let builtin_member = from_tier_zero || cx.node(e.from).id.ends_with("-500");
        return !(builtin_member && cx.tier.nodes.contains(&e.to));
    }
    !from_tier_zero
}

/// What the edge stands for, naming the concrete right.
pub fn relation(e: &Edge, from: &str, to: &str) -> String {
    let bh = e.kind.bh();
    let inherited = if e.inherited { " (inherited)" } else { "" };
    match e.kind {
        k if k == kinds::MEMBER_OF || k == kinds::AZ_MEMBER_OF => {
            if e.implicit {
                format!("{from} is in {to} at every logon")
            } else {
                format!("{from} is a member of {to}")
            }
        }
        k if k == kinds::HAS_SESSION => format!("{to} had a logon session on {from}"),
        k if k == kinds::CONTAINS || k == kinds::AZ_CONTAINS => format!("{from} contains {to}"),
        k if k == kinds::GP_LINK => format!("GPO {from} is linked to {to}"),
        k if k == kinds::DC_FOR => format!("{from} is a domain controller of {to}"),
        k if k == kinds::DCSYNC => format!("GetChanges and GetChangesAll on {to}"),
        k if k == kinds::AZ_HAS_ROLE => format!("{from} holds the role {to}"),
        k if k == kinds::SAME_FOREST_TRUST || k == kinds::SPOOF_SID_HISTORY || k == kinds::ABUSE_TGT_DELEGATION => {
            format!("{bh}: trust between {from} and {to}")
        }
        _ => format!("{bh} on {to}{inherited}"),
    }
}

/// Kinds that stand for an ACE on the target object: an inherited one is removed where it is set.
const ACES: &[K] = &[
    kinds::GENERIC_ALL,
    kinds::GENERIC_WRITE,
    kinds::WRITE_DACL,
    kinds::WRITE_OWNER,
    kinds::OWNS_LIMITED,
    kinds::WRITE_OWNER_LIMITED,
    kinds::ALL_EXTENDED_RIGHTS,
    kinds::FORCE_CHANGE_PASSWORD,
    kinds::ADD_MEMBER,
    kinds::ADD_SELF,
    kinds::ADD_KEY_CREDENTIAL_LINK,
    kinds::WRITE_SPN,
    kinds::WRITE_ACCOUNT_RESTRICTIONS,
    kinds::WRITE_ALT_SECURITY_IDENTITIES,
    kinds::WRITE_PUBLIC_INFORMATION,
    kinds::READ_LAPS,
    kinds::ADD_ALLOWED_TO_ACT,
    kinds::WRITE_GP_LINK,
];

/// The concrete fix for an edge written as riskpath kind `kind`: the knowledge base's default for
/// the kind (`kb/directory.rs` names the right, attribute or setting) with the ends' readable names,
/// except where the edge knows more than its kind: an inherited ACE is removed on the parent it comes
/// from, and an implicit membership (a special identity every logon receives) cannot be removed, so
/// its fix is the special identity's. Facts of the directory keep their kind's text too: with
/// `removable` they are never offered as cuts, without it they say what would take their place.
pub fn remediation(e: &Edge, kind: &str, from: &str, to: &str) -> Option<String> {
    if e.inherited && ACES.contains(&e.kind) {
        return Some(format!(
            "Remove the inheritable ACE granting {from} {} on the OU or container above {to} (or turn off inheritance on {to})",
            e.kind.bh()
        ));
    }
    kind_remediation(if e.implicit { "claim_special_identity" } else { kind }, from, to)
}

/// The knowledge base's default remediation of `kind`, filled with readable names.
fn kind_remediation(kind: &str, from: &str, to: &str) -> Option<String> {
    let (_, template) = kb::remediation(kb::edge_kind(kind)?);
    Some(kb::fill(template, &[("from", from), ("to", to)]))
}

/// Entry presets: the phishing campaign over enabled users, owned principals, footholds.
fn entries(cx: &Ctx, out: &mut Generated, stats: &mut Emitted) {
    let mut points: Vec<Value> = Vec::new();
    let mut edges: Vec<(String, String)> = Vec::new();
    let s = cx.settings;
    if let Some(reach) = &s.phishing {
        if s.keys.campaign {
            let targets: Vec<Ix> = (0..cx.graph.nodes.len() as Ix).filter(|x| phishable(cx, *x)).collect();
            stats.phishing_targets = targets.len();
            points.push(json!({"id": "phishing", "kind": "email", "name": "Phishing campaign against enabled users",
                "campaign": {"targets": ["tag:enabled-user"], "reach": reach}}));
            edges.extend(targets.iter().map(|t| entry_edge(cx, "phishing", *t, "phishes")));
        } else {
            stats.presets_skipped.push(
                "phishing: this build's loader has no `campaign` key yet, and one edge per user would overstate it"
                    .into(),
            );
        }
    }
    let owned = s.owned_nodes(cx.graph);
    if !owned.is_empty() {
        stats.owned = owned.iter().map(|x| cx.name(*x)).collect();
        points.push(json!({"id": "owned", "kind": "insider", "name": "Principals already held (marked owned)"}));
        edges.extend(owned.iter().map(|t| entry_edge(cx, "owned", *t, "holds")));
    }
    if let Some((selector, reach)) = &s.foothold {
        let targets: Vec<Ix> = (0..cx.graph.nodes.len() as Ix).filter(|x| foothold_target(cx, *x, selector)).collect();
        if !s.keys.campaign {
            stats.presets_skipped.push("foothold: this build's loader has no `campaign` key yet".into());
        } else if targets.is_empty() {
            stats.presets_skipped.push(format!("foothold: no computer matches `{selector}`"));
        } else {
            stats.foothold_targets = targets.len();
            let target = if selector == "computers" { "kind:computer".to_string() } else { selector.clone() };
            points.push(json!({"id": "foothold", "kind": "insider", "name": format!("Assume breach on {selector}"),
                "campaign": {"targets": [target], "reach": reach}}));
            edges.extend(targets.iter().map(|t| entry_edge(cx, "foothold", *t, "foothold")));
        }
    }
    stats.entry_points = points.iter().filter_map(|p| p["id"].as_str().map(str::to_string)).collect();
    if !points.is_empty() {
        out.items("entry/entry_points.jsonl", "entry_points", &points);
        edges.sort();
        let lines: Vec<String> = edges.into_iter().map(|(_, line)| line).collect();
        write_chunks(out, "entry", "edges", lines);
    }
}

fn foothold_target(cx: &Ctx, ix: Ix, selector: &str) -> bool {
    let n = cx.node(ix);
    let enabled_computer = n.label == "Computer" && n.enabled != Some(false) && !n.flags.placeholder;
    match selector.strip_prefix("tag:") {
        _ if selector == "computers" => enabled_computer,
        Some(tag) => enabled_computer && tags(cx, ix).contains(&tag),
        None => false,
    }
}

fn entry_edge(cx: &Ctx, entry: &str, target: Ix, kind: &'static str) -> (String, String) {
    let n = cx.node(target);
    let item = EdgeOut {
        from: entry,
        to: &n.id,
        kind,
        relation: cx.settings.keys.relation.then(|| format!("{entry} reaches {}", display_name(n))),
        remediation: cx.settings.keys.remediation.then(|| kind_remediation(kind, entry, &display_name(n))).flatten(),
        removable: cx.settings.keys.removable.then_some(false),
    };
    (n.id.clone(), serde_json::to_string(&item).expect("json"))
}

/// One loss group per forest and tenant with several jewels: taking the forest is one loss event,
/// whatever number of its jewels an attempt holds.
fn loss_groups(cx: &Ctx, out: &mut Generated, stats: &mut Emitted) {
    let mut groups: BTreeMap<&String, BTreeSet<&str>> = BTreeMap::new();
    for (j, group) in &cx.tier.group_of {
        let n = cx.node(*j);
        if !cx.settings.not_jewel(n) {
            groups.entry(group).or_default().insert(&n.id);
        }
    }
    let items: Vec<Value> = groups
        .into_iter()
        .filter(|(_, members)| members.len() > 1)
        .map(|(name, members)| json!({"id": super::graph::slug(name), "members": members}))
        .collect();
    stats.loss_groups = items.len();
    if !items.is_empty() {
        out.items("entry/loss_groups.jsonl", "loss_groups", &items);
    }
}
