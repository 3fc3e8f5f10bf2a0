//! Every JSON document the tool writes, typed and versioned, in one place: the command documents
//! defined here and those their stage defines (re-exported); each has a schema in `schemas/`.
//!
//! | document | type | schema |
//! |---|---|---|
//! | `analyze`, `merge` | [`AnalysisDoc`] (riskpath-report) | `analysis.v1` |
//! | `chokepoints` | [`ChokepointsDoc`] | `chokepoints.v1` |
//! | `plan` | [`PlanDoc`] | `plan.v1` |
//! | `gaps` | [`GapsOutput`] | `gaps.v1` |
//! | `incident` | [`IncidentDoc`] | `incident.v1` |
//! | `verify` | `VerifyDoc` (riskpath-assure), in [`crate::verify::Verification`] | `verify.v1` |
//! | `explain edge` | [`ExplainDoc`] | `explain.v1` |
//! | `kb [list]` | [`KbDoc`] | `kb.v1` |
//! | `kb catalog` | [`CatalogDoc`] | `kb-catalog.v1` |
//! | `kb group` | [`GroupDoc`] (riskpath-report) | `kb-group.v1` |
//! | `kb import-attack` | [`ImportAttackDoc`] | `kb-import-attack.v1` |
//! | `history` | [`HistoryDoc`] | `history.v1` |
//! | `import scan`, `import trivy`, … | [`ImportDoc`] | `import-scan.v1` |
//! | `export sarif`, `verify`/`diff --format sarif` | [`SarifLog`] (riskpath-report) | OASIS SARIF 2.1.0 |
//! | `export navigator`, `gaps --format navigator` | [`NavigatorLayer`] (riskpath-report) | ATT&CK Navigator layer 4.5 |
//!
//! The documents that were first written as JSON values (chokepoints, plan, gaps) keep their
//! version-1 bytes: their keys are in alphabetical order at every level ([`Sorted`]); so do
//! `explain`, `kb`, `kb catalog`, `kb group`, `kb import-attack`, `history` and `import`.

use riskpath_decide::chokepoints::{ChokePoint, MinCut};
use riskpath_decide::gaps::GapsDoc;
use riskpath_decide::incident::Incident;
use riskpath_decide::patch::VulnRanking;
use riskpath_decide::roadmap::PlanResult;
use riskpath_decide::saturation::Saturation;
use riskpath_model::kb;
use serde::Serialize;

pub use riskpath_report::json::AnalysisDoc;
pub use riskpath_report::kb::GroupDoc;
pub use riskpath_report::navigator::LayerDoc as NavigatorLayer;
pub use riskpath_report::sarif::Log as SarifLog;

use crate::AppError;
use crate::outcome::Document;

/// The version of the command documents defined here.
pub const SCHEMA_VERSION: u32 = 1;

/// A document whose keys are written in alphabetical order at every level (as a JSON value).
pub trait Sorted: Serialize {}

impl<D: Sorted> Document for D {
    fn json(&self) -> Result<String, AppError> {
        let value = serde_json::to_value(self).map_err(|e| AppError::usage(format!("cannot encode JSON: {e}")))?;
        crate::to_json(&value)
    }
}

// Their fields are declared in the order of their JSON names, so they are written as they are.
impl Document for SarifLog {}
impl Document for NavigatorLayer {}

/// `riskpath chokepoints --format json`.
#[derive(Debug, Serialize)]
pub struct ChokepointsDoc {
    pub schema_version: u32,
    /// The seed and decision trials the choke points were confirmed with.
    pub seed: u64,
    pub trials: u64,
    pub currency: String,
    /// The headline ALE.
    pub ale: f64,
    pub scope: ScopeDoc,
    pub min_cut: MinCut,
    pub choke_points: Vec<ChokePoint>,
    /// Present when some scenario is saturated: the choke points' figures are then those of the
    /// one-foothold view, whose ALE is `one_foothold_ale`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saturation: Option<Saturation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub one_foothold_ale: Option<f64>,
    /// The CVEs ranked by the money they carry (when edges list vulnerabilities).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<VulnRanking>,
}

impl Sorted for ChokepointsDoc {}

/// The actor and crown jewel a cut is limited to (`null`: every one).
#[derive(Debug, Serialize)]
pub struct ScopeDoc {
    pub actor: Option<String>,
    pub target: Option<String>,
}

/// `riskpath plan --format json`.
#[derive(Debug, Serialize)]
pub struct PlanDoc {
    pub schema_version: u32,
    pub seed: u64,
    pub trials: u64,
    pub currency: String,
    pub plan: PlanResult,
    /// Present when some scenario is saturated (the plan is then said to be worth little alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saturation: Option<Saturation>,
}

impl Sorted for PlanDoc {}

/// `riskpath gaps --format json`: the gap analysis and the patches that remove the most money.
#[derive(Debug, Serialize)]
pub struct GapsOutput {
    #[serde(flatten)]
    pub gaps: GapsDoc,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<VulnRanking>,
}

impl Sorted for GapsOutput {}

/// `riskpath incident --format json`.
#[derive(Debug, Serialize)]
pub struct IncidentDoc {
    pub schema_version: u32,
    pub currency: String,
    pub method: IncidentMethod,
    #[serde(flatten)]
    pub incident: Incident,
}

impl Document for IncidentDoc {}

/// How an incident's numbers were obtained, for a reader of the JSON.
#[derive(Debug, Serialize)]
pub struct IncidentMethod {
    pub jewels: &'static str,
    pub next_hops: &'static str,
    pub containment: &'static str,
    pub hunt: &'static str,
}

