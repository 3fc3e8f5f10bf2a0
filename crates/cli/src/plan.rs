//! `riskpath plan`: the multi-year roadmap of initiatives under a yearly budget, by quarter and
//! team, with the risk burn-down, each initiative's return and what a 20% budget cut drops.

use riskpath_app::ModelSource;
use riskpath_app::plan::PlanConfig;
use riskpath_decide::roadmap::{DEFAULT_EXACT_NODES, PlanOptions};

use crate::analyze::SimArgs;
use crate::common::{Failure, OutputFile, Terminal, load_model, write_outcome};
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
    riskpath_app::plan::check_years(args.plan_years)?;
    let loaded = load_model(&args.model)?;
    let config = PlanConfig {
        model: ModelSource::Loaded(loaded),
        sim: args.sim.sim_config(),
        options: PlanOptions {
            budget_per_year: args.budget,
            years: args.plan_years,
            team_capacity: args.team_capacity,
            exact_nodes: args.exact_nodes,
        },
        format: args.format.into(),
        style: args.out.style(),
        threads: None,
    };
    let outcome = riskpath_app::plan::plan(&config, &Terminal)?;
    write_outcome(&args.out, &outcome)
}
