//! `riskpath analyze`: the main job — attack paths per actor and crown jewel, as text or JSON.
//! Computes everything first and writes once, so a failure leaves no output file behind.

use riskpath_decide::{Evaluator, Headline, classes, saturation, sensitivity};
use riskpath_engine::Posture;
use riskpath_engine::paths::all_scenarios;
use riskpath_engine::precision::{Caps, TRIAL_UNIT, Target, YEAR_UNIT, assess_to_precision, decision_trials};
use riskpath_engine::risk::{RiskConfig, RiskResult, assess_graph_observed, expected_work};
use riskpath_report::json::AnalysisDoc;
use riskpath_report::{decisions, text};

use crate::common::{Bar, Failure, OutputFile, load_model, to_json};
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

/// Most simulated attacker attempts (years × mean frequency) one run may take on.
const MAX_ATTEMPTS: f64 = 2e9;

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
    /// The run's Monte Carlo settings: flags over the model's `settings`, refusing runs that would
    /// take hours (every simulated attempt is a trial). `unit` qualifies "trials per actor" in the
    /// message, e.g. " per assessment" when a command runs several.
    pub fn config(&self, model: &riskpath_model::Model, unit: &str) -> Result<RiskConfig, Failure> {
        let base = RiskConfig::from_settings(model);
        let config = RiskConfig {
            trials: self.trial.trials.unwrap_or(base.trials),
            years: self.years.unwrap_or(base.years),
            seed: self.trial.seed.unwrap_or(base.seed),
        };
        if config.trials == 0 || config.years == 0 {
            return Err(Failure::usage("--trials and --years must be at least 1"));
        }
        let attempts: f64 = model
            .actors
            .iter()
            .map(|a| riskpath_engine::dist::amount_mean(&a.frequency.value) * config.years as f64)
            .sum();
        if attempts > MAX_ATTEMPTS || config.trials > 1_000_000_000 {
            return Err(Failure::usage(format!(
                "this run would simulate {attempts:.3e} attacker attempts and {} trials per actor{unit}; \
                 the limit is {MAX_ATTEMPTS:.0e} attempts and 1e9 trials: lower --years or --trials",
                config.trials
            )));
        }
        Ok(config)
    }
}

/// Monte Carlo settings of a command that also measures decisions (what-ifs).
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct SimArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Trials per actor for each what-if (classes, sensitivity, choke points, plans); common random
    /// numbers keep differences precise with far fewer trials than the headline needs.
    #[arg(long, default_value_t = 2048)]
    pub decision_trials: u64,
    /// Simulate until a precision is reached instead of fixed counts: `ale=1%` (the ALE's relative
    /// standard error; drives the years), `p=0.005` (each P(compromise)'s standard error; drives
    /// the trials), or both, `ale=1%,p=0.005`. --trials and --years then cap the targeted counts
    /// [default caps: 1e8 trials, 1e7 years], and decisions pick their trials by the same rule.
    #[arg(long, value_name = "TARGETS", value_parser = crate::precision::parse)]
    pub precision: Option<Target>,
}

impl SimArgs {
    /// The what-if evaluator for decisions, from the model as deployed, on the run's seed, with
    /// exactly `--decision-trials` trials per actor (independent of `--trials`).
    /// With `--precision`, the trials are the first boundary of the schedule at which the
    /// evaluator's own estimates meet the target on `model` ([`decision_trials`]), within --trials.
    pub fn evaluator<'m>(
        &self,
        model: &'m riskpath_model::Model,
        config: &RiskConfig,
    ) -> Result<Evaluator<'m>, Failure> {
        if !(1..=1_000_000_000).contains(&self.decision_trials) {
            return Err(Failure::usage("--decision-trials must be between 1 and 1e9"));
        }
        let mut eval = Evaluator::new(model, Posture::as_deployed(model), self.decision_trials, config.seed);
        if let Some(target) = self.precision {
            let cap = self.caps(model, target)?.trials;
            eval.trials = decision_trials(model, eval.baseline_graph(), config.seed, target, cap).0;
        }
        Ok(eval)
    }

    /// The run's fixed counts and seed; with `--precision`, a targeted count is its first boundary.
    pub fn config(&self, model: &riskpath_model::Model) -> Result<RiskConfig, Failure> {
        let Some(target) = self.precision else { return self.run.config(model, "") };
        let mut fixed = self.run;
        if target.p.is_some() {
            fixed.trial.trials = Some(TRIAL_UNIT);
        }
        if target.ale.is_some() {
            fixed.years = Some(YEAR_UNIT);
        }
        fixed.config(model, "")
    }

    /// The most a run driven to `target` may simulate: --trials and --years when given (within
    /// the limits every run has), else 1e8 trials and 1e7 years, fewer years when the actors'
    /// attempts would pass the limit.
    fn caps(&self, model: &riskpath_model::Model, target: Target) -> Result<Caps, Failure> {
        let rate: f64 = model.actors.iter().map(|a| riskpath_engine::dist::amount_mean(&a.frequency.value)).sum();
        let within_attempts = if rate > 0.0 { (MAX_ATTEMPTS / rate).floor() as u64 } else { u64::MAX };
        let caps = Caps {
            trials: self.run.trial.trials.unwrap_or(DEFAULT_TRIAL_CAP),
            years: self.run.years.unwrap_or(DEFAULT_YEAR_CAP.min(within_attempts).max(1)),
        };
        let mut explicit = self.run;
        explicit.trial.trials = Some(if target.p.is_some() { caps.trials } else { TRIAL_UNIT });
        explicit.years = Some(if target.ale.is_some() { caps.years } else { YEAR_UNIT.min(caps.years) });
        explicit.config(model, " (the --precision caps)")?;
        Ok(caps)
    }

    /// The run's headline risk (the full simulation, with a progress bar on a terminal; driven to
    /// `--precision` when given) and the what-if evaluator anchored to it, so every figure the
    /// command shows derives from one ALE.
    pub fn assess<'m>(&self, model: &'m riskpath_model::Model) -> Result<(RiskResult, Evaluator<'m>), Failure> {
        let config = self.config(model)?;
        let mut eval = self.evaluator(model, &config)?;
        let risk = match self.precision {
            None => {
                let bar = Bar::new(expected_work(model, config), "simulating");
                assess_graph_observed(model, eval.baseline_graph(), config, &bar)
            }
            Some(target) => {
                let caps = self.caps(model, target)?;
                assess_to_precision(model, eval.baseline_graph(), config, target, caps, &())
            }
        };
        eval.anchor(Headline::of(&risk));
        eval.observe(std::sync::Arc::new(Bar::counter("what-ifs measured")));
        Ok((risk, eval))
    }
}

