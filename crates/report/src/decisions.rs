//! Text for decisions: endemic classes, the sensitivity tornado, choke points and the roadmap.
//! Each table fits 100 columns; money in the model's currency.

use std::fmt::Write;

use riskpath_decide::chokepoints::{ChokePoint, MinCut};
use riskpath_decide::classes::{ClassKind, EndemicClass};
use riskpath_decide::roadmap::PlanResult;
use riskpath_decide::sensitivity::TornadoBar;

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

pub fn cut_section(cut: &MinCut, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{} {} edge(s), total fix cost {}",
        style.bold("Minimum cut between entry points and crown jewels:"),
        cut.edges.len(),
        cut.cost
    );
    for e in &cut.edges {
        let id = e.id.as_deref().map(|i| format!(" [{i}]")).unwrap_or_default();
        let _ = writeln!(out, "  {} -{}-> {}{}  (fix cost {})", e.from, e.kind, e.to, id, e.fix_cost);
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
        "  {:<5} {:<40} {:>10} {:>10} {:>10} {:>10}",
        "", "node or edge", "dominates", "of risk", "stopped", "ΔALE"
    );
    for p in points {
        let _ = writeln!(
            out,
            "  {:<5} {:<40} {:>10} {:>10} {:>10} {:>10}",
            p.kind,
            clip(&p.id, 40),
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
            let _ = writeln!(out, "{}", style.dim(&wrap_text(&text, "        → ", 10, WIDTH)));
        }
    }
    let _ = writeln!(
        out,
        "{}",
        style.dim(
            "  dominates: share of sampled breaches whose every path passes it; stopped/ΔALE: re-simulated without it"
        )
    );
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
        "\n  {:<24} {:<14} {:>6} {:>6} {:>10} {:>10} {:>10} {:>7}",
        "initiative", "team", "start", "live", "ΔALE", "once", "yearly", "return"
    );
    for p in &plan.initiatives {
        let _ = writeln!(
            out,
            "  {:<24} {:<14} {:>6} {:>6} {:>10} {:>10} {:>10} {:>7.2}",
            clip(&p.id, 24),
            clip(p.owner.as_deref().unwrap_or("-"), 14),
            quarter(p.start_quarter),
            quarter(p.effective_quarter),
            money(p.ale_reduction, currency),
            money(p.once_cost, currency),
            money(p.yearly_cost, currency),
            p.return_on_cost
        );
    }
    if !plan.not_chosen.is_empty() {
        let _ = writeln!(out, "  {} {}", style.dim("not chosen:"), plan.not_chosen.join(", "));
    }
    let _ = writeln!(out, "\n{}", style.bold("Risk burn-down (ALE in effect per quarter)"));
    let top = plan.burn_down.iter().cloned().fold(1.0, f64::max);
    for (q, ale) in plan.burn_down.iter().enumerate() {
        let len = ((ale / top) * 50.0).round() as usize;
        let _ = writeln!(out, "  {:<5} {:>10} {}", quarter(q), money(*ale, currency), style.cyan(&"▇".repeat(len)));
    }
    let _ = writeln!(
        out,
        "\n  objective (expected loss + spend over the horizon): greedy {}",
        money(plan.greedy_objective, currency)
    );
    match (plan.exact_objective, plan.gap) {
        (Some(e), Some(gap)) => {
            let _ = writeln!(out, "  exact ILP optimum {}; greedy gap {}", money(e, currency), percent(gap.max(0.0)));
        }
        (Some(e), None) => {
            let _ = writeln!(
                out,
                "  exact ILP over the {} best candidates ({}): {}",
                plan.exact_candidates.len(),
                plan.exact_candidates.join(", "),
                money(e, currency)
            );
        }
        _ => {}
    }
    if plan.dropped_by_budget_cut.is_empty() {
        let _ = writeln!(out, "  a 20% budget cut drops nothing from this plan");
    } else {
        let _ = writeln!(out, "  a 20% budget cut drops: {}", style.yellow(&plan.dropped_by_budget_cut.join(", ")));
    }
    out
}
