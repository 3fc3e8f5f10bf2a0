//! `riskpath gaps`: for the techniques that carry the most risk, the ATT&CK mitigations that address
//! them, which deployed controls implement and which are missing — as text, JSON or a Navigator layer.

use std::path::PathBuf;

use clap::ValueEnum;
use riskpath_decide::classes;
use riskpath_decide::gaps::gaps;
use riskpath_report::gaps::{navigator, text};
use riskpath_report::vulns;

use crate::ModelArgs;
use crate::analyze::SimArgs;
use crate::common::{Failure, OutputFile, load_model, to_json};

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
    let catalog = crate::kb::catalog_for(&loaded, args.attack.as_deref())?;
    let model = &loaded.model;
    let (risk, eval) = args.sim.assess(model)?;
    let graph = eval.baseline_graph();
    let ale = risk.ale;
    let ranked = classes::rank(&eval, graph, 1);
    let doc = gaps(&eval, catalog.as_ref(), &ranked, ale);
    // Update Software (M1051) made concrete: the patches that remove the most money.
    let vulns = riskpath_decide::patch::rank(&eval);
    let content = match args.format {
        GapsFormat::Json => {
            let mut value = serde_json::to_value(&doc).map_err(|e| Failure::usage(e.to_string()))?;
            if let Some(v) = &vulns {
                value["vulnerabilities"] = serde_json::to_value(v).map_err(|e| Failure::usage(e.to_string()))?;
            }
            to_json(&value)?
        }
        GapsFormat::Navigator => {
            let layer = navigator(&doc, catalog.as_ref());
            to_json(&layer)?
        }
        GapsFormat::Text => {
            let style = args.out.style();
            let patches = vulns.as_ref().map(|v| vulns::section(v, &model.settings.currency, args.top, &style));
            style.finish(text(&doc, model, args.top, &style) + &patches.unwrap_or_default())
        }
    };
    eval.progress_done();
    args.out.write(&content)
}
