//! `riskpath gaps`: for the techniques that carry the most risk, the ATT&CK mitigations that address
//! them, which deployed controls implement and which are missing — as text, JSON or a Navigator layer.

use riskpath_report::style::count;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::path::PathBuf;

use clap::ValueEnum;
use riskpath_decide::classes::{self, ClassKind};
use riskpath_engine::Posture;
use riskpath_model::attack::Catalog;
use riskpath_model::kb;
use riskpath_model::{ControlStatus, EdgeEnd, Model, PlatformSource, Platforms};
use riskpath_report::style::{Style, clip, money, percent, wrap_text};
use riskpath_report::vulns;
use serde::Serialize;

use crate::ModelArgs;
use crate::analyze::SimArgs;
use crate::common::{Failure, OutputFile, load_model, to_json};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapsFormat {
    /// For a person: aligned text at 100 columns, colour only on a terminal.
    Text,
    /// For a machine: one JSON document with a `schema_version`.
    Json,
    /// An ATT&CK Navigator layer (format 4.5): techniques scored by risk, missing mitigations as comments.
    Navigator,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GapsFormat::Text)]
    pub format: GapsFormat,
    #[command(flatten)]
    pub out: OutputFile,
    /// Techniques to show in text output (JSON and Navigator list all).
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// ATT&CK bundle or cache to take mitigations from instead of the model's `settings.attack`.
    #[arg(long, value_name = "BUNDLE")]
    pub attack: Option<PathBuf>,
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Whether a mitigation is in place on the edges of a technique.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Coverage {
    Missing,
    Partial,
    Covered,
}

