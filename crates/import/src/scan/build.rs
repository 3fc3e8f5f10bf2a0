//! From reports to model files: findings enriched with KEV and EPSS, merged per node (one entry
//! per vulnerability and package), and one exploit edge per node and attacker source.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use riskpath_model::vuln::{DEFAULT_WINDOW_DAYS, FixState, Vulnerability, is_cve_id};

use super::epss::Epss;
use super::kev::Kev;
use super::mapping::{Mapping, Rule, place, strip_version};
use super::{Artifact, Finding, InputError, ModelView, Scanner};
use crate::output::Generated;

/// What to import and with which evidence.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub scanner: Scanner,
    pub reports: Vec<PathBuf>,
    pub mapping: Mapping,
    pub kev: Kev,
    pub epss: Option<Epss>,
    /// Days each vulnerability stays exposed (the `window` of every entry).
    pub window_days: f64,
    pub model: ModelView,
}

/// The generated folder's files and what the import did.
#[derive(Debug, Clone)]
pub struct Import {
    pub generated: Generated,
    pub summary: Summary,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    pub artifacts: Vec<ArtifactSummary>,
    pub findings: usize,
    /// Distinct vulnerability ids over all nodes, and how many of them are in KEV.
    pub vulnerabilities: usize,
    pub kev: usize,
    pub edges: usize,
    pub new_nodes: Vec<String>,
    /// Nodes with vulnerabilities that nothing reaches by an exploit (no edge written for them).
    pub unreachable: Vec<String>,
    pub kev_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epss_date: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ArtifactSummary {
    pub name: String,
    pub file: PathBuf,
    pub findings: usize,
    pub nodes: Vec<String>,
    pub rule: Rule,
}

/// Everything found on one node.
#[derive(Default)]
struct NodeFindings {
    vulns: BTreeMap<(String, String), Vulnerability>,
    from: BTreeSet<String>,
    artifacts: BTreeSet<String>,
}

#[derive(serde::Serialize)]
struct NewNode {
    id: String,
    kind: &'static str,
    name: String,
    tags: Vec<String>,
}

#[derive(serde::Serialize)]
struct EdgeOut<'a> {
    id: String,
    from: String,
    to: String,
    kind: &'static str,
    name: String,
    vulnerabilities: Vec<VulnOut<'a>>,
}

/// A vulnerability as written in the model (keys as in `docs/model-format.md`).
#[derive(serde::Serialize)]
struct VulnOut<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    kev: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    ransomware: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    epss: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cvss: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vector: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    installed: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<f64>,
}

impl<'a> VulnOut<'a> {
    fn new(v: &'a Vulnerability) -> Self {
        VulnOut {
            id: &v.id,
            kev: v.kev,
            ransomware: v.ransomware,
            epss: v.epss,
            cvss: v.cvss,
            severity: v.severity.map(|s| s.name()),
            vector: v.vector.map(|x| x.name()),
            fix: v.fix.as_deref(),
            // `fixed` follows from `fix`, `not-fixed` is the default without one.
            fix_state: (v.fix_state == FixState::WontFix).then_some(FixState::WontFix.name()),
            package: v.package.as_deref(),
            installed: v.installed.as_deref().filter(|s| !s.is_empty()),
            artifact: v.artifact.as_deref(),
            window: (v.window_days != DEFAULT_WINDOW_DAYS).then_some(v.window_days),
        }
    }
}

/// Reads the reports and builds the generated folder: `nodes.jsonl` (new nodes, if any) and
/// `edges.jsonl` (one exploit edge per node and source).
pub fn import(options: &ImportOptions) -> Result<Import, InputError> {
    let artifacts: Vec<Artifact> =
        options.reports.iter().map(|path| options.scanner.read(path)).collect::<Result<_, _>>()?;
    let mut summary = Summary {
        kev_version: options.kev.version.clone(),
        epss_date: options.epss.as_ref().map(|e| e.score_date.clone()),
        ..Summary::default()
    };
    let mut by_node: BTreeMap<String, NodeFindings> = BTreeMap::new();
    let mut new_nodes: BTreeMap<String, NewNode> = BTreeMap::new();
    let mut ids = options.model.ids.clone();
    for artifact in &artifacts {
        let placement = place(artifact, &options.mapping, &options.model);
        let nodes = if placement.nodes.is_empty() {
            vec![new_node(artifact, &mut new_nodes, &mut ids)]
        } else {
            placement.nodes.clone()
        };
        let name = artifact.names[0].clone();
        for node in &nodes {
            let acc = by_node.entry(node.clone()).or_default();
            acc.from.extend(placement.from.iter().cloned());
            acc.artifacts.insert(name.clone());
            for f in &artifact.findings {
                let v = vulnerability(f, &name, options);
                match acc.vulns.entry((v.id.clone(), v.package.clone().unwrap_or_default())) {
                    std::collections::btree_map::Entry::Vacant(slot) => {
                        slot.insert(v);
                    }
                    std::collections::btree_map::Entry::Occupied(mut slot) => merge(slot.get_mut(), v),
                }
            }
        }
        summary.findings += artifact.findings.len();
        summary.artifacts.push(ArtifactSummary {
            name,
            file: artifact.file.clone(),
            findings: artifact.findings.len(),
            nodes,
            rule: placement.rule,
        });
    }
    let all: BTreeMap<&str, bool> =
        by_node.values().flat_map(|n| n.vulns.values()).map(|v| (v.id.as_str(), v.kev)).collect();
    summary.vulnerabilities = all.len();
    summary.kev = all.values().filter(|&&k| k).count();
    let mut edges = Vec::new();
    for (node, found) in by_node.iter().filter(|(_, f)| !f.vulns.is_empty()) {
        let from: Vec<String> =
            if found.from.is_empty() { options.model.sources_of(node) } else { found.from.iter().cloned().collect() };
        if from.is_empty() {
            summary.unreachable.push(node.clone());
        }
        for source in &from {
            edges.push(edge(source, node, found, &options.model, &mut ids));
        }
    }
    summary.edges = edges.len();
    summary.new_nodes = new_nodes.values().map(|n| n.id.clone()).collect();
    let mut generated = Generated::new();
    if !new_nodes.is_empty() {
        generated.items("nodes.jsonl", "nodes", &new_nodes.into_values().collect::<Vec<_>>());
    }
    generated.items("edges.jsonl", "edges", &edges);
    Ok(Import { generated, summary })
}

