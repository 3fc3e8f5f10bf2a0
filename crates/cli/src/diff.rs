//! `riskpath diff BASE HEAD`: reads both sides (folders or git revisions), compares them on common
//! random numbers, renders the review (text, Markdown, JSON) and sets the exit code of `--fail-on`.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use riskpath_assure::history;
use riskpath_decide::diff::{DiffConfig, diff};
use riskpath_model::Model;
use riskpath_model::{LoadOptions, Loaded};
use riskpath_report::diff::{ControlStates, StateChange, View};
use riskpath_review::gate::{Threshold, crossed};
use riskpath_review::source::{Limits, Side, Spec};

use crate::analyze::RunArgs;
use crate::common::{Failure, OutputFile, print_problems, stderr_color, to_json};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The version before: a model folder, or `git:REV[:PATH]` (e.g. `git:main`,
    /// `git:HEAD~3:models/prod`) read from the git repository of the current folder without a checkout.
    #[arg(value_name = "BASE")]
    pub base: String,
    /// The version after, the same way (e.g. the folder of the pull request's checkout).
    #[arg(value_name = "HEAD")]
    pub head: String,
    /// Output format: terminal text, GitHub Markdown for a pull-request comment, JSON, or SARIF
    /// (the head's new findings, for code scanning).
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    #[command(flatten)]
    pub out: OutputFile,
    /// Exit 1 when the change crosses any of these (comma-separated): `ale-increase=PCT%` or
    /// `ale-increase=AMOUNT` (ΔALE above a share of the base's ALE or an amount), `new-path` (a
    /// path new among a scenario's k most likely), `p90-above=AMOUNT` (the head's P90 annual loss).
    /// Amounts: 250000, 250k, 1.5M.
    #[arg(long, value_name = "LIST")]
    pub fail_on: Option<String>,
    /// Paths compared per actor and target (the k most likely).
    #[arg(short = 'k', long, default_value_t = 5, value_parser = crate::common::path_count)]
    pub paths: usize,
    /// Most changes re-simulated one at a time for their share of ΔALE.
    #[arg(long, default_value_t = 200)]
    pub attribute: usize,
    #[command(flatten)]
    pub run: RunArgs,
    /// Verify history to compare control states in (each side's newest run of its version)
    /// [default: HEAD/.riskpath/history.db, else BASE's, when a side is a folder that has one].
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Largest model file accepted, in bytes (on disk and in a git revision).
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_file_size: u64,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffFormat {
    /// For a person: aligned text at 100 columns, colour only on a terminal.
    Text,
    /// GitHub Markdown for a pull-request comment: the summary line first, then the tables.
    #[value(alias = "markdown")]
    Md,
    /// For a machine: one JSON document with a `schema_version`.
    Json,
    /// SARIF 2.1.0: new paths and changes that raise the ALE, at their places in the head's files.
    Sarif,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let thresholds = match &args.fail_on {
        Some(list) => Threshold::parse_list(list).map_err(Failure::usage)?,
        None => Vec::new(),
    };
    if args.paths == 0 {
        return Err(Failure::usage("-k must be at least 1"));
    }
    let (base_spec, head_spec) = (spec(&args.base)?, spec(&args.head)?);
    let limits = Limits { max_file_bytes: args.max_file_size, ..Limits::default() };
    let (base, _) = load(&base_spec, "base", limits)?;
    let (head, head_place) = load(&head_spec, "head", limits)?;
    args.run.config(&base.model, "")?;
    let config = args.run.config(&head.model, "")?;
    let config = DiffConfig {
        trials: config.trials,
        years: config.years,
        seed: config.seed,
        k: args.paths,
        attribute: args.attribute,
    };
    let controls = control_states(args.db.as_deref(), [&head_spec, &base_spec], &base.model, &head.model)?;
    let result = diff(&base.model, &head.model, config);
    let crossed = crossed(&result, &thresholds);
    let checked: Vec<String> = thresholds.iter().map(Threshold::name).collect();
    let (base_label, head_label) = (base_spec.label(), head_spec.label());
    let view = View {
        diff: &result,
        base: &base.model,
        head: &head.model,
        base_label: &base_label,
        head_label: &head_label,
        checked: &checked,
        crossed: &crossed,
        head_dir: &head_place.folder,
        head_root: &head_place.root,
        controls: controls.as_ref(),
    };
    let content = match args.format {
        DiffFormat::Text => view.text(args.out.style()),
        DiffFormat::Md => view.markdown(),
        DiffFormat::Json => to_json(&view.json())?,
        DiffFormat::Sarif => to_json(&view.sarif())?,
    };
    args.out.write(&content)?;
    if crossed.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = crossed.iter().map(|c| c.threshold.as_str()).collect();
    Err(Failure::findings(format!("--fail-on crossed: {}", names.join(", "))))
}

/// The control states of the two sides' newest verify runs, from `--db` (which must exist) or the
/// history of a side given as a folder (head first), if it has one. The history is only read.
fn control_states(
    db: Option<&Path>,
    sides: [&Spec; 2],
    base: &Model,
    head: &Model,
) -> Result<Option<ControlStates>, Failure> {
    let db = match db {
        Some(db) if !db.is_file() => return Err(Failure::usage(format!("--db {}: no such file", db.display()))),
        Some(db) => db.to_path_buf(),
        None => {
            let own = |s: &Spec| match s {
                Spec::Dir(dir) => history::model_store(dir).ok().filter(|db| db.is_file()),
                Spec::Git { .. } => None,
            };
            match sides.into_iter().find_map(own) {
                Some(db) => db,
                None => return Ok(None),
            }
        }
    };
    let fail = |e: history::HistoryError| Failure::usage(format!("--db {}: {e}", db.display()));
    let stored = history::Store::open_existing(&db).and_then(|s| s.records()).map_err(fail)?;
    let records: Vec<history::Record> = stored.into_iter().map(|s| s.record).collect();
    let newest = |m: &Model| history::newest_of(&records, &riskpath_assure::model_hash(m));
    let (b, h) = (newest(base), newest(head));
    let changed = match (b, h) {
        (Some(b), Some(h)) => history::state_changes(b, h),
        _ => Vec::new(),
    };
    let run = |r: Option<&history::Record>| r.map(|r| (r.seq, r.time.clone()));
    let name = |s: Option<riskpath_assure::State>| s.map(riskpath_assure::State::name);
    Ok(Some(ControlStates {
        db: db.display().to_string(),
        base_run: run(b),
        head_run: run(h),
        changed: changed
            .into_iter()
            .map(|c| StateChange { control: c.control, base: name(c.before), head: name(c.after) })
            .collect(),
    }))
}

fn spec(text: &str) -> Result<Spec, Failure> {
    Spec::parse(text).map_err(Failure::usage)
}

/// Where a side's files are: the folder they were read from (their loaded paths start with it) and
/// what SARIF calls it (the folder as given, or the folder's path in the repository).
struct Place {
    folder: PathBuf,
    root: PathBuf,
}

impl Place {
    fn of(spec: &Spec, side: &Side) -> Place {
        let single = side.dir.is_file();
        let parent = |p: &Path| p.parent().unwrap_or(Path::new("")).to_path_buf();
        let folder = if single { parent(&side.dir) } else { side.dir.clone() };
        let root = match spec {
            Spec::Dir(_) => folder.clone(),
            Spec::Git { path, .. } => {
                let p = PathBuf::from(path.as_deref().unwrap_or(""));
                if single { parent(&p) } else { p }
            }
        };
        Place { folder, root }
    }
}

/// Reads and loads one side, with the folder its files were read from; a side that does not load
/// is bad input (exit 2), named as given.
fn load(spec: &Spec, which: &str, limits: Limits) -> Result<(Loaded, Place), Failure> {
    if let Spec::Dir(dir) = spec
        && !dir.exists()
    {
        return Err(Failure::usage(format!("{which}: no such file or directory: {}", dir.display())));
    }
    let side = Side::read(spec, Path::new("."), limits).map_err(|e| Failure::usage(format!("{which}: {e}")))?;
    let mut options = LoadOptions::default();
    options.limits.max_file_bytes = limits.max_file_bytes;
    let color = stderr_color();
    let place = Place::of(spec, &side);
    match riskpath_model::load(&side.dir, &options) {
        Ok(loaded) => {
            print_problems(&loaded.warnings, false, color);
            Ok((loaded, place))
        }
        Err(problems) => {
            print_problems(&problems, false, color);
            let note = match spec {
                Spec::Git { .. } => format!(" (read from {} into {})", spec.label(), side.dir.display()),
                Spec::Dir(_) => String::new(),
            };
            Err(Failure::usage(format!(
                "{which} {}: {} in the model{note}; nothing was written",
                spec.label(),
                riskpath_model::words::count(problems.error_count(), "error")
            )))
        }
    }
}
