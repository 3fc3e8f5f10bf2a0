//! `riskpath chokepoints`: the minimum-cost cut between entry points and crown jewels, and the nodes
//! and edges that dominate the most simulated breaches, confirmed by re-simulation.

use std::collections::HashMap;
use std::path::PathBuf;

use riskpath_decide::chokepoints::{dominance, min_cut, rank_choke_points};
use riskpath_engine::risk::SkillGraphs;
use riskpath_engine::{Posture, compile};
use riskpath_report::decisions;
use riskpath_report::style::Style;

use crate::analyze::SimArgs;
use crate::common::{Failure, load_model, to_json, write_output};
use crate::{Format, ModelArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// How many choke points to confirm by re-simulation.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    #[command(flatten)]
    pub sim: SimArgs,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    let config = args.sim.config(model)?;
    let posture = Posture::as_deployed(model);
    let graph = compile(model, &posture);
    let eval = args.sim.evaluator(model, posture, &config);
    let sources: Vec<u32> = model.actors.iter().flat_map(|a| graph.entries_of(a)).collect();
    let sinks: Vec<u32> = model.crown_jewels().filter_map(|n| graph.index_of(&n.id)).collect();
    let cut = min_cut(model, &graph, &sources, &sinks);
    let sims = SkillGraphs::new(model, &graph);
    let dom = dominance(model, &graph, &sims, eval.trials, eval.seed);
    let base = eval.loss(&eval.baseline);
    let scenario_ale: HashMap<(usize, u32), f64> = base.scenarios.iter().map(|s| ((s.actor, s.target), s.ale)).collect();
    let points = rank_choke_points(&eval, &graph, &dom, &scenario_ale, args.top);
    let currency = &model.settings.currency;
    let content = match args.format {
        Format::Json => to_json(&serde_json::json!({
            "schema_version": 1,
            "seed": eval.seed,
            "trials": eval.trials,
            "currency": currency,
            "ale": base.ale,
            "min_cut": cut,
            "choke_points": points,
        }))?,
        Format::Text => {
            let style = if args.output.is_some() { Style::plain() } else { Style::detect() };
            format!(
                "{}{}{}",
                decisions::cut_section(&cut, &style),
                decisions::chokepoints_section(&points, currency, &style),
                style.dim(&format!("\nseed {}, {} trials per actor\n", eval.seed, eval.trials))
            )
        }
    };
    write_output(args.output.as_deref(), &content)
}