/// The caps of a run driven to a precision, unless --trials and --years say otherwise.
const DEFAULT_TRIAL_CAP: u64 = 100_000_000;
const DEFAULT_YEAR_CAP: u64 = 10_000_000;

pub fn run(args: Args) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    let (risk, eval) = args.sim.assess(model)?;
    let content =
        document(model, &risk, &eval, &args.sim, args.paths, args.format, &args.out.style(), args.as_of.day())?;
    eval.progress_done();
    args.out.write(&content)
}

/// The analysis of `model` from its headline `risk` and the evaluator anchored to it: paths,
/// classes (in the one-foothold view when saturated), the tornado; as text or JSON. `merge`
/// writes the same from the shards' headline. Accepted risks are judged on `as_of`.
#[allow(clippy::too_many_arguments)]
pub fn document(
    model: &riskpath_model::Model,
    risk: &RiskResult,
    eval: &Evaluator,
    sim: &SimArgs,
    paths: usize,
    format: Format,
    style: &riskpath_report::style::Style,
    as_of: riskpath_model::accepted::Date,
) -> Result<String, Failure> {
    let graph = eval.baseline_graph();
    let scenarios = all_scenarios(model, graph, paths);
    // When an actor wins nearly every attempt, classes are ranked in the one-foothold view.
    let (saturation, conditional) = saturation::decision_view(eval, &risk.scenarios);
    let config = sim.config(model)?;
    let conditional_eval = conditional.as_ref().map(|m| sim.evaluator(m, &config)).transpose()?;
    let decisions_eval = conditional_eval.as_ref().unwrap_or(eval);
    let classes = classes::rank(decisions_eval, decisions_eval.baseline_graph(), 2);
    let tornado = sensitivity::tornado(eval, 15);
    let accepted = riskpath_decide::accepted::cover(eval, &risk.scenarios, as_of);
    crate::common::warn_lapsed(model, &accepted, as_of);
    Ok(match format {
        Format::Json => {
            let mut doc = AnalysisDoc::new(model, graph, &scenarios, Some(risk));
            doc.classes = Some(classes);
            doc.sensitivity = Some(tornado);
            doc.saturation = saturation;
            if !accepted.is_empty() {
                doc.as_of = Some(as_of.to_string());
                doc.accepted_risks = Some(accepted);
            }
            to_json(&doc)?
        }
        Format::Text => style.finish(
            text::model_line(model, style)
                + &text::risk_section(model, graph, risk, &accepted, 10, style)
                + &saturation.as_ref().map_or(String::new(), |s| {
                    riskpath_report::saturation::section(s, &riskpath_model::Labels::new(model), style)
                })
                + &decisions::classes_section(&classes, 10, &model.settings.currency, style)
                + &decisions::tornado_section(&tornado, &model.settings.currency, style)
                + &riskpath_report::accepted::text_section(
                    &accepted,
                    as_of,
                    &riskpath_model::Labels::new(model),
                    &model.settings.currency,
                    style,
                )
                + &text::paths_section(model, graph, &scenarios, paths, style),
        ),
    })
}
