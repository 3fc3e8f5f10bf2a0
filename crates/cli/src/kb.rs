//! `riskpath kb`: the built-in knowledge base — edge kinds with ATT&CK techniques, base
//! probabilities per skill and rationale; techniques and mitigations — as text or JSON.

use std::fmt::Write;

use riskpath_model::kb::{self, EDGE_KINDS, MITIGATIONS, TECHNIQUES};
use riskpath_report::style::Style;

use crate::Format;
use crate::common::{Failure, write_output};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let content = match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "schema_version": 1,
                "edge_kinds": EDGE_KINDS,
                "techniques": TECHNIQUES,
                "mitigations": MITIGATIONS,
            });
            serde_json::to_string_pretty(&doc).map_err(|e| Failure::usage(e.to_string()))? + "\n"
        }
        Format::Text => render(&Style::detect()),
    };
    write_output(None, &content)
}

fn render(style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!("{} edge kinds · base success probability for low / medium / high skill", EDGE_KINDS.len()))
    );
    let mut area = "";
    for k in EDGE_KINDS {
        if k.area != area {
            area = k.area;
            let _ = writeln!(out, "\n{}", style.cyan(area));
        }
        let name = kb::technique(k.technique).map_or("", |t| t.name);
        let _ = writeln!(
            out,
            "  {:<24}{:<10}{:.2} / {:.2} / {:.2}  {}",
            k.name,
            k.technique,
            k.base[0],
            k.base[1],
            k.base[2],
            style.dim(&truncate(name, 44))
        );
        let _ = writeln!(out, "  {:<24}{}", "", style.dim(&truncate(k.rationale, 74)));
    }
    let _ = writeln!(
        out,
        "\n{} ATT&CK techniques and {} mitigations known; `riskpath kb --format json` lists them.",
        TECHNIQUES.len(),
        MITIGATIONS.len()
    );
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_string() } else { s.chars().take(max - 1).collect::<String>() + "…" }
}
