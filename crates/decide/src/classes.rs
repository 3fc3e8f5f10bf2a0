//! Endemic classes: edges grouped by ATT&CK technique, by edge kind and by missing ATT&CK
//! mitigation; a class is worth the ALE drop if all its edges were neutralised (common random numbers).

use std::collections::BTreeMap;

use rayon::prelude::*;
use riskpath_engine::compile::AttackGraph;
use riskpath_model::kb;

use crate::eval::Evaluator;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassKind {
    Technique,
    EdgeKind,
    MissingMitigation,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EndemicClass {
    pub kind: ClassKind,
    /// Technique id, edge kind name or mitigation id.
    pub key: String,
    /// ATT&CK name of the technique or mitigation, or the edge kind's description.
    pub name: String,
    /// Indices into `model.edges`.
    #[serde(skip)]
    pub edges: Vec<usize>,
    pub edge_count: usize,
    /// ALE before minus ALE with every edge of the class neutralised.
    pub ale_reduction: f64,
    /// `ale_reduction` as a share of the baseline ALE.
    pub share: f64,
}

/// Groups the compiled edges into classes (those with at least `min_edges` edges). Missing-mitigation
/// classes need controls that say which ATT&CK mitigations they implement (`implements`); without
/// any, every mitigation would look missing everywhere, so they are left out; nor can a mitigation
/// tied to platforms the estate does not have be missing (`Model::platforms`).
pub fn group(eval: &Evaluator, graph: &AttackGraph, min_edges: usize) -> Vec<EndemicClass> {
    let model = eval.model;
    let mitigations_declared = model.controls.iter().any(|c| !c.implements.is_empty());
    let platforms = model.platforms();
    let mut groups: BTreeMap<(ClassKind, String), Vec<usize>> = BTreeMap::new();
    for e in graph.edges.iter().filter(|e| !e.kind.is_structural()) {
        groups.entry((ClassKind::Technique, e.technique.clone())).or_default().push(e.model_index);
        groups.entry((ClassKind::EdgeKind, e.kind.name.to_string())).or_default().push(e.model_index);
        // A mitigation is missing on an edge when no counted control covering it implements it.
        // Platform-bound mitigations the estate cannot have are never missing.
        for m in e.kind.mitigations.iter().filter(|m| mitigations_declared && platforms.allow_mitigation(m)) {
            let present = e.factors.iter().any(|f| model.controls[f.control].implements.iter().any(|x| x.value == *m));
            if !present {
                groups.entry((ClassKind::MissingMitigation, m.to_string())).or_default().push(e.model_index);
            }
        }
    }
    groups
        .into_iter()
        .filter(|(_, edges)| edges.len() >= min_edges)
        .map(|((kind, key), edges)| {
            let name = match kind {
                ClassKind::Technique => kb::technique(&key).map_or(String::new(), |t| t.name.to_string()),
                ClassKind::EdgeKind => kb::edge_kind(&key).map_or(String::new(), |k| k.description.to_string()),
                ClassKind::MissingMitigation => kb::mitigation(&key).map_or(String::new(), |m| m.name.to_string()),
            };
            EndemicClass { kind, key, name, edge_count: edges.len(), edges, ale_reduction: 0.0, share: 0.0 }
        })
        .collect()
}

/// Values each class by re-simulation and ranks them, most valuable first.
pub fn rank(eval: &Evaluator, graph: &AttackGraph, min_edges: usize) -> Vec<EndemicClass> {
    let base = eval.loss(&eval.baseline).ale;
    let mut classes = group(eval, graph, min_edges);
    classes.par_iter_mut().for_each(|c| {
        c.ale_reduction = base - eval.without_edges(&c.edges).ale;
        c.share = if base > 0.0 { c.ale_reduction / base } else { 0.0 };
    });
    classes.sort_by(|a, b| b.ale_reduction.total_cmp(&a.ale_reduction).then((a.kind, &a.key).cmp(&(b.kind, &b.key))));
    classes
}
