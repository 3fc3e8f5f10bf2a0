//! What every command shares: loading a model with its diagnostics, failures with exit codes,
//! and writing output atomically (temp file + rename) so a failed run leaves no partial file.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use riskpath_app::analyze::MAX_PATHS;
use riskpath_app::{AppError, ModelSource};
use riskpath_model::{LoadOptions, Loaded, Problems};

use crate::ModelArgs;

/// A command's failure: the exit code and a one-line message for stderr.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Exit 1: the command ran and found problems (invalid model in `validate`, failing checks).
    pub fn findings(message: impl Into<String>) -> Self {
        Failure { code: 1, message: message.into() }
    }
    /// Exit 2: bad usage, unreadable or invalid input, or an I/O error.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure { code: 2, message: message.into() }
    }
}

pub fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

pub fn load_options(args: &ModelArgs) -> LoadOptions {
    riskpath_app::model::load_options(args.max_file_size)
}

pub fn print_problems(problems: &Problems, short: bool, color: bool) {
    if problems.list.is_empty() {
        return;
    }
    let text = if short { problems.render_short() } else { problems.render(color) };
    eprint!("{text}");
}

/// A model path that does not exist is a plain usage error (exit 2), not a count of model errors.
pub fn model_exists(args: &ModelArgs) -> Result<(), Failure> {
    Ok(riskpath_app::model::exists(&args.dir)?)
}

/// Loads the model, printing warnings; a model with errors is a usage failure (exit 2).
pub fn load_model(args: &ModelArgs) -> Result<Arc<Loaded>, Failure> {
    let source = ModelSource::Path { path: args.dir.clone(), max_file_bytes: args.max_file_size };
    let opened = source.open()?;
    print_problems(&opened.warnings, false, stderr_color());
    Ok(opened.loaded)
}

/// The application's error as the CLI reports it: a model that did not load shows every problem
/// first; everything else is one line. Both exit 2.
impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        if let AppError::Model(problems) = &error {
            print_problems(problems, false, stderr_color());
        }
        Failure::usage(error.to_string())
    }
}

/// Pretty JSON with a final newline and no negative zero (every command's JSON goes through it).
pub fn to_json(value: &impl serde::Serialize) -> Result<String, Failure> {
    Ok(riskpath_app::to_json(value)?)
}

/// Shows a command's warnings on stderr, then writes its output (atomically with `-o`).
pub fn write_outcome<D: riskpath_app::outcome::Document>(
    out: &OutputFile,
    outcome: &riskpath_app::Outcome<D>,
) -> Result<(), Failure> {
    print_problems(&outcome.warnings, false, stderr_color());
    out.write(&outcome.render()?)
}

/// Where a command writes what it reports: `-o FILE`, or stdout.
#[derive(clap::Args, Debug)]
pub struct OutputFile {
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl OutputFile {
    /// How to style text output: colour only on a terminal, never in a file.
    pub fn style(&self) -> riskpath_report::style::Style {
        use riskpath_report::style::Style;
        if self.output.is_some() { Style::plain() } else { Style::detect() }
    }

    /// Writes `content` to the file atomically, or to stdout.
    pub fn write(&self, content: &str) -> Result<(), Failure> {
        write_output(self.output.as_deref(), content)
    }
}

/// Writes `content` to `path` atomically, or to stdout when no path is given.
pub fn write_output(path: Option<&Path>, content: &str) -> Result<(), Failure> {
    match path {
        Some(path) => write_bytes(path, content.as_bytes()),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(content.as_bytes())
                .and_then(|_| out.flush())
                .or_else(|e| if e.kind() == std::io::ErrorKind::BrokenPipe { Ok(()) } else { Err(e) })
                .map_err(|e| Failure::usage(format!("cannot write to stdout: {e}")))
        }
    }
}

/// Writes `content` to `path` atomically: a temporary file in the same folder, renamed.
pub fn write_bytes(path: &Path, content: &[u8]) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::usage(format!("cannot write {}: {e}", path.display()));
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    #[cfg(target_os = "linux")]
    if let Some(file) = unnamed::create(dir).map_err(fail)?
        && unnamed::complete(file, content, path).map_err(fail)?
    {
        return Ok(());
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    tmp.write_all(content).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    // Temp files are created owner-only; a report is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644)).map_err(fail)?;
    }
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Today's date in UTC, from the system clock.
pub fn today() -> riskpath_model::accepted::Date {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    riskpath_model::accepted::Date::from_days((secs / 86_400) as i64)
}