#[derive(Debug, Clone, Serialize)]
pub struct MitigationGap {
    pub id: String,
    pub name: String,
    pub coverage: Coverage,
    /// Edges of the technique that a deployed control implementing it covers.
    pub covered_edges: usize,
    /// Deployed (and counted) controls that implement it on some of the edges.
    pub controls: Vec<String>,
    /// Planned controls that would implement it there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub planned: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TechniqueGap {
    pub technique: String,
    pub name: String,
    /// ALE drop if every edge of this technique were neutralised (common random numbers).
    pub risk: f64,
    /// `risk` as a share of the baseline ALE.
    pub share: f64,
    pub edges: usize,
    pub mitigations: Vec<MitigationGap>,
    /// Ids of the mitigations that are missing or partial, most relevant first.
    pub missing: Vec<String>,
    /// Mitigations ATT&CK (or the edge kinds) link to the technique that are tied to platforms the
    /// estate does not have (Active Directory Configuration in an AWS-only estate): not gaps.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_applicable: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MissingMitigation {
    pub id: String,
    pub name: String,
    /// Sum of the risk of the techniques where it is missing or partial (techniques overlap, so
    /// this ranks mitigations; it is not an ALE reduction).
    pub risk: f64,
    pub techniques: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GapsDoc {
    pub schema_version: u32,
    pub seed: u64,
    pub trials: u64,
    pub currency: String,
    pub ale: f64,
    /// Where the technique → mitigation links come from: `attack-bundle` or `builtin`.
    pub mitigation_source: &'static str,
    /// The estate's ATT&CK platforms (`settings.platforms`, else from node kinds), which decide
    /// whether a platform-bound mitigation applies.
    pub platforms: Platforms,
    pub techniques: Vec<TechniqueGap>,
    pub missing: Vec<MissingMitigation>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let catalog = crate::kb::catalog_for(&loaded, args.attack.as_deref())?;
    let model = &loaded.model;
    let (risk, eval) = args.sim.assess(model)?;
    let graph = eval.baseline_graph();
    let ale = risk.ale;
    let ranked = classes::rank(&eval, graph, 1);
    let doc = gaps(model, &eval.baseline, catalog.as_ref(), &ranked, ale, eval.trials, eval.seed);
    // Update Software (M1051) made concrete: the patches that remove the most money.
    let vulns = riskpath_decide::patch::rank(&eval);
    let content = match args.format {
        GapsFormat::Json => {
            let mut value = serde_json::to_value(&doc).map_err(|e| Failure::usage(e.to_string()))?;
            if let Some(v) = &vulns {
                value["vulnerabilities"] = serde_json::to_value(v).map_err(|e| Failure::usage(e.to_string()))?;
            }
            to_json(&value)?
        }
        GapsFormat::Navigator => {
            let layer = navigator(&doc, catalog.as_ref());
            to_json(&layer)?
        }
        GapsFormat::Text => {
            let style = args.out.style();
            let patches = vulns.as_ref().map(|v| vulns::section(v, &model.settings.currency, args.top, &style));
            style.finish(render(&doc, model, args.top, &style) + &patches.unwrap_or_default())
        }
    };
    args.out.write(&content)
}

/// The gap analysis from ranked endemic classes (only technique classes are used).
pub fn gaps(
    model: &Model,
    posture: &Posture,
    catalog: Option<&Catalog>,
    ranked: &[classes::EndemicClass],
    ale: f64,
    trials: u64,
    seed: u64,
) -> GapsDoc {
    let mut techniques = Vec::new();
    let ends = model.edge_ends();
    let platforms = model.platforms();
    for class in ranked.iter().filter(|c| c.kind == ClassKind::Technique) {
        let t = class.key.as_str();
        let name = catalog
            .and_then(|c| c.technique_name(t))
            .or_else(|| kb::technique(t).map(|x| x.name.to_string()))
            .unwrap_or_else(|| class.name.clone());
        let addressing: Vec<(String, String)> = match catalog {
            Some(c) => c.mitigations_for(t).into_iter().map(|m| (m.id.clone(), m.name.clone())).collect(),
            None => {
                let mut ids: Vec<&str> = Vec::new();
                for &e in &class.edges {
                    let kind = kb::edge_kind(&model.edges[e].kind.value);
                    for m in kind.map_or(&[][..], |k| k.mitigations) {
                        if !ids.contains(m) {
                            ids.push(m);
                        }
                    }
                }
                ids.into_iter()
                    .map(|m| (m.to_string(), kb::mitigation(m).map_or(String::new(), |x| x.name.to_string())))
                    .collect()
            }
        };
        let (addressing, not_applicable): (Vec<_>, Vec<_>) =
            addressing.into_iter().partition(|(id, _)| platforms.allow_mitigation(id));
        let mitigations: Vec<MitigationGap> = addressing
            .into_iter()
            .map(|(id, name)| coverage(model, &ends, posture, &class.edges, t, id, name))
            .collect();
        // Missing first, then partial; within each, the order ATT&CK (or the edge kind) gives.
        let mut missing: Vec<&MitigationGap> = mitigations.iter().filter(|m| m.coverage != Coverage::Covered).collect();
        missing.sort_by_key(|m| m.coverage);
        let missing = missing.into_iter().map(|m| m.id.clone()).collect();
        techniques.push(TechniqueGap {
            technique: t.to_string(),
            name,
            risk: class.ale_reduction,
            share: class.share,
            edges: class.edge_count,
            mitigations,
            missing,
            not_applicable: not_applicable.into_iter().map(|(id, _)| id).collect(),
        });
    }
    techniques.sort_by(|a, b| b.risk.total_cmp(&a.risk).then(a.technique.cmp(&b.technique)));

    let mut by_mitigation: BTreeMap<String, MissingMitigation> = BTreeMap::new();
    for t in &techniques {
        for m in t.mitigations.iter().filter(|m| m.coverage != Coverage::Covered) {
            let entry = by_mitigation.entry(m.id.clone()).or_insert_with(|| MissingMitigation {
                id: m.id.clone(),
                name: m.name.clone(),
                risk: 0.0,
                techniques: Vec::new(),
            });
            entry.risk += t.risk.max(0.0);
            entry.techniques.push(t.technique.clone());
        }
    }
    let mut missing: Vec<MissingMitigation> = by_mitigation.into_values().collect();
    missing.sort_by(|a, b| b.risk.total_cmp(&a.risk).then(a.id.cmp(&b.id)));
    GapsDoc {
        schema_version: 1,
        seed,
        trials,
        currency: model.settings.currency.clone(),
        ale,
        mitigation_source: if catalog.is_some() { "attack-bundle" } else { "builtin" },
        platforms,
        techniques,
        missing,
    }
}

/// How far mitigation `id` is in place on `edges` (model indices, all of `technique`): a control
/// that counts in the posture, covers the edge (by its target, or its source), lists the technique
/// (a SIEM scoped `*` that detects lateral movement does not audit phishing) and implements the
/// mitigation.
fn coverage(
    model: &Model,
    ends: &HashMap<&str, EdgeEnd>,
    posture: &Posture,
    edges: &[usize],
    technique: &str,
    id: String,
    name: String,
) -> MitigationGap {
    let mut covered_edges = 0;
    let (mut controls, mut planned) = (Vec::new(), Vec::new());
    for &e in edges {
        let edge = &model.edges[e];
        let Some((&source, &target)) = ends.get(edge.from.value.as_str()).zip(ends.get(edge.to.value.as_str())) else {
            continue;
        };
        let mut covered = false;
        for (ci, c) in model.controls.iter().enumerate() {
            if !c.implements.iter().any(|m| m.value == id) || !c.lists(technique) || !c.covers(source, target) {
                continue;
            }
            let list = if posture.active[ci] {
                covered = true;
                &mut controls
            } else if c.status == ControlStatus::Planned {
                &mut planned
            } else {
                continue;
            };
            if !list.contains(&c.id) {
                list.push(c.id.clone());
            }
        }
        covered_edges += covered as usize;
    }
    let coverage = match covered_edges {
        0 => Coverage::Missing,
        n if n < edges.len() => Coverage::Partial,
        _ => Coverage::Covered,
    };
    MitigationGap { id, name, coverage, covered_edges, controls, planned }
}

fn render(doc: &GapsDoc, model: &Model, top: usize, style: &Style) -> String {
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
            style.dim(&format!(
                "{}/yr ({}) · {} edge{}",
                money(t.risk, cur),
                percent(t.share),
                t.edges,
                if t.edges == 1 { "" } else { "s" }
            ))
        );
        let line = |label: &str, items: Vec<String>| {
            if items.is_empty() {
                return String::new();
            }
            riskpath_report::style::wrap_joined(&items, ", ", &format!("    {label:<9}"), 13, 100) + "\n"
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
        let _ = writeln!(out, "\n{}", style.bold("Missing mitigations, by the risk of the techniques they address"));
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
pub fn navigator(doc: &GapsDoc, catalog: Option<&Catalog>) -> serde_json::Value {
    use riskpath_report::navigator::{Layer, ScoredTechnique, build};
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
        .unwrap_or_else(|| riskpath_report::navigator::ATTACK_VERSION.into());
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
