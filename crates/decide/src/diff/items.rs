//! A model as a list of comparable items for `riskpath diff`: each item's kind, key (its id; an
//! edge without one by from, to, kind and rank), fields as text without source locations, and references.

use std::collections::HashMap;

use riskpath_model::{
    Actor, Control, Edge, EdgeExtra, EntryPoint, Estimate, Initiative, Loc, Loss, LossGroup, Model, Node, Settings,
    Spanned,
};

/// The kinds of items a model is made of, in the order a diff lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Settings,
    EntryPoint,
    Node,
    Edge,
    Control,
    Actor,
    LossGroup,
    Initiative,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Settings,
        Kind::EntryPoint,
        Kind::Node,
        Kind::Edge,
        Kind::Control,
        Kind::Actor,
        Kind::LossGroup,
        Kind::Initiative,
    ];
    /// The word for one item of this kind in a sentence.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Settings => "settings",
            Kind::EntryPoint => "entry point",
            Kind::Node => "node",
            Kind::Edge => "edge",
            Kind::Control => "control",
            Kind::Actor => "actor",
            Kind::LossGroup => "loss group",
            Kind::Initiative => "initiative",
        }
    }
}

/// One field of an item, as comparable text.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub value: String,
    /// Whether the simulation reads it (a name or a description changes no number).
    pub numeric: bool,
}

/// A reference from one item to another: the kinds it may name and the id.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub kinds: &'static [Kind],
    pub id: String,
}

/// One item of a model: where it is (`index` into the model's list of its kind), its key, fields
/// and references.
#[derive(Debug, Clone)]
pub struct Item {
    pub kind: Kind,
    pub key: String,
    pub index: usize,
    pub fields: Vec<Field>,
    pub references: Vec<Reference>,
}

/// Every item of a model, by kind and key.
pub struct Items {
    pub list: Vec<Item>,
    pub by_key: HashMap<(Kind, String), usize>,
}

impl Items {
    pub fn of(model: &Model) -> Self {
        let mut list = vec![settings(&model.settings)];
        list.extend(model.entry_points.iter().enumerate().map(|(i, e)| entry_point(i, e)));
        list.extend(model.nodes.iter().enumerate().map(|(i, n)| node(i, n)));
        list.extend(edge_keys(model).into_iter().zip(&model.edges).enumerate().map(|(i, (k, e))| edge(i, k, e)));
        list.extend(model.controls.iter().enumerate().map(|(i, c)| control(i, c)));
        list.extend(model.actors.iter().enumerate().map(|(i, a)| actor(i, a)));
        list.extend(model.loss_groups.iter().enumerate().map(|(i, g)| loss_group(i, g)));
        list.extend(model.initiatives.iter().enumerate().map(|(i, x)| initiative(i, x)));
        let by_key = list.iter().enumerate().map(|(i, item)| ((item.kind, item.key.clone()), i)).collect();
        Items { list, by_key }
    }
    pub fn get(&self, kind: Kind, key: &str) -> Option<&Item> {
        self.by_key.get(&(kind, key.to_string())).map(|&i| &self.list[i])
    }
}

/// An edge's key: its id, else `from -> to (kind)`, with `#n` for the n-th further edge with the
/// same three (their order in the model tells them apart).
fn edge_keys(model: &Model) -> Vec<String> {
    let mut seen: HashMap<(&str, &str, &str), usize> = HashMap::new();
    model
        .edges
        .iter()
        .map(|e| {
            if let Some(id) = &e.id {
                return id.clone();
            }
            let n = seen.entry((&e.from.value, &e.to.value, &e.kind.value)).or_insert(0);
            *n += 1;
            let rank = if *n > 1 { format!(" #{n}") } else { String::new() };
            format!("{} -> {} ({}){rank}", e.from.value, e.to.value, e.kind.value)
        })
        .collect()
}

fn field(name: &'static str, value: String, numeric: bool) -> Field {
    Field { name, value, numeric }
}

/// An estimate as written: a number or `{low, high}`.
pub fn estimate(e: &Estimate) -> String {
    match *e {
        Estimate::Point(v) => format!("{v}"),
        Estimate::Interval { low, high } => format!("{{low: {low}, high: {high}}}"),
    }
}

fn optional<T: std::fmt::Display>(value: &Option<T>) -> String {
    value.as_ref().map_or_else(String::new, |v| v.to_string())
}