/// `--as-of YYYY-MM-DD`: the day accepted risks are judged on (expiry).
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct AsOf {
    /// The day accepted risks are judged on: expired after their `expires` day [default: today, UTC].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = riskpath_model::accepted::Date::parse)]
    pub as_of: Option<riskpath_model::accepted::Date>,
}

impl AsOf {
    /// The day given, else today (UTC).
    pub fn day(&self) -> riskpath_model::accepted::Date {
        self.as_of.unwrap_or_else(today)
    }
}

/// Output files without a name until they are complete (Linux `O_TMPFILE`): a run killed while
/// writing leaves nothing in the folder, where a named temp file would stay behind.
#[cfg(target_os = "linux")]
mod unnamed {
    use rustix::fs::{AtFlags, CWD, Mode, OFlags};
    use rustix::io::Errno;
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::path::Path;

    /// An unnamed file in `dir`, or `None` where the file system has none (then a named temp file is used).
    pub fn create(dir: &Path) -> std::io::Result<Option<std::fs::File>> {
        let flags = OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC;
        match rustix::fs::openat(CWD, dir, flags, Mode::from_raw_mode(0o644)) {
            Ok(fd) => Ok(Some(fd.into())),
            Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes `content`, then gives the file a name beside `path` and renames it over `path`: a
    /// name exists only for that instant. `false` when the file cannot be linked (no `/proc`).
    pub fn complete(mut file: std::fs::File, content: &[u8], path: &Path) -> std::io::Result<bool> {
        file.write_all(content)?;
        file.sync_all()?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temp = path.with_file_name(format!(".{name}.riskpath-{}", std::process::id()));
        let _ = std::fs::remove_file(&temp);
        let fd = format!("/proc/self/fd/{}", file.as_raw_fd());
        match rustix::fs::linkat(CWD, fd.as_str(), CWD, &temp, AtFlags::SYMLINK_FOLLOW) {
            Ok(()) => {}
            Err(Errno::NOENT | Errno::PERM | Errno::ACCESS) if !temp.exists() => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        std::fs::rename(&temp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&temp);
        })?;
        Ok(true)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_file_has_no_name_until_it_is_complete() {
            let dir = tempfile::tempdir().unwrap();
            let file = super::create(dir.path()).unwrap().expect("tmpfs and ext4 have unnamed files");
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing to leave behind");
            let out = dir.path().join("report.json");
            std::fs::write(&out, "old").unwrap();
            assert!(super::complete(file, b"new", &out).unwrap());
            let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
            assert_eq!(names, vec![std::ffi::OsString::from("report.json")]);
            assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
        }
    }
}

/// A progress bar on stderr for long simulations: only on a terminal, only for big runs.
pub struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    pub fn new(work: u64, what: &str) -> Self {
        const WORTH_A_BAR: u64 = 20_000_000;
        if work < WORTH_A_BAR || !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar = indicatif::ProgressBar::new(work);
        let style = indicatif::ProgressStyle::with_template("{msg} {wide_bar} {percent}% ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(what.to_string());
        Bar(Some(bar))
    }
}

impl Bar {
    /// A count of work with no known total (what-ifs measured, trials simulated) and the time
    /// spent, only on a terminal: `⠋ 134 what-ifs measured (3s)`.
    pub fn counter(what: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        let style = indicatif::ProgressStyle::with_template("{spinner} {human_pos} {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_message(what.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Bar(Some(bar))
    }
}

impl riskpath_engine::risk::Progress for Bar {
    fn add(&self, trials: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(trials);
        }
    }
    fn done(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// The CLI's progress display for the application: a bar for sized work, a counter otherwise.
pub struct Terminal;

impl riskpath_app::Progress for Terminal {
    fn bar(&self, total: u64, what: &str) -> Box<dyn riskpath_app::progress::Observer> {
        Box::new(Bar::new(total, what))
    }
    fn counter(&self, what: &str) -> Arc<dyn riskpath_app::progress::Observer + Send> {
        Arc::new(Bar::counter(what))
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// Parses `-k`: a whole number from 1 to [`MAX_PATHS`].
pub fn path_count(text: &str) -> Result<usize, String> {
    let k: usize = text.trim().parse().map_err(|_| format!("`{text}` is not a whole number"))?;
    if !(1..=MAX_PATHS).contains(&k) {
        return Err(format!("{k} is outside 1..={MAX_PATHS} (paths per actor and target)"));
    }
    Ok(k)
}
