//! `riskpath export`: the analysis for other tools — an ATT&CK Navigator layer for the detection
//! team, SARIF findings for CI and code scanning, the attack graph for Graphviz.

use riskpath_decide::chokepoints;
use riskpath_decide::classes;
use riskpath_engine::paths::all_scenarios;
use riskpath_engine::{Posture, compile};
use riskpath_report::{dot, navigator, sarif};

use crate::ModelArgs;
use crate::analyze::SimArgs;
use crate::common::{Failure, OutputFile, load_model, to_json};
use crate::report::{model_dir, model_name};

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
    #[arg(short = 'k', long, default_value_t = 3)]
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
}

pub fn run(what: What) -> Result<(), Failure> {
    match what {
        What::Navigator(args) => navigator_layer(args),
        What::Sarif(args) => sarif_log(args),
        What::Dot(args) => {
            let loaded = load_model(&args.model)?;
            let model = &loaded.model;
            let graph = compile(model, &Posture::as_deployed(model));
            args.out.write(&dot::dot(model, &graph))
        }
    }
}

fn navigator_layer(args: NavigatorArgs) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    let (risk, eval) = args.sim.assess(model)?;
    let graph = eval.baseline_graph();
    let scenarios = all_scenarios(model, graph, args.paths.max(1));
    let ale = risk.ale;
    // Every technique, even one used by a single step, gets its score.
    let ranked = classes::rank(&eval, graph, 1);
    let name = format!("riskpath: {}", model_name(&args.model.dir));
    let layer = navigator::layer(model, graph, &ranked, &scenarios, ale, eval.seed, eval.trials, &name);
    args.out.write(&to_json(&layer)?)
}

fn sarif_log(args: SarifArgs) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    let (risk, eval) = args.sim.assess(model)?;
    let graph = eval.baseline_graph();
    let ranked = classes::rank(&eval, graph, 2);
    let (_, points) = chokepoints::analyse(&eval, graph, args.top, &Default::default());
    let log = sarif::sarif(model, &model_dir(&args.model.dir), &ranked, &points, risk.ale, eval.seed, eval.trials);
    args.out.write(&to_json(&log)?)
}
