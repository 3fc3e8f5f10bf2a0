//! `riskpath analyze`: the main job — attack paths per actor and crown jewel, as text or JSON.
//! Computes everything first and writes once, so a failure leaves no output file behind.

use riskpath_app::{AnalyzeConfig, ModelSource, RunConfig, SimConfig};
use riskpath_decide::Evaluator;
use riskpath_engine::precision::Target;
use riskpath_engine::risk::RiskConfig;

use crate::common::{Failure, OutputFile, Terminal, load_model, write_outcome};
use crate::{Format, ModelArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub out: OutputFile,
    /// Paths to find per actor and target (Yen's k shortest paths on −ln p).
    #[arg(short = 'k', long, default_value_t = 5, value_parser = crate::common::path_count)]
    pub paths: usize,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub as_of: crate::common::AsOf,
}

/// The trials and seed of a run; each overrides the model's `settings`.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct TrialArgs {
    /// Trials per actor for P(compromise) [default: settings.trials, else 100000].
    #[arg(long)]
    pub trials: Option<u64>,
    /// Random seed: the same seed gives the same numbers, whatever the thread count.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// The trials, seed and simulated years of an assessment; each overrides the model's `settings`.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct RunArgs {
    #[command(flatten)]
    pub trial: TrialArgs,
    /// Simulated years for the annual loss distribution [default: settings.years, else 100000].
    #[arg(long)]
    pub years: Option<u64>,
}

impl RunArgs {
    /// These flags as the application's run settings.
    pub fn run_config(&self) -> RunConfig {
        RunConfig { trials: self.trial.trials, seed: self.trial.seed, years: self.years }
    }

    /// The run's Monte Carlo settings ([`RunConfig::config`]).
    pub fn config(&self, model: &riskpath_model::Model, unit: &str) -> Result<RiskConfig, Failure> {
        Ok(self.run_config().config(model, unit)?)
    }
}

/// Monte Carlo settings of a command that also measures decisions (what-ifs).
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct SimArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Trials per actor for each what-if (classes, sensitivity, choke points, plans); common random
    /// numbers keep differences precise with far fewer trials than the headline needs.
    #[arg(long, default_value_t = riskpath_app::sim::DEFAULT_DECISION_TRIALS)]
    pub decision_trials: u64,
    /// Simulate until a precision is reached instead of fixed counts: `ale=1%` (the ALE's relative
    /// standard error; drives the years), `p=0.005` (each P(compromise)'s standard error; drives
    /// the trials), or both, `ale=1%,p=0.005`. --trials and --years then cap the targeted counts
    /// [default caps: 1e8 trials, 1e7 years], and decisions pick their trials by the same rule.
    #[arg(long, value_name = "TARGETS", value_parser = crate::precision::parse)]
    pub precision: Option<Target>,
}

impl SimArgs {
    /// These flags as the application's simulation settings.
    pub fn sim_config(&self) -> SimConfig {
        SimConfig { run: self.run.run_config(), decision_trials: self.decision_trials, precision: self.precision }
    }

    /// The what-if evaluator for decisions ([`SimConfig::evaluator`]).
    pub fn evaluator<'m>(
        &self,
        model: &'m riskpath_model::Model,
        config: &RiskConfig,
    ) -> Result<Evaluator<'m>, Failure> {
        Ok(self.sim_config().evaluator(model, config)?)
    }

    /// The run's fixed counts and seed ([`SimConfig::config`]).
    pub fn config(&self, model: &riskpath_model::Model) -> Result<RiskConfig, Failure> {
        Ok(self.sim_config().config(model)?)
    }
}

/// The application's analysis settings from these flags, on the loaded model.
pub fn analyze_config(
    loaded: std::sync::Arc<riskpath_model::Loaded>,
    sim: &SimArgs,
    paths: usize,
    format: Format,
    out: &OutputFile,
    as_of: riskpath_model::accepted::Date,
) -> AnalyzeConfig {
    AnalyzeConfig {
        model: ModelSource::Loaded(loaded),
        sim: sim.sim_config(),
        paths,
        as_of,
        format: format.into(),
        style: out.style(),
        threads: None,
    }
}

pub fn run(args: Args) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let config = analyze_config(loaded, &args.sim, args.paths, args.format, &args.out, args.as_of.day());
    write_outcome(&args.out, &riskpath_app::analyze(&config, &Terminal)?)
}
