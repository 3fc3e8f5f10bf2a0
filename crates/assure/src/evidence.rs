//! Evidence: the files a check's policy reads, found by globs relative to the model directory,
//! read within a size limit, parsed as JSON or YAML within a budget, hashed and dated.

use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Limits;

/// One evidence file as the policy saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceFile {
    /// Path relative to the model directory, with `/` separators.
    pub path: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
    /// When the evidence was observed: its `observed_at` field, else the file's modification time.
    pub observed_at: String,
    /// Where `observed_at` came from: `document` (the `observed_at` field) or `mtime`.
    pub dated_by: &'static str,
    /// Age at the time of the run, in seconds (0 for times in the future).
    pub age_secs: u64,
}

/// Evidence that was read and parsed: the file facts and the parsed document.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file: EvidenceFile,
    pub document: serde_json::Value,
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A path written in the model (policy or evidence pattern) must stay inside the model directory.
pub(crate) fn check_relative(written: &str, what: &str) -> Result<(), String> {
    let path = Path::new(written);
    if written.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if path.is_absolute()
        || path.components().any(|c| matches!(c, Component::ParentDir | Component::Prefix(_) | Component::RootDir))
    {
        return Err(format!(
            "{what} `{written}` must be a path inside the model directory (no absolute paths, no `..`)"
        ));
    }
    Ok(())
}

/// The real path of `file` (after symbolic links); an error when it leaves the model directory.
pub(crate) fn check_inside(base: &Path, file: &Path, shown: &str) -> Result<PathBuf, String> {
    let real_base =
        base.canonicalize().map_err(|e| format!("cannot read the model directory {}: {e}", base.display()))?;
    let real = file.canonicalize().map_err(|e| format!("cannot read {shown}: {e}"))?;
    if !real.starts_with(&real_base) {
        return Err(format!("{shown} is a symbolic link to outside the model directory; it is not read"));
    }
    Ok(real)
}

/// `path` relative to `base`, with `/` separators, for messages and records.
pub(crate) fn shown_path(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// The files matched by `patterns` (relative to `base`), sorted and without duplicates.
/// Every pattern must match at least one file.
///
/// The walk never follows a symbolic link to a directory (a link loop or a link to `/` would
/// walk forever or out of the model), so a linked directory's files are neither matched nor
/// listed; a link to a file is matched, and [`load`] refuses it unless it stays inside the model
/// directory. A FIFO, socket or device that a pattern matches is an error, never opened.
pub fn resolve(base: &Path, patterns: &[String], limits: &Limits) -> Result<Vec<PathBuf>, Vec<String>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut visited = 0usize;
    for pattern in patterns {
        if let Err(e) = check_relative(pattern, "evidence pattern") {
            errors.push(e);
            continue;
        }
        let glob = match Glob::new(pattern) {
            Ok(glob) => glob,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let before = files.len();
        if let Err(e) = glob.walk(base, limits.max_evidence_visits, &mut visited, &mut files, &mut errors) {
            errors.push(e);
            return Err(errors);
        }
        if files.len() > limits.max_evidence_files {
            errors.push(format!("evidence patterns match more than {} files; narrow them", limits.max_evidence_files));
            return Err(errors);
        }
        if files.len() == before {
            errors.push(format!("missing evidence: no file matches `{pattern}`"));
        }
    }
    files.sort();
    files.dedup();
    if errors.is_empty() { Ok(files) } else { Err(errors) }
}

/// One evidence pattern: its literal leading directories and a matcher per remaining component.
struct Glob<'a> {
    written: &'a str,
    /// The literal directories before the first component with a wildcard.
    prefix: Vec<&'a str>,
    /// The remaining components; `None` is `**`.
    parts: Vec<Option<glob::Pattern>>,
    whole: glob::Pattern,
}

const MATCH: glob::MatchOptions =
    glob::MatchOptions { case_sensitive: true, require_literal_separator: true, require_literal_leading_dot: true };

impl<'a> Glob<'a> {
    fn new(written: &'a str) -> Result<Glob<'a>, String> {
        let invalid = |e: glob::PatternError| format!("evidence pattern `{written}` is not a valid glob: {e}");
        let whole = glob::Pattern::new(written).map_err(invalid)?;
        let components: Vec<&str> = written.split('/').filter(|c| !c.is_empty() && *c != ".").collect();
        let literal = components.iter().take_while(|c| glob::Pattern::escape(c) == **c).count();
        // The last component is matched against files, so it is never part of the directory prefix.
        let literal = literal.min(components.len().saturating_sub(1));
        let mut parts = Vec::new();
        for c in &components[literal..] {
            parts.push(if *c == "**" { None } else { Some(glob::Pattern::new(c).map_err(invalid)?) });
        }
        Ok(Glob { written, prefix: components[..literal].to_vec(), parts, whole })
    }

    /// Whether a directory at `depth` below the prefix, named `name`, may hold matches.
    fn may_descend(&self, depth: usize, name: &str) -> bool {
        if name.starts_with('.') {
            return false;
        }
        let starred = self.parts.iter().position(Option::is_none);
        match (starred, self.parts.get(depth - 1)) {
            (Some(s), _) if depth > s => true,
            (_, Some(Some(part))) => part.matches_with(name, MATCH),
            (_, Some(None)) => true,
            (_, None) => false,
        }
    }

    /// Appends the regular files under `base` the pattern matches; errors for special files.
    fn walk(
        &self,
        base: &Path,
        max_visits: usize,
        visited: &mut usize,
        files: &mut Vec<PathBuf>,
        errors: &mut Vec<String>,
    ) -> Result<(), String> {
        let mut root = base.to_path_buf();
        for dir in &self.prefix {
            root.push(dir);
            // A linked directory in the prefix is not followed either.
            if riskpath_model::files::is_link(&root) || !root.is_dir() {
                return Ok(());
            }
        }
        let max_depth = if self.parts.iter().any(Option::is_none) { usize::MAX } else { self.parts.len() };
        let walker = walkdir::WalkDir::new(&root).follow_links(false).max_depth(max_depth).sort_by_file_name();
        let entries = walker.into_iter().filter_entry(|e| {
            e.depth() == 0 || !e.file_type().is_dir() || self.may_descend(e.depth(), &e.file_name().to_string_lossy())
        });
        for entry in entries {
            *visited += 1;
            if *visited > max_visits {
                return Err(format!(
                    "evidence patterns visit more than {max_visits} files and directories; narrow them (at `{}`)",
                    self.written
                ));
            }
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    errors.push(format!("cannot read {}: {e}", shown_path(base, e.path().unwrap_or(&root))));
                    continue;
                }
            };
            if entry.depth() == 0 || entry.file_type().is_dir() {
                continue;
            }
            let rel = shown_path(base, entry.path());
            if !self.whole.matches_with(&rel, MATCH) {
                continue;
            }
            let special = !entry.file_type().is_file() && !entry.file_type().is_symlink();
            match entry.metadata() {
                Ok(meta) if special => {
                    errors.push(format!("{rel} is not a regular file (a {})", riskpath_model::files::kind(&meta)))
                }
                _ => files.push(entry.into_path()),
            }
        }
        Ok(())
    }
}

