//! `riskpath gaps`: for the techniques that carry the most risk, the ATT&CK mitigations that address
//! them, which deployed controls implement and which are missing — as text, JSON or a Navigator layer.

use std::path::PathBuf;

use clap::ValueEnum;
use riskpath_app::ModelSource;
use riskpath_app::gaps::GapsConfig;

use crate::ModelArgs;
use crate::analyze::SimArgs;
use crate::common::{Failure, OutputFile, Terminal, load_model, write_outcome};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapsFormat {
    /// For a person: aligned text at 100 columns, colour only on a terminal.
    Text,
    /// For a machine: one JSON document with a `schema_version`.
    Json,
    /// An ATT&CK Navigator layer (format 4.5): techniques scored by risk, missing mitigations as comments.
    Navigator,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GapsFormat::Text)]
    pub format: GapsFormat,
    #[command(flatten)]
    pub out: OutputFile,
    /// Techniques to show in text output (JSON and Navigator list all).
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// ATT&CK bundle or cache to take mitigations from instead of the model's `settings.attack`.
    #[arg(long, value_name = "BUNDLE")]
    pub attack: Option<PathBuf>,
    #[command(flatten)]
    pub sim: SimArgs,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let config = GapsConfig {
        model: ModelSource::Loaded(loaded),
        sim: args.sim.sim_config(),
        top: args.top,
        attack: args.attack.clone(),
        format: match args.format {
            GapsFormat::Text => riskpath_app::gaps::GapsFormat::Text,
            GapsFormat::Json => riskpath_app::gaps::GapsFormat::Json,
            GapsFormat::Navigator => riskpath_app::gaps::GapsFormat::Navigator,
        },
        style: args.out.style(),
        threads: None,
    };
    let outcome = riskpath_app::gaps::gaps(&config, &Terminal)?;
    write_outcome(&args.out, &outcome)
}
