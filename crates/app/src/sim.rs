//! A run's Monte Carlo settings (trials, years, seed, decision trials, precision targets) over the
//! model's `settings`, their limits, and the headline assessment with its anchored what-if evaluator.

use std::sync::Arc;

use riskpath_decide::{Evaluator, Headline};
use riskpath_engine::Posture;
use riskpath_engine::precision::{Caps, TRIAL_UNIT, Target, YEAR_UNIT, assess_to_precision, decision_trials};
use riskpath_engine::risk::{RiskConfig, RiskResult, assess_graph_observed, expected_work};
use riskpath_model::Model;

use crate::{AppError, Progress};

/// Most simulated attacker attempts (years × mean frequency) one run may take on.
const MAX_ATTEMPTS: f64 = 2e9;
/// Most trials per actor one run may take on.
const MAX_TRIALS: u64 = 1_000_000_000;
/// The caps of a run driven to a precision, unless `trials` and `years` say otherwise.
const DEFAULT_TRIAL_CAP: u64 = 100_000_000;
const DEFAULT_YEAR_CAP: u64 = 10_000_000;
/// Decision trials when none are given (`--decision-trials`).
pub const DEFAULT_DECISION_TRIALS: u64 = 2048;

/// The trials, seed and simulated years of an assessment; each, when given, overrides the
/// model's `settings` (`--trials`, `--seed`, `--years`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunConfig {
    pub trials: Option<u64>,
    pub seed: Option<u64>,
    pub years: Option<u64>,
}

impl RunConfig {
    /// The run's Monte Carlo settings: these over the model's `settings`, refusing runs that would
    /// take hours (every simulated attempt is a trial). `unit` qualifies "trials per actor" in the
    /// message, e.g. " per assessment" when a command runs several.
    pub fn config(&self, model: &Model, unit: &str) -> Result<RiskConfig, AppError> {
        let base = RiskConfig::from_settings(model);
        let config = RiskConfig {
            trials: self.trials.unwrap_or(base.trials),
            years: self.years.unwrap_or(base.years),
            seed: self.seed.unwrap_or(base.seed),
        };
        if config.trials == 0 || config.years == 0 {
            return Err(AppError::usage("--trials and --years must be at least 1"));
        }
        let attempts = attempt_rate(model) * config.years as f64;
        if attempts > MAX_ATTEMPTS || config.trials > MAX_TRIALS {
            return Err(AppError::usage(format!(
                "this run would simulate {attempts:.3e} attacker attempts and {} trials per actor{unit}; \
                 the limit is {MAX_ATTEMPTS:.0e} attempts and 1e9 trials: lower --years or --trials",
                config.trials
            )));
        }
        Ok(config)
    }
}

/// The actors' mean attempts per year, together.
fn attempt_rate(model: &Model) -> f64 {
    model.actors.iter().map(|a| riskpath_engine::dist::amount_mean(&a.frequency.value)).sum()
}

/// Monte Carlo settings of a command that also measures decisions (what-ifs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimConfig {
    pub run: RunConfig,
    /// Trials per actor for each what-if (classes, sensitivity, choke points, plans); common random
    /// numbers keep differences precise with far fewer trials than the headline needs.
    pub decision_trials: u64,
    /// Simulate until these precisions are reached instead of fixed counts; `run`'s trials and
    /// years then cap the targeted counts, and decisions pick their trials by the same rule.
    pub precision: Option<Target>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig { run: RunConfig::default(), decision_trials: DEFAULT_DECISION_TRIALS, precision: None }
    }
}

impl SimConfig {
    /// The what-if evaluator for decisions, from the model as deployed, on the run's seed, with
    /// exactly `decision_trials` trials per actor (independent of the headline's trials).
    /// With a precision, the trials are the first boundary of the schedule at which the
    /// evaluator's own estimates meet the target on `model` ([`decision_trials`]), within the trials cap.
    pub fn evaluator<'m>(&self, model: &'m Model, config: &RiskConfig) -> Result<Evaluator<'m>, AppError> {
        if !(1..=MAX_TRIALS).contains(&self.decision_trials) {
            return Err(AppError::usage("--decision-trials must be between 1 and 1e9"));
        }
        let mut eval = Evaluator::new(model, Posture::as_deployed(model), self.decision_trials, config.seed);
        if let Some(target) = self.precision {
            let cap = self.caps(model, target)?.trials;
            eval.trials = decision_trials(model, eval.baseline_graph(), config.seed, target, cap).0;
        }
        Ok(eval)
    }

    /// The run's fixed counts and seed; with a precision, a targeted count is its first boundary.
    pub fn config(&self, model: &Model) -> Result<RiskConfig, AppError> {
        let Some(target) = self.precision else { return self.run.config(model, "") };
        let mut fixed = self.run;
        if target.p.is_some() {
            fixed.trials = Some(TRIAL_UNIT);
        }
        if target.ale.is_some() {
            fixed.years = Some(YEAR_UNIT);
        }
        fixed.config(model, "")
    }

    /// The most a run driven to `target` may simulate: the run's trials and years when given
    /// (within the limits every run has), else 1e8 trials and 1e7 years, fewer years when the
    /// actors' attempts would pass the limit.
    fn caps(&self, model: &Model, target: Target) -> Result<Caps, AppError> {
        let rate = attempt_rate(model);
        let within_attempts = if rate > 0.0 { (MAX_ATTEMPTS / rate).floor() as u64 } else { u64::MAX };
        let caps = Caps {
            trials: self.run.trials.unwrap_or(DEFAULT_TRIAL_CAP),
            years: self.run.years.unwrap_or(DEFAULT_YEAR_CAP.min(within_attempts).max(1)),
        };
        let mut explicit = self.run;
        explicit.trials = Some(if target.p.is_some() { caps.trials } else { TRIAL_UNIT });
        explicit.years = Some(if target.ale.is_some() { caps.years } else { YEAR_UNIT.min(caps.years) });
        explicit.config(model, " (the --precision caps)")?;
        Ok(caps)
    }

    /// The run's headline risk (the full simulation, observed by a `progress` bar; driven to the
    /// precision when given) and the what-if evaluator anchored to it, its what-ifs counted by a
    /// `progress` counter, so every figure a command shows derives from one ALE.
    pub fn assess<'m>(
        &self,
        model: &'m Model,
        progress: &dyn Progress,
    ) -> Result<(RiskResult, Evaluator<'m>), AppError> {
        let config = self.config(model)?;
        let mut eval = self.evaluator(model, &config)?;
        let risk = match self.precision {
            None => {
                let bar = progress.bar(expected_work(model, config), "simulating");
                assess_graph_observed(model, eval.baseline_graph(), config, bar.as_ref())
            }
            Some(target) => {
                let caps = self.caps(model, target)?;
                assess_to_precision(model, eval.baseline_graph(), config, target, caps, &())
            }
        };
        eval.anchor(Headline::of(&risk));
        eval.observe(Arc::clone(&progress.counter("what-ifs measured")));
        Ok((risk, eval))
    }
}