/// Reads, hashes, parses and dates one evidence file.
pub fn load(base: &Path, path: &Path, now: SystemTime, limits: &Limits) -> Result<Loaded, String> {
    let shown = shown_path(base, path);
    let real = check_inside(base, path, &shown)?;
    let (bytes, meta) = riskpath_model::files::read_regular(&real, limits.max_evidence_bytes).map_err(|e| match e {
        riskpath_model::files::FileError::TooLarge(max) => {
            format!("{shown} is larger than the {max}-byte evidence limit (--max-evidence-size)")
        }
        e => format!("cannot read {shown}: {e}"),
    })?;
    let mtime = meta.modified().ok();
    let sha256 = sha256_hex(&bytes);
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| format!("{shown} is not UTF-8 text (invalid byte at offset {})", e.valid_up_to()))?;
    let document = parse(&shown, text, limits)?;
    let now_utc: DateTime<Utc> = now.into();
    let (observed, dated_by) = match document.get("observed_at") {
        Some(serde_json::Value::String(s)) => {
            let t = DateTime::parse_from_rfc3339(s)
                .map_err(|e| format!("{shown}: `observed_at` is not an RFC 3339 timestamp ({s:?}: {e})"))?;
            (t.with_timezone(&Utc), "document")
        }
        Some(other) => {
            return Err(format!("{shown}: `observed_at` must be an RFC 3339 timestamp string, found {other}"));
        }
        None => {
            let m = mtime.ok_or_else(|| format!("{shown}: no `observed_at` field and no file modification time"))?;
            (DateTime::<Utc>::from(m), "mtime")
        }
    };
    let age_secs = (now_utc - observed).num_seconds().max(0) as u64;
    Ok(Loaded {
        file: EvidenceFile {
            path: shown,
            sha256,
            observed_at: observed.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            dated_by,
            age_secs,
        },
        document,
    })
}

/// Parses evidence text: `.json` files as JSON, anything else as YAML 1.2 (a superset of JSON).
pub fn parse(shown: &str, text: &str, limits: &Limits) -> Result<serde_json::Value, String> {
    let is_json = shown.to_ascii_lowercase().ends_with(".json");
    if is_json {
        // serde_json refuses nesting deeper than 128 levels, so hostile depth cannot overflow the stack.
        return serde_json::from_str(text).map_err(|e| format!("{shown}: not valid JSON: {e}"));
    }
    if text.trim().is_empty() {
        return Err(format!("{shown}: the evidence file is empty"));
    }
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = limits.max_evidence_depth;
    budget.max_nodes = limits.max_evidence_nodes;
    budget.max_events = limits.max_evidence_nodes.saturating_mul(3);
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_total_scalar_bytes = limits.max_evidence_bytes as usize;
    budget.max_documents = 1;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    serde_saphyr::from_str_with_options::<serde_json::Value>(text, options).map_err(|e| {
        let first = e.to_string();
        format!("{shown}: not valid YAML: {}", first.lines().next().unwrap_or("").trim())
    })
}

/// A duration in the largest whole unit: `45d`, `3h`, `12m`, `20s`.
pub fn human_age(secs: u64) -> String {
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 || s >= 10 * 86_400 => format!("{}d", s / 86_400),
        s if s >= 86_400 => format!("{:.1}d", s as f64 / 86_400.0),
        s if s >= 3_600 => format!("{}h", s / 3_600),
        s if s >= 60 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_leave_the_model() {
        assert!(check_relative("evidence/a.json", "p").is_ok());
        assert!(check_relative("../secrets.json", "p").is_err());
        assert!(check_relative("evidence/../../x", "p").is_err());
        assert!(check_relative("/etc/passwd", "p").is_err());
    }

    #[test]
    fn ages_read_well() {
        assert_eq!(human_age(45), "45s");
        assert_eq!(human_age(7 * 86_400), "7d");
        assert_eq!(human_age(86_400 + 43_200), "1.5d");
        assert_eq!(human_age(3 * 3_600), "3h");
    }
}
