//! The `riskpath` command: argument parsing and dispatch to one module per command.
//! Exit codes: 0 success, 1 findings (validation problems, failing checks), 2 usage or model errors.

mod analyze;
mod chokepoints;
mod common;
mod diff;
mod explain;
mod export;
mod gaps;
mod r#gen;
mod history;
mod import;
mod import_aws;
mod import_bloodhound;
mod incident;
mod init;
mod kb;
mod plan;
mod report;
mod shell;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use common::Failure;

/// riskpath: attack paths, risk in money and the roadmap that cuts it, from your estate as code.
///
/// Describe assets, identities, trust relations, entry points, controls and attackers in YAML
/// (see `riskpath init`), then ask where attackers get in and what it costs.
#[derive(Parser, Debug)]
#[command(name = "riskpath", version, about, long_about, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Analyze a model: most likely attack paths per actor and crown jewel.
    Analyze(analyze::Args),
    /// Choke points: the cheapest cut between entry points and crown jewels, and what dominates breaches.
    Chokepoints(chokepoints::Args),
    /// Review a change: what it did to the risk between two versions of the model (folders or
    /// `git:REV[:PATH]`), on common random numbers; `--fail-on` gates CI (exit 1 when crossed).
    Diff(diff::Args),
    /// Plan the multi-year roadmap of initiatives under a yearly budget.
    Plan(plan::Args),
    /// Check a model and report every problem with file, line and column (exit 1 on errors).
    Validate(ValidateArgs),
    /// Knowledge base: built-in edge kinds and techniques (default), control catalog, ATT&CK import
    /// (`kb import-attack`) and what an ATT&CK group can do in a model (`kb group`).
    Kb(kb::Args),
    /// ATT&CK mitigations missing against the techniques that carry the most risk (text, JSON or
    /// an ATT&CK Navigator layer).
    Gaps(gaps::Args),
    /// Show how a number was derived.
    Explain {
        #[command(subcommand)]
        what: explain::What,
    },
    /// Write a small, commented starter model into DIR.
    Init(init::Args),
    /// Write a synthetic model of a given size (for benchmarks and tests)
    Gen(r#gen::Args),
    /// Run every control's check (Rego over evidence), price the failing ones, record the run
    /// (exit 1 when controls fail, or with `--fail-on regression` only when some regressed).
    Verify(verify::Args),
    /// List recorded verify runs and the ALE trend; `history verify` checks the hash chain.
    History(history::Args),
    /// A live compromise: crown jewels within reach and the money at stake, next hops, the cheapest
    /// containment cut, credentials to rotate and ATT&CK techniques to hunt (text, runbook, JSON).
    Incident(incident::Args),
    /// A report at the right altitude: a one-page executive summary or the engineer's full report,
    /// as self-contained HTML (inline SVG charts, prints well) or GitHub Markdown.
    Report(report::Args),
    /// Export for other tools: an ATT&CK Navigator layer, SARIF findings, the Graphviz attack graph.
    Export {
        #[command(subcommand)]
        what: export::What,
    },
    /// Import other tools' data into a generated folder of the model (replaced whole, checked by
    /// the loader first): BloodHound collections; vulnerability scans from Trivy or Grype, enriched
    /// with CISA KEV and EPSS; AWS IAM authorization details.
    Import {
        #[command(subcommand)]
        source: import::Source,
    },
    /// Print a shell completion script: `riskpath completions bash > ~/.local/share/bash-completion/completions/riskpath`.
    Completions(shell::CompletionArgs),
    /// Print the man page riskpath(1), or write one page per command with `--out-dir DIR`.
    Man(shell::ManArgs),
    /// Internal: evaluates one policy request from stdin in this process (verify's sandbox).
    #[command(name = "policy-worker", hide = true)]
    PolicyWorker,
}

/// Where to find a model and how carefully to parse it.
#[derive(clap::Args, Debug, Clone)]
pub struct ModelArgs {
    /// Model directory (searched recursively for *.yaml, *.yml, *.json) or a single model file.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Largest model file accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_file_size: u64,
}

#[derive(clap::Args, Debug)]
struct ValidateArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// How to print problems: with source snippets, or one line each (`file:line:col: error: …`).
    #[arg(long, value_enum, default_value_t = ProblemFormat::Pretty)]
    format: ProblemFormat,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum ProblemFormat {
    Pretty,
    Short,
}

/// Output formats shared by the analysis commands.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

fn validate(args: ValidateArgs) -> Result<(), Failure> {
    common::model_exists(&args.model)?;
    let color = common::stderr_color();
    match riskpath_model::load(&args.model.dir, &common::load_options(&args.model)) {
        Ok(loaded) => {
            let m = &loaded.model;
            let mut warnings = loaded.warnings.clone();
            warnings.list.extend(riskpath_model::notes(m));
            common::print_problems(&warnings, args.format == ProblemFormat::Short, color);
            println!(
                "ok: {} nodes, {} entry points, {} edges, {} controls, {} actors, {} initiatives in {} files",
                m.nodes.len(),
                m.entry_points.len(),
                m.edges.len(),
                m.controls.len(),
                m.actors.len(),
                m.initiatives.len(),
                m.sources.files().len()
            );
            Ok(())
        }
        Err(problems) => {
            common::print_problems(&problems, args.format == ProblemFormat::Short, color);
            Err(Failure::findings(format!("{} error(s) in the model", problems.error_count())))
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Validate(args) => validate(args),
        Command::Chokepoints(args) => chokepoints::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Kb(args) => kb::run(args),
        Command::Gaps(args) => gaps::run(args),
        Command::Explain { what } => explain::run(what),
        Command::Init(args) => init::run(args),
        Command::Gen(args) => r#gen::run(args),
        Command::Verify(args) => verify::run(args),
        Command::History(args) => history::run(args),
        Command::Incident(args) => incident::run(args),
        Command::Report(args) => report::run(args),
        Command::Export { what } => export::run(what),
        Command::Import { source } => import::run(source),
        Command::Completions(args) => shell::completions(args),
        Command::Man(args) => shell::man(args),
        Command::PolicyWorker => verify::serve_worker(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("riskpath: {}", riskpath_model::escape::terminal_output(&failure.message, false));
            }
            ExitCode::from(failure.code)
        }
    }
}
