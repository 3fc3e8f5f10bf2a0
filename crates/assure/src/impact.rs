//! What erosion costs: the ALE with every deployed control working ("as designed") against the
//! ALE without one failing control, and without all of them ("as verified"). Every assessment uses
//! the same seed and configuration, so the differences are common-random-number differences:
//! removing a control only raises edge probabilities against the same draws, so they are never
//! negative and never noise.

use riskpath_engine::Posture;
use riskpath_engine::compile;
use riskpath_engine::risk::{Progress, RiskConfig, RiskResult, assess_graph_observed};
use riskpath_model::Model;

use crate::check::ControlResult;

#[derive(Debug, Clone, PartialEq)]
pub struct Impact {
    pub config: RiskConfig,
    /// ALE with every deployed control counting, checks or not.
    pub ale_design: f64,
    pub ale_design_std_error: f64,
    /// ALE with failing, stale and erroring controls absent: the world as the evidence shows it.
    pub ale_verified: f64,
    /// Per failing control (index into the results): ALE without it − ALE as designed.
    pub per_control: Vec<(usize, f64)>,
    /// The world as the evidence shows it: failing, stale and erroring controls absent.
    pub verified_posture: Posture,
    /// The assessment of `verified_posture` (its ALE is `ale_verified`): the run's headline.
    pub verified: RiskResult,
}

impl Impact {
    /// The ALE increase from all failing controls together.
    pub fn total_increase(&self) -> f64 {
        self.ale_verified - self.ale_design
    }
    pub fn increase_of(&self, result_index: usize) -> Option<f64> {
        self.per_control.iter().find(|(i, _)| *i == result_index).map(|(_, v)| *v)
    }
}

/// Prices the failing controls of `results` with common random numbers.
pub fn price(model: &Model, results: &[ControlResult], config: RiskConfig) -> Impact {
    price_observed(model, results, config, &())
}

/// How many assessments [`price`] runs for `failing` failing controls: as designed, without each
/// (when more than one), and without all.
pub fn assessments(failing: usize) -> u64 {
    1 + if failing > 1 { failing as u64 } else { 0 } + u64::from(failing > 0)
}

/// [`price`], telling `progress` of the simulation work done (trials and attempts).
pub fn price_observed(model: &Model, results: &[ControlResult], config: RiskConfig, progress: &dyn Progress) -> Impact {
    let assess = |model: &Model, posture: &Posture, config: RiskConfig| {
        assess_graph_observed(model, &compile(model, posture), config, progress)
    };
    let design = Posture::as_deployed(model);
    let base = assess(model, &design, config);
    let failing: Vec<usize> =
        results.iter().enumerate().filter(|(_, r)| r.state.is_failing()).map(|(i, _)| i).collect();
    let mut per_control = Vec::with_capacity(failing.len());
    for &i in &failing {
        let mut posture = design.clone();
        posture.active[results[i].control] = false;
        let ale = if failing.len() == 1 { None } else { Some(assess(model, &posture, config).ale) };
        per_control.push((i, ale));
    }
    let mut verified_posture = design.clone();
    for &i in &failing {
        verified_posture.active[results[i].control] = false;
    }
    let verified = if failing.is_empty() { base.clone() } else { assess(model, &verified_posture, config) };
    let ale_verified = verified.ale;
    let per_control =
        per_control.into_iter().map(|(i, ale)| (i, (ale.unwrap_or(ale_verified) - base.ale).max(0.0))).collect();
    Impact {
        config,
        ale_design: base.ale,
        ale_design_std_error: base.ale_std_error,
        ale_verified,
        per_control,
        verified_posture,
        verified,
    }
}
