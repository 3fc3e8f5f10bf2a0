//! Mitigation gaps: for the techniques that carry the most risk, the ATT&CK mitigations that
//! address them and whether deployed controls implement them (missing, partial, covered).

use std::collections::{BTreeMap, HashMap};

use riskpath_engine::Posture;
use riskpath_model::attack::Catalog;
use riskpath_model::kb;
use riskpath_model::{ControlStatus, EdgeEnd, Model, Platforms};
use serde::Serialize;

use rayon::prelude::*;

use crate::Evaluator;
use crate::classes::{self, ClassKind};

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
    /// The ALE the techniques where it is missing or partial carry together: the drop if every
    /// edge of those techniques were neutralised at once (common random numbers, like a class's
    /// value). At most the ALE, and an upper bound on what this mitigation alone can remove.
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

/// The gap analysis from ranked endemic classes (only technique classes are used); `eval` values
/// each missing mitigation's techniques together.
pub fn gaps(eval: &Evaluator, catalog: Option<&Catalog>, ranked: &[classes::EndemicClass], ale: f64) -> GapsDoc {
    let (model, posture, trials, seed) = (eval.model, &eval.baseline, eval.trials, eval.seed);
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
            entry.techniques.push(t.technique.clone());
        }
    }
    let mut missing: Vec<MissingMitigation> = by_mitigation.into_values().collect();
    value_together(eval, ranked, &mut missing);
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

/// Each missing mitigation's value: the ALE drop with every edge of its techniques removed.
fn value_together(eval: &Evaluator, ranked: &[classes::EndemicClass], missing: &mut [MissingMitigation]) {
    let edges_of: HashMap<&str, &[usize]> = ranked
        .iter()
        .filter(|c| c.kind == ClassKind::Technique)
        .map(|c| (c.key.as_str(), c.edges.as_slice()))
        .collect();
    let base = eval.loss(&eval.baseline).ale;
    missing.par_iter_mut().for_each(|m| {
        let mut edges: Vec<usize> = m.techniques.iter().flat_map(|t| edges_of[t.as_str()].iter().copied()).collect();
        edges.sort_unstable();
        edges.dedup();
        m.risk = (base - eval.without_edges(&edges).ale).max(0.0);
    });
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