fn ids(refs: &[Spanned<String>]) -> String {
    refs.iter().map(|r| r.value.as_str()).collect::<Vec<_>>().join(", ")
}

fn losses(list: &[Loss]) -> String {
    list.iter().map(|l| format!("{}: {}", l.kind, estimate(&l.amount.value))).collect::<Vec<_>>().join("; ")
}

fn references<T: AsRef<str>>(kinds: &'static [Kind], refs: &[Spanned<T>]) -> impl Iterator<Item = Reference> {
    refs.iter().map(move |r| Reference { kinds, id: r.value.as_ref().to_string() })
}

const ENDS: &[Kind] = &[Kind::EntryPoint, Kind::Node];

fn settings(s: &Settings) -> Item {
    // Every field is named, so a new setting fails to compile until it is compared here.
    let Settings { currency, respond, trials, seed, years, tolerance, attack, platforms, day_rate } = s;
    let fields = vec![
        field("currency", currency.clone(), false),
        field("respond", respond.to_string(), true),
        // The diff runs both sides with one trial count, year count and seed of its own.
        field("trials", trials.to_string(), false),
        field("seed", seed.to_string(), false),
        field("years", years.to_string(), false),
        field("tolerance", optional(tolerance), false),
        field("attack", optional(attack), false),
        field("platforms", platforms.as_ref().map_or_else(String::new, |p| p.join(", ")), false),
        field("day_rate", optional(day_rate), false),
    ];
    Item { kind: Kind::Settings, key: "settings".into(), index: 0, fields, references: Vec::new() }
}

fn entry_point(index: usize, e: &EntryPoint) -> Item {
    let EntryPoint { id, kind, name, campaign, description, loc: _ } = e;
    let campaign = campaign.as_ref().map_or_else(String::new, |c| {
        let targets = c.targets.iter().map(|t| t.value.to_string()).collect::<Vec<_>>().join(", ");
        format!("targets: [{targets}], reach: {}", estimate(&c.reach.value))
    });
    let fields = vec![
        field("kind", kind.name().into(), true),
        field("name", optional(name), false),
        field("campaign", campaign, true),
        field("description", optional(description), false),
    ];
    Item { kind: Kind::EntryPoint, key: id.clone(), index, fields, references: Vec::new() }
}

fn node(index: usize, n: &Node) -> Item {
    let Node { id, kind, name, zone, owner, tags, crown_jewel, loss, description, remediation, loc: _ } = n;
    let fields = vec![
        field("kind", kind.clone(), true),
        field("name", optional(name), false),
        field("zone", optional(zone), true),
        field("owner", optional(owner), true),
        field("tags", tags.join(", "), true),
        field("crown_jewel", crown_jewel.to_string(), true),
        field("loss", losses(loss), true),
        field("description", optional(description), false),
        field("remediation", optional(remediation), false),
    ];
    Item { kind: Kind::Node, key: id.clone(), index, fields, references: Vec::new() }
}

fn edge(index: usize, key: String, e: &Edge) -> Item {
    let Edge { id: _, from, to, kind, p, requires, extra: _, loc: _ } = e;
    let EdgeExtra { technique, requires_any, fix_cost, removable, vulnerabilities, relation, remediation, description } =
        e.extra();
    let alternatives = requires_any.iter().map(|alt| format!("[{}]", ids(alt))).collect::<Vec<_>>().join(", ");
    let vulnerabilities = vulnerabilities
        .iter()
        .map(|v| format!("{:?}", riskpath_model::vuln::Vulnerability { loc: Loc::default(), ..v.clone() }))
        .collect::<Vec<_>>()
        .join("; ");
    let fields = vec![
        field("from", from.value.to_string(), true),
        field("to", to.value.to_string(), true),
        field("kind", kind.value.to_string(), true),
        field("p", p.as_ref().map_or_else(String::new, |p| estimate(&p.value)), true),
        field("technique", technique.as_ref().map_or_else(String::new, |t| t.value.clone()), true),
        field("requires", ids(requires), true),
        field("requires_any", alternatives, true),
        field("fix_cost", fix_cost.as_ref().map_or_else(String::new, |f| format!("{:?}", f.value)), false),
        field("removable", removable.as_ref().map_or_else(String::new, |r| r.value.to_string()), false),
        field("vulnerabilities", vulnerabilities, true),
        field("relation", optional(relation), false),
        field("remediation", optional(remediation), false),
        field("description", optional(description), false),
    ];
    let references = references(ENDS, std::slice::from_ref(from))
        .chain(references(ENDS, std::slice::from_ref(to)))
        .chain(references(&[Kind::Node, Kind::EntryPoint], requires))
        .chain(requires_any.iter().flat_map(|alt| references(ENDS, alt)))
        .collect();
    Item { kind: Kind::Edge, key, index, fields, references }
}

