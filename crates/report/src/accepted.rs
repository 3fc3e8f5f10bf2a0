//! Accepted risks in words, the same on every page: what each covers, "accepted by OWNER until
//! DATE" beside the covered risk, lapses (expired, over `max_ale` beyond the figure's noise) and
//! figures too close to `max_ale` to judge stated, and the terminal section.

use std::fmt::Write;

use riskpath_decide::accepted::Coverage;
use riskpath_model::accepted::Date;
use riskpath_model::{Labels, Model, Problem};

use crate::style::{Style, WIDTH, money, wrap_text};

/// What an acceptance covers, in words: `crime reaching Customer DB`, `edge a-db`, `class kind:reads`.
pub fn scope_words(c: &Coverage, labels: &Labels) -> String {
    match c.scope {
        "scenario" => match c.scope_text.split_once(" → ") {
            Some((actor, target)) => format!("{actor} reaching {}", labels.get(target)),
            None => c.scope_text.clone(),
        },
        kind => format!("{kind} {}", c.scope_text),
    }
}

/// `accepted by OWNER until DATE`.
pub fn accepted_by(c: &Coverage) -> String {
    format!("accepted by {} until {}", c.owner, c.expires)
}

/// `edge a-db, $875k/yr, accepted by CTO until 2027-06-30`.
pub fn summary(c: &Coverage, labels: &Labels, currency: &str) -> String {
    format!("{}, {}/yr, {}", scope_words(c, labels), money(c.ale, currency), accepted_by(c))
}

/// Why an acceptance no longer covers what it says, in words; none while it holds.
pub fn lapse(c: &Coverage, currency: &str) -> Option<String> {
    let mut why = Vec::new();
    if c.expired {
        why.push(format!("EXPIRED on {}", c.expires));
    }
    if let (true, Some(max)) = (c.over_max_ale, c.max_ale) {
        why.push(format!("OVER its max_ale: covers {}, {} accepted", figure(c, currency), money(max, currency)));
    }
    (!why.is_empty()).then(|| why.join("; "))
}

/// The covered ALE with its standard error when it has one: `$360k/yr ± $61k`.
fn figure(c: &Coverage, currency: &str) -> String {
    match c.ale_std_error {
        Some(se) if se > 0.0 => format!("{}/yr ± {}", money(c.ale, currency), money(se, currency)),
        _ => format!("{}/yr", money(c.ale, currency)),
    }
}

/// When the covered ALE is too close to `max_ale` to judge (within two standard errors), in
/// words, with what would settle it; none otherwise.
pub fn undecided(c: &Coverage, currency: &str) -> Option<String> {
    let max = c.max_ale.filter(|_| c.near_max_ale)?;
    Some(format!(
        "too close to its max_ale to judge: covers {} (one standard error), {} accepted; more \
         --decision-trials would tell",
        figure(c, currency),
        money(max, currency)
    ))
}

/// The acceptances covering part of one scenario's risk, with the part each covers.
pub fn covering<'a>(accepted: &'a [Coverage], actor: &str, target: &str) -> Vec<(&'a Coverage, f64)> {
    accepted
        .iter()
        .filter_map(|c| c.scenarios.iter().find(|s| s.actor == actor && s.target == target).map(|s| (c, s.ale)))
        .collect()
}

/// The note beside a covered risk: `accepted by CISO until 2027-01-31` for the whole scenario,
/// `$875k/yr of it accepted by CTO until 2027-06-30` for a part; a lapse after a dash.
pub fn note(c: &Coverage, part: f64, currency: &str) -> String {
    let what = if c.scope == "scenario" {
        accepted_by(c)
    } else {
        format!("{}/yr of it {}", money(part, currency), accepted_by(c))
    };
    match lapse(c, currency) {
        Some(why) => format!("{what} — {why}"),
        None => what,
    }
}

/// Who accepted what, for the decision to accept the excess: the acceptances that hold and the
/// ALE each covers, or that none does and how to record one.
pub fn decision_sentence(accepted: &[Coverage], labels: &Labels, currency: &str) -> String {
    let holding: Vec<String> = accepted
        .iter()
        .filter(|c| !c.lapsed())
        .map(|c| format!("{} ({}/yr, {})", scope_words(c, labels), money(c.ale, currency), accepted_by(c)))
        .collect();
    if holding.is_empty() {
        return format!(
            " No accepted risk {}: record one in the model under accepted_risks (scope, owner, expires, \
             justification, max_ale; docs/model-format.md).",
            if accepted.is_empty() { "is recorded" } else { "holds now" }
        );
    }
    format!(" Accepted now: {}.", holding.join("; "))
}

/// The acceptances that lapsed (expired, over `max_ale`), in words; none when all hold.
pub fn lapsed_sentence(accepted: &[Coverage], labels: &Labels, currency: &str) -> Option<String> {
    let lapsed: Vec<String> = accepted
        .iter()
        .filter_map(|c| lapse(c, currency).map(|why| format!("{} ({}, {why})", scope_words(c, labels), accepted_by(c))))
        .collect();
    (!lapsed.is_empty())
        .then(|| format!("No longer covered: {}; renew with the owner or treat the risk.", lapsed.join("; ")))
}

/// The terminal section: one entry per acceptance, lapses in red and in words.
pub fn text_section(accepted: &[Coverage], as_of: Date, labels: &Labels, currency: &str, style: &Style) -> String {
    if accepted.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let _ = writeln!(out, "\n{}", style.bold("Accepted risks"));
    let _ = writeln!(out, "{}", style.dim(&format!("  (as of {as_of}; the ALE each covers is the run's own figure)")));
    for c in accepted {
        let (mark, line) = match (lapse(c, currency), undecided(c, currency)) {
            (Some(why), _) => (style.red("✗"), style.red(&why)),
            (None, Some(why)) => (style.yellow("?"), style.yellow(&why)),
            (None, None) => (style.green("✓"), String::new()),
        };
        let head = format!("{}: {}", c.id, summary(c, labels, currency));
        let _ = writeln!(out, "  {mark} {}", wrap_text(&head, "", 4, WIDTH - 4));
        if !line.is_empty() {
            let _ = writeln!(out, "    {line}");
        }
        let _ = writeln!(out, "{}", style.dim(&wrap_text(&c.justification, "    ", 4, WIDTH)));
    }
    out
}

/// A warning at each lapsed acceptance: expired on `as_of` (the model's own warning) or covering
/// more than its `max_ale`; and at each too close to its `max_ale` to judge.
pub fn warnings(model: &Model, accepted: &[Coverage], as_of: Date) -> Vec<Problem> {
    let currency = &model.settings.currency;
    let over = accepted.iter().filter(|c| c.over_max_ale).map(|c| {
        Problem::warning(
            format!(
                "accepted risk `{}` (owner {}) covers {}, above its max_ale of {}",
                c.id,
                c.owner,
                figure(c, currency),
                money(c.max_ale.unwrap_or_default(), currency)
            ),
            Some(c.loc),
        )
        .with_help("review it with its owner: raise `max_ale`, or treat the risk")
    });
    let close = accepted.iter().filter_map(|c| {
        let why = undecided(c, currency)?;
        Some(
            Problem::warning(format!("accepted risk `{}` (owner {}) is {why}", c.id, c.owner), Some(c.loc))
                .with_help("rerun with more --decision-trials (or --precision) to tell whether it still holds"),
        )
    });
    riskpath_model::accepted::expired(model, as_of).into_iter().chain(over).chain(close).collect()
}
