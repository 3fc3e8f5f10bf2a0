//! The terminal summary of an analysis: readable at 100 columns, colour only on a terminal.
//! Sections render independently so commands can compose the ones they computed.

use std::fmt::Write;

use riskpath_engine::AttackGraph;
use riskpath_engine::explain::EdgeExplanation;
use riskpath_engine::paths::ScenarioPaths;
use riskpath_engine::risk::RiskResult;
use riskpath_model::{Labels, Model};

use crate::style::{Style, WIDTH, clip, count, money, percent, wrap_joined, wrap_text};

/// What a model holds: "N nodes, N entry points, N edges, N controls, N actors, N crown jewels".
pub fn model_counts(model: &Model) -> String {
    [
        count(model.nodes.len(), "node"),
        count(model.entry_points.len(), "entry point"),
        count(model.edges.len(), "edge"),
        count(model.controls.len(), "control"),
        count(model.actors.len(), "actor"),
        count(model.crown_jewels().count(), "crown jewel"),
    ]
    .join(", ")
}

/// One line naming the model's size.
pub fn model_line(model: &Model, style: &Style) -> String {
    format!("{} {} ({})\n", style.bold("Model:"), model_counts(model), count(model.sources.files().len(), "file"))
}

/// The most likely attack paths of each scenario, `per_scenario` at most.
pub fn paths_section(
    model: &Model,
    graph: &AttackGraph,
    scenarios: &[ScenarioPaths],
    per_scenario: usize,
    style: &Style,
) -> String {
    let labels = Labels::new(model);
    let name = |n: u32| labels.get(&graph.ids[n as usize]);
    let mut out = String::new();
    let _ = writeln!(out, "\n{}", style.bold("Most likely attack paths"));
    let _ = writeln!(
        out,
        "{}",
        style.dim(
            "(probability that every step of the path succeeds in one attempt; AND steps list what they also need)"
        )
    );
    for s in scenarios {
        let actor = &model.actors[s.actor];
        let _ = writeln!(
            out,
            "\n{} {} {}  {}",
            style.cyan(&actor.id),
            style.dim("→"),
            style.bold(name(s.target)),
            style.dim(&format!("({} skill)", actor.skill.name()))
        );
        if s.paths.is_empty() {
            let _ = writeln!(
                out,
                "  {}",
                style.green("no path: the target cannot be reached from this actor's entry points")
            );
            continue;
        }
        for (i, path) in s.paths.iter().take(per_scenario).enumerate() {
            let prefix = format!("  {}. {:>6}  ", i + 1, percent(path.probability));
            let names: Vec<String> = path.nodes.iter().map(|&n| name(n).to_string()).collect();
            let chain = wrap_joined(&names, " → ", &prefix, prefix.chars().count(), WIDTH);
            let _ = writeln!(out, "{chain}");
            let indent = " ".repeat(prefix.chars().count());
            let steps: Vec<String> = path
                .edges
                .iter()
                .map(|&e| {
                    let edge = &graph.edges[e];
                    // The edge id tells apart parallel edges (e.g. the same step with other requirements).
                    let id = model.edges[edge.model_index].id.as_deref().map(|i| format!(" [{i}]")).unwrap_or_default();
                    format!("{} {}{id}", edge.kind.name, edge.technique)
                })
                .collect();
            let _ = writeln!(out, "{}", style.dim(&wrap_joined(&steps, " · ", &indent, indent.len(), WIDTH)));
            for (pos, req) in &path.side_conditions {
                let needs: Vec<&str> = req.iter().map(|&r| name(r)).collect();
                let _ = writeln!(
                    out,
                    "{indent}{} {} → {} also needs {}",
                    style.yellow("AND:"),
                    name(path.nodes[*pos]),
                    name(path.nodes[*pos + 1]),
                    needs.join(", ")
                );
            }
        }
    }
    out
}

