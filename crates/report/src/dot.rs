//! The attack graph for Graphviz (DOT): entry points and crown jewels highlighted, every edge
//! labelled with its kind, technique and probability after controls; ids quoted and escaped.

use std::fmt::Write;

use riskpath_decide::andcut::Attacker;
use riskpath_engine::AttackGraph;
use riskpath_engine::paths::ScenarioPaths;
use riskpath_model::kb::Skill;
use riskpath_model::{Labels, Model};

/// A DOT quoted string: backslashes, quotes and line breaks escaped, so a model id is never read
/// as DOT syntax (or as an escape sequence like `\N` or `\l`).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if (c as u32) < 0x20 => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A label of several lines: each line escaped, joined by DOT's centred line break.
fn label(lines: &[String]) -> String {
    let escaped: Vec<String> = lines.iter().map(|l| quote(l)).map(|q| q[1..q.len() - 1].to_string()).collect();
    format!("\"{}\"", escaped.join("\\n"))
}

/// The skills of the model's actors (the columns of p shown on edges).
fn skills(model: &Model) -> Vec<Skill> {
    Skill::ALL.into_iter().filter(|s| model.actors.iter().any(|a| a.skill == *s)).collect()
}

fn p_label(p: [f64; 3], skills: &[Skill]) -> String {
    match skills {
        [] => format!("p {:.2}", p[Skill::Medium.index()]),
        [one] => format!("p {:.2}", p[one.index()]),
        many => {
            let parts: Vec<String> = many.iter().map(|s| format!("{:.2}", p[s.index()])).collect();
            let names: Vec<&str> = many.iter().map(|s| &s.name()[..1]).collect();
            format!("p {} ({})", parts.join("/"), names.join("/"))
        }
    }
}

/// The edges (indices into `graph.edges`) a filtered graph shows; `None` shows the whole graph.
pub type Shown = Option<Vec<bool>>;

/// The edges on some walk an attacker can take from its entry points to one of its targets: usable
/// by it, leaving a node it can reach and entering a node from which a target can be reached.
pub fn between(graph: &AttackGraph, attackers: &[Attacker]) -> Vec<bool> {
    let mut keep = vec![false; graph.edges.len()];
    for a in attackers {
        let forward = reach(graph.node_count(), &a.usable, &a.sources, |e| (graph.edges[e].from, graph.edges[e].to));
        let backward = reach(graph.node_count(), &a.usable, &a.sinks, |e| (graph.edges[e].to, graph.edges[e].from));
        for &e in &a.usable {
            let edge = &graph.edges[e];
            keep[e] |= forward[edge.from as usize] && backward[edge.to as usize];
        }
    }
    keep
}

/// The nodes reachable from `starts` over `edges`, each edge read as (tail, head) by `ends`.
fn reach(nodes: usize, edges: &[usize], starts: &[u32], ends: impl Fn(usize) -> (u32, u32)) -> Vec<bool> {
    let mut seen = vec![false; nodes];
    for &s in starts {
        seen[s as usize] = true;
    }
    // Relax until nothing changes: each pass follows every edge once (graphs here are small).
    let mut changed = true;
    while changed {
        changed = false;
        for &e in edges {
            let (tail, head) = ends(e);
            if seen[tail as usize] && !seen[head as usize] {
                seen[head as usize] = true;
                changed = true;
            }
        }
    }
    seen
}

/// The edges of the `k` most likely paths among `scenarios` (ties broken by scenario order).
pub fn top_paths(graph: &AttackGraph, scenarios: &[ScenarioPaths], k: usize) -> Vec<bool> {
    let mut paths: Vec<&riskpath_engine::paths::AttackPath> = scenarios.iter().flat_map(|s| &s.paths).collect();
    paths.sort_by(|a, b| b.probability.total_cmp(&a.probability));
    let mut keep = vec![false; graph.edges.len()];
    for path in paths.into_iter().take(k) {
        for &e in &path.edges {
            keep[e] = true;
        }
    }
    keep
}

/// A node's first label line: its name (clipped to 40 characters), else its id.
fn shown(labels: &Labels, id: &str) -> String {
    labels.name(id).map_or_else(|| id.to_string(), |n| crate::charts::clip(n, 40))
}

