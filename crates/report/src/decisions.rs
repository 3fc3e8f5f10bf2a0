//! Text for decisions: endemic classes, the sensitivity tornado, choke points and the roadmap.
//! Each table fits 100 columns; money in the model's currency.

use std::fmt::Write;

use riskpath_decide::chokepoints::{ChokePoint, MinCut};
use riskpath_decide::classes::{ClassKind, EndemicClass};
use riskpath_decide::roadmap::PlanResult;
use riskpath_decide::sensitivity::TornadoBar;
use riskpath_model::Labels;

use crate::style::{Style, WIDTH, clip, money, percent, wrap_text};

pub fn classes_section(classes: &[EndemicClass], top: usize, currency: &str, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n{}", style.bold("Endemic classes (what one fix across the org removes)"));
    let _ =
        writeln!(out, "  {:<20} {:<10} {:<40} {:>6} {:>10} {:>7}", "class", "key", "name", "edges", "ΔALE", "share");
    for c in classes.iter().take(top) {
        let kind = match c.kind {
            ClassKind::Technique => "technique",
            ClassKind::EdgeKind => "edge kind",
            ClassKind::MissingMitigation => "missing mitigation",
        };
        let _ = writeln!(
            out,
            "  {:<20} {:<10} {:<40} {:>6} {:>10} {:>7}",
            kind,
            clip(&c.key, 10),
            clip(&c.name, 40),
            c.edge_count,
            money(c.ale_reduction, currency),
            percent(c.share)
        );
    }
    out
}

pub fn tornado_section(bars: &[TornadoBar], currency: &str, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n{}", style.bold("Sensitivity: ALE with each input at its 5th / 95th percentile"));
    let widest = bars.first().map_or(1.0, |b| b.swing.max(1.0));
    for b in bars {
        let len = ((b.swing / widest) * 24.0).round() as usize;
        let _ = writeln!(
            out,
            "  {:<40} {:>9} … {:<9} {}",
            clip(&b.input, 40),
            money(b.ale_at_low, currency),
            money(b.ale_at_high, currency),
            style.cyan(&"█".repeat(len.max(1)))
        );
    }
    out
}

pub fn cut_section(cut: &MinCut, currency: &str, labels: &Labels, style: &Style) -> String {
    let mut out = String::new();
    let title = style.bold("Minimum cut between entry points and crown jewels:");
    let names: Vec<String> = cut.unprotectable.iter().map(|id| labels.label(id)).collect();
    let note = (!names.is_empty()).then(|| crate::style::unprotectable_text(&names));
    let definition = style.dim(&wrap_text(&format!("(The cut: {}.)", cut.method.statement()), "  ", 2, WIDTH));
    let Some(total) = cut.cost else {
        let why = note.unwrap_or_else(|| crate::style::NO_FINITE_CUT.to_string());
        let _ = writeln!(out, "\n{title} none\n  {}\n{definition}", wrap_text(&why, "  ", 2, WIDTH).trim_start());
        return out;
    };
    if cut.edges.is_empty() && names.is_empty() {
        let _ =
            writeln!(out, "\n{title} none needed: no crown jewel an actor targets is reachable at any risk (ALE zero)");
        return out;
    }
    let cost = |amount: f64| crate::style::cost(amount, cut.unit, currency);
    let _ = writeln!(
        out,
        "\n{title} {}, total fix cost {}\n{definition}",
        crate::style::count(cut.edges.len(), "edge"),
        cost(total)
    );
    if let Some(note) = &note {
        let _ = writeln!(
            out,
            "{}",
            style.dim(&wrap_text(&format!("(Only for the jewels a cut protects: {note}.)"), "  ", 2, WIDTH))
        );
    }
    for e in &cut.edges {
        let id = e.id.as_deref().map(|i| format!(" [{i}]")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} -{}-> {}{}  (fix cost {})",
            labels.get(&e.from),
            e.kind,
            labels.get(&e.to),
            id,
            cost(e.fix_cost)
        );
        if let Some(relation) = &e.relation {
            let _ = writeln!(out, "{}", style.dim(&wrap_text(relation, "      ", 6, WIDTH)));
        }
        let _ = writeln!(out, "{}", wrap_text(&e.instruction, "      → ", 8, WIDTH));
    }
    out
}

pub fn chokepoints_section(points: &[ChokePoint], currency: &str, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n{}", style.bold("Choke points (cut this and N% of simulated breaches stop)"));
    let _ = writeln!(
        out,
        "  {:<7} {:<40} {:>10} {:>10} {:>10} {:>10}",
        "", "node or edge", "dominates", "of risk", "stopped", "ΔALE"
    );
    for p in points {
        let _ = writeln!(
            out,
            "  {:<7} {:<40} {:>10} {:>10} {:>10} {:>10}",
            p.shown_kind(),
            clip(p.name.as_deref().unwrap_or(&p.id), 40),
            percent(p.dominated_share),
            percent(p.risk_share),
            percent(p.breaches_stopped),
            money(p.ale_reduction, currency)
        );
        if let Some(instruction) = &p.instruction {
            let text = match &p.relation {
                Some(relation) => format!("{relation}: {instruction}"),
                None => instruction.clone(),
            };
            let _ = writeln!(out, "{}", style.dim(&wrap_text(&text, "          → ", 12, WIDTH)));
        }
    }
    let _ = writeln!(
        out,
        "{}",
        style.dim(
            "  dominates: share of sampled breaches whose every path passes it; stopped/ΔALE: re-simulated without it"
        )
    );
    if points.iter().any(|p| p.control_point) {
        let _ = writeln!(
            out,
            "{}",
            style.dim(
                "  control: an edge that cannot be removed; its figures are what preventing that step would be worth"
            )
        );
    }
    out
}