/// How one edge's probability was derived, step by step.
pub fn explanation(x: &EdgeExplanation, labels: &Labels, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {} → {}  ({})", style.bold("Edge"), labels.get(&x.from), labels.get(&x.to), x.kind);
    if let Some(relation) = &x.relation {
        let _ = writeln!(out, "{}", wrap_text(relation, "relation    ", 12, WIDTH));
    }
    if let Some(description) = &x.description {
        let _ = writeln!(out, "{}", style.dim(&wrap_text(description, "            ", 12, WIDTH)));
    }
    let name = x.technique_name.as_deref().unwrap_or("");
    let _ = writeln!(out, "technique   {} {name}", x.technique);
    let _ = writeln!(out, "{:<12}{:>8} {:>8} {:>8}", "", "low", "medium", "high");
    let row = |label: &str, v: [f64; 3]| format!("{label:<12}{:>8.4} {:>8.4} {:>8.4}", v[0], v[1], v[2]);
    let source = match x.base_source {
        "technique rate" => format!("the knowledge base's rate for {}", x.technique),
        "knowledge base" => format!("the knowledge base's rate for {}", x.kind),
        other => other.to_string(),
    };
    let _ = writeln!(out, "{}   ({source})", row("base", x.base));
    out += &crate::vulns::explanation_lines(&x.vulnerabilities, style);
    for c in &x.controls {
        let eff = |label: &str, v: Option<f64>| v.map(|v| format!("{label} {v:.3}")).unwrap_or_default();
        let detail = format!(
            "{} {}{}",
            eff("prevent", c.prevent),
            eff("detect", c.detect),
            if c.detect.is_some() { format!(" × respond {:.2}", x.respond) } else { String::new() }
        );
        let state = if c.counted { String::new() } else { style.yellow(" (not counted: planned or failing)") };
        let scope = style.dim(&format!("  [scope {}]", c.scope));
        let _ = writeln!(out, "× {:<10}{:>8.4}   {}{}{}", c.control, c.factor, detail.trim(), scope, state);
    }
    let _ = writeln!(out, "{}", style.bold(&row("= p", x.p)));
    if !x.requires.is_empty() {
        let _ = writeln!(
            out,
            "AND: fires only while {} {} held",
            x.requires.iter().map(|r| labels.get(r)).collect::<Vec<_>>().join(", "),
            if x.requires.len() == 1 { "is" } else { "are" }
        );
    }
    if !x.requires_any.is_empty() {
        let alternatives: Vec<String> = x
            .requires_any
            .iter()
            .map(|alt| format!("({})", alt.iter().map(|r| labels.get(r)).collect::<Vec<_>>().join(" and ")))
            .collect();
        let _ = writeln!(out, "OR: fires only while one of {} is held too", alternatives.join(" or "));
    }
    if let Some(reach) = x.campaign_reach {
        let _ = writeln!(
            out,
            "campaign: an attempt reaches {} with probability {reach:.4}; on a path the step counts p × {reach:.4}",
            labels.get(&x.to)
        );
    }
    if !x.parallel.is_empty() {
        let _ = writeln!(
            out,
            "one hop with {}: parallel ways share one draw, so the hop succeeds with the best way's p",
            x.parallel.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "{}",
        style.dim("p = base × Π (1 − prevent) × (1 − detect × respond); interval inputs at their means")
    );
    if let Some(r) = &x.remediation {
        let source = if r.source == "edge" { "the edge's remediation" } else { "the edge kind's default" };
        let _ = writeln!(out, "{}", wrap_text(&r.instruction, "to remove   ", 12, WIDTH));
        let _ = writeln!(out, "{}", style.dim(&format!("            ({}; {source})", r.action.replace('_', " "))));
    }
    out
}

/// What a run driven to `--precision` reached, as the risk section's line.
pub fn precision_line(reached: &riskpath_engine::precision::Reached) -> String {
    format!("  precision: {}", precision_summary(reached))
}

/// What a run driven to `--precision` reached, against its target, and whether it met it.
pub fn precision_summary(reached: &riskpath_engine::precision::Reached) -> String {
    // Targets as given (six significant digits, no trailing zeros), errors to three.
    let short = |x: f64| {
        let text = format!("{x:.6}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    let mut parts = Vec::new();
    if let Some(t) = reached.target.ale {
        let reached = 100.0 * reached.ale_relative_std_error;
        parts.push(format!("ALE ± {reached:.3}% s.e. (target {}%)", short(100.0 * t)));
    }
    if let Some(t) = reached.target.p {
        parts.push(format!("P(compromise) ± {:.5} s.e. at most (target {})", reached.p_std_error, short(t)));
    }
    let verdict = if reached.met { "met" } else { "NOT met: a cap (--trials, --years) stopped the run first" };
    format!("{}: {verdict}", parts.join(", "))
}

/// The risk headline, the loss distribution and the top scenarios with P ± SE, each with the
/// accepted risks that cover it.
pub fn risk_section(
    model: &Model,
    graph: &AttackGraph,
    risk: &RiskResult,
    accepted: &[riskpath_decide::accepted::Coverage],
    top: usize,
    style: &Style,
) -> String {
    let cur = model.settings.currency.as_str();
    let mut out = String::new();
    let _ = writeln!(out, "\n{}", style.bold("Risk in money (annual loss)"));
    let _ = writeln!(
        out,
        "  ALE {}  (± {} s.e.)   median {}   P90 {}   P95 {}   P99 {}",
        style.bold(&money(risk.ale, cur)),
        money(risk.ale_std_error, cur),
        money(risk.p50, cur),
        money(risk.p90, cur),
        money(risk.p95, cur),
        money(risk.p99, cur),
    );
    if let Some(tol) = model.settings.tolerance {
        let p = risk.annual.iter().filter(|&&x| x > tol).count() as f64 / risk.annual.len().max(1) as f64;
        let line = format!("  P(annual loss > tolerance {}) = {}", money(tol, cur), percent(p));
        let _ = writeln!(out, "{}", if p > 0.05 { style.red(&line) } else { style.green(&line) });
    }
    let _ = writeln!(
        out,
        "{}",
        style.dim(&format!(
            "  seed {}, {} per actor, {}",
            risk.config.seed,
            count(risk.config.trials as usize, "trial"),
            count(risk.config.years as usize, "simulated year")
        ))
    );
    if let Some(reached) = &risk.precision {
        let _ = writeln!(out, "{}", style.dim(&precision_line(reached)));
    }
    let labels = Labels::new(model);
    let mut order: Vec<usize> = (0..risk.scenarios.len()).collect();
    order.sort_by(|&a, &b| risk.scenarios[b].ale.total_cmp(&risk.scenarios[a].ale).then(a.cmp(&b)));
    let _ = writeln!(out, "\n{}", style.bold("Top scenarios"));
    let _ = writeln!(out, "  {:<22} {:<30} {:>18} {:>14}", "actor", "target", "P(compromise)", "ALE");
    for &i in order.iter().take(top) {
        let s = &risk.scenarios[i];
        let p = format!("{} ± {}", percent(s.probability), percent(s.std_error));
        let _ = writeln!(
            out,
            "  {:<22} {:<30} {:>18} {:>14}",
            clip(&model.actors[s.actor].id, 22),
            clip(labels.get(&graph.ids[s.target as usize]), 30),
            p,
            money(s.ale, cur)
        );
        let (actor, target) = (&model.actors[s.actor].id, &graph.ids[s.target as usize]);
        for (c, part) in crate::accepted::covering(accepted, actor, target) {
            let line = wrap_text(&crate::accepted::note(c, part, cur), "    ", 4, WIDTH);
            let _ = writeln!(out, "{}", if c.lapsed() { style.red(&line) } else { style.dim(&line) });
        }
    }
    out
}