/// The attack graph as a DOT digraph: all of it, or only the `shown` edges and their ends.
pub fn dot(model: &Model, graph: &AttackGraph, shown_edges: &Shown) -> String {
    let skills = skills(model);
    let labels = Labels::new(model);
    let name = |n: u32| labels.get(&graph.ids[n as usize]);
    let edge_shown = |e: usize| shown_edges.as_ref().is_none_or(|keep| keep[e]);
    let mut node_shown = vec![shown_edges.is_none(); graph.node_count()];
    for edge in (0..graph.edges.len()).filter(|&e| edge_shown(e)).map(|e| &graph.edges[e]) {
        node_shown[edge.from as usize] = true;
        node_shown[edge.to as usize] = true;
    }
    let node_shown = |id: &str| graph.index_of(id).is_some_and(|n| node_shown[n as usize]);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// riskpath attack graph{}: {}, {}. Render with: dot -Tsvg",
        if shown_edges.is_some() { " (filtered)" } else { "" },
        crate::style::count(
            model
                .entry_points
                .iter()
                .map(|e| &e.id)
                .chain(model.nodes.iter().map(|n| &n.id))
                .filter(|id| node_shown(id))
                .count(),
            "node"
        ),
        crate::style::count((0..graph.edges.len()).filter(|&e| edge_shown(e)).count(), "edge")
    );
    let _ = writeln!(out, "digraph riskpath {{");
    let _ = writeln!(out, "  rankdir=LR;");
    let _ = writeln!(out, "  graph [fontname=\"Helvetica\", fontsize=11, nodesep=0.3, ranksep=0.8];");
    let _ = writeln!(
        out,
        "  node [fontname=\"Helvetica\", fontsize=11, shape=box, style=\"rounded,filled\", fillcolor=\"#f5f7fa\", color=\"#52606d\"];"
    );
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#52606d\", fontcolor=\"#1f2933\"];");
    let _ = writeln!(out, "\n  // Entry points");
    for e in model.entry_points.iter().filter(|e| node_shown(&e.id)) {
        let lines = vec![
            shown(&labels, &e.id),
            format!(
                "entry: {}",
                serde_json::to_value(e.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
            ),
        ];
        let _ = writeln!(
            out,
            "  {} [label={}, shape=cds, fillcolor=\"#e0ecff\", color=\"#1d4ed8\", penwidth=1.5];",
            quote(&e.id),
            label(&lines)
        );
    }
    let _ = writeln!(out, "\n  // Nodes; crown jewels in red");
    for n in model.nodes.iter().filter(|n| node_shown(&n.id)) {
        let mut lines = vec![shown(&labels, &n.id), n.kind.clone()];
        if n.crown_jewel {
            lines[1] = format!("{} · crown jewel", n.kind);
            let _ = writeln!(
                out,
                "  {} [label={}, shape=doubleoctagon, fillcolor=\"#fde2e2\", color=\"#b91c1c\", penwidth=2.5, fontcolor=\"#7f1d1d\"];",
                quote(&n.id),
                label(&lines)
            );
        } else {
            let _ = writeln!(out, "  {} [label={}];", quote(&n.id), label(&lines));
        }
    }
    let _ = writeln!(
        out,
        "\n  // Attack steps: kind, technique, p after controls (per actor skill); dashed: AND, grey: never fires"
    );
    let mut edges: Vec<&riskpath_engine::compile::CompiledEdge> =
        graph.edges.iter().enumerate().filter(|&(e, _)| edge_shown(e)).map(|(_, e)| e).collect();
    edges.sort_by_key(|e| e.model_index);
    for e in edges {
        let me = &model.edges[e.model_index];
        let mut lines = vec![e.kind.name.to_string(), e.technique.clone(), p_label(e.p, &skills)];
        let mut attrs = Vec::new();
        if !e.requires.is_empty() {
            let req: Vec<&str> = e.requires.iter().map(|&r| name(r)).collect();
            lines.push(format!("AND {}", req.join(", ")));
            attrs.push("style=dashed".to_string());
        }
        if !e.requires_any.is_empty() {
            let alt = |a: &Vec<u32>| a.iter().map(|&r| name(r)).collect::<Vec<_>>().join("+");
            lines.push(format!("OR {}", e.requires_any.iter().map(alt).collect::<Vec<_>>().join(" | ")));
            if e.requires.is_empty() {
                attrs.push("style=dashed".to_string());
            }
        }
        if let Some(c) = e.campaign {
            lines.push(format!("reached {:.3}", graph.campaigns[c as usize].member_probability));
        }
        if let Some(id) = &me.id {
            attrs.push(format!("id={}", quote(id)));
        }
        if e.p.iter().all(|&p| p <= 0.0) {
            attrs.push("color=\"#bcccdc\", fontcolor=\"#9aa5b1\"".into());
        } else {
            let top = skills.iter().map(|s| e.p[s.index()]).fold(0.0, f64::max);
            attrs.push(format!("penwidth={:.2}", 0.8 + 2.2 * top));
        }
        let extra = if attrs.is_empty() { String::new() } else { format!(", {}", attrs.join(", ")) };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}{extra}];",
            quote(&graph.ids[e.from as usize]),
            quote(&graph.ids[e.to as usize]),
            label(&lines)
        );
    }
    let _ = writeln!(out, "}}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_ids() {
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(label(&["x\"".into(), "y".into()]), "\"x\\\"\\ny\"");
    }
}
