//! Whole-model checks after merging: unique ids, every reference resolves, kinds and techniques
//! exist, no self-loops, jewels have a loss, initiative dependencies are acyclic.

use std::collections::HashMap;

use crate::attack::{Catalog, Status};
use crate::kb;
use crate::source::{Loc, Problem};
use crate::suggest::did_you_mean;
use crate::types::*;

/// What an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemKind {
    EntryPoint,
    Node,
    Edge,
    Control,
    Actor,
    Initiative,
    LossGroup,
}

impl ItemKind {
    fn noun(self) -> &'static str {
        match self {
            ItemKind::EntryPoint => "an entry point",
            ItemKind::Node => "a node",
            ItemKind::Edge => "an edge",
            ItemKind::Control => "a control",
            ItemKind::Actor => "an actor",
            ItemKind::Initiative => "an initiative",
            ItemKind::LossGroup => "a loss group",
        }
    }
}

struct Ids<'m> {
    by_id: HashMap<&'m str, (ItemKind, Loc)>,
}

impl<'m> Ids<'m> {
    fn collect(model: &'m Model, problems: &mut Vec<Problem>) -> Self {
        let mut ids = Ids { by_id: HashMap::new() };
        let items = model
            .entry_points
            .iter()
            .map(|e| (e.id.as_str(), ItemKind::EntryPoint, e.loc))
            .chain(model.nodes.iter().map(|n| (n.id.as_str(), ItemKind::Node, n.loc)))
            .chain(model.edges.iter().filter_map(|e| Some((e.id.as_deref()?, ItemKind::Edge, e.loc))))
            .chain(model.controls.iter().map(|c| (c.id.as_str(), ItemKind::Control, c.loc)))
            .chain(model.actors.iter().map(|a| (a.id.as_str(), ItemKind::Actor, a.loc)))
            .chain(model.initiatives.iter().map(|i| (i.id.as_str(), ItemKind::Initiative, i.loc)))
            .chain(model.loss_groups.iter().map(|g| (g.id.as_str(), ItemKind::LossGroup, g.loc)));
        for (id, kind, loc) in items {
            if let Some((first_kind, first_loc)) = ids.by_id.get(id) {
                problems.push(
                    Problem::error(format!("duplicate id `{id}`"), Some(loc))
                        .with_label("defined again here")
                        .with_related(*first_loc, format!("first defined as {}", first_kind.noun()))
                        .with_help("ids are unique across the whole model: all files, all sections"),
                );
            } else {
                ids.by_id.insert(id, (kind, loc));
            }
        }
        ids
    }

    /// Checks that `r` names one of `wanted`; reports a dangling or mistyped reference.
    fn expect<T: AsRef<str> + std::fmt::Display>(
        &self,
        r: &Spanned<T>,
        what: &str,
        wanted: &[ItemKind],
        problems: &mut Vec<Problem>,
    ) -> bool {
        match self.by_id.get(r.value.as_ref()) {
            Some((kind, _)) if wanted.contains(kind) => true,
            Some((kind, at)) => {
                problems.push(
                    Problem::error(
                        format!("{what} `{}` is {}, not {}", r.value, kind.noun(), wanted[0].noun()),
                        Some(r.loc),
                    )
                    .with_related(*at, "defined here"),
                );
                false
            }
            None => {
                let candidates = self.by_id.iter().filter(|(_, (k, _))| wanted.contains(k)).map(|(id, _)| *id);
                problems.push(
                    Problem::error(format!("{what} `{}` does not exist", r.value), Some(r.loc))
                        .with_label(format!(
                            "no {} has this id",
                            wanted[0].noun().trim_start_matches("an ").trim_start_matches("a ")
                        ))
                        .with_help_opt(did_you_mean(r.value.as_ref(), candidates)),
                );
                false
            }
        }
    }
}