pub fn plan_section(plan: &PlanResult, currency: &str, style: &Style) -> String {
    let mut out = String::new();
    let quarter = |q: usize| format!("Y{}Q{}", q / 4 + 1, q % 4 + 1);
    let _ = writeln!(
        out,
        "{} {} per year over {} years; ALE today {}",
        style.bold("Roadmap:"),
        money(plan.budget_per_year, currency),
        plan.years,
        money(plan.baseline_ale, currency)
    );
    let _ = writeln!(
        out,
        "\n  {:<24} {:<14} {:>6} {:>6} {:>10} {:>10} {:>10} {:>9}",
        "initiative", "team", "start", "live", "ΔALE/yr", "once", "yearly", "return"
    );
    for p in &plan.initiatives {
        let _ = writeln!(
            out,
            "  {:<24} {:<14} {:>6} {:>6} {:>10} {:>10} {:>10} {:>9}",
            clip(&p.id, 24),
            clip(p.owner.as_deref().unwrap_or("-"), 14),
            quarter(p.start_quarter),
            quarter(p.effective_quarter),
            money(p.ale_reduction, currency),
            money(p.once_cost, currency),
            money(p.yearly_cost, currency),
            return_text(p.return_per_year)
        );
    }
    if !plan.not_chosen.is_empty() {
        let _ = writeln!(out, "  {} {}", style.dim("not chosen:"), plan.not_chosen.join(", "));
    }
    let _ = writeln!(
        out,
        "{}",
        style.dim(
            "  return: (ΔALE − yearly cost) / one-off cost, per year (2.0× = twice the one-off cost back each year)"
        )
    );
    let _ = writeln!(out, "\n{}", style.bold("Risk burn-down (ALE in effect per quarter)"));
    let top = plan.burn_down.iter().cloned().fold(1.0, f64::max);
    for (q, ale) in plan.burn_down.iter().enumerate() {
        let len = ((ale / top) * 50.0).round() as usize;
        let _ = writeln!(out, "  {:<5} {:>10} {}", quarter(q), money(*ale, currency), style.cyan(&"▇".repeat(len)));
    }
    let _ = writeln!(
        out,
        "\n  objective (expected loss + spending over the {} years): {}",
        plan.years,
        money(plan.objective, currency)
    );
    let _ = writeln!(out, "  {}", plan_solver_sentence(plan, currency));
    if plan.dropped_by_budget_cut.is_empty() {
        let _ = writeln!(out, "  a 20% budget cut drops nothing from this plan");
    } else {
        let _ = writeln!(out, "  a 20% budget cut drops: {}", style.yellow(&plan.dropped_by_budget_cut.join(", ")));
    }
    out
}

/// A planned initiative's return as shown: `4.2×/yr`, or `—` without a one-off cost.
pub fn return_text(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "—".to_string(), |r| format!("{r:.1}×/yr"))
}

/// Which solver produced the plan and how close to the best possible plan it is known to be.
pub fn plan_solver_sentence(plan: &PlanResult, currency: &str) -> String {
    let s = &plan.solver;
    let versus_greedy = if s.greedy_objective > plan.objective * (1.0 + 1e-9) {
        format!(
            "; the greedy plan would cost {} more ({})",
            money(s.greedy_objective - plan.objective, currency),
            percent((s.greedy_objective - plan.objective) / plan.objective.max(1.0))
        )
    } else if s.method != "greedy" {
        "; greedy finds the same".to_string()
    } else {
        String::new()
    };
    let bound = if s.proven_optimal {
        String::new()
    } else {
        format!("; no plan can cost less than {} ({} below this one)", money(s.bound, currency), percent(s.gap))
    };
    let program = match (s.groups_modelled, s.groups) {
        (Some(m), Some(g)) if m == g => format!("integer programming over all {g} groups of breaches"),
        (Some(m), Some(g)) => format!("integer programming over the {m} largest of {g} groups of breaches"),
        _ => "integer programming".to_string(),
    };
    let nodes = s.nodes.map(|n| format!(", {n} nodes")).unwrap_or_default();
    let how = match (s.method, s.proven_optimal) {
        ("integer programming", true) => format!("proven optimal on the what-if trials ({program}{nodes})"),
        ("integer programming", false) => format!("the best found ({program}{nodes}, then local search)"),
        ("local search", true) => format!("greedy improved by local search, proven optimal ({program}{nodes})"),
        ("local search", false) => {
            format!("greedy improved by local search ({program}{nodes} found nothing better)")
        }
        _ => format!("greedy on re-simulation (no exact solver: {})", s.exact_skipped.as_deref().unwrap_or("not run")),
    };
    format!("plan: {how}{bound}{versus_greedy}")
}

/// "Cut scope: actor X, crown jewel Y." when a cut is limited to an actor or a target.
pub fn scope_line(scope: &riskpath_decide::chokepoints::CutScope, labels: &Labels) -> String {
    let parts: Vec<String> = [
        scope.actor.as_ref().map(|a| format!("actor {}", labels.label(a))),
        scope.target.as_ref().map(|t| format!("crown jewel {}", labels.label(t))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() { String::new() } else { format!("\nCut scope: {} only.\n", parts.join(", ")) }
}
