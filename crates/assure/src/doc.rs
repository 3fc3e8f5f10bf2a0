//! The result of a `verify` run as one serializable document (JSON schema version 1), and the
//! history record derived from the same facts. Every output format renders from [`VerifyDoc`].

use riskpath_model::{Loc, Model};
use serde::Serialize;

use crate::check::{ControlResult, Counts, State, counts};
use crate::evidence::EvidenceFile;
use crate::history::{ControlRecord, EvidenceHash, Record};
use crate::impact::Impact;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct VerifyDoc {
    pub schema_version: u32,
    pub tool: Tool,
    /// When the run happened (RFC 3339, UTC); evidence ages are measured against it.
    pub time: String,
    pub model: ModelDoc,
    pub seed: u64,
    pub trials: u64,
    pub years: u64,
    pub currency: String,
    pub summary: Counts,
    pub risk: RiskDoc,
    /// Controls that passed in the previous recorded run and fail, are stale or err now.
    pub regressions: Vec<RegressionDoc>,
    /// Regressions first, then other failing controls by money at stake, then passing, unchecked
    /// and planned controls, each group in model order.
    pub controls: Vec<ControlDoc>,
    /// The model's accepted risks as checks: each fails when it has expired or covers more
    /// annual loss (as verified) than its `max_ale`. Omitted when the model records none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accepted_risks: Vec<AcceptedDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<RunInfo>,
}

/// An accepted risk judged on the run's day against the ALE as verified.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptedDoc {
    pub id: String,
    pub owner: String,
    /// `YYYY-MM-DD`: the acceptance holds through this day.
    pub expires: String,
    /// The annual loss it covers as verified.
    pub ale: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_ale: Option<f64>,
    /// The standard error of `ale` for an edge or class (paired decision trials); absent for a
    /// scenario, whose figure is the verified headline's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ale_std_error: Option<f64>,
    pub expired: bool,
    /// `ale` exceeds `max_ale` by more than two standard errors: a failing check.
    pub over_max_ale: bool,
    /// `ale` is within two standard errors of `max_ale`: this run cannot tell; a warning, not a
    /// failure.
    pub near_max_ale: bool,
    /// What it covers and its state, in words.
    pub message: String,
    pub location: Location,
}

impl AcceptedDoc {
    /// Expired or over its `max_ale`: a failing check.
    pub fn lapsed(&self) -> bool {
        self.expired || self.over_max_ale
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelDoc {
    pub path: String,
    /// SHA-256 over the model files' contents in path order.
    pub hash: String,
    pub files: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RiskDoc {
    /// ALE with every deployed control counting.
    pub ale_design: f64,
    pub ale_design_std_error: f64,
    /// ALE with failing, stale and erroring controls absent.
    pub ale_verified: f64,
    /// `ale_verified − ale_design`: what the failing controls cost together, per year.
    pub ale_increase: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegressionDoc {
    pub id: String,
    pub state: State,
    pub ale_increase: f64,
    /// The run in which it last passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passed_in: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlDoc {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub state: State,
    pub regression: bool,
    /// ALE increase caused by this control failing (failing controls only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ale_increase: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age_secs: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceFile>,
    /// Where the control is written.
    pub location: Location,
    /// Where its `check` is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_location: Option<Location>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Location {
    pub fn of(model: &Model, loc: Loc) -> Location {
        let (line, column) = model.sources.line_col(loc);
        let path = &model.sources.get(loc.file).path;
        let file = path
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir | std::path::Component::RootDir))
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        // `Path::components` drops a leading `/`; keep absolute paths absolute.
        let file = if path.is_absolute() && !file.starts_with('/') {
            format!("/{}", file.trim_start_matches('/'))
        } else {
            file
        };
        Location { file, line, column }
    }
}

/// The recorded run, when the history was written.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub db: String,
    pub seq: i64,
    pub hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_seq: Option<i64>,
}

/// Facts of one run, shared by the document and the history record.
pub struct Run<'a> {
    pub model: &'a Model,
    pub model_path: String,
    pub model_hash: String,
    pub time: String,
    pub results: &'a [ControlResult],
    pub impact: &'a Impact,
    pub accepted: &'a [AcceptedDoc],
}

