//! `riskpath completions SHELL` and `riskpath man`: shell completion scripts (clap_complete) and
//! roff man pages (clap_mangen), generated from the same argument definitions the parser uses.

use std::path::PathBuf;

use clap::CommandFactory;

use crate::common::Failure;

#[derive(clap::Args, Debug)]
pub struct CompletionArgs {
    /// The shell to write a completion script for (to standard output).
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// Write one page per command (riskpath.1, riskpath-analyze.1, …) into this directory instead
    /// of printing riskpath(1) to standard output. The directory must exist.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// Prints the completion script for `args.shell`, e.g. `riskpath completions bash > /etc/bash_completion.d/riskpath`.
pub fn completions(args: CompletionArgs) -> Result<(), Failure> {
    let mut cmd = crate::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "riskpath", &mut script);
    print(&script)
}

/// Writes `bytes` to standard output; a closed pipe (`| head`) is an error, not a panic.
fn print(bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::usage(format!("writing to standard output: {e}")))
}

/// Prints riskpath(1), or writes a page per command into `--out-dir`.
pub fn man(args: ManArgs) -> Result<(), Failure> {
    let cmd = crate::Cli::command();
    match args.out_dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut page).map_err(|e| Failure::usage(e.to_string()))?;
            print(&page)
        }
        Some(dir) => {
            if !dir.is_dir() {
                return Err(Failure::usage(format!("{}: no such directory", dir.display())));
            }
            clap_mangen::generate_to(cmd, &dir)
                .map_err(|e| Failure::usage(format!("writing man pages into {}: {e}", dir.display())))
        }
    }
}