/// What technique, mitigation and group ids are checked against.
#[derive(Debug, Clone, Copy)]
pub enum Knowledge<'a> {
    /// The built-in knowledge base (no `settings.attack`).
    Builtin,
    /// The ATT&CK bundle named by `settings.attack`.
    Attack(&'a Catalog),
    /// `settings.attack` could not be loaded (already reported): only the shape of ids is checked.
    Unavailable,
}

/// All semantic problems of a merged model.
pub fn validate(model: &Model, knowledge: Knowledge) -> Vec<Problem> {
    let mut problems = Vec::new();
    let ids = Ids::collect(model, &mut problems);
    check_edges(model, &ids, knowledge, &mut problems);
    check_controls(model, &ids, knowledge, &mut problems);
    check_control_reach(model, &mut problems);
    check_actors(model, &ids, knowledge, &mut problems);
    check_initiatives(model, &ids, &mut problems);
    check_completeness(model, &mut problems);
    crate::groups::check(model, &mut problems);
    crate::accepted::check(model, &mut problems);
    check_platforms(model, &mut problems);
    crate::fixcost::check(model, &mut problems);
    problems
}

/// A warning at the first node whose kind lives only on platforms `settings.platforms` leaves out
/// (a `domain` in an estate stated to be IaaS only), once per such set of platforms: one of the two
/// is wrong, and gaps would drop mitigations the estate needs.
fn check_platforms(model: &Model, problems: &mut Vec<Problem>) {
    let Some(stated) = &model.settings.platforms else { return };
    let mut seen: Vec<&[&str]> = Vec::new();
    for node in &model.nodes {
        let Some(kind) = kb::node_kind(&node.kind) else { continue };
        let listed = kind.platforms.iter().any(|p| stated.iter().any(|s| s == p));
        if kind.platforms.is_empty() || listed || seen.contains(&kind.platforms) {
            continue;
        }
        seen.push(kind.platforms);
        problems.push(
            Problem::warning(
                format!(
                    "node `{}` is a {} ({}), a platform `settings.platforms` does not list",
                    node.id,
                    kind.name,
                    kind.platforms.join(" or ")
                ),
                Some(node.loc),
            )
            .with_help("add the platform to settings.platforms (or fix the node's kind): mitigations of platforms not listed are not counted as gaps"),
        );
    }
}

/// Warnings for models that load but cannot say anything about risk.
fn check_completeness(model: &Model, problems: &mut Vec<Problem>) {
    if model.crown_jewels().next().is_none() {
        problems.push(
            Problem::warning("the model has no crown jewels, so no risk in money can be computed", None)
                .with_help("mark what matters with `crown_jewel: true` and a `loss`"),
        );
    }
    if model.actors.is_empty() {
        problems.push(
            Problem::warning("the model has no actors, so nobody attacks and every risk is zero", None)
                .with_help("add e.g. actors: [{id: crime, frequency: {low: 2, high: 12}, entry: [internet]}]"),
        );
    }
    for actor in model.actors.iter().filter(|a| a.targets.is_empty()) {
        problems.push(
            Problem::warning(format!("actor `{}` has no targets", actor.id), Some(actor.loc))
                .with_help("omit `targets` to target every crown jewel"),
        );
    }
}

