//! Incident output for people: the terminal report (100 columns) and the Markdown runbook a
//! responder follows (contain, rotate, hunt, watch the jewels), from `riskpath_decide::incident`.

use std::fmt::Write;

use riskpath_decide::incident::Incident;
use riskpath_model::Model;
use riskpath_model::kb;

use crate::markdown::{code, md};
use crate::style::{
    NO_FINITE_CUT, Style, WIDTH, clip, cost, count, money, percent, terminal_text, wrap_joined, wrap_text as wrap,
};

fn p_se(p: f64, se: f64) -> String {
    if se > 0.0 { format!("{} ± {}", percent(p), percent(se)) } else { percent(p) }
}

fn technique_name(id: &str) -> String {
    kb::technique(id).map_or_else(String::new, |t| t.name.to_string())
}

fn action_title(action: &str) -> &'static str {
    match action {
        "rotate_credential" => "rotate credential",
        "revoke_sessions" => "revoke sessions",
        "remove_trust" => "remove trust",
        "remove_membership" => "remove membership",
        "remove_permission" => "remove permission",
        "block_network" => "block at firewall",
        "isolate" => "isolate",
        "freeze_pipeline" => "freeze pipeline",
        "suspend_account" => "suspend account",
        "block_lure" => "block lure",
        _ => "revoke",
    }
}

