//! `riskpath explain`: how a number was derived, step by step, so an expert can check it.
//! Today: one edge's probability (base, each control's factor, result); JSON: `{schema_version, edges}`.

use clap::Subcommand;
use riskpath_app::docs::{ExplainDoc, SCHEMA_VERSION};
use riskpath_app::outcome::Document;

use riskpath_engine::explain::explain_edge;
use riskpath_engine::{Posture, compile};
use riskpath_report::style::Style;
use riskpath_report::text;

use crate::common::{Failure, load_model, write_output};
use crate::{Format, ModelArgs};

#[derive(Subcommand, Debug)]
pub enum What {
    /// How the probability of the edge FROM → TO was derived.
    Edge {
        #[command(flatten)]
        model: ModelArgs,
        /// Source node or entry point id.
        from: String,
        /// Target node id.
        to: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

pub fn run(what: What) -> Result<(), Failure> {
    let What::Edge { model: args, from, to, format } = what;
    let loaded = load_model(&args)?;
    let model = &loaded.model;
    let graph = compile(model, &Posture::as_deployed(model));
    let matching: Vec<usize> = (0..graph.edges.len())
        .filter(|&i| graph.ids[graph.edges[i].from as usize] == from && graph.ids[graph.edges[i].to as usize] == to)
        .collect();
    if matching.is_empty() {
        let known = graph.ids.iter().map(String::as_str);
        let hint = [&from, &to]
            .into_iter()
            .filter(|id| graph.index_of(id).is_none())
            .filter_map(|id| riskpath_model::did_you_mean(id, known.clone()).map(|h| format!(" (`{id}`: {h})")))
            .collect::<String>();
        return Err(Failure::usage(format!("no edge from `{from}` to `{to}` in the model{hint}")));
    }
    let explanations: Vec<_> = matching.iter().map(|&i| explain_edge(model, &graph, i)).collect();
    let content = match format {
        Format::Json => ExplainDoc { schema_version: SCHEMA_VERSION, edges: explanations }.json()?,
        Format::Text => {
            let style = Style::detect();
            let labels = riskpath_model::Labels::new(model);
            style.finish(
                explanations.iter().map(|x| text::explanation(x, &labels, &style)).collect::<Vec<_>>().join("\n"),
            )
        }
    };
    write_output(None, &content)
}
