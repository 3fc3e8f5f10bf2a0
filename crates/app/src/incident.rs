//! `incident`: a live compromise held with certainty: the crown jewels within reach and the money
//! at stake, next hops, the cheapest containment, what to rotate and hunt, as a document, text or runbook.

use std::path::PathBuf;

use riskpath_decide::incident::{self, IncidentConfig as Run};
use riskpath_engine::Posture;
use riskpath_model::kb::Skill;
use riskpath_report::style::Style;

use crate::docs::{INCIDENT_METHOD, IncidentDoc, SCHEMA_VERSION};
use crate::outcome::{Outcome, on_model};
use crate::{AppError, ModelSource, Progress};

/// The outputs of `incident`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentFormat {
    Text,
    /// The Markdown runbook.
    Md,
    Json,
}

/// The compromise to assess (the flags of `riskpath incident`).
#[derive(Debug, Clone)]
pub struct IncidentConfig {
    pub model: ModelSource,
    /// The model's path as the user named it, for the hint after an unknown id.
    pub model_path: PathBuf,
    /// The nodes and entry points the attacker holds now.
    pub compromised: Vec<String>,
    /// The attacker's skill; `None`: the strongest among the model's actors.
    pub skill: Option<Skill>,
    /// Trials (1 to 1e9; `None`: `settings.trials`) and seed (`None`: `settings.seed`).
    pub trials: Option<u64>,
    pub seed: Option<u64>,
    /// Rows per section in text (Markdown and JSON list everything).
    pub top: usize,
    pub format: IncidentFormat,
    pub style: Style,
    pub threads: Option<usize>,
}

/// The incident on the model of `config`.
pub fn incident(config: &IncidentConfig, progress: &dyn Progress) -> Result<Outcome<IncidentDoc>, AppError> {
    on_model(&config.model, config.threads, |loaded| {
        let model = &loaded.model;
        let trials = config.trials.unwrap_or(model.settings.trials);
        if trials == 0 || trials > 1_000_000_000 {
            return Err(AppError::usage("--trials must be between 1 and 1e9"));
        }
        let run = Run { trials, seed: config.seed.unwrap_or(model.settings.seed), skill: config.skill };
        let ids: Vec<String> =
            config.compromised.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        let counter = progress.counter("trials simulated");
        let result = incident::assess_observed(model, &Posture::as_deployed(model), &ids, run, counter.as_ref());
        counter.done();
        let result = result.map_err(|e| {
            AppError::usage(format!(
                "{e}\n(ids are node and entry-point ids; `riskpath validate {}` checks the model)",
                config.model_path.display()
            ))
        })?;
        let rendered = match config.format {
            IncidentFormat::Json => None,
            IncidentFormat::Md => Some(riskpath_report::incident::runbook(model, &result)),
            IncidentFormat::Text => {
                Some(config.style.finish(riskpath_report::incident::text(model, &result, config.top, &config.style)))
            }
        };
        let doc = IncidentDoc {
            schema_version: SCHEMA_VERSION,
            currency: model.settings.currency.clone(),
            method: INCIDENT_METHOD,
            incident: result,
        };
        Ok(Outcome::new(doc, rendered))
    })
}
