//! `riskpath incident`: blast radius and containment of a live compromise — the crown jewels the
//! compromised nodes reach and the money at stake, the next hops that carry it, the cheapest cut,
//! what to rotate and what to hunt for — as text, a Markdown runbook or JSON.

use clap::ValueEnum;
use riskpath_app::ModelSource;
use riskpath_app::incident::IncidentConfig;
use riskpath_model::kb::Skill;

use crate::ModelArgs;
use crate::common::{Failure, OutputFile, Terminal, load_model, write_outcome};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentFormat {
    /// For a person: aligned text at 100 columns, colour only on a terminal.
    Text,
    /// A Markdown runbook a responder can follow: contain, rotate, hunt, watch the jewels.
    #[value(alias = "markdown")]
    Md,
    /// For a machine: one JSON document with a `schema_version`.
    Json,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkillArg {
    Low,
    Medium,
    High,
}

impl From<SkillArg> for Skill {
    fn from(s: SkillArg) -> Skill {
        match s {
            SkillArg::Low => Skill::Low,
            SkillArg::Medium => Skill::Medium,
            SkillArg::High => Skill::High,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// A node (or entry point) the attacker holds now; repeat, or separate with commas.
    #[arg(long = "compromised", value_name = "NODE", required = true, value_delimiter = ',')]
    pub compromised: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = IncidentFormat::Text)]
    pub format: IncidentFormat,
    #[command(flatten)]
    pub out: OutputFile,
    /// Attacker skill [default: the strongest among the model's actors].
    #[arg(long, value_enum)]
    pub skill: Option<SkillArg>,
    /// Trials [default: settings.trials, else 100000]; every what-if reuses them (common random numbers).
    #[arg(long)]
    pub trials: Option<u64>,
    /// Random seed [default: settings.seed].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Rows per section in text output (Markdown and JSON list everything).
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let config = IncidentConfig {
        model: ModelSource::Loaded(loaded),
        model_path: args.model.dir.clone(),
        compromised: args.compromised.clone(),
        skill: args.skill.map(Skill::from),
        trials: args.trials,
        seed: args.seed,
        top: args.top,
        format: match args.format {
            IncidentFormat::Text => riskpath_app::incident::IncidentFormat::Text,
            IncidentFormat::Md => riskpath_app::incident::IncidentFormat::Md,
            IncidentFormat::Json => riskpath_app::incident::IncidentFormat::Json,
        },
        style: args.out.style(),
        threads: None,
    };
    write_outcome(&args.out, &riskpath_app::incident::incident(&config, &Terminal)?)
}