/// The method every incident document states.
pub const INCIDENT_METHOD: IncidentMethod = IncidentMethod {
    jewels: "compromised nodes held in every trial; P(reached) = share of trials reaching the jewel; at_stake = P × mean loss",
    next_hops: "re-simulated: at_stake_removed = at stake minus at stake with the edge removed, same seed and stream (common random numbers); breach_share = share of breach trials in which the hop lies on a live path to a jewel",
    containment: "minimum-cost cut of removable edges (cost: the edge's fix_cost, else its kind's default of 1 day; money when settings.day_rate or any money cost is given, else days; edges with removable: false or of a kind that is a fact of the design are never cut) from the compromised set to the reachable jewels over the edges usable at the incident's skill, AND conditions respected (containment.method: flow or integer_program, exact; flow_upper_bound beyond the program's size limit, an upper bound); remaining = re-simulated with the cut edges removed",
    hunt: "breach_share = share of breach trials in which an edge of the technique lies on a live path to a jewel; detected_by = counted controls whose scope covers those edges and that detect the technique",
};

impl Sorted for GroupDoc {}

/// `riskpath explain edge … --format json`: how each matching edge's probability was derived.
#[derive(Debug, Serialize)]
pub struct ExplainDoc {
    pub schema_version: u32,
    pub edges: Vec<riskpath_engine::explain::EdgeExplanation>,
}

impl Sorted for ExplainDoc {}

/// `riskpath kb --format json`: the built-in knowledge base.
#[derive(Debug, Serialize)]
pub struct KbDoc {
    pub schema_version: u32,
    pub edge_kinds: &'static [kb::EdgeKind],
    pub remediations: &'static [kb::Remediation],
    pub technique_rates: &'static [kb::TechniqueRate],
    pub node_kinds: &'static [kb::NodeKind],
    pub techniques: &'static [kb::Technique],
    pub mitigations: &'static [kb::Mitigation],
    pub platform_bound_mitigations: &'static [kb::MitigationPlatforms],
    pub catalog: &'static [kb::CatalogControl],
}

impl Sorted for KbDoc {}

impl KbDoc {
    /// The knowledge base built into this version.
    pub fn builtin() -> Self {
        KbDoc {
            schema_version: SCHEMA_VERSION,
            edge_kinds: &kb::EDGE_KINDS,
            remediations: &kb::REMEDIATIONS,
            technique_rates: &kb::TECHNIQUE_RATES,
            node_kinds: &kb::NODE_KIND_INFO,
            techniques: &kb::TECHNIQUES,
            mitigations: &kb::MITIGATIONS,
            platform_bound_mitigations: kb::MITIGATION_PLATFORMS,
            catalog: kb::CATALOG,
        }
    }
}

/// `riskpath kb catalog --format json`: the control catalog (`uses: catalog/<name>`).
#[derive(Debug, Serialize)]
pub struct CatalogDoc {
    pub schema_version: u32,
    pub catalog: &'static [kb::CatalogControl],
}

impl Sorted for CatalogDoc {}

impl CatalogDoc {
    pub fn builtin() -> Self {
        CatalogDoc { schema_version: SCHEMA_VERSION, catalog: kb::CATALOG }
    }
}

/// `riskpath history --format json`: the newest verify runs of a history database.
#[derive(Debug, Serialize)]
pub struct HistoryDoc {
    pub schema_version: u32,
    /// The database's path as given.
    pub db: String,
    pub runs: Vec<HistoryRun>,
}

impl Sorted for HistoryDoc {}

/// One recorded verify run, as `history` lists it.
#[derive(Debug, Serialize)]
pub struct HistoryRun {
    pub seq: i64,
    pub time: String,
    /// The record's hash in the chain.
    pub hash: String,
    pub model_hash: String,
    pub currency: String,
    /// ALE as verified and as designed.
    pub ale: f64,
    pub ale_design: f64,
    pub counts: riskpath_assure::check::Counts,
    pub regressions: Vec<String>,
}

impl HistoryDoc {
    /// The document of `runs` (oldest first) of the database at `db`.
    pub fn new(db: String, runs: &[riskpath_assure::history::Stored]) -> Self {
        let runs = runs
            .iter()
            .map(|s| {
                let r = &s.record;
                HistoryRun {
                    seq: r.seq,
                    time: r.time.clone(),
                    hash: s.hash.clone(),
                    model_hash: r.model_hash.clone(),
                    currency: r.currency.clone(),
                    ale: r.ale,
                    ale_design: r.ale_design,
                    counts: r.counts,
                    regressions: r.regressions.clone(),
                }
            })
            .collect();
        HistoryDoc { schema_version: SCHEMA_VERSION, db, runs }
    }
}

/// `riskpath kb import-attack --format json`: what was imported, the cache written and the times.
#[derive(Debug, Serialize)]
pub struct ImportAttackDoc {
    pub schema_version: u32,
    pub bundle: std::path::PathBuf,
    /// The bundle's ATT&CK version, when it states one.
    pub version: Option<String>,
    pub cache: std::path::PathBuf,
    pub cache_bytes: u64,
    pub counts: riskpath_model::attack::Counts,
    pub import_ms: f64,
    /// How long loading the cache takes: what `settings.attack` costs on every run.
    pub cache_load_ms: f64,
}

impl Sorted for ImportAttackDoc {}

/// `riskpath import <scanner> --format json`: the folder written and the importer's summary.
#[derive(Debug, Serialize)]
pub struct ImportDoc<'a, S: Serialize> {
    pub schema_version: u32,
    pub output: &'a std::path::Path,
    pub import: &'a S,
}

impl<S: Serialize> Sorted for ImportDoc<'_, S> {}
