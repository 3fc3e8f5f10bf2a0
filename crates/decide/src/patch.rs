//! Patching as a what-if: a CVE removed from the edges into a node (or everywhere), or a package
//! upgraded on a node; each priced by re-simulation on common random numbers, and the CVEs ranked.

use rayon::prelude::*;
use riskpath_engine::compile::Posture;
use riskpath_model::Model;
use riskpath_model::vuln::{self, FixState, Vulnerability};

use crate::eval::Evaluator;

/// One patch: what it removes from the model's vulnerability lists.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "patch", rename_all = "lowercase")]
pub enum Patch {
    /// The CVE (or advisory) on the node's incoming edges, or on every edge when `node` is `None`.
    Cve { id: String, node: Option<String> },
    /// Every fixable vulnerability of the package on the node's incoming edges (an upgrade to its
    /// highest fixed version).
    Package { name: String, node: String },
}

impl Patch {
    /// Does this patch remove `v`, found on an edge into `to`?
    pub fn removes(&self, v: &Vulnerability, to: &str) -> bool {
        match self {
            Patch::Cve { id, node } => v.id == *id && node.as_deref().is_none_or(|n| n == to),
            Patch::Package { name, node } => {
                node == to && v.package.as_deref() == Some(name.as_str()) && v.fix_state == FixState::Fixed
            }
        }
    }

    /// What the fix is, in words: "patch CVE-… on X", "patch CVE-… everywhere", "upgrade P to F on X".
    pub fn describe(&self, model: &Model) -> String {
        match self {
            Patch::Cve { id, node: Some(n) } => format!("patch {id} on {n}"),
            Patch::Cve { id, node: None } => format!("patch {id} everywhere"),
            Patch::Package { name, node } => {
                let fixes = model
                    .edges
                    .iter()
                    .filter(|e| e.to.value == *node)
                    .flat_map(|e| &e.extra().vulnerabilities)
                    .filter(|v| self.removes(v, node))
                    .filter_map(|v| v.fix.as_deref());
                match fixes.max_by(|a, b| version_cmp(a, b)) {
                    Some(f) => format!("upgrade {name} to {f} on {node}"),
                    None => format!("upgrade {name} on {node}"),
                }
            }
        }
    }
}

/// `model` with `patches` applied: each edge's list without the entries they remove and its `p`
/// derived again; an edge left with none is removed in the returned posture. Edge indices are
/// unchanged, so every other draw is the same (common random numbers).
pub fn apply(model: &Model, posture: &Posture, patches: &[Patch]) -> (Model, Posture) {
    let mut patched = model.clone();
    let mut posture = posture.clone();
    for (i, edge) in patched.edges.iter_mut().enumerate().filter(|(_, e)| !e.extra().vulnerabilities.is_empty()) {
        let to = edge.to.value.clone();
        let vulnerabilities = &mut edge.extra_mut().vulnerabilities;
        let before = vulnerabilities.len();
        vulnerabilities.retain(|v| !patches.iter().any(|p| p.removes(v, &to)));
        if vulnerabilities.len() == before {
            continue;
        }
        if vulnerabilities.is_empty() {
            posture.removed[i] = true;
        } else {
            let combined = vuln::combine(vulnerabilities);
            if let Some(p) = edge.p.as_mut() {
                p.value = riskpath_model::Estimate::Point(combined);
            }
        }
    }
    (patched, posture)
}

/// Expected ALE with `patches` applied to the evaluator's baseline.
pub fn ale_with(eval: &Evaluator, patches: &[Patch]) -> f64 {
    if patches.is_empty() {
        return eval.loss(&eval.baseline).ale;
    }
    let (model, posture) = apply(eval.model, &eval.baseline, patches);
    eval.loss_of(&model, &posture).ale
}

/// One CVE and the money it carries: the ALE that patching it everywhere removes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CveRisk {
    pub id: String,
    pub kev: bool,
    pub ransomware: bool,
    /// Nodes whose incoming edges list it.
    pub nodes: Vec<String>,
    /// `package → fixed version` (or `package (no fix)`), as found.
    pub fixes: Vec<String>,
    pub ale_reduction: f64,
    /// Of the ALE all listed vulnerabilities add.
    pub share: f64,
    /// For the top CVEs up to the carrying set: the share patching it together with every CVE
    /// above it removes (re-simulated; CVEs on one node do not add up, they compound).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_with_above: Option<f64>,
}

/// A fix for one node: upgrading a package, with the CVEs it closes and the ALE it removes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PatchRisk {
    pub patch: Patch,
    /// `describe` of the patch.
    pub action: String,
    pub cves: Vec<String>,
    pub ale_reduction: f64,
}

/// Which vulnerabilities carry the money.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VulnRanking {
    pub baseline_ale: f64,
    /// ALE removed if every listed vulnerability were patched (the risk the scans add).
    pub all_ale_reduction: f64,
    /// Distinct vulnerabilities, most money first.
    pub cves: Vec<CveRisk>,
    /// The fewest top CVEs whose joint patch removes at least `carry_target` of
    /// `all_ale_reduction`, and the share they remove together (re-simulated, not summed).
    pub carry_count: usize,
    pub carry_share: f64,
    pub carry_target: f64,
    /// Package upgrades per node, most money first.
    pub upgrades: Vec<PatchRisk>,
}

/// Share of the scans' risk the headline set must carry ("these N CVEs carry 80% of the risk").
pub const CARRY_TARGET: f64 = 0.8;

