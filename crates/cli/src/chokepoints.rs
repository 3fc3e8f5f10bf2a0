//! `riskpath chokepoints`: the minimum-cost cut between entry points and crown jewels, and the nodes
//! and edges that dominate the most simulated breaches, confirmed by re-simulation.

use riskpath_app::ModelSource;
use riskpath_app::chokepoints::ChokepointsConfig;
use riskpath_decide::chokepoints::CutScope;

use crate::analyze::SimArgs;
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
    let config = ChokepointsConfig {
        model: ModelSource::Loaded(loaded),
        sim: args.sim.sim_config(),
        top: args.top,
        scope: CutScope { actor: args.actor.clone(), target: args.target.clone() },
        format: args.format.into(),
        style: args.out.style(),
        threads: None,
    };
    let outcome = riskpath_app::chokepoints::chokepoints(&config, &Terminal)?;
    write_outcome(&args.out, &outcome)
}
