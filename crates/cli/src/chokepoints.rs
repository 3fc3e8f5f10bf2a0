//! `riskpath chokepoints`: the minimum-cost cut between entry points and crown jewels, and the nodes
//! and edges that dominate the most simulated breaches, confirmed by re-simulation.

use riskpath_decide::chokepoints::analyse;
use riskpath_decide::saturation;
use riskpath_report::{decisions, vulns};

use crate::analyze::SimArgs;
use crate::common::{Failure, OutputFile, load_model, to_json};
use crate::{Format, ModelArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub out: OutputFile,
    /// How many choke points to confirm by re-simulation.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    #[command(flatten)]
    pub sim: SimArgs,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    let (risk, eval) = args.sim.assess(model)?;
    // Patching is priced on the whole estate, as deployed.
    let vulns = riskpath_decide::patch::rank(&eval);
    // When an actor wins nearly every attempt, choke points are ranked in the one-foothold view
    // (the minimum cut is the same in both: it does not depend on probabilities).
    let (saturation, conditional) = saturation::decision_view(&eval, &risk.scenarios);
    let config = args.sim.config(model)?;
    let conditional_eval = conditional.as_ref().map(|m| args.sim.evaluator(m, &config)).transpose()?;
    let eval = conditional_eval.as_ref().unwrap_or(&eval);
    let graph = eval.baseline_graph();
    let (cut, points) = analyse(eval, graph, args.top);
    let ale = risk.ale;
    let currency = &model.settings.currency;
    let content = match args.format {
        Format::Json => {
            let mut doc = serde_json::json!({
                "schema_version": 1,
                "seed": eval.seed,
                "trials": eval.trials,
                "currency": currency,
                "ale": ale,
                "min_cut": cut,
                "choke_points": points,
            });
            if let Some(s) = &saturation {
                // The choke points' ALE figures are then those of the one-foothold view.
                doc["saturation"] = serde_json::to_value(s).map_err(|e| Failure::usage(e.to_string()))?;
                doc["one_foothold_ale"] = serde_json::json!(eval.loss(&eval.baseline).ale);
            }
            if let Some(v) = &vulns {
                doc["vulnerabilities"] = serde_json::to_value(v).map_err(|e| Failure::usage(e.to_string()))?;
            }
            to_json(&doc)?
        }
        Format::Text => {
            let style = args.out.style();
            let labels = riskpath_model::Labels::new(model);
            style.finish(format!(
                "{}{}{}{}{}",
                saturation.as_ref().map_or(String::new(), |s| riskpath_report::saturation::section(s, &labels, &style)),
                decisions::cut_section(&cut, currency, &labels, &style),
                decisions::chokepoints_section(&points, currency, &style),
                vulns.as_ref().map(|v| vulns::section(v, currency, args.top, &style)).unwrap_or_default(),
                style.dim(&format!("\nseed {}, {} trials per actor\n", eval.seed, eval.trials))
            ))
        }
    };
    args.out.write(&content)
}