/// Ranks the model's vulnerabilities by the ALE patching each removes, finds the fewest that carry
/// [`CARRY_TARGET`] of the risk all of them add, and prices each package upgrade per node. `None`
/// when no edge lists vulnerabilities.
pub fn rank(eval: &Evaluator) -> Option<VulnRanking> {
    let model = eval.model;
    let listed: Vec<(&str, &Vulnerability)> = model
        .edges
        .iter()
        .flat_map(|e| e.extra().vulnerabilities.iter().map(move |v| (e.to.value.as_str(), v)))
        .collect();
    if listed.is_empty() {
        return None;
    }
    let baseline_ale = ale_with(eval, &[]);
    let mut ids: Vec<&str> = listed.iter().map(|(_, v)| v.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    let everywhere = |id: &str| Patch::Cve { id: id.to_string(), node: None };
    let all: Vec<Patch> = ids.iter().map(|id| everywhere(id)).collect();
    let all_ale_reduction = baseline_ale - ale_with(eval, &all);
    let share = |x: f64| if all_ale_reduction > 0.0 { x / all_ale_reduction } else { 0.0 };
    let mut cves: Vec<CveRisk> = ids
        .par_iter()
        .map(|id| {
            let ale_reduction = baseline_ale - ale_with(eval, &[everywhere(id)]);
            cve_risk(id, &listed, ale_reduction, share(ale_reduction))
        })
        .collect();
    cves.sort_by(|a, b| b.ale_reduction.total_cmp(&a.ale_reduction).then_with(|| a.id.cmp(&b.id)));
    let (carry_count, carry_share) = carry(eval, baseline_ale, &mut cves, share);
    let upgrades = upgrades(eval, baseline_ale, &listed);
    Some(VulnRanking {
        baseline_ale,
        all_ale_reduction,
        cves,
        carry_count,
        carry_share,
        carry_target: CARRY_TARGET,
        upgrades,
    })
}

fn cve_risk(id: &str, listed: &[(&str, &Vulnerability)], ale_reduction: f64, share: f64) -> CveRisk {
    let found: Vec<&(&str, &Vulnerability)> = listed.iter().filter(|(_, v)| v.id == id).collect();
    let mut nodes: Vec<String> = found.iter().map(|(n, _)| n.to_string()).collect();
    nodes.sort();
    nodes.dedup();
    let mut fixes: Vec<String> = found
        .iter()
        .filter_map(|(_, v)| {
            let package = v.package.as_deref()?;
            Some(match &v.fix {
                Some(f) => format!("{package} → {f}"),
                None => format!("{package} ({})", v.fix_state.name()),
            })
        })
        .collect();
    fixes.sort();
    fixes.dedup();
    CveRisk {
        id: id.to_string(),
        kev: found.iter().any(|(_, v)| v.kev),
        ransomware: found.iter().any(|(_, v)| v.ransomware),
        nodes,
        fixes,
        ale_reduction,
        share,
        share_with_above: None,
    }
}

/// The fewest top CVEs (in ranking order) whose joint patch reaches the target share, by
/// re-simulating each prefix; all of them if none does.
fn carry(eval: &Evaluator, baseline: f64, cves: &mut [CveRisk], share: impl Fn(f64) -> f64) -> (usize, f64) {
    let mut patches = Vec::new();
    let mut last = 0.0;
    for (k, c) in cves.iter_mut().enumerate() {
        patches.push(Patch::Cve { id: c.id.clone(), node: None });
        last = share(baseline - ale_with(eval, &patches));
        c.share_with_above = Some(last);
        if last >= CARRY_TARGET {
            return (k + 1, last);
        }
    }
    (cves.len(), last)
}

/// Every (node, package) with a fixed version, priced as an upgrade.
fn upgrades(eval: &Evaluator, baseline: f64, listed: &[(&str, &Vulnerability)]) -> Vec<PatchRisk> {
    let mut keys: Vec<(String, String)> = listed
        .iter()
        .filter(|(_, v)| v.fix_state == FixState::Fixed)
        .filter_map(|(n, v)| Some((n.to_string(), v.package.clone()?)))
        .collect();
    keys.sort();
    keys.dedup();
    let mut out: Vec<PatchRisk> = keys
        .into_par_iter()
        .map(|(node, name)| {
            let patch = Patch::Package { name, node };
            let mut cves: Vec<String> =
                listed.iter().filter(|(n, v)| patch.removes(v, n)).map(|(_, v)| v.id.clone()).collect();
            cves.sort();
            cves.dedup();
            let ale_reduction = baseline - ale_with(eval, std::slice::from_ref(&patch));
            PatchRisk { action: patch.describe(eval.model), patch, cves, ale_reduction }
        })
        .collect();
    out.sort_by(|a, b| b.ale_reduction.total_cmp(&a.ale_reduction).then_with(|| a.patch.cmp(&b.patch)));
    out
}

/// Natural order of version strings: digit runs compare as numbers, other runs as text
/// (`1.10` > `1.9`, `1.1.1g-r0` > `1.1.1d-r0`).
pub fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn runs(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ra, rb) = (runs(a), runs(b));
    for (x, y) in ra.iter().zip(&rb) {
        let ord = match (x, y) {
            ((true, p), (true, q)) => {
                let (p, q) = (p.trim_start_matches('0'), q.trim_start_matches('0'));
                p.len().cmp(&q.len()).then_with(|| p.cmp(q))
            }
            ((_, p), (_, q)) => p.cmp(q),
        };
        if ord.is_ne() {
            return ord;
        }
    }
    ra.len().cmp(&rb.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::*;

    #[test]
    fn versions_compare_naturally() {
        assert_eq!(version_cmp("1.10", "1.9"), Greater);
        assert_eq!(version_cmp("1.1.1g-r0", "1.1.1d-r0"), Greater);
        assert_eq!(version_cmp("5.3.18", "5.3.18"), Equal);
        assert_eq!(version_cmp("2.0", "2.0.1"), Less);
        assert_eq!(version_cmp("v2.8.0", "v2.10.0"), Less);
    }
}
