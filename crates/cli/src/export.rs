//! `riskpath export`: the analysis for other tools — an ATT&CK Navigator layer for the detection
//! team, SARIF findings for CI and code scanning, the attack graph for Graphviz.

use riskpath_decide::chokepoints::{self, CutScope};
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
    let model = &loaded.model;
    let scope = CutScope { actor: args.actor.clone(), target: args.target.clone() };
    scope.check(model).map_err(Failure::usage)?;
    if args.top_paths == Some(0) {
        return Err(Failure::usage("--top-paths must be at least 1"));
    }
    let graph = compile(model, &Posture::as_deployed(model));
    let shown = match args.top_paths {
        Some(k) => {
            let target = args.target.as_deref().and_then(|t| graph.index_of(t));
            let scenarios: Vec<_> = all_scenarios(model, &graph, k)
                .into_iter()
                .filter(|s| args.actor.as_deref().is_none_or(|a| model.actors[s.actor].id == a))
                .filter(|s| target.is_none_or(|t| s.target == t))
                .collect();
            Some(dot::top_paths(&graph, &scenarios, k))
        }
        None if args.actor.is_some() || args.target.is_some() => {
            Some(dot::between(&graph, &scope.attackers(model, &graph)))
        }
        None => None,
    };
    args.out.write(&dot::dot(model, &graph, &shown))
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
    let model = &loaded.model;
    let (risk, eval) = args.sim.assess(model)?;
    let graph = eval.baseline_graph();
    let scenarios = all_scenarios(model, graph, args.paths.max(1));
    let ale = risk.ale;
    // Every technique, even one used by a single step, gets its score.
    let ranked = classes::rank(&eval, graph, 1);
    let name = format!("riskpath: {}", model_name(&args.model.dir));
    let layer = navigator::layer(model, graph, &ranked, &scenarios, ale, eval.seed, eval.trials, &name);
    eval.progress_done();
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
    eval.progress_done();
    args.out.write(&to_json(&log)?)
}