fn check_technique(t: &Spanned<String>, knowledge: Knowledge, problems: &mut Vec<Problem>) {
    if !kb::is_technique_id(&t.value) {
        problems.push(
            Problem::error(format!("`{}` is not an ATT&CK technique id", t.value), Some(t.loc))
                .with_help("technique ids look like T1078 or T1078.004"),
        );
        return;
    }
    match knowledge {
        Knowledge::Unavailable => {}
        Knowledge::Builtin if kb::technique(&t.value).is_none() => {
            problems.push(Problem::error(format!("unknown ATT&CK technique `{}`", t.value), Some(t.loc)).with_help_opt(
                did_you_mean(&t.value, kb::TECHNIQUES.iter().map(|t| t.id)).or_else(|| {
                    Some(
                        "the built-in knowledge base does not know it; `riskpath kb` lists the techniques it knows, \
                          and `settings.attack` can point at the full ATT&CK bundle"
                            .into(),
                    )
                }),
            ))
        }
        Knowledge::Builtin => {}
        Knowledge::Attack(catalog) => match catalog.technique(&t.value) {
            None => problems.push(
                Problem::error(
                    format!("unknown ATT&CK technique `{}`: not in the ATT&CK bundle", t.value),
                    Some(t.loc),
                )
                .with_help_opt(did_you_mean(
                    &t.value,
                    catalog.techniques.iter().filter(|t| t.status.is_current()).map(|t| t.id.as_str()),
                )),
            ),
            Some(found) => {
                let name = |id: &str| catalog.technique_name(id).unwrap_or_default();
                stale_warning("technique", &t.value, &name(&t.value), &found.status, t.loc, |r| name(r), problems)
            }
        },
    }
}

fn check_mitigation(m: &Spanned<String>, knowledge: Knowledge, problems: &mut Vec<Problem>) {
    let unknown = |help: Option<String>| {
        Problem::error(format!("unknown ATT&CK mitigation `{}`", m.value), Some(m.loc)).with_help_opt(
            help.or_else(|| Some("mitigation ids look like M1032; `riskpath kb --format json` lists them".into())),
        )
    };
    match knowledge {
        Knowledge::Unavailable => {}
        Knowledge::Builtin if kb::mitigation(&m.value).is_none() => {
            problems.push(unknown(did_you_mean(&m.value, kb::MITIGATIONS.iter().map(|m| m.id))))
        }
        Knowledge::Builtin => {}
        Knowledge::Attack(catalog) => match catalog.mitigation(&m.value) {
            None => problems.push(unknown(did_you_mean(
                &m.value,
                catalog.mitigations.iter().filter(|m| m.status.is_current()).map(|m| m.id.as_str()),
            ))),
            Some(found) => {
                let name = |id: &str| catalog.mitigation(id).map_or(String::new(), |m| m.name.clone());
                stale_warning("mitigation", &m.value, &found.name, &found.status, m.loc, name, problems)
            }
        },
    }
}

/// A warning for a revoked or deprecated ATT&CK object, naming its replacement when ATT&CK does.
fn stale_warning(
    what: &str,
    id: &str,
    name: &str,
    status: &Status,
    loc: Loc,
    name_of: impl Fn(&str) -> String,
    problems: &mut Vec<Problem>,
) {
    let state = match (status.revoked, status.deprecated) {
        (true, _) => "revoked",
        (false, true) => "deprecated",
        _ => return,
    };
    let help = match &status.revoked_by {
        Some(r) => format!("ATT&CK replaced it with `{r}` ({}); use that instead", name_of(r)),
        None if status.revoked => "the bundle names no replacement (no `revoked-by` relationship)".to_string(),
        None => "ATT&CK no longer maintains it; pick a current one".to_string(),
    };
    problems.push(
        Problem::warning(format!("ATT&CK {what} `{id}` ({name}) is {state}"), Some(loc))
            .with_label(state)
            .with_help(help),
    );
}

fn check_edges(model: &Model, ids: &Ids, knowledge: Knowledge, problems: &mut Vec<Problem>) {
    use ItemKind::*;
    for edge in &model.edges {
        ids.expect(&edge.from, "edge source", &[Node, EntryPoint], problems);
        if ids.expect(&edge.to, "edge target", &[Node, EntryPoint], problems)
            && model.entry_points.iter().any(|e| e.id == edge.to.value)
        {
            problems.push(
                Problem::error(format!("edge leads into entry point `{}`", edge.to.value), Some(edge.to.loc))
                    .with_help("entry points are where attacks start; edges go out of them"),
            );
        }
        if edge.from.value == edge.to.value {
            problems.push(
                Problem::error(format!("edge from `{}` to itself", edge.from.value), Some(edge.to.loc))
                    .with_label("self-loop")
                    .with_help("an attack step must lead somewhere new"),
            );
        }
        if kb::edge_kind(&edge.kind.value).is_none() {
            problems.push(
                Problem::error(format!("unknown edge kind `{}`", edge.kind.value), Some(edge.kind.loc)).with_help_opt(
                    did_you_mean(&edge.kind.value, kb::EDGE_KINDS.iter().map(|k| k.name))
                        .or_else(|| Some("`riskpath kb` lists the edge kinds".into())),
                ),
            );
        }
        if let Some(t) = &edge.extra().technique {
            check_technique(t, knowledge, problems);
        }
        for r in edge.requires.iter().chain(edge.extra().requires_any.iter().flatten()) {
            ids.expect(r, "required node", &[Node, EntryPoint], problems);
        }
    }
}