/// The terminal report, 100 columns.
pub fn text(model: &Model, x: &Incident, top: usize, style: &Style) -> String {
    let labels = riskpath_model::Labels::new(model);
    let l = |id: &str| labels.label(id);
    let cur = model.settings.currency.as_str();
    let mut out = String::new();
    let who = x.compromised.iter().map(|id| l(id)).collect::<Vec<_>>().join(", ");
    let _ = writeln!(
        out,
        "{}",
        wrap(&format!("Incident: {who} compromised"), "", 2, WIDTH).replace("Incident:", &style.bold("Incident:"))
    );
    let about = format!(
        "attacker skill {} ({}), {}, seed {}; the compromised nodes are held in every trial and \
         controls act on every next step",
        x.skill.name(),
        x.skill_source,
        count(x.trials as usize, "trial"),
        x.seed
    );
    let _ = writeln!(out, "{}", style.dim(&wrap(&about, "", 0, WIDTH)));
    for id in &x.compromised {
        if let Some(d) = model.node(id).and_then(|n| n.description.as_deref()) {
            let _ = writeln!(out, "{}", wrap(d, &format!("  {}: ", terminal_text(&l(id))), 4, WIDTH));
        }
    }
    let headline = format!("At stake if the attacker proceeds: {}", money(x.at_stake, cur));
    let _ = writeln!(
        out,
        "\n{}   P(reaches a crown jewel) {}",
        if x.at_stake > 0.0 { style.red(&style.bold(&headline)) } else { style.green(&headline) },
        percent(x.breach_probability)
    );
    if x.already_lost > 0.0 {
        let lost: Vec<String> = x.jewels.iter().filter(|j| j.compromised).map(|j| l(&j.id)).collect();
        let _ = writeln!(
            out,
            "{}",
            style.red(&format!("Already held: {} (mean loss {})", lost.join(", "), money(x.already_lost, cur)))
        );
    }

    // Jewels.
    let _ = writeln!(out, "\n{}", style.bold("Crown jewels"));
    let _ = writeln!(out, "  {:<34} {:>18} {:>12} {:>12}", "jewel", "P(reached)", "mean loss", "at stake");
    let shown: Vec<_> = x.jewels.iter().filter(|j| j.compromised || j.probability > 0.0).collect();
    for j in shown.iter().take(top) {
        let p = if j.compromised { "held".to_string() } else { p_se(j.probability, j.std_error) };
        let _ = writeln!(
            out,
            "  {:<34} {:>18} {:>12} {:>12}",
            clip(&l(&j.id), 34),
            p,
            money(j.mean_loss, cur),
            money(j.at_stake, cur)
        );
        if let Some(path) = &j.path {
            let mut parts: Vec<String> = path.nodes.iter().map(|n| l(n)).collect();
            if let Some(last) = parts.last_mut() {
                *last = format!("{last}  ({} for this path)", percent(path.probability));
            }
            let chain = wrap_joined(&parts, " → ", "      via ", 10, WIDTH);
            let _ = writeln!(out, "{}", style.dim(&chain.lines().map(str::trim_end).collect::<Vec<_>>().join("\n")));
        }
    }
    let unreached = x.jewels.iter().filter(|j| !j.compromised && j.probability == 0.0).count();
    if shown.len() > top {
        let _ = writeln!(out, "  {}", style.dim(&format!("… {} more reached", shown.len() - top)));
    }
    if unreached > 0 {
        let _ = writeln!(
            out,
            "  {}",
            style.green(&format!("{} not reached in any trial", count(unreached, "crown jewel")))
        );
    }

    // Next hops.
    let _ = writeln!(out, "\n{}", style.bold("Next hops out of the compromised set"));
    let _ = writeln!(
        out,
        "{}",
        style.dim(
            "  (ranked by the money at stake that removing the hop takes away: re-simulated, same random numbers)"
        )
    );
    if x.next_hops.is_empty() {
        let _ = writeln!(out, "  {}", style.green("none: no edge leaves the compromised set"));
    } else {
        let _ = writeln!(out, "  {:<56} {:>7} {:>13} {:>18}", "hop", "P(hop)", "breach paths", "at stake removed");
        for (i, h) in x.next_hops.iter().take(top).enumerate() {
            let hop = format!("{}. {} -{}-> {}", i + 1, l(&h.from), h.kind, l(&h.to));
            let removed = format!("{} ({})", money(h.at_stake_removed, cur), percent(h.risk_share));
            let _ = writeln!(
                out,
                "  {:<56} {:>7} {:>13} {:>18}",
                clip(&hop, 56),
                percent(h.probability),
                percent(h.breach_share),
                removed
            );
            let mut about = format!("{} {}", h.technique, technique_name(&h.technique));
            if let Some(id) = &h.id {
                about = format!("{about} · edge {id}");
            }
            let _ = writeln!(out, "{}", style.dim(&clip(&format!("     {about}"), WIDTH)));
        }
        if x.next_hops.len() > top {
            let _ = writeln!(out, "  {}", style.dim(&format!("… {} more", x.next_hops.len() - top)));
        }
    }

    // Containment.
    let c = &x.containment;
    let _ =
        writeln!(out, "\n{}", style.bold("Containment: the cheapest cut between the compromised set and the jewels"));
    if c.cost.is_none() {
        let _ = writeln!(out, "{}", style.red(&wrap(NO_FINITE_CUT, "  ", 2, WIDTH)));
    } else if c.steps.is_empty() {
        let _ =
            writeln!(out, "  {}", style.green("nothing to cut: no crown jewel is reachable from the compromised set"));
    } else {
        let total = cost(c.cost.unwrap_or_default(), c.unit, cur);
        let _ = writeln!(
            out,
            "  {}",
            style.dim(&format!(
                "{}, cost {total} ({}); revoke all of them:",
                count(c.steps.len(), "edge"),
                c.method.short()
            ))
        );
        for (i, s) in c.steps.iter().enumerate() {
            let prefix = format!("  {}. [{}] ", i + 1, action_title(s.action));
            let _ = writeln!(out, "{}", wrap(&s.instruction, &prefix, 7, WIDTH));
            let relation = s.relation.as_deref().map_or(String::new(), |r| format!("{r} · "));
            let detail = format!(
                "{relation}{} -{}-> {} · {} · on {} of breach paths",
                l(&s.from),
                s.kind,
                l(&s.to),
                s.technique,
                percent(s.breach_share)
            );
            let _ = writeln!(out, "{}", style.dim(&wrap(&detail, "       ", 7, WIDTH)));
        }
        if c.holds {
            let _ = writeln!(
                out,
                "  {}",
                style.green("After the cut: no crown jewel is reached in any trial (re-simulated).")
            );
        } else {
            let _ = writeln!(
                out,
                "  {}",
                style.yellow(&format!(
                    "After the cut (re-simulated) {} remains at stake:",
                    money(c.at_stake_after, cur)
                ))
            );
            for r in c.remaining.iter().filter(|r| r.probability > 0.0).take(top) {
                let _ = writeln!(
                    out,
                    "    {:<34} {:>18} {:>12}",
                    clip(&l(&r.id), 34),
                    p_se(r.probability, r.std_error),
                    money(r.at_stake, cur)
                );
            }
        }
    }

    // Rotate.
    let _ =
        writeln!(out, "\n{}", style.bold("Rotate: credentials, secrets, identities, roles and groups within one hop"));
    if x.rotate.is_empty() {
        let _ = writeln!(out, "  {}", style.dim("none within one hop"));
    }
    for r in x.rotate.iter().take(top.max(1) * 2) {
        let state = if r.compromised { style.red("compromised") } else { format!("P {}", percent(r.probability)) };
        let _ = writeln!(out, "  {:<34} {:<9} {}", clip(&l(&r.id), 34), r.kind, state);
        let _ = writeln!(out, "{}", wrap(&r.instruction, "      ", 6, WIDTH));
        if !r.via.is_empty() {
            let _ = writeln!(out, "{}", style.dim(&wrap_joined(&r.via, ", ", "      via ", 10, WIDTH)));
        }
    }
    if x.rotate.len() > top.max(1) * 2 {
        let _ = writeln!(out, "  {}", style.dim(&format!("… {} more", x.rotate.len() - top.max(1) * 2)));
    }

    // Hunt.
    let _ = writeln!(out, "\n{}", style.bold("Hunt: ATT&CK techniques on the live paths"));
    let _ = writeln!(
        out,
        "{}",
        style.dim(&wrap(
            "(breach paths: share of breach trials in which the technique lies on a live path to a jewel; \
         P(fires): share of all trials; step: 1 = a next hop out of the compromised set)",
            "  ",
            2,
            WIDTH,
        ))
    );
    if x.hunt.is_empty() {
        let _ = writeln!(out, "  {}", style.dim("no step out of the compromised set can succeed"));
    } else {
        let _ = writeln!(
            out,
            "  {:<11} {:<52} {:>12} {:>9} {:>6}",
            "technique", "name", "breach paths", "P(fires)", "step"
        );
    }
    for h in x.hunt.iter().take(top) {
        let name = h.name.clone().unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<11} {:<52} {:>12} {:>9} {:>6}",
            h.technique,
            clip(&name, 52),
            percent(h.breach_share),
            percent(h.probability),
            h.first_step
        );
        let detectors = if h.detected_by.is_empty() {
            style.yellow("no deployed control detects it here")
        } else {
            let list: Vec<String> =
                h.detected_by.iter().map(|d| format!("{} ({:.0}%)", d.control, d.detect * 100.0)).collect();
            style.dim(&wrap_joined(&list, ", ", "detected by ", 16, WIDTH - 14).replace('\n', "\n  "))
        };
        let _ = writeln!(out, "              {detectors}");
    }
    if x.hunt.len() > top {
        let _ = writeln!(out, "  {}", style.dim(&format!("… {} more", x.hunt.len() - top)));
    }
    let _ = writeln!(out, "\n{}", style.dim("`--format md` writes this as a runbook; `--format json` for machines."));
    out
}

