//! How one edge's probability was derived: its base, each covering control's factor, the result.
//! The same arithmetic as compilation, laid out for a human who wants to check it.

use riskpath_model::kb::{self, Skill};
use riskpath_model::{ControlStatus, Estimate, Model, vuln};

use crate::compile::{AttackGraph, Base, ControlFactor};
use crate::dist;

/// One control that could apply to the edge.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ControlTerm {
    pub control: String,
    /// The scope selector that covers the edge, as written (`tag:employee`, `from:kind:host`).
    pub scope: String,
    /// Whether it counts in this posture (deployed and passing); if not, why.
    pub counted: bool,
    pub status: ControlStatus,
    pub prevent: Option<f64>,
    pub detect: Option<f64>,
    /// `(1 − prevent) × (1 − detect × respond)` with the inputs' means.
    pub factor: f64,
}

/// One vulnerability the edge stands for: its evidence and how its probability was derived.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VulnerabilityTerm {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    pub fix_state: vuln::FixState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
    pub kev: bool,
    pub ransomware: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epss: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<vuln::Vector>,
    pub derivation: vuln::Derivation,
}

impl VulnerabilityTerm {
    pub fn new(v: &vuln::Vulnerability) -> Self {
        VulnerabilityTerm {
            id: v.id.clone(),
            package: v.package.clone(),
            installed: v.installed.clone(),
            fix: v.fix.clone(),
            fix_state: v.fix_state,
            artifact: v.artifact.clone(),
            kev: v.kev,
            ransomware: v.ransomware,
            epss: v.epss,
            cvss: v.cvss,
            vector: v.vector,
            derivation: v.derive(),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EdgeExplanation {
    pub from: String,
    pub to: String,
    pub kind: String,
    pub technique: String,
    pub technique_name: Option<String>,
    /// "knowledge base" (the edge kind), "technique rate" (the edge's own technique has a rate in
    /// the knowledge base) or "edge p".
    pub base_source: &'static str,
    /// Mean base probability per skill (low, medium, high).
    pub base: [f64; 3],
    pub respond: f64,
    pub controls: Vec<ControlTerm>,
    /// Mean probability per skill after the counted controls.
    pub p: [f64; 3],
    pub requires: Vec<String>,
    /// The vulnerabilities the edge stands for (its base is their combination), highest p first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vulnerabilities: Vec<VulnerabilityTerm>,
    /// Alternatives: all nodes of one must be held too (besides `requires`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requires_any: Vec<Vec<String>>,
    /// For an edge from a campaign's entry point to a member of its population: P(an attempt
    /// reaches the member), by which `p` is multiplied on a path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_reach: Option<f64>,
    /// Other edges with the same source and target: ways over the same hop, which share this
    /// edge's random draw (the hop succeeds with the best way's probability).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parallel: Vec<String>,
    /// The concrete relation the edge stands for, if the model says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What removing the edge means (its own `remediation`, else its kind's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<riskpath_model::Remedy>,
}

/// Explains compiled edge `edge` of `graph`, listing also the controls that would match but do not count.
pub fn explain_edge(model: &Model, graph: &AttackGraph, edge: usize) -> EdgeExplanation {
    let e = &graph.edges[edge];
    let me = &model.edges[e.model_index];
    let ends = model.edge_end(&me.from.value).zip(model.edge_end(&me.to.value));
    let respond = graph.respond;
    let controls = model
        .controls
        .iter()
        .enumerate()
        .filter_map(|(ci, c)| {
            let (source, target) = ends?;
            let scope = c.covering_selector(source, target)?.to_string();
            let find = |list: &[riskpath_model::Efficacy]| {
                let listed = list.iter().map(|x| x.technique.value.as_str());
                kb::most_specific_cover(listed, &e.technique).map(|i| list[i].value.value)
            };
            let (prevent, detect) = (find(&c.mitigates), find(&c.detects));
            if prevent.is_none() && detect.is_none() {
                return None;
            }
            let factor = ControlFactor { control: ci, prevent, detect };
            let mean = |x: Option<Estimate>| x.map(|v| dist::probability_mean(&v));
            Some(ControlTerm {
                control: c.id.clone(),
                scope,
                counted: e.factors.iter().any(|f| f.control == ci),
                status: c.status,
                prevent: mean(prevent),
                detect: mean(detect),
                factor: factor.mean(respond),
            })
        })
        .collect();
    EdgeExplanation {
        from: me.from.value.to_string(),
        to: me.to.value.to_string(),
        kind: me.kind.value.to_string(),
        technique: e.technique.clone(),
        technique_name: kb::technique(&e.technique).map(|t| t.name.to_string()),
        base_source: match e.base {
            Base::Kind(_) => "knowledge base",
            Base::Override(_) if !me.extra().vulnerabilities.is_empty() => "vulnerabilities",
            Base::Technique(_) => "technique rate",
            Base::Override(_) => "edge p",
        },
        base: Skill::ALL.map(|s| dist::probability_mean(&e.base.estimate(s))),
        respond,
        controls,
        p: e.p,
        requires: e.requires.iter().map(|&r| graph.ids[r as usize].clone()).collect(),
        vulnerabilities: vulnerability_terms(&me.extra().vulnerabilities),
        requires_any: e
            .requires_any
            .iter()
            .map(|alt| alt.iter().map(|&r| graph.ids[r as usize].clone()).collect())
            .collect(),
        campaign_reach: e.campaign.map(|c| graph.campaigns[c as usize].member_probability),
        parallel: model
            .edges
            .iter()
            .enumerate()
            .filter(|(i, x)| *i != e.model_index && x.from.value == me.from.value && x.to.value == me.to.value)
            .map(|(_, x)| x.id.clone().unwrap_or_else(|| x.kind.value.to_string()))
            .collect(),
        relation: me.extra().relation.clone(),
        description: me.extra().description.clone(),
        remediation: me.remedy(),
    }
}

/// The edge's vulnerabilities as terms, highest probability first (ties by id, then package).
pub fn vulnerability_terms(vulns: &[vuln::Vulnerability]) -> Vec<VulnerabilityTerm> {
    let mut terms: Vec<VulnerabilityTerm> = vulns.iter().map(VulnerabilityTerm::new).collect();
    terms.sort_by(|a, b| {
        b.derivation.p.total_cmp(&a.derivation.p).then_with(|| a.id.cmp(&b.id)).then_with(|| a.package.cmp(&b.package))
    });
    terms
}
