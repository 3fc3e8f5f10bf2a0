//! `riskpath plan`: the multi-year roadmap of initiatives under a yearly budget, by quarter and
//! team, with the risk burn-down, each initiative's return and what a 20% budget cut drops.

use riskpath_decide::roadmap::{DEFAULT_EXACT_NODES, PlanOptions, plan};
use riskpath_decide::saturation;
use riskpath_report::decisions;
use riskpath_report::style::count;

use crate::analyze::SimArgs;
use crate::common::{Failure, OutputFile, load_model, to_json};
use crate::{Format, ModelArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Budget per year, in the model's currency: 1500000, 1.5M, 250k or $1,500,000.
    #[arg(long, value_name = "AMOUNT", value_parser = crate::amount::parse)]
    pub budget: f64,
    /// Planning horizon in years (`--years` is the simulated years, as in every command).
    #[arg(long, value_name = "YEARS", default_value_t = 3)]
    pub plan_years: usize,
    /// At most this many initiatives in progress at once per owning team.
    #[arg(long)]
    pub team_capacity: Option<usize>,
    /// Branch-and-bound nodes the exact solver may use before it stops with the best plan found and
    /// a proven bound on how far from optimal it can be (0: greedy only).
    #[arg(long, default_value_t = DEFAULT_EXACT_NODES)]
    pub exact_nodes: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub out: OutputFile,
    #[command(flatten)]
    pub sim: SimArgs,
}

pub fn run(args: Args) -> Result<(), Failure> {
    if args.plan_years == 0 || args.plan_years > 10 {
        return Err(Failure::usage("--plan-years must be between 1 and 10"));
    }
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    if model.initiatives.is_empty() {
        return Err(Failure::usage("the model has no initiatives to plan"));
    }
    if model.initiatives.len() > 63 {
        return Err(Failure::usage("at most 63 initiatives can be planned at once"));
    }
    let (risk, eval) = args.sim.assess(model)?;
    let options = PlanOptions {
        budget_per_year: args.budget,
        years: args.plan_years,
        team_capacity: args.team_capacity,
        exact_nodes: args.exact_nodes,
    };
    let result = plan(&eval, options);
    // The plan stays in money: a saturated estate is said so (initiatives that each barely move P
    // are worth little alone), with the one-foothold view that `chokepoints` ranks in.
    let saturation = saturation::detect(&eval, &risk.scenarios);
    let currency = &model.settings.currency;
    let content = match args.format {
        Format::Json => {
            let mut doc = serde_json::json!({
                "schema_version": 1,
                "seed": eval.seed,
                "trials": eval.trials,
                "currency": currency,
                "plan": result,
            });
            if let Some(s) = &saturation {
                doc["saturation"] = serde_json::to_value(s).map_err(|e| Failure::usage(e.to_string()))?;
            }
            to_json(&doc)?
        }
        Format::Text => {
            let style = args.out.style();
            style.finish(
                saturation.as_ref().map_or(String::new(), |s| {
                    riskpath_report::saturation::plan_note(s, &riskpath_model::Labels::new(model), &style)
                }) + &decisions::plan_section(&result, currency, &style)
                    + &style.dim(&format!(
                        "\nseed {}, {} per actor per what-if\n",
                        eval.seed,
                        count(eval.trials as usize, "trial")
                    )),
            )
        }
    };
    eval.progress_done();
    args.out.write(&content)
}
