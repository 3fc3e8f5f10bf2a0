//! Whole-model checks after merging: unique ids, every reference resolves, kinds and techniques
//! exist, no self-loops, jewels have a loss, initiative dependencies are acyclic.

use std::collections::HashMap;

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
            .chain(model.initiatives.iter().map(|i| (i.id.as_str(), ItemKind::Initiative, i.loc)));
        for (id, kind, loc) in items {
            if let Some((first_kind, first_loc)) = ids.by_id.get(id) {
                problems.push(
                    Problem::error(format!("duplicate id `{id}`"), Some(loc))
                        .with_label("defined again here")
                        .with_related(*first_loc, format!("first defined as {}", first_kind.noun()))
                        .with_help("ids are unique across the whole model (all files, all sections)"),
                );
            } else {
                ids.by_id.insert(id, (kind, loc));
            }
        }
        ids
    }

    /// Checks that `r` names one of `wanted`; reports a dangling or mistyped reference.
    fn expect(&self, r: &Ref, what: &str, wanted: &[ItemKind], problems: &mut Vec<Problem>) -> bool {
        match self.by_id.get(r.value.as_str()) {
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
                let candidates =
                    self.by_id.iter().filter(|(_, (k, _))| wanted.contains(k)).map(|(id, _)| *id);
                problems.push(
                    Problem::error(format!("{what} `{}` does not exist", r.value), Some(r.loc))
                        .with_label(format!("no {} has this id", wanted[0].noun().trim_start_matches("an ").trim_start_matches("a ")))
                        .with_help_opt(did_you_mean(&r.value, candidates)),
                );
                false
            }
        }
    }
}

/// All semantic problems of a merged model.
pub fn validate(model: &Model) -> Vec<Problem> {
    let mut problems = Vec::new();
    let ids = Ids::collect(model, &mut problems);
    check_nodes(model, &mut problems);
    check_edges(model, &ids, &mut problems);
    check_controls(model, &ids, &mut problems);
    check_actors(model, &ids, &mut problems);
    check_initiatives(model, &ids, &mut problems);
    problems
}

fn check_nodes(model: &Model, problems: &mut Vec<Problem>) {
    for node in &model.nodes {
        if node.crown_jewel && node.loss.is_empty() {
            problems.push(
                Problem::error(format!("crown jewel `{}` has no `loss`", node.id), Some(node.loc))
                    .with_help("say what a breach costs, e.g. loss: {confidentiality: {low: 2e6, high: 4e7}}"),
            );
        }
        if !node.crown_jewel && !node.loss.is_empty() {
            problems.push(
                Problem::warning(format!("node `{}` has a `loss` but is not a crown jewel", node.id), Some(node.loc))
                    .with_help("add `crown_jewel: true` to count its loss"),
            );
        }
    }
}

fn check_technique(t: &Spanned<String>, problems: &mut Vec<Problem>) {
    if !kb::is_technique_id(&t.value) {
        problems.push(
            Problem::error(format!("`{}` is not an ATT&CK technique id", t.value), Some(t.loc))
                .with_help("technique ids look like T1078 or T1078.004"),
        );
    } else if kb::technique(&t.value).is_none() {
        problems.push(
            Problem::error(format!("unknown ATT&CK technique `{}`", t.value), Some(t.loc))
                .with_help_opt(did_you_mean(&t.value, kb::TECHNIQUES.iter().map(|t| t.id)).or_else(|| {
                    Some("the built-in knowledge base does not know it; `riskpath kb` lists the techniques it knows".into())
                })),
        );
    }
}

fn check_edges(model: &Model, ids: &Ids, problems: &mut Vec<Problem>) {
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
                Problem::error(format!("unknown edge kind `{}`", edge.kind.value), Some(edge.kind.loc))
                    .with_help_opt(did_you_mean(&edge.kind.value, kb::EDGE_KINDS.iter().map(|k| k.name)).or_else(
                        || Some("`riskpath kb` lists the edge kinds".into()),
                    )),
            );
        }
        if let Some(t) = &edge.technique {
            check_technique(t, problems);
        }
        for r in &edge.requires {
            ids.expect(r, "required node", &[Node, EntryPoint], problems);
        }
    }
}

fn check_controls(model: &Model, ids: &Ids, problems: &mut Vec<Problem>) {
    for control in &model.controls {
        for eff in control.mitigates.iter().chain(&control.detects) {
            check_technique(&eff.technique, problems);
        }
        for m in &control.implements {
            if kb::mitigation(&m.value).is_none() {
                problems.push(
                    Problem::error(format!("unknown ATT&CK mitigation `{}`", m.value), Some(m.loc))
                        .with_help_opt(did_you_mean(&m.value, kb::MITIGATIONS.iter().map(|m| m.id)).or_else(|| {
                            Some("mitigation ids look like M1032; `riskpath kb --format json` lists them".into())
                        })),
                );
            }
        }
        for sel in &control.scope {
            let (matches, what) = match &sel.value {
                Selector::Any => continue,
                Selector::Id(id) => {
                    let r = Ref { value: id.clone(), loc: sel.loc };
                    ids.expect(&r, "scope node", &[ItemKind::Node], problems);
                    continue;
                }
                Selector::Kind(k) => {
                    if !kb::NODE_KINDS.contains(&k.as_str()) {
                        problems.push(
                            Problem::error(format!("scope `kind:{k}` names an unknown node kind"), Some(sel.loc))
                                .with_help_opt(did_you_mean(k, kb::NODE_KINDS.iter().copied())),
                        );
                        continue;
                    }
                    (model.nodes.iter().any(|n| &n.kind == k), format!("kind `{k}`"))
                }
                Selector::Tag(t) => (model.nodes.iter().any(|n| n.tags.contains(t)), format!("tag `{t}`")),
                Selector::Zone(z) => {
                    (model.nodes.iter().any(|n| n.zone.as_deref() == Some(z)), format!("zone `{z}`"))
                }
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

fn check_actors(model: &Model, ids: &Ids, problems: &mut Vec<Problem>) {
    for actor in &model.actors {
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
    let index: HashMap<&str, usize> =
        model.initiatives.iter().enumerate().map(|(i, x)| (x.id.as_str(), i)).collect();
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
                                format!("initiative dependencies form a cycle: {}", cycle.join(" -> ")),
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