fn check_controls(model: &Model, ids: &Ids, knowledge: Knowledge, problems: &mut Vec<Problem>) {
    for control in &model.controls {
        for eff in control.mitigates.iter().chain(&control.detects) {
            check_technique(&eff.technique, knowledge, problems);
        }
        for m in &control.implements {
            check_mitigation(m, knowledge, problems);
        }
        for sel in &control.scope {
            let (matches, what) = match &sel.value.selector {
                Selector::Any => continue,
                Selector::Id(id) => {
                    let r = Ref { value: id.clone(), loc: sel.loc };
                    match sel.value.side {
                        Side::Target => ids.expect(&r, "scope node", &[ItemKind::Node], problems),
                        Side::Source => {
                            ids.expect(&r, "scope source", &[ItemKind::Node, ItemKind::EntryPoint], problems)
                        }
                    };
                    continue;
                }
                Selector::Kind(k) => {
                    // A source may be an entry point, selected by its kind too.
                    let entry_kinds: &[&str] = match sel.value.side {
                        Side::Target => &[],
                        Side::Source => &EntryKind::NAMES,
                    };
                    let known = || kb::NODE_KINDS.iter().chain(entry_kinds).copied();
                    if !known().any(|x| x == k) {
                        let what = if entry_kinds.is_empty() { "node kind" } else { "node or entry point kind" };
                        problems.push(
                            Problem::error(format!("scope `kind:{k}` names an unknown {what}"), Some(sel.loc))
                                .with_help_opt(did_you_mean(k, known())),
                        );
                        continue;
                    }
                    let entry_has = !entry_kinds.is_empty() && model.entry_points.iter().any(|e| e.kind.name() == k);
                    (entry_has || model.nodes.iter().any(|n| &n.kind == k), format!("kind `{k}`"))
                }
                Selector::Tag(t) => (model.nodes.iter().any(|n| n.tags.contains(t)), format!("tag `{t}`")),
                Selector::Zone(z) => (model.nodes.iter().any(|n| n.zone.as_deref() == Some(z)), format!("zone `{z}`")),
                Selector::Owner(o) => {
                    (model.nodes.iter().any(|n| n.owner.as_deref() == Some(o)), format!("owner `{o}`"))
                }
            };
            if !matches {
                problems.push(
                    Problem::warning(format!("scope selects no node: no node has {what}"), Some(sel.loc))
                        .with_help("the control covers nothing through this selector"),
                );
            }
        }
    }
}

