//! `riskpath gaps` rendered: terminal text and an ATT&CK Navigator layer of the techniques that
//! carry the risk and the mitigations missing on them (computed by `riskpath_decide::gaps`).

use std::fmt::Write;

use riskpath_decide::gaps::{Coverage, GapsDoc, MissingMitigation, TechniqueGap};
use riskpath_model::attack::Catalog;
use riskpath_model::{Model, PlatformSource};

use crate::style::{Style, clip, count, money, percent, wrap_text};

/// The gaps as terminal text: the `top` techniques with their mitigations, then the missing
/// mitigations by the risk of the techniques they address.
pub fn text(doc: &GapsDoc, model: &Model, top: usize, style: &Style) -> String {
    let cur = &doc.currency;
    let mut out = String::new();
    let source = match doc.mitigation_source {
        "attack-bundle" => "mitigations from the ATT&CK bundle",
        _ => "mitigations from the built-in edge kinds (set settings.attack for ATT&CK's full lists)",
    };
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!("Mitigation gaps · techniques by the ALE they carry (of {}/yr)", money(doc.ale, cur)))
    );
    let _ = writeln!(
        out,
        "{}",
        style.dim(&format!("{source}; seed {}, {} per what-if", doc.seed, count(doc.trials as usize, "trial")))
    );
    let platforms = match doc.platforms.source {
        PlatformSource::Settings => format!("platforms {} (settings.platforms)", doc.platforms.names.join(", ")),
        PlatformSource::NodeKinds => format!(
            "platforms {} (from the node kinds; settings.platforms overrides): mitigations tied to other platforms are not gaps",
            doc.platforms.names.join(", ")
        ),
        PlatformSource::Unknown => {
            "platforms unknown (no node kind implies one; set settings.platforms): every mitigation counts".to_string()
        }
    };
    let _ = writeln!(out, "{}", style.dim(&wrap_text(&platforms, "", 0, 100)));
    if !model.controls.iter().any(|c| !c.implements.is_empty()) {
        let _ = writeln!(
            out,
            "{}",
            style.yellow(
                "no control says which ATT&CK mitigations it implements (`implements:` or `uses: catalog/…`), \
                 so every mitigation shows as missing"
            )
        );
    }
    let shown: Vec<&TechniqueGap> = doc.techniques.iter().filter(|t| t.risk > 0.0).take(top).collect();
    if shown.is_empty() {
        let _ = writeln!(out, "\nno technique carries measurable risk");
    }
    for t in &shown {
        let _ = writeln!(
            out,
            "\n{} {}  {}",
            style.cyan(&t.technique),
            t.name,
            style.dim(&format!("{}/yr ({}) · {}", money(t.risk, cur), percent(t.share), count(t.edges, "edge")))
        );
        let line = |label: &str, items: Vec<String>| {
            if items.is_empty() {
                return String::new();
            }
            crate::style::wrap_joined(&items, ", ", &format!("    {label:<9}"), 13, 100) + "\n"
        };
        let pick = |c: Coverage| t.mitigations.iter().filter(move |m| m.coverage == c);
        out += &style.red(&line("missing", pick(Coverage::Missing).map(|m| format!("{} {}", m.id, m.name)).collect()));
        out += &style.yellow(&line(
            "partial",
            pick(Coverage::Partial)
                .map(|m| {
                    format!("{} {} ({}: {}/{} edges)", m.id, m.name, m.controls.join(", "), m.covered_edges, t.edges)
                })
                .collect(),
        ));
        out += &style.green(&line(
            "covered",
            pick(Coverage::Covered).map(|m| format!("{} {} ({})", m.id, m.name, m.controls.join(", "))).collect(),
        ));
        if t.mitigations.is_empty() {
            let _ = writeln!(out, "    {}", style.dim("ATT&CK lists no mitigation for it"));
        }
        if !t.not_applicable.is_empty() {
            out += &style.dim(&line("n/a here", t.not_applicable.clone()));
        }
    }
    let hidden = doc.techniques.iter().filter(|t| t.risk > 0.0).count().saturating_sub(shown.len());
    if hidden > 0 {
        let _ = writeln!(out, "{}", style.dim(&format!("\n… {hidden} more techniques (--top N, or --format json)")));
    }
    let missing: Vec<&MissingMitigation> = doc.missing.iter().filter(|m| m.risk > 0.0).take(top).collect();
    if !missing.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Missing mitigations, by the ALE of the techniques they address, together (at most what each could remove)"));
        for m in missing {
            let _ = writeln!(
                out,
                "  {:<6} {:<42} {:>10}/yr  {}",
                m.id,
                clip(&m.name, 42),
                money(m.risk, cur),
                style.dim(&clip(&m.techniques.join(", "), 36))
            );
        }
    }
    out
}

/// An ATT&CK Navigator layer (format 4.5) of the gaps: each technique scored by its risk (ALE per
/// year, rounded), with the missing mitigations as its comment.
pub fn navigator(doc: &GapsDoc, catalog: Option<&Catalog>) -> crate::navigator::LayerDoc {
    use crate::navigator::{Layer, ScoredTechnique, build};
    let mitigation_name = |id: &str| {
        doc.techniques
            .iter()
            .flat_map(|t| &t.mitigations)
            .find(|m| m.id == id)
            .map_or(String::new(), |m| m.name.clone())
    };
    let techniques = doc
        .techniques
        .iter()
        .map(|t| {
            let comment = if t.missing.is_empty() {
                if t.mitigations.is_empty() { "no ATT&CK mitigation" } else { "all mitigations in place" }.to_string()
            } else {
                let list: Vec<String> = t.missing.iter().map(|m| format!("{m} {}", mitigation_name(m))).collect();
                format!("missing: {}", list.join("; "))
            };
            ScoredTechnique {
                id: t.technique.clone(),
                risk: t.risk,
                share: t.share,
                comment,
                metadata: vec![
                    ("ALE it carries".into(), format!("{}/yr", money(t.risk, &doc.currency))),
                    ("ALE share".into(), percent(t.share)),
                    ("edges".into(), t.edges.to_string()),
                ],
            }
        })
        .collect();
    let attack_version = catalog
        .and_then(|c| c.version.clone())
        .map(|v| v.split('.').next().unwrap_or("18").to_string())
        .unwrap_or_else(|| crate::navigator::ATTACK_VERSION.into());
    build(&Layer {
        name: "riskpath gaps".into(),
        description: format!(
            "Techniques scored by the share of the ALE they carry (in percent of the baseline ALE of {}, at least 1 \
             for any measurable risk), comments list the ATT&CK mitigations not in place. riskpath gaps, seed {}, {} \
             trials per what-if.",
            money(doc.ale, &doc.currency),
            doc.seed,
            doc.trials
        ),
        attack_version,
        currency: doc.currency.clone(),
        techniques,
        metadata: vec![("baseline ALE".into(), money(doc.ale, &doc.currency)), ("seed".into(), doc.seed.to_string())],
    })
}
