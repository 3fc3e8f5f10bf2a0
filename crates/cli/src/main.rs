//! The `riskpath` command: argument parsing and dispatch to one module per command.
//! Exit codes: 0 success, 1 findings (validation problems, failing checks), 2 usage or model errors.

mod amount;
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
mod part;
mod plan;
mod precision;
mod report;
mod serve;
mod shard;
mod shell;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use common::Failure;
use riskpath_report::style::count;

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
    /// One shard of an analysis's simulation (`--shard I/N`), written as a part file for `merge`;
    /// for runs cut across machines (docs/cluster.md).
    Simulate(shard::SimulateArgs),
    /// Join the part files of every shard of one run into its analysis, exactly what `analyze`
    /// writes for the same model, options and seed (JSON unless --format text).
    Merge(shard::MergeArgs),
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
    /// Serve the API: workspaces, accounts, roles, tokens, an audit log (docs/server.md).
    Serve(serve::Args),
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
    #[command(flatten)]
    as_of: common::AsOf,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum ProblemFormat {
    /// Each problem with its source snippet, underlined, and a hint when there is one.
    Pretty,
    /// One line per problem: `file:line:col: error: message`, for editors and CI.
    Short,
}

/// Output formats shared by the analysis commands.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For a person: aligned text at 100 columns, colour only on a terminal.
    Text,
    /// For a machine: one JSON document with a `schema_version`.
    Json,
}

impl From<Format> for riskpath_app::Format {
    fn from(format: Format) -> Self {
        match format {
            Format::Text => riskpath_app::Format::Text,
            Format::Json => riskpath_app::Format::Json,
        }
    }
}

fn validate(args: ValidateArgs) -> Result<(), Failure> {
    common::model_exists(&args.model)?;
    let color = common::stderr_color();
    match riskpath_model::load(&args.model.dir, &common::load_options(&args.model)) {
        Ok(loaded) => {
            let m = &loaded.model;
            let mut warnings = loaded.warnings.clone();
            warnings.list.extend(riskpath_model::notes(m));
            let as_of = args.as_of.day();
            warnings.list.extend(riskpath_model::accepted::expired(m, as_of));
            common::print_problems(&warnings, args.format == ProblemFormat::Short, color);
            let counts = [
                (m.nodes.len(), "node"),
                (m.entry_points.len(), "entry point"),
                (m.edges.len(), "edge"),
                (m.controls.len(), "control"),
                (m.actors.len(), "actor"),
                (m.initiatives.len(), "initiative"),
            ]
            .map(|(n, noun)| count(n, noun));
            println!("ok: {} in {}", counts.join(", "), count(m.sources.files().len(), "file"));
            Ok(())
        }
        Err(problems) => {
            common::print_problems(&problems, args.format == ProblemFormat::Short, color);
            Err(Failure::findings(format!("{} in the model", count(problems.error_count(), "error"))))
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
        Command::Simulate(args) => shard::simulate_run(args),
        Command::Merge(args) => shard::merge_run(args),
        Command::Verify(args) => verify::run(args),
        Command::History(args) => history::run(args),
        Command::Incident(args) => incident::run(args),
        Command::Report(args) => report::run(args),
        Command::Export { what } => export::run(what),
        Command::Import { source } => import::run(source),
        Command::Completions(args) => shell::completions(args),
        Command::Man(args) => shell::man(args),
        Command::Serve(args) => serve::run(args),
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

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::Cli;

    /// Every command and subcommand, with its path (`export dot`).
    fn commands(cmd: &clap::Command, path: String, out: &mut Vec<(String, clap::Command)>) {
        out.push((path.clone(), cmd.clone()));
        for sub in cmd.get_subcommands() {
            commands(sub, format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_format_option_says_what_it_is_and_what_each_value_gives() {
        let mut all = Vec::new();
        commands(&Cli::command(), "riskpath".into(), &mut all);
        let mut formats = 0;
        for (path, cmd) in &all {
            for arg in cmd.get_arguments().filter(|a| a.get_id() == "format") {
                formats += 1;
                assert!(arg.get_help().is_some(), "{path} --format has no help");
                let values = arg.get_possible_values();
                assert!(values.len() >= 2, "{path} --format lists no values");
                for v in values {
                    assert!(v.get_help().is_some(), "{path} --format {} has no help", v.get_name());
                }
            }
        }
        assert!(formats >= 14, "found only {formats} --format options");
    }

    #[test]
    fn each_export_takes_only_its_own_options() {
        let parses = |args: &[&str]| Cli::try_parse_from(["riskpath", "export"].iter().chain(args)).is_ok();
        assert!(parses(&["navigator", "m", "-k", "2"]));
        assert!(parses(&["sarif", "m", "--top", "2"]));
        assert!(!parses(&["navigator", "m", "--top", "2"]), "--top is SARIF's");
        assert!(!parses(&["sarif", "m", "-k", "2"]), "-k is the Navigator layer's");
        assert!(!parses(&["dot", "m", "--top", "2"]));
        assert!(!parses(&["dot", "m", "--trials", "2"]), "dot does not simulate");
    }

    #[test]
    fn budgets_are_parsed_by_the_amount_parser() {
        let budget = |text: &str| match Cli::try_parse_from(["riskpath", "plan", "m", "--budget", text]) {
            Ok(Cli { command: super::Command::Plan(args) }) => Ok(args.budget),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.to_string()),
        };
        assert_eq!(budget("$1,500,000"), Ok(1_500_000.0));
        assert_eq!(budget("1.5M"), Ok(1_500_000.0));
        assert_eq!(budget("250k"), Ok(250_000.0));
        let err = budget("1.5Q").unwrap_err();
        assert!(err.contains("--budget") && err.contains("unknown scale 'Q'"), "{err}");
        let report = Cli::try_parse_from(["riskpath", "report", "m", "--budget", "2.5M"]);
        assert!(matches!(report, Ok(Cli { command: super::Command::Report(a) }) if a.budget == Some(2_500_000.0)));
    }
}
