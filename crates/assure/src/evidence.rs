//! Evidence: the files a check's policy reads, found by globs relative to the model directory,
//! read within a size limit, parsed as JSON or YAML within a budget, hashed and dated.

use std::io::Read;
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

/// Refuses a file whose real path (after symlinks) leaves the model directory.
pub(crate) fn check_inside(base: &Path, file: &Path, shown: &str) -> Result<(), String> {
    let real_base =
        base.canonicalize().map_err(|e| format!("cannot read the model directory {}: {e}", base.display()))?;
    let real = file.canonicalize().map_err(|e| format!("cannot read {shown}: {e}"))?;
    if !real.starts_with(&real_base) {
        return Err(format!("{shown} resolves to {} outside the model directory", real.display()));
    }
    Ok(())
}

/// `path` relative to `base`, with `/` separators, for messages and records.
pub(crate) fn shown_path(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// The files matched by `patterns` (relative to `base`), sorted and without duplicates.
/// Every pattern must match at least one file.
pub fn resolve(base: &Path, patterns: &[String], limits: &Limits) -> Result<Vec<PathBuf>, Vec<String>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let options =
        glob::MatchOptions { case_sensitive: true, require_literal_separator: true, require_literal_leading_dot: true };
    for pattern in patterns {
        if let Err(e) = check_relative(pattern, "evidence pattern") {
            errors.push(e);
            continue;
        }
        let full = format!("{}/{}", glob::Pattern::escape(&base.to_string_lossy()), pattern);
        let paths = match glob::glob_with(&full, options) {
            Ok(paths) => paths,
            Err(e) => {
                errors.push(format!("evidence pattern `{pattern}` is not a valid glob: {e}"));
                continue;
            }
        };
        let before = files.len();
        for entry in paths {
            match entry {
                Ok(path) if path.is_file() => {
                    files.push(path);
                    if files.len() > limits.max_evidence_files {
                        errors.push(format!(
                            "evidence patterns match more than {} files; narrow them",
                            limits.max_evidence_files
                        ));
                        return Err(errors);
                    }
                }
                Ok(_) => {}
                Err(e) => errors.push(format!("cannot read {}: {}", e.path().display(), e.error())),
            }
        }
        if files.len() == before {
            errors.push(format!("missing evidence: no file matches `{pattern}`"));
        }
    }
    files.sort();
    files.dedup();
    if errors.is_empty() { Ok(files) } else { Err(errors) }
}

/// Reads, hashes, parses and dates one evidence file.
pub fn load(base: &Path, path: &Path, now: SystemTime, limits: &Limits) -> Result<Loaded, String> {
    let shown = shown_path(base, path);
    check_inside(base, path, &shown)?;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let mtime = file.metadata().and_then(|m| m.modified()).ok();
    let mut bytes = Vec::new();
    file.take(limits.max_evidence_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > limits.max_evidence_bytes {
        return Err(format!(
            "{shown} is larger than the {}-byte evidence limit (--max-evidence-size)",
            limits.max_evidence_bytes
        ));
    }
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