/// Warnings for controls that lower no edge's probability: no edge their scope covers uses a
/// technique they list. Usually the scope looks at the wrong end of the step (an EDR scoped to
/// where credential theft lands instead of `from:` where it starts), or the edges use other ids.
fn check_control_reach(model: &Model, problems: &mut Vec<Problem>) {
    if model.controls.is_empty() {
        return;
    }
    let end_of = model.edge_ends();
    // (source, target, technique) of every edge whose ends and kind exist (others are errors).
    let steps: Vec<(EdgeEnd, EdgeEnd, &str)> = model
        .edges
        .iter()
        .filter_map(|e| {
            Some((*end_of.get(e.from.value.as_str())?, *end_of.get(e.to.value.as_str())?, e.technique_id()?))
        })
        .collect();
    for control in &model.controls {
        // The techniques it lists, each once (a technique may be both mitigated and detected).
        let mut listed: Vec<&str> = Vec::new();
        for x in control.mitigates.iter().chain(&control.detects) {
            if !listed.contains(&x.technique.value.as_str()) {
                listed.push(&x.technique.value);
            }
        }
        if listed.is_empty() {
            continue;
        }
        let in_scope: Vec<&str> =
            steps.iter().filter(|(s, t, _)| control.covers(*s, *t)).map(|(_, _, tech)| *tech).collect();
        if in_scope.iter().any(|used| listed.iter().any(|l| kb::technique_covers(l, used))) {
            continue;
        }
        let message = if in_scope.is_empty() {
            format!("control `{}` lowers no edge's probability: its scope covers no edge", control.id)
        } else {
            format!(
                "control `{}` lowers no edge's probability: none of the {} its scope covers uses {} (or a sub-technique)",
                control.id,
                crate::words::count(in_scope.len(), "edge"),
                listed.join(", ")
            )
        };
        problems.push(Problem::warning(message, Some(control.loc)).with_help(
            "a scope selector looks at the step's target (where it lands); prefix it with from: to look at where it starts, \
             e.g. from:tag:workstation for an EDR on the hosts credentials are dumped from",
        ));
    }
}

/// What `validate` says beyond the loader's problems, about models that load and mean what they
/// say but whose reading is worth spelling out (other commands stay quiet about them).
pub fn notes(model: &Model) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_nested_techniques(model, &mut problems);
    problems
}

/// Warnings for a control that lists a technique and one of its sub-techniques in the same list:
/// both load, and the rule (the sub-technique's entry applies to its steps, the parent's to the
/// parent's other steps, whatever the order) is worth saying. Pairs both inherited from the
/// catalog are by design and not reported.
fn check_nested_techniques(model: &Model, problems: &mut Vec<Problem>) {
    for control in &model.controls {
        let inherited = |x: &Efficacy| control.catalog.as_ref().is_some_and(|c| c.loc == x.technique.loc);
        for (key, list) in [("mitigates", &control.mitigates), ("detects", &control.detects)] {
            for sub in list.iter().filter(|x| x.technique.value.contains('.')) {
                let parent = list.iter().find(|p| {
                    p.technique.value != sub.technique.value
                        && kb::technique_covers(&p.technique.value, &sub.technique.value)
                });
                let Some(parent) = parent.filter(|p| !(inherited(p) && inherited(sub))) else { continue };
                let (s, p) = (&sub.technique.value, &parent.technique.value);
                problems.push(
                    Problem::warning(
                        format!("control `{}` `{key}` lists both {p} and its sub-technique {s}", control.id),
                        Some(sub.technique.loc),
                    )
                    .with_label(format!("applies to {s} steps"))
                    .with_related(parent.technique.loc, format!("applies to the other {p} steps"))
                    .with_help("the most specific entry applies to a step, whatever the order they are written in"),
                );
            }
        }
    }
}

fn check_actors(model: &Model, ids: &Ids, knowledge: Knowledge, problems: &mut Vec<Problem>) {
    for actor in &model.actors {
        if let Some(g) = &actor.attack_group {
            check_group(g, knowledge, problems);
        }
        for e in &actor.entry {
            ids.expect(e, "actor entry", &[ItemKind::EntryPoint], problems);
        }
        for t in &actor.targets {
            if ids.expect(t, "actor target", &[ItemKind::Node], problems)
                && model.node(&t.value).is_some_and(|n| !n.crown_jewel)
            {
                problems.push(
                    Problem::error(format!("actor target `{}` is not a crown jewel", t.value), Some(t.loc))
                        .with_help("targets are crown jewels: mark the node `crown_jewel: true` with a `loss`"),
                );
            }
        }
    }
}