/// The model's vulnerability for a finding: recorded under its CVE id when it has one (Grype's
/// GHSA with a related CVE), with KEV from the report or the catalogue and EPSS from the EPSS
/// file, else the report.
fn vulnerability(f: &Finding, artifact: &str, options: &ImportOptions) -> Vulnerability {
    let id = if is_cve_id(&f.id) { f.id.clone() } else { f.aliases.first().cloned().unwrap_or_else(|| f.id.clone()) };
    let listed = options.kev.get(&id);
    let mut v = Vulnerability::new(id);
    v.kev = f.kev == Some(true) || listed.is_some();
    v.ransomware = f.ransomware || listed.is_some_and(|e| e.ransomware);
    v.epss = options.epss.as_ref().and_then(|e| e.get(&v.id)).or(f.epss);
    v.cvss = f.cvss;
    v.vector = f.vector;
    v.severity = f.severity;
    v.fix = f.fix.clone();
    v.fix_state = f.fix_state;
    v.package = Some(f.package.clone());
    v.installed = Some(f.installed.clone());
    v.artifact = Some(artifact.to_string());
    v.window_days = options.window_days;
    v
}

/// The same vulnerability in the same package, found twice (two scanners, two artifacts on one
/// node): the strongest evidence of both.
fn merge(a: &mut Vulnerability, b: Vulnerability) {
    a.kev |= b.kev;
    a.ransomware |= b.ransomware;
    a.epss = match (a.epss, b.epss) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    if b.cvss > a.cvss {
        (a.cvss, a.vector) = (b.cvss, b.vector.or(a.vector));
    }
    a.vector = a.vector.or(b.vector);
    a.severity = a.severity.max(b.severity);
    if a.fix.is_none() && b.fix.is_some() {
        (a.fix, a.fix_state) = (b.fix, b.fix_state);
    }
}

/// A node for an artifact the model does not name (one per artifact name, without tag or digest).
fn new_node(
    artifact: &Artifact,
    nodes: &mut BTreeMap<String, NewNode>,
    ids: &mut std::collections::HashSet<String>,
) -> String {
    let name = strip_version(&artifact.names[0]).to_string();
    if let Some(n) = nodes.get(&name) {
        return n.id.clone();
    }
    let (kind, prefix) = artifact.kind.new_node();
    let id = unique(&format!("{prefix}-{}", slug(&name)), ids);
    let tag = format!("{}:{name}", if prefix == "scanned" { "image" } else { prefix });
    nodes.insert(name.clone(), NewNode { id: id.clone(), kind, name, tags: vec!["scanned".into(), tag] });
    id
}

fn edge<'a>(
    from: &str,
    to: &str,
    found: &'a NodeFindings,
    model: &ModelView,
    ids: &mut std::collections::HashSet<String>,
) -> EdgeOut<'a> {
    let kind = if model.has_entry(from) { "exploits" } else { "exploits_internal" };
    let distinct: BTreeSet<&str> = found.vulns.values().map(|v| v.id.as_str()).collect();
    let kev: BTreeSet<&str> = found.vulns.values().filter(|v| v.kev).map(|v| v.id.as_str()).collect();
    let artifacts = found.artifacts.iter().cloned().collect::<Vec<_>>().join(", ");
    EdgeOut {
        id: unique(&format!("vuln-{from}-{to}"), ids),
        from: from.to_string(),
        to: to.to_string(),
        kind,
        name: format!("{} vulnerabilities ({} in KEV) in {artifacts}", distinct.len(), kev.len()),
        vulnerabilities: found.vulns.values().map(VulnOut::new).collect(),
    }
}

/// `base`, or `base-2`, `base-3`, … : the first not in `ids` (then taken).
fn unique(base: &str, ids: &mut std::collections::HashSet<String>) -> String {
    let id = (1..).map(|i| if i == 1 { base.to_string() } else { format!("{base}-{i}") }).find(|c| !ids.contains(c));
    let id = id.expect("an unused id exists");
    ids.insert(id.clone());
    id
}

/// Lower case, every run of other characters one `-`: `ghcr.io/acme/api` → `ghcr-io-acme-api`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}