impl Run<'_> {
    /// The history record of this run; `seq` and `prev_hash` are filled in by the store.
    pub fn record(&self, regressions: Vec<String>) -> Record {
        let c = self.impact.config;
        Record {
            format: crate::history::RECORD_FORMAT,
            seq: 0,
            prev_hash: String::new(),
            time: self.time.clone(),
            model_hash: self.model_hash.clone(),
            currency: self.model.settings.currency.clone(),
            seed: c.seed,
            trials: c.trials,
            years: c.years,
            ale: self.impact.ale_verified,
            ale_design: self.impact.ale_design,
            counts: counts(self.results),
            controls: self
                .results
                .iter()
                .enumerate()
                .map(|(i, r)| ControlRecord {
                    id: r.id.clone(),
                    state: r.state,
                    messages: r.messages.clone(),
                    policy_sha256: r.policy_sha256.clone(),
                    evidence: r
                        .evidence
                        .iter()
                        .map(|e| EvidenceHash { path: e.path.clone(), sha256: e.sha256.clone() })
                        .collect(),
                    ale_increase: self.impact.increase_of(i),
                })
                .collect(),
            regressions,
        }
    }

    /// The document every output renders; `regressions` are control ids, `passed_in` the run
    /// they last passed in (the previous record).
    pub fn doc(&self, regressions: &[String], run: Option<RunInfo>) -> VerifyDoc {
        let model = self.model;
        let c = self.impact.config;
        let mut controls: Vec<(usize, ControlDoc)> = self
            .results
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let control = &model.controls[r.control];
                (
                    i,
                    ControlDoc {
                        id: r.id.clone(),
                        name: control.name.clone(),
                        state: r.state,
                        regression: regressions.contains(&r.id),
                        ale_increase: self.impact.increase_of(i),
                        messages: r.messages.clone(),
                        warnings: r.warnings.clone(),
                        policy: r.policy.clone(),
                        policy_sha256: r.policy_sha256.clone(),
                        package: r.package.clone(),
                        max_age_secs: r.max_age_secs,
                        evidence: r.evidence.clone(),
                        location: Location::of(model, control.loc),
                        check_location: control.check.as_ref().map(|ch| Location::of(model, ch.loc)),
                    },
                )
            })
            .collect();
        // Regressions, then other failing controls, each by money at stake; then the rest.
        controls.sort_by(|(ia, a), (ib, b)| {
            let rank = |d: &ControlDoc| match d.state {
                _ if d.regression => 0,
                s if s.is_failing() => 1,
                State::Pass => 2,
                State::Unchecked => 3,
                _ => 4,
            };
            rank(a)
                .cmp(&rank(b))
                .then_with(|| b.ale_increase.unwrap_or(0.0).total_cmp(&a.ale_increase.unwrap_or(0.0)))
                .then_with(|| ia.cmp(ib))
        });
        let previous_seq = run.as_ref().and_then(|r| r.previous_seq);
        let regression_docs = controls
            .iter()
            .filter(|(_, d)| d.regression)
            .map(|(_, d)| RegressionDoc {
                id: d.id.clone(),
                state: d.state,
                ale_increase: d.ale_increase.unwrap_or(0.0),
                passed_in: previous_seq,
            })
            .collect();
        VerifyDoc {
            schema_version: SCHEMA_VERSION,
            tool: Tool { name: "riskpath", version: env!("CARGO_PKG_VERSION") },
            time: self.time.clone(),
            model: ModelDoc {
                path: self.model_path.clone(),
                hash: self.model_hash.clone(),
                files: model.sources.files().len(),
            },
            seed: c.seed,
            trials: c.trials,
            years: c.years,
            currency: model.settings.currency.clone(),
            summary: counts(self.results),
            risk: RiskDoc {
                ale_design: self.impact.ale_design,
                ale_design_std_error: self.impact.ale_design_std_error,
                ale_verified: self.impact.ale_verified,
                ale_increase: self.impact.total_increase(),
            },
            regressions: regression_docs,
            controls: controls.into_iter().map(|(_, d)| d).collect(),
            accepted_risks: self.accepted.to_vec(),
            history: run,
        }
    }
}