/// A node in Markdown: its name as text, else its id as a code span.
fn label_md(labels: &riskpath_model::Labels, id: &str) -> String {
    labels.name(id).map_or_else(|| code(id), md)
}

/// Names (of nodes, or `from -> to` of steps) as Markdown text, comma-separated.
fn text_list(items: &[String]) -> String {
    items.iter().map(|s| md(s)).collect::<Vec<_>>().join(", ")
}

/// What the compromised nodes are, from the model: one bullet each with its kind, name and description.
fn compromised_bullets(model: &Model, x: &Incident) -> String {
    let mut out = String::new();
    for id in &x.compromised {
        let Some(node) = model.node(id) else { continue };
        let about: Vec<String> =
            [node.name.as_deref(), node.description.as_deref()].into_iter().flatten().map(md).collect();
        if about.is_empty() {
            continue;
        }
        let _ = writeln!(out, "- {} ({}): {}", code(id), md(&node.kind), about.join(" — "));
    }
    out
}

/// The Markdown runbook: situation, then numbered steps (contain, rotate, hunt, watch the jewels).
pub fn runbook(model: &Model, x: &Incident) -> String {
    let labels = riskpath_model::Labels::new(model);
    let l = |id: &str| labels.label(id);
    let cur = model.settings.currency.as_str();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Incident runbook: {} compromised\n",
        x.compromised.iter().map(|id| label_md(&labels, id)).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(
        out,
        "_Generated by `riskpath incident` from a model of {} and {}. Attacker skill **{}** ({}); \
         {}, seed {}. The compromised nodes are treated as held; deployed controls still act on every next step._\n",
        count(model.nodes.len(), "node"),
        count(model.edges.len(), "edge"),
        x.skill.name(),
        x.skill_source,
        count(x.trials as usize, "trial"),
        x.seed
    );

    let _ = writeln!(out, "## Situation\n");
    let bullets = compromised_bullets(model, x);
    if !bullets.is_empty() {
        let _ = writeln!(out, "{bullets}");
    }
    let _ = writeln!(
        out,
        "If the attacker proceeds, **{}** is at stake (expected loss: Σ P(reached) × mean loss per crown jewel). \
         P(the attacker reaches at least one crown jewel) = **{}**.\n",
        money(x.at_stake, cur),
        percent(x.breach_probability)
    );
    if x.already_lost > 0.0 {
        let lost: Vec<String> = x.jewels.iter().filter(|j| j.compromised).map(|j| l(&j.id)).collect();
        let _ = writeln!(
            out,
            "Already held: {} (mean loss {}). Start the breach process for these now.\n",
            text_list(&lost),
            money(x.already_lost, cur)
        );
    }
    let _ = writeln!(out, "| crown jewel | P(reached) | ± s.e. | mean loss | at stake | most likely path |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---|");
    for j in &x.jewels {
        let (p, se) = if j.compromised {
            ("held".to_string(), "—".to_string())
        } else {
            (percent(j.probability), percent(j.std_error))
        };
        let path = j.path.as_ref().map_or(String::new(), |p| {
            format!("{} ({})", p.nodes.iter().map(|n| l(n)).collect::<Vec<_>>().join(" → "), percent(p.probability))
        });
        let _ = writeln!(
            out,
            "| {} | {p} | {se} | {} | {} | {} |",
            label_md(&labels, &j.id),
            money(j.mean_loss, cur),
            money(j.at_stake, cur),
            md(&path)
        );
    }

    // Step 1: contain.
    let c = &x.containment;
    let _ = writeln!(out, "\n## Step 1 — Contain: cut the paths to the crown jewels\n");
    if c.cost.is_none() {
        let _ = writeln!(out, "No containment cut: {}. Isolate the compromised nodes themselves.", md(NO_FINITE_CUT));
    } else if c.steps.is_empty() {
        let _ = writeln!(
            out,
            "No crown jewel is reachable from the compromised set: nothing to cut. Isolate the compromised nodes as usual."
        );
    } else {
        let _ = writeln!(
            out,
            "The cheapest set of accesses (cost {}; an edge costs its `fix_cost`, else one day of effort; {}) whose \
             removal separates the compromised set from every reachable crown jewel. Do all of them; isolating the \
             compromised nodes themselves, where the business can take it, also works.\n",
            cost(c.cost.unwrap_or_default(), c.unit, cur),
            c.method.short()
        );
        for (i, s) in c.steps.iter().enumerate() {
            let relation = s.relation.as_deref().map_or(String::new(), |r| format!("{}: ", md(r)));
            let _ = writeln!(
                out,
                "{}. [ ] **{}** — {}  \n   {relation}{} -{}-> {} ({} {}); on {} of breach paths",
                i + 1,
                action_title(s.action),
                md(&s.instruction),
                label_md(&labels, &s.from),
                md(&s.kind),
                label_md(&labels, &s.to),
                md(&s.technique),
                technique_name(&s.technique),
                percent(s.breach_share)
            );
        }
        if c.holds {
            let _ = writeln!(
                out,
                "\nAfter the cut (re-simulated on the same random numbers) no crown jewel is reached in any trial."
            );
        } else {
            let _ = writeln!(
                out,
                "\nAfter the cut (re-simulated) **{}** remains at stake:\n\n| crown jewel | P(reached) | at stake |\n|---|---:|---:|",
                money(c.at_stake_after, cur)
            );
            for r in c.remaining.iter().filter(|r| r.probability > 0.0) {
                let _ = writeln!(
                    out,
                    "| {} | {} ± {} | {} |",
                    label_md(&labels, &r.id),
                    percent(r.probability),
                    percent(r.std_error),
                    money(r.at_stake, cur)
                );
            }
        }
    }

    // Step 2: rotate.
    let _ = writeln!(out, "\n## Step 2 — Rotate credentials within one hop\n");
    if x.rotate.is_empty() {
        let _ = writeln!(out, "No identity, secret, key, role or group is within one hop of the compromised set.");
    }
    for (i, r) in x.rotate.iter().enumerate() {
        let state =
            if r.compromised { "compromised".to_string() } else { format!("P(taken) {}", percent(r.probability)) };
        let via = if r.via.is_empty() { String::new() } else { format!("; via {}", md(&r.via.join(", "))) };
        let _ = writeln!(
            out,
            "{}. [ ] {} ({}, {state}{via}) — {}",
            i + 1,
            label_md(&labels, &r.id),
            md(&r.kind),
            md(&r.instruction)
        );
    }

    // Step 3: hunt.
    let _ = writeln!(out, "\n## Step 3 — Hunt for these ATT&CK techniques\n");
    let _ = writeln!(
        out,
        "Most likely on the live paths first (share of breach trials in which the technique lies on a path to a jewel).\n"
    );
    if x.hunt.is_empty() {
        let _ = writeln!(out, "No step out of the compromised set can succeed.");
    }
    for (i, h) in x.hunt.iter().enumerate() {
        let name = h.name.as_deref().unwrap_or("");
        let detect = if h.detected_by.is_empty() {
            "No deployed control detects it on these steps: hunt in the logs by hand.".to_string()
        } else {
            let list: Vec<String> =
                h.detected_by.iter().map(|d| format!("{} ({:.0}%)", code(&d.control), d.detect * 100.0)).collect();
            format!("Detected by {}: check their alerts first.", list.join(", "))
        };
        let related =
            if h.related.is_empty() { String::new() } else { format!(" Related: {}.", md(&h.related.join(", "))) };
        let _ = writeln!(
            out,
            "{}. [ ] **{} {}** — on {} of breach paths, fires in {} of trials, from step {} on. Steps: {}. {detect}{related}",
            i + 1,
            md(&h.technique),
            md(name),
            percent(h.breach_share),
            percent(h.probability),
            h.first_step,
            text_list(&h.edges)
        );
    }

    // Step 4: watch the jewels.
    let _ = writeln!(out, "\n## Step 4 — Watch the crown jewels\n");
    let watched: Vec<_> = x.jewels.iter().filter(|j| !j.compromised && j.probability > 0.0).collect();
    if watched.is_empty() {
        let _ = writeln!(out, "No crown jewel is reached in any trial.");
    }
    for (i, j) in watched.iter().enumerate() {
        let steps: Vec<String> = j
            .last_steps
            .iter()
            .map(|s| {
                format!(
                    "{} from {} ({} {}, {} of the time)",
                    md(&s.kind),
                    label_md(&labels, &s.from),
                    md(&s.technique),
                    technique_name(&s.technique),
                    percent(s.share)
                )
            })
            .collect();
        let how = if steps.is_empty() { String::new() } else { format!(" Expect {}.", steps.join("; ")) };
        let _ = writeln!(
            out,
            "{}. [ ] {} — P(reached) {}, {} at stake.{how} Alert on access to it until the cut is in place and the hunt is done.",
            i + 1,
            label_md(&labels, &j.id),
            percent(j.probability),
            money(j.at_stake, cur)
        );
    }

    // Appendix.
    let _ = writeln!(out, "\n## Appendix — next hops out of the compromised set\n");
    let _ = writeln!(
        out,
        "Ranked by the money at stake that removing the hop takes away (re-simulated without the edge, same random numbers). \
         The breach-path share is the share of breach trials in which the hop lies on a live path to a jewel.\n"
    );
    if x.next_hops.is_empty() {
        let _ = writeln!(out, "No edge leaves the compromised set.");
    } else {
        let _ = writeln!(out, "| # | hop | technique | P(hop) | breach paths | at stake removed |");
        let _ = writeln!(out, "|---:|---|---|---:|---:|---:|");
        for (i, h) in x.next_hops.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {} -{}-> {} | {} | {} | {} | {} ({}) |",
                i + 1,
                label_md(&labels, &h.from),
                md(&h.kind),
                label_md(&labels, &h.to),
                md(&h.technique),
                percent(h.probability),
                percent(h.breach_share),
                money(h.at_stake_removed, cur),
                percent(h.risk_share)
            );
        }
    }
    out
}
