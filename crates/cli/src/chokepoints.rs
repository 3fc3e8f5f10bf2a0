//! `riskpath chokepoints`: the minimum-cost cut between entry points and crown jewels, and the nodes
//! and edges that dominate the most simulated breaches, confirmed by re-simulation.

use riskpath_decide::chokepoints::analyse;
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
    let graph = eval.baseline_graph();
    let (cut, points) = analyse(&eval, graph, args.top);
    let vulns = riskpath_decide::patch::rank(&eval);
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
            if let Some(v) = &vulns {
                doc["vulnerabilities"] = serde_json::to_value(v).map_err(|e| Failure::usage(e.to_string()))?;
            }
            to_json(&doc)?
        }
        Format::Text => {
            let style = args.out.style();
            format!(
                "{}{}{}{}",
                decisions::cut_section(&cut, &style),
                decisions::chokepoints_section(&points, currency, &style),
                vulns.as_ref().map(|v| vulns::section(v, currency, args.top, &style)).unwrap_or_default(),
                style.dim(&format!("\nseed {}, {} trials per actor\n", eval.seed, eval.trials))
            )
        }
    };
    args.out.write(&content)
}
