//! `riskpath export`: the analysis for other tools — an ATT&CK Navigator layer for the detection
//! team, SARIF findings for CI and code scanning, the attack graph for Graphviz.

use riskpath_app::ModelSource;
use riskpath_app::export::{DotConfig, NavigatorConfig, SarifConfig};
use riskpath_app::report::{model_dir, model_name};
use riskpath_decide::chokepoints::CutScope;

use crate::ModelArgs;
use crate::analyze::SimArgs;
use crate::common::{Failure, OutputFile, Terminal, load_model, write_outcome};

#[derive(clap::Subcommand, Debug)]
pub enum What {
    /// An ATT&CK Navigator layer (format 4.5): techniques scored by their risk contribution (the
    /// ALE drop if their attack steps were neutralised), comments naming the paths that use them.
    Navigator(NavigatorArgs),
    /// SARIF 2.1.0: endemic classes and choke points as findings at their place in the model files.
    Sarif(SarifArgs),
    /// The attack graph in Graphviz DOT: entry points and crown jewels highlighted, edges labelled
    /// with kind, technique and probability.
    Dot(DotArgs),
}

/// Each export takes only its own options (a Navigator layer has no choke points, SARIF no paths).
#[derive(clap::Args, Debug)]
pub struct NavigatorArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub out: OutputFile,
    /// Most likely paths per actor and target named in technique comments.
    #[arg(short = 'k', long, default_value_t = 3, value_parser = crate::common::path_count)]
    pub paths: usize,
    #[command(flatten)]
    pub sim: SimArgs,
}

#[derive(clap::Args, Debug)]
pub struct SarifArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub out: OutputFile,
    /// Choke points confirmed by re-simulation and reported as findings.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    #[command(flatten)]
    pub sim: SimArgs,
}

#[derive(clap::Args, Debug)]
pub struct DotArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub out: OutputFile,
    /// Only the ways to this crown jewel: edges on some walk from an entry point to it.
    #[arg(long, value_name = "NODE_ID")]
    pub target: Option<String>,
    /// Only this actor's ways in: edges it can use on some walk from its entry points to its targets.
    #[arg(long, value_name = "ACTOR_ID")]
    pub actor: Option<String>,
    /// Only the edges of the K most likely paths (of every actor and target in scope, together).
    #[arg(long, value_name = "K")]
    pub top_paths: Option<usize>,
}

/// The Graphviz graph, whole or filtered to a target, an actor and the most likely paths.
fn dot_graph(args: DotArgs) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let config = DotConfig {
        model: ModelSource::Loaded(loaded),
        scope: CutScope { actor: args.actor.clone(), target: args.target.clone() },
        top_paths: args.top_paths,
    };
    args.out.write(&riskpath_app::export::dot_graph(&config)?.doc)
}

pub fn run(what: What) -> Result<(), Failure> {
    match what {
        What::Navigator(args) => navigator_layer(args),
        What::Sarif(args) => sarif_log(args),
        What::Dot(args) => dot_graph(args),
    }
}

fn navigator_layer(args: NavigatorArgs) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let config = NavigatorConfig {
        model: ModelSource::Loaded(loaded),
        name: model_name(&args.model.dir),
        sim: args.sim.sim_config(),
        paths: args.paths,
        threads: None,
    };
    write_outcome(&args.out, &riskpath_app::export::navigator_layer(&config, &Terminal)?)
}

fn sarif_log(args: SarifArgs) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let config = SarifConfig {
        model: ModelSource::Loaded(loaded),
        model_dir: model_dir(&args.model.dir),
        sim: args.sim.sim_config(),
        top: args.top,
        threads: None,
    };
    write_outcome(&args.out, &riskpath_app::export::sarif_log(&config, &Terminal)?)
}
