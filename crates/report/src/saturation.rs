//! Text for saturation: the scenarios an actor wins in nearly every attempt, what it holds almost
//! always, and the one-foothold view the decisions that follow are ranked in.

use std::fmt::Write;

use riskpath_decide::saturation::Saturation;
use riskpath_model::Labels;

use crate::style::{Style, clip, count, percent};

/// The saturation note printed before decisions (choke points, classes) when some scenario is
/// saturated.
pub fn section(s: &Saturation, labels: &Labels, style: &Style) -> String {
    let note = if s.one_foothold_saturated {
        "Even from one foothold per entry point the attacker nearly always gets through: it has many \
         ways past its foothold, and only a cut changes that (see the minimum cut). Decisions below \
         are ranked in the one-foothold view."
    } else {
        "Decisions below are ranked in the one-foothold view: each entry point reaches one of its \
         first-step targets per attempt, so they measure the steps and controls past initial access \
         (their money is the loss from attempts limited to one foothold)."
    };
    summary(s, labels, style) + &format!("  {}\n", style.dim(note))
}

/// The saturation note before a plan, which stays in money: why initiatives that act past initial
/// access may look worth little alone.
pub fn plan_note(s: &Saturation, labels: &Labels, style: &Style) -> String {
    let note = "The plan below is in money: while P is saturated one initiative alone barely moves it, \
                so initiatives past initial access show little value unless initial access narrows too. \
                `riskpath chokepoints` ranks steps in the one-foothold view.";
    summary(s, labels, style) + &format!("  {}\n", style.dim(note))
}

/// The saturated scenarios with their one-foothold P, and what each saturated actor holds.
fn summary(s: &Saturation, labels: &Labels, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!(
            "Saturated: P(compromise) ≥ {} — removing one step or adding one control barely moves it",
            percent(s.threshold)
        ))
    );
    let _ = writeln!(out, "  {:<22} {:<30} {:>10} {:>14}", "actor", "target", "P", "one foothold");
    for x in &s.scenarios {
        let _ = writeln!(
            out,
            "  {:<22} {:<30} {:>10} {:>14}",
            clip(&x.actor, 22),
            clip(labels.get(&x.target), 30),
            percent(x.probability),
            percent(x.one_foothold)
        );
    }
    for set in &s.sets {
        let names: Vec<&str> = set.nodes.iter().take(8).map(|(id, _)| labels.get(id)).collect();
        let more = set.nodes.len().saturating_sub(names.len());
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        let _ = writeln!(
            out,
            "  {} holds {} in ≥ {} of its attempts ({}): {}{more}",
            set.actor,
            count(set.nodes.len(), "node"),
            percent(s.threshold),
            count(set.footholds, "first-step target"),
            names.join(", ")
        );
    }
    out
}
