//! Vulnerability scans (Trivy, Grype) as exploit edges: each report's findings, enriched with CISA
//! KEV and FIRST EPSS, mapped to model nodes, become one edge per node and attacker source.
//!
//! The edges list their vulnerabilities; the loader derives each edge's probability from them
//! (`riskpath_model::vuln`), so the generated files carry evidence, not numbers.

pub mod build;
pub mod epss;
pub mod grype;
pub mod input;
pub mod kev;
pub mod mapping;
pub mod trivy;

use std::path::{Path, PathBuf};

use riskpath_model::vuln::{FixState, SeverityBand, Vector, id_problem};
use riskpath_model::{EntryKind, Model};

pub use build::{Import, ImportOptions, import};
pub use input::InputError;

/// The scanner a report comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scanner {
    Trivy,
    Grype,
}

impl Scanner {
    pub fn name(self) -> &'static str {
        match self {
            Scanner::Trivy => "trivy",
            Scanner::Grype => "grype",
        }
    }
    /// Reads one report of this scanner.
    pub fn read(self, path: &Path) -> Result<Artifact, InputError> {
        let text = input::read_text(path)?;
        match self {
            Scanner::Trivy => trivy::parse(path, &text),
            Scanner::Grype => grype::parse(path, &text),
        }
    }
}

/// What was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactKind {
    Image,
    Host,
    Repository,
    Other,
}

impl ArtifactKind {
    /// The kind and id prefix of a node created for such an artifact.
    fn new_node(self) -> (&'static str, &'static str) {
        match self {
            ArtifactKind::Image => ("workload", "image"),
            ArtifactKind::Host => ("host", "host"),
            ArtifactKind::Repository => ("repository", "repo"),
            ArtifactKind::Other => ("workload", "scanned"),
        }
    }
}

/// One scanned artifact and its findings.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Its names: the report's artifact name first, then tags and digests.
    pub names: Vec<String>,
    pub kind: ArtifactKind,
    pub findings: Vec<Finding>,
    /// The report it came from.
    pub file: PathBuf,
}

/// One finding: a vulnerability in a package, with the scanner's evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub id: String,
    /// CVE ids of the same vulnerability (Grype's related vulnerabilities).
    pub aliases: Vec<String>,
    pub package: String,
    pub installed: String,
    pub fix: Option<String>,
    pub fix_state: FixState,
    pub cvss: Option<f64>,
    pub vector: Option<Vector>,
    pub severity: Option<SeverityBand>,
    /// What the report itself says about KEV (`None`: it does not say).
    pub kev: Option<bool>,
    pub ransomware: bool,
    /// The report's own EPSS score, if it has one.
    pub epss: Option<f64>,
}

/// A vulnerability id in a report must be well formed; the error points at it.
fn check_id(path: &Path, text: &str, id: &str) -> Result<(), InputError> {
    match id_problem(id) {
        None => Ok(()),
        Some(why) => {
            let (line, col) = input::locate(text, id, 0).unwrap_or((1, 1));
            Err(InputError::at(path, line, col, why))
        }
    }
}

/// What the importer needs of the model it imports into: its nodes, entry points and the
/// hand-written exploit edges that say where attackers reach a node from.
#[derive(Debug, Clone, Default)]
pub struct ModelView {
    pub nodes: Vec<ViewNode>,
    pub entries: Vec<(String, EntryKind)>,
    /// `(from, to)` of `exploits` / `exploits_internal` edges.
    pub exploit_edges: Vec<(String, String)>,
    /// Every id in use (to keep new ids unique).
    pub ids: std::collections::HashSet<String>,
}

#[derive(Debug, Clone)]
pub struct ViewNode {
    pub id: String,
    pub tags: Vec<String>,
}

impl ModelView {
    /// The model without the items written in files under `skip` (the folder being replaced).
    pub fn of(model: &Model, skip: Option<&Path>) -> ModelView {
        let keep = |loc: riskpath_model::Loc| {
            skip.is_none_or(|dir| {
                !model.sources.files().get(loc.file as usize).is_some_and(|f| f.path.starts_with(dir))
            })
        };
        let mut view = ModelView::default();
        for n in model.nodes.iter().filter(|n| keep(n.loc)) {
            view.nodes.push(ViewNode { id: n.id.clone(), tags: n.tags.clone() });
        }
        view.entries = model.entry_points.iter().map(|e| (e.id.clone(), e.kind)).collect();
        for e in model.edges.iter().filter(|e| keep(e.loc)) {
            if matches!(e.kind.value.as_str(), "exploits" | "exploits_internal") {
                view.exploit_edges.push((e.from.value.to_string(), e.to.value.to_string()));
            }
            view.ids.extend(e.id.clone());
        }
        view.ids.extend(view.nodes.iter().map(|n| n.id.clone()));
        view.ids.extend(view.entries.iter().map(|(id, _)| id.clone()));
        view.ids.extend(model.controls.iter().map(|c| c.id.clone()));
        view.ids.extend(model.actors.iter().map(|a| a.id.clone()));
        view.ids.extend(model.initiatives.iter().map(|i| i.id.clone()));
        view
    }
    pub fn has_node(&self, id: &str) -> bool {
        self.nodes.iter().any(|n| n.id == id)
    }
    pub fn has_entry(&self, id: &str) -> bool {
        self.entries.iter().any(|(e, _)| e == id)
    }
    fn node(&self, id: &str) -> Option<&ViewNode> {
        self.nodes.iter().find(|n| n.id == id)
    }
    /// Where attackers reach `node` from, by the model: the sources of its hand-written exploit
    /// edges, else every internet entry point when it is tagged `internet-facing`.
    pub fn sources_of(&self, node: &str) -> Vec<String> {
        let mut from: Vec<String> =
            self.exploit_edges.iter().filter(|(_, to)| to == node).map(|(f, _)| f.clone()).collect();
        if from.is_empty() && self.node(node).is_some_and(|n| n.tags.iter().any(|t| t == "internet-facing")) {
            from = self.entries.iter().filter(|(_, k)| *k == EntryKind::Internet).map(|(id, _)| id.clone()).collect();
        }
        from.sort();
        from.dedup();
        from
    }
}
