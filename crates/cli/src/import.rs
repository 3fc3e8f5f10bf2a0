//! `riskpath import <source>`: other tools' data as model files in a generated folder of the model
//! (replaced whole), checked by the loader before anything is written: BloodHound collections
//! (`import_bloodhound.rs`), Trivy, Grype and AWS IAM (`import_aws.rs`).

use riskpath_report::style::count;
use std::path::{Path, PathBuf};

use clap::Subcommand;

use riskpath_import::scan::epss::Epss;
use riskpath_import::scan::kev::Kev;
use riskpath_import::scan::mapping::Mapping;
use riskpath_import::scan::{self, ImportOptions, ModelView, Scanner};

use crate::common::{Failure, load_options, print_problems, stderr_color};
use crate::{Format, ModelArgs};

#[derive(Subcommand, Debug)]
pub enum Source {
    /// BloodHound collections into DIR/bloodhound/: SharpHound CE JSON files and zips (schema 5
    /// and 6, AD CS included), AzureHound output and OpenGraph files, in any mix.
    Bloodhound(crate::import_bloodhound::Args),
    /// Trivy JSON reports (`trivy image|fs|repo|vm --format json`): exploit edges from the findings.
    Trivy(ScanArgs),
    /// Grype JSON reports (`grype … -o json`): exploit edges from the findings.
    Grype(ScanArgs),
    /// AWS IAM: `aws iam get-account-authorization-details` dumps (one per account), evaluated as AWS
    /// does, with privilege escalations, role trust and data reads as edges, into DIR/aws/.
    AwsIam(crate::import_aws::AwsIamArgs),
}

/// Where scan findings go and which evidence enriches them.
#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Scanner reports (JSON, plain or gzipped).
    #[arg(required = true, value_name = "FILE")]
    reports: Vec<PathBuf>,
    /// The model to map artifacts to (node tags `image:…`, exploit edges, entry points); the
    /// findings go to its `scans/` folder unless `-o` says otherwise.
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    /// The folder to write (replaced whole; the loader reads it as part of the model it is in).
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Mapping file: artifact names or globs → model nodes, and where attackers reach them from.
    #[arg(long, value_name = "FILE")]
    map: Option<PathBuf>,
    /// A newer CISA KEV catalogue (JSON) than the bundled one.
    #[arg(long, value_name = "FILE")]
    kev: Option<PathBuf>,
    /// FIRST's EPSS scores (CSV, plain or gzipped) for the findings' CVEs.
    #[arg(long, value_name = "FILE")]
    epss: Option<PathBuf>,
    /// Days a vulnerability stays exposed to attempts (EPSS is a 30-day probability).
    #[arg(long, value_name = "DAYS", default_value_t = 30.0)]
    window_days: f64,
    /// How to print what was imported.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Largest model file accepted when loading `--model`, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    max_file_size: u64,
}