fn control(index: usize, c: &Control) -> Item {
    let Control {
        id,
        name,
        mitigates,
        detects,
        scope,
        implements,
        catalog,
        status,
        cost,
        owner,
        check,
        description,
        loc: _,
    } = c;
    let efficacies = |list: &[riskpath_model::Efficacy]| {
        list.iter()
            .map(|x| format!("{}: {}", x.technique.value, estimate(&x.value.value)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let check = check.as_ref().map_or_else(String::new, |c| {
        let evidence = c.evidence.iter().map(|e| e.value.as_str()).collect::<Vec<_>>().join(", ");
        format!(
            "policy: {}, evidence: [{evidence}], package: {}, max_age_secs: {}",
            c.policy.value,
            optional(&c.package),
            optional(&c.max_age_secs)
        )
    });
    let fields = vec![
        field("name", optional(name), false),
        field("mitigates", efficacies(mitigates), true),
        field("detects", efficacies(detects), true),
        field("scope", scope.iter().map(|s| s.value.to_string()).collect::<Vec<_>>().join(", "), true),
        field("implements", ids(implements), false),
        field("uses", catalog.as_ref().map_or_else(String::new, |c| c.value.clone()), false),
        field("status", format!("{status:?}").to_lowercase(), true),
        field("cost", format!("once: {}, yearly: {}", cost.once, cost.yearly), false),
        field("owner", optional(owner), false),
        field("check", check, false),
        field("description", optional(description), false),
    ];
    Item { kind: Kind::Control, key: id.clone(), index, fields, references: Vec::new() }
}

fn actor(index: usize, a: &Actor) -> Item {
    let Actor { id, name, frequency, entry, skill, targets, attack_group, allowed_techniques, description, loc: _ } = a;
    let fields = vec![
        field("name", optional(name), false),
        field("frequency", estimate(&frequency.value), true),
        field("entry", ids(entry), true),
        field("skill", format!("{skill:?}").to_lowercase(), true),
        field("targets", ids(targets), true),
        field("attack_group", attack_group.as_ref().map_or_else(String::new, |g| g.value.clone()), false),
        field("allowed_techniques", allowed_techniques.as_ref().map_or_else(String::new, |t| t.join(", ")), true),
        field("description", optional(description), false),
    ];
    let references = references(&[Kind::EntryPoint], entry).chain(references(&[Kind::Node], targets)).collect();
    Item { kind: Kind::Actor, key: id.clone(), index, fields, references }
}

fn loss_group(index: usize, g: &LossGroup) -> Item {
    let LossGroup { id, name, members, loss, loc: _ } = g;
    let fields = vec![
        field("name", optional(name), false),
        field("members", ids(members), true),
        field("loss", losses(loss), true),
    ];
    Item {
        kind: Kind::LossGroup,
        key: id.clone(),
        index,
        fields,
        references: references(&[Kind::Node], members).collect(),
    }
}

fn initiative(index: usize, x: &Initiative) -> Item {
    let Initiative { id, name, deploys, removes, cost, duration_quarters, depends_on, owner, description, loc: _ } = x;
    let fields = vec![
        field("name", optional(name), false),
        field("deploys", ids(deploys), false),
        field("removes", ids(removes), false),
        field("cost", format!("once: {}, yearly: {}", cost.once, cost.yearly), false),
        field("duration_quarters", duration_quarters.to_string(), false),
        field("depends_on", ids(depends_on), false),
        field("owner", optional(owner), false),
        field("description", optional(description), false),
    ];
    let references = references(&[Kind::Control], deploys)
        .chain(references(&[Kind::Edge], removes))
        .chain(references(&[Kind::Initiative], depends_on))
        .collect();
    Item { kind: Kind::Initiative, key: id.clone(), index, fields, references }
}
