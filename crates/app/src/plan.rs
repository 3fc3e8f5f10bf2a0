//! `plan`: the multi-year roadmap of initiatives under a yearly budget, by quarter and team, with
//! the risk burn-down, each initiative's return and what a 20% budget cut drops.

use riskpath_decide::roadmap::{PlanOptions, plan as solve};
use riskpath_decide::saturation;
use riskpath_model::{Labels, Model};
use riskpath_report::decisions;
use riskpath_report::style::{Style, count};

use crate::docs::{PlanDoc, SCHEMA_VERSION};
use crate::outcome::{Outcome, on_model};
use crate::{AppError, Format, ModelSource, Progress, SimConfig};

/// Most planning years (`--plan-years`).
pub const MAX_PLAN_YEARS: usize = 10;
/// Most initiatives planned at once (a plan is a set of them in one machine word).
pub const MAX_INITIATIVES: usize = 63;

/// The roadmap to plan (the flags of `riskpath plan`).
#[derive(Debug, Clone)]
pub struct PlanConfig {
    pub model: ModelSource,
    pub sim: SimConfig,
    /// The budget per year, the horizon, team capacity and the exact solver's node budget.
    pub options: PlanOptions,
    pub format: Format,
    pub style: Style,
    pub threads: Option<usize>,
}

/// `years` within 1 to [`MAX_PLAN_YEARS`].
pub fn check_years(years: usize) -> Result<(), AppError> {
    if years == 0 || years > MAX_PLAN_YEARS {
        return Err(AppError::usage(format!("--plan-years must be between 1 and {MAX_PLAN_YEARS}")));
    }
    Ok(())
}

/// Why `model`'s initiatives cannot be planned, if they cannot: none, or too many.
pub fn unplannable(model: &Model) -> Option<&'static str> {
    if model.initiatives.is_empty() {
        Some("the model has no initiatives to plan")
    } else if model.initiatives.len() > MAX_INITIATIVES {
        Some("at most 63 initiatives can be planned at once")
    } else {
        None
    }
}

/// The roadmap of the model of `config`.
pub fn plan(config: &PlanConfig, progress: &dyn Progress) -> Result<Outcome<PlanDoc>, AppError> {
    check_years(config.options.years)?;
    on_model(&config.model, config.threads, |loaded| {
        let model = &loaded.model;
        if let Some(why) = unplannable(model) {
            return Err(AppError::usage(why));
        }
        let (risk, eval) = config.sim.assess(model, progress)?;
        let result = solve(&eval, config.options);
        // The plan stays in money: a saturated estate is said so (initiatives that each barely
        // move P are worth little alone), with the one-foothold view that `chokepoints` ranks in.
        let saturation = saturation::detect(&eval, &risk.scenarios);
        let currency = &model.settings.currency;
        let text = (config.format == Format::Text).then(|| {
            let style = &config.style;
            style.finish(
                saturation
                    .as_ref()
                    .map_or(String::new(), |s| riskpath_report::saturation::plan_note(s, &Labels::new(model), style))
                    + &decisions::plan_section(&result, currency, style)
                    + &style.dim(&format!(
                        "\nseed {}, {} per actor per what-if\n",
                        eval.seed,
                        count(eval.trials as usize, "trial")
                    )),
            )
        });
        let doc = PlanDoc {
            schema_version: SCHEMA_VERSION,
            seed: eval.seed,
            trials: eval.trials,
            currency: currency.clone(),
            plan: result,
            saturation,
        };
        eval.progress_done();
        Ok(Outcome::new(doc, text))
    })
}
