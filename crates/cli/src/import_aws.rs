//! `riskpath import aws-iam`: AWS authorization-details dumps into the model's `aws/` folder
//! (riskpath_import::aws does the work; this reads the arguments and prints the summary).

use riskpath_report::style::count;
use std::path::PathBuf;

use riskpath_import::aws;
use riskpath_model::escape::terminal;

use crate::common::Failure;

#[derive(clap::Args, Debug)]
pub struct AwsIamArgs {
    /// Authorization-details dumps, one per account (several accounts give cross-account trust).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The model directory; the import replaces its `aws/` folder and reads `import.aws` from its
    /// hand-written files (crown jewels, the administrator's loss).
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    dir: PathBuf,
    /// A service control policy applying to every imported account: a policy document or
    /// `aws organizations describe-policy` output (repeat for several).
    #[arg(long, value_name = "FILE")]
    scp: Vec<PathBuf>,
    /// A resource inventory: riskpath's JSON (buckets, kms_keys, secrets, tables, parameters) or
    /// AWS CLI list outputs (s3api list-buckets, kms list-keys, secretsmanager list-secrets, …).
    #[arg(long, value_name = "FILE")]
    inventory: Vec<PathBuf>,
    /// More privilege-escalation rules (same id as an embedded rule: replaces it).
    #[arg(long, value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// Evaluate date conditions at this time (epoch seconds) instead of now: reproducible imports.
    #[arg(long, value_name = "EPOCH")]
    at: Option<i64>,
}

pub fn run(args: AwsIamArgs) -> Result<(), Failure> {
    if !args.dir.is_dir() {
        std::fs::create_dir_all(&args.dir)
            .map_err(|e| Failure::usage(format!("cannot create {}: {e}", args.dir.display())))?;
    }
    let options = aws::Options {
        dumps: args.files,
        scps: args.scp,
        inventories: args.inventory,
        rules: args.rules,
        model_dir: args.dir.clone(),
        now: Some(args.at.unwrap_or_else(|| chrono::Utc::now().timestamp())),
    };
    let imported = aws::import(&options).map_err(|e| Failure::usage(format!("{e}\nnothing was written")))?;
    let folder = args.dir.join(aws::FOLDER);
    imported.generated.replace(&folder).map_err(|e| Failure::usage(e.to_string()))?;
    for w in &imported.warnings {
        eprintln!("warning: {}: {}", terminal(&w.subject), terminal(&w.message));
    }
    let r = &imported.report;
    println!(
        "imported AWS {} {}: {}, {}, {} ({}) into {}",
        if r.accounts.len() == 1 { "account" } else { "accounts" },
        terminal(&r.accounts.join(", ")),
        count(r.principals, "principal"),
        count(r.nodes, "node"),
        count(r.edges, "edge"),
        count(r.rules, "rule"),
        folder.display()
    );
    println!(
        "{} administrator; how, and the grant behind each edge: {}",
        match r.admins.len() {
            1 => "1 principal reaches".to_string(),
            n => format!("{} reach", count(n, "principal")),
        },
        folder.join("report.md").display()
    );
    if r.unknown_keys > 0 {
        println!(
            "{} not evaluated (their steps are kept): listed in report.md",
            count(r.unknown_keys, "condition key")
        );
    }
    if r.default_admin_loss {
        println!(
            "the administrators' loss is a default placeholder: set import.aws.admin_loss in a hand-written model file"
        );
    }
    Ok(())
}
