//! Every JSON document the tool writes, typed and versioned, in one place: the command documents
//! defined here and those their stage defines (re-exported); each has a schema in `schemas/`.
//!
//! | document | type | schema |
//! |---|---|---|
//! | `analyze`, `merge` | [`AnalysisDoc`] (riskpath-report) | `analysis.v1` |
//! | `chokepoints` | [`ChokepointsDoc`] | `chokepoints.v1` |
//! | `plan` | [`PlanDoc`] | `plan.v1` |
//! | `gaps` | [`GapsOutput`] | `gaps.v1` |
//!
//! The documents that were first written as JSON values (chokepoints, plan, gaps) keep their
//! version-1 bytes: their keys are in alphabetical order at every level ([`Sorted`]).

use riskpath_decide::chokepoints::{ChokePoint, MinCut};
use riskpath_decide::gaps::GapsDoc;
use riskpath_decide::patch::VulnRanking;
use riskpath_decide::roadmap::PlanResult;
use riskpath_decide::saturation::Saturation;
use serde::Serialize;

pub use riskpath_report::json::AnalysisDoc;

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
