//! `riskpath import bloodhound`: a BloodHound collection (SharpHound, AzureHound, OpenGraph) as
//! the model's `bloodhound/` folder, checked by the loader before it replaces the previous one.

use riskpath_report::style::count;
use std::path::{Path, PathBuf};

use riskpath_import::bloodhound;
use riskpath_import::output::Generated;
use riskpath_model::escape::terminal;

use crate::common::{Failure, print_problems};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// JSON files, folders of them, or zips (SharpHound's and AzureHound's).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// The model directory: the import replaces its `bloodhound/` folder and reads the
    /// `import.bloodhound` section of its hand-written files (losses, jewels, presets).
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    dir: PathBuf,
    /// A principal already held (object id or name, e.g. ALICE@CORP.LOCAL): an `owned` entry
    /// point reaching it. Repeat for several.
    #[arg(long, value_name = "ID_OR_NAME")]
    owned: Vec<String>,
    /// Leave out the phishing campaign over enabled users.
    #[arg(long)]
    no_phishing: bool,
    /// Assume breach on `computers` (every enabled computer) or `tag:NAME` (a tagged set), as a
    /// campaign (`import.bloodhound.foothold.reach` sets how many hosts an attempt starts from).
    #[arg(long, value_name = "TARGETS")]
    foothold: Option<String>,
    /// Largest JSON document accepted (a file, or a zip entry once decompressed), in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 30)]
    max_file_size: u64,
    /// Write without loading the model with the new folder first (the loader's check is what
    /// keeps a bad import from replacing a good one; skip it only to time the import alone).
    #[arg(long)]
    no_check: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    if !args.dir.is_dir() {
        std::fs::create_dir_all(&args.dir)
            .map_err(|e| Failure::usage(format!("cannot create {}: {e}", args.dir.display())))?;
    }
    let options = bloodhound::Options {
        inputs: args.inputs,
        model_dir: args.dir.clone(),
        owned: args.owned,
        phishing: args.no_phishing.then_some(false),
        foothold: args.foothold,
        limits: bloodhound::Limits { max_file_bytes: args.max_file_size, ..bloodhound::Limits::default() },
        keys: None,
    };
    let imported = bloodhound::import(&options).map_err(|e| Failure::usage(format!("{e}\nnothing was written")))?;
    let folder = args.dir.join(bloodhound::FOLDER);
    if !args.no_check {
        check(&args.dir, &folder, &imported.generated)?;
    }
    imported.generated.replace(&folder).map_err(|e| Failure::usage(e.to_string()))?;
    let report = &imported.report;
    for w in &report.warnings {
        eprintln!("warning: {}", terminal(w));
    }
    for line in report.summary() {
        println!("{}", terminal(&line));
    }
    println!("wrote {} (what was mapped and what was not: {})", folder.display(), folder.join("report.md").display());
    starter(&args.dir, &folder, report)
}

/// Writes the starter actor file when the model has no actor yet.
fn starter(dir: &Path, folder: &Path, report: &bloodhound::Report) -> Result<(), Failure> {
    if riskpath_import::overlay::has_top_key(dir, folder, "actors") {
        return Ok(());
    }
    let path = dir.join(bloodhound::STARTER_FILE);
    match bloodhound::starter_actors(report) {
        Some(text) if !path.exists() => {
            std::fs::write(&path, text).map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))?;
            println!("the model had no actor: wrote a starter one to {} (yours to edit)", path.display());
        }
        _ => println!("the model has no actor yet: add one (see `riskpath init`) before `riskpath analyze`"),
    }
    Ok(())
}

/// Loads the model as it will be with the new folder: the loader's checks apply to imported data
/// too, and a model that would not load is not written.
fn check(dir: &Path, folder: &Path, generated: &Generated) -> Result<(), Failure> {
    let files: Vec<(PathBuf, String)> = generated.files().iter().map(|(p, t)| (p.clone(), t.clone())).collect();
    match riskpath_model::load_overlay(dir, Some((folder, &files)), &riskpath_model::LoadOptions::default()) {
        Ok(_) => Ok(()),
        Err(problems) => {
            print_problems(&problems, true, false);
            Err(Failure::usage(format!(
                "the imported files do not load with the model in {} ({}); nothing was written",
                dir.display(),
                count(problems.error_count(), "error")
            )))
        }
    }
}