pub fn run(source: Source) -> Result<(), Failure> {
    let (scanner, args) = match source {
        Source::Bloodhound(args) => return crate::import_bloodhound::run(args),
        Source::Trivy(args) => (Scanner::Trivy, args),
        Source::Grype(args) => (Scanner::Grype, args),
        Source::AwsIam(args) => return crate::import_aws::run(args),
    };
    if !(args.window_days > 0.0 && args.window_days <= 3650.0) {
        return Err(Failure::usage("--window-days must be more than 0 and at most 3650"));
    }
    let out = match (&args.output, &args.model) {
        (Some(o), _) => o.clone(),
        (None, Some(m)) => m.join("scans"),
        (None, None) => {
            return Err(Failure::usage("say where the findings go: --model DIR (into DIR/scans) or -o DIR"));
        }
    };
    let model_args = args.model.as_ref().map(|dir| ModelArgs { dir: dir.clone(), max_file_size: args.max_file_size });
    // The folder as the loader names its files (under the model's path), when it is in the model.
    let overlay = args.model.as_deref().and_then(|m| inside(m, &out));
    let view = match &model_args {
        Some(m) => ModelView::of(&load(m)?.model, overlay.as_deref()),
        None => ModelView::default(),
    };
    let input = |e: scan::InputError| Failure::usage(e.to_string());
    let mapping = match &args.map {
        Some(path) => Mapping::open(path).map_err(input)?,
        None => Mapping::default(),
    };
    if model_args.is_some() {
        mapping.check_against(&view).map_err(input)?;
    }
    let options = ImportOptions {
        scanner,
        reports: args.reports.clone(),
        mapping,
        kev: match &args.kev {
            Some(path) => Kev::open(path).map_err(input)?,
            None => Kev::bundled().map_err(input)?,
        },
        epss: args.epss.as_deref().map(Epss::open).transpose().map_err(input)?,
        window_days: args.window_days,
        model: view,
    };
    let imported = scan::import(&options).map_err(input)?;
    if let (Some(m), Some(dir)) = (&model_args, &overlay) {
        check(m, dir, &imported.generated)?;
    }
    imported.generated.replace(&out).map_err(|e| Failure::usage(e.to_string()))?;
    let summary = &imported.summary;
    let content = match args.format {
        Format::Json => riskpath_app::outcome::Document::json(&riskpath_app::docs::ImportDoc {
            schema_version: riskpath_app::docs::SCHEMA_VERSION,
            output: &out,
            import: summary,
        })?,
        Format::Text => riskpath_report::style::Style::plain().finish(text(scanner, summary, &out)),
    };
    crate::common::write_output(None, &content)
}

/// Loads the model (exit 2 with its problems if it does not load).
fn load(args: &ModelArgs) -> Result<std::sync::Arc<riskpath_model::Loaded>, Failure> {
    crate::common::load_model(args)
}

/// The model loaded with `generated` in place of the folder `dir`: every problem, nothing written.
fn check(args: &ModelArgs, dir: &Path, generated: &riskpath_import::output::Generated) -> Result<(), Failure> {
    let files: Vec<(PathBuf, String)> = generated.files().iter().map(|(p, t)| (p.clone(), t.clone())).collect();
    match riskpath_model::load_overlay(&args.dir, Some((dir, &files)), &load_options(args)) {
        Ok(_) => Ok(()),
        Err(problems) => {
            print_problems(&problems, false, stderr_color());
            Err(Failure::usage(format!(
                "the imported edges do not load with the model ({}); nothing was written",
                count(problems.error_count(), "error")
            )))
        }
    }
}

/// `out` as a path under `model` (spelt from `model`, as the loader names files), if it is inside.
fn inside(model: &Path, out: &Path) -> Option<PathBuf> {
    let model_abs = std::fs::canonicalize(model).ok()?;
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let out_abs = std::fs::canonicalize(parent).ok()?.join(out.file_name()?);
    out_abs.strip_prefix(&model_abs).ok().map(|rel| model.join(rel))
}

fn text(scanner: Scanner, s: &scan::build::Summary, out: &Path) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{}: {}, {}, {} ({} in KEV {})",
        scanner.name(),
        count(s.artifacts.len(), "report"),
        count(s.findings, "finding"),
        count(s.vulnerabilities, "distinct vulnerability"),
        s.kev,
        s.kev_version
    );
    for a in &s.artifacts {
        let rule = match a.rule {
            scan::mapping::Rule::MapFile { line } => format!("mapping file line {line}"),
            scan::mapping::Rule::Tag => "node tag".into(),
            scan::mapping::Rule::New => "new node".into(),
        };
        let _ = writeln!(t, "  {} ({}) → {} [{rule}]", a.name, count(a.findings, "finding"), a.nodes.join(", "));
    }
    if let Some(date) = &s.epss_date {
        let _ = writeln!(t, "EPSS scores of {date}");
    }
    let _ = writeln!(
        t,
        "{}, {} written to {}",
        count(s.edges, "exploit edge"),
        count(s.new_nodes.len(), "new node"),
        out.display()
    );
    for node in &s.unreachable {
        let _ = writeln!(
            t,
            "warning: `{node}` has vulnerabilities but nothing reaches it by an exploit: no edge written (give `from:` in the mapping file, or an `exploits` edge into it)"
        );
    }
    t
}