fn check_group(g: &Spanned<String>, knowledge: Knowledge, problems: &mut Vec<Problem>) {
    let catalog = match knowledge {
        Knowledge::Unavailable => return,
        Knowledge::Builtin => {
            problems.push(
                Problem::error("actor `attack_group` needs `settings.attack`", Some(g.loc))
                    .with_label("ATT&CK groups come from the ATT&CK bundle")
                    .with_help(
                        "set `settings: {attack: PATH}` to an ATT&CK STIX bundle (enterprise-attack.json, \
                                from github.com/mitre-attack/attack-stix-data), relative to the model directory",
                    ),
            );
            return;
        }
        Knowledge::Attack(catalog) => catalog,
    };
    let Some(group) = catalog.group(&g.value) else {
        let names =
            catalog.groups.iter().filter(|g| g.status.is_current()).flat_map(|g| [g.id.as_str(), g.name.as_str()]);
        problems.push(
            Problem::error(format!("unknown ATT&CK group `{}`", g.value), Some(g.loc))
                .with_label("not an id, name or alias of a group in the ATT&CK bundle")
                .with_help_opt(
                    did_you_mean(&g.value, names).or_else(|| Some("`riskpath kb group ID DIR` shows a group".into())),
                ),
        );
        return;
    };
    let name_of = |id: &str| catalog.group(id).map_or(String::new(), |g| g.name.clone());
    stale_warning("group", &group.id, &group.name, &group.status, g.loc, name_of, problems);
    if catalog.group_techniques(group).is_empty() {
        problems.push(
            Problem::warning(
                format!("ATT&CK lists no techniques for group `{}` ({})", group.id, group.name),
                Some(g.loc),
            )
            .with_help("an actor limited to it can take no step; pick another group or drop `attack_group`"),
        );
    }
}

fn check_initiatives(model: &Model, ids: &Ids, problems: &mut Vec<Problem>) {
    for init in &model.initiatives {
        for c in &init.deploys {
            if ids.expect(c, "deployed control", &[ItemKind::Control], problems)
                && model.control(&c.value).is_some_and(|c| c.status == ControlStatus::Deployed)
            {
                problems.push(
                    Problem::warning(format!("control `{}` is already deployed", c.value), Some(c.loc))
                        .with_help("initiatives deploy controls with `status: planned`"),
                );
            }
        }
        for e in &init.removes {
            ids.expect(e, "removed edge", &[ItemKind::Edge], problems);
        }
        for d in &init.depends_on {
            ids.expect(d, "dependency", &[ItemKind::Initiative], problems);
        }
    }
    check_initiative_cycles(model, problems);
}

/// Reports each dependency cycle once, at the reference that closes it.
fn check_initiative_cycles(model: &Model, problems: &mut Vec<Problem>) {
    let index: HashMap<&str, usize> = model.initiatives.iter().enumerate().map(|(i, x)| (x.id.as_str(), i)).collect();
    let deps: Vec<Vec<(usize, &Ref)>> = model
        .initiatives
        .iter()
        .map(|i| i.depends_on.iter().filter_map(|d| Some((*index.get(d.value.as_str())?, d))).collect())
        .collect();
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; deps.len()];
    for start in 0..deps.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            if let Some(&(dep, r)) = deps[node].get(*next) {
                *next += 1;
                match state[dep] {
                    0 => {
                        state[dep] = 1;
                        stack.push((dep, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                        let cycle: Vec<&str> = stack[from..]
                            .iter()
                            .map(|(n, _)| model.initiatives[*n].id.as_str())
                            .chain([model.initiatives[dep].id.as_str()])
                            .collect();
                        problems.push(
                            Problem::error(
                                format!("initiative dependencies form a cycle: {}", cycle.join(" → ")),
                                Some(r.loc),
                            )
                            .with_label("closes the cycle")
                            .with_help("no initiative can start before itself; remove one dependency"),
                        );
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
}
