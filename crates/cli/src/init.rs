//! `riskpath init`: writes a small, commented starter model that validates, to learn the format by.
//! Refuses to overwrite existing files.

use std::path::PathBuf;

use crate::common::{Failure, write_output};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Directory to create the model in (created if missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// The starter model, one file.
pub const STARTER: &str = include_str!("starter.yaml");

pub fn run(args: Args) -> Result<(), Failure> {
    std::fs::create_dir_all(&args.dir)
        .map_err(|e| Failure::usage(format!("cannot create {}: {e}", args.dir.display())))?;
    let path = args.dir.join("model.yaml");
    if path.exists() {
        return Err(Failure::usage(format!("{} exists; not overwriting it", path.display())));
    }
    write_output(Some(&path), STARTER)?;
    println!("wrote {}; next: riskpath analyze {}", path.display(), args.dir.display());
    Ok(())
}
