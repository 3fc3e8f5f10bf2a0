//! `riskpath chokepoints`: the minimum-cost cut between entry points and crown jewels, and the nodes
//! and edges that dominate the most simulated breaches, confirmed by re-simulation.

use riskpath_decide::chokepoints::{CutScope, analyse};
use riskpath_decide::saturation;
use riskpath_report::style::count;
use riskpath_report::{decisions, vulns};

use crate::analyze::SimArgs;
use crate::common::{Failure, OutputFile, load_model, to_json};
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
    /// How many choke points to confirm by re-simulation.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// Cut only this actor's ways in (default: every actor's).
    #[arg(long, value_name = "ACTOR_ID")]
    pub actor: Option<String>,
    /// Cut only the ways to this crown jewel (default: every jewel an actor in scope targets).
    #[arg(long, value_name = "NODE_ID")]
    pub target: Option<String>,
    #[command(flatten)]
    pub sim: SimArgs,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    let scope = CutScope { actor: args.actor.clone(), target: args.target.clone() };
    scope.check(model).map_err(Failure::usage)?;
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
    let (cut, points) = analyse(eval, graph, args.top, &scope);
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
                "scope": {"actor": scope.actor, "target": scope.target},
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
                "{}{}{}{}{}{}",
                saturation.as_ref().map_or(String::new(), |s| riskpath_report::saturation::section(s, &labels, &style)),
                scope_line(&scope, &labels),
                decisions::cut_section(&cut, currency, &labels, &style),
                decisions::chokepoints_section(&points, currency, &style),
                vulns.as_ref().map(|v| vulns::section(v, currency, args.top, &style)).unwrap_or_default(),
                style.dim(&format!("\nseed {}, {} per actor\n", eval.seed, count(eval.trials as usize, "trial")))
            ))
        }
    };
    eval.progress_done();
    args.out.write(&content)
}

/// "Cut scope: actor X, crown jewel Y." when the cut is limited to an actor or a target.
fn scope_line(scope: &CutScope, labels: &riskpath_model::Labels) -> String {
    let parts: Vec<String> = [
        scope.actor.as_ref().map(|a| format!("actor {}", labels.label(a))),
        scope.target.as_ref().map(|t| format!("crown jewel {}", labels.label(t))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() { String::new() } else { format!("\nCut scope: {} only.\n", parts.join(", ")) }
}
