//! The generated folder an importer writes: its files are built in memory, then replace the
//! folder's previous contents in one rename, so a failed import never leaves a partial folder.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// The files of one generated folder, by path relative to the folder.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Generated {
    files: BTreeMap<PathBuf, String>,
}

/// Why a generated folder could not be written.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write {}: {}", self.path.display(), self.error)
    }
}

impl std::error::Error for WriteError {}

impl Generated {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file with the given text.
    pub fn file(&mut self, path: impl Into<PathBuf>, text: String) {
        self.files.insert(path.into(), text);
    }

    /// Adds a JSON Lines model file (`*.jsonl`): one `{"<kind>": item}` a line, in the given order,
    /// the kind being the singular of the list `key` (`nodes` → `node`). The loader reads it a line
    /// at a time; a problem it reports points at the item's own line, and a diff of two imports
    /// shows the items that changed.
    pub fn items<T: Serialize>(&mut self, path: impl Into<PathBuf>, key: &str, items: &[T]) {
        let kind = key.strip_suffix('s').unwrap_or(key);
        self.file(path, items.iter().map(|item| riskpath_model::jsonl::line_of(kind, item)).collect());
    }

    /// The files, by relative path.
    pub fn files(&self) -> &BTreeMap<PathBuf, String> {
        &self.files
    }

    /// Replaces `dir` (created if missing, its parent must exist) with exactly these files: they
    /// are written to a hidden temporary folder beside it (which the loader skips), synced, and
    /// renamed into place; the old folder is removed only after the new one is in place. On any
    /// error the old folder is left as it was and the temporary one is removed.
    pub fn replace(&self, dir: &Path) -> Result<(), WriteError> {
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let fail = |path: &Path| {
            let path = path.to_path_buf();
            move |error| WriteError { path, error }
        };
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "import".into());
        remove_stale(&parent, &name);
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{name}.new-{}-", std::process::id()))
            .tempdir_in(&parent)
            .map_err(fail(&parent))?;
        for (rel, text) in &self.files {
            let path = staging.path().join(rel);
            if let Some(p) = path.parent() {
                std::fs::create_dir_all(p).map_err(fail(p))?;
            }
            let mut file = std::fs::File::create(&path).map_err(fail(&path))?;
            file.write_all(text.as_bytes()).and_then(|_| file.sync_all()).map_err(fail(&path))?;
        }
        if dir.exists() && exchange(staging.path(), dir).map_err(fail(dir))? {
            // `dir` holds the new files and the staging folder the old ones, which its drop removes.
            return Ok(());
        }
        let old = if dir.exists() {
            let old = tempfile::Builder::new()
                .prefix(&format!(".{name}.old-{}-", std::process::id()))
                .tempdir_in(&parent)
                .map_err(fail(&parent))?;
            let old_path = old.path().join("previous");
            std::fs::rename(dir, &old_path).map_err(fail(dir))?;
            Some((old, old_path))
        } else {
            None
        };
        if let Err(error) = std::fs::rename(staging.path(), dir) {
            if let Some((_, old_path)) = &old {
                // Put the previous folder back; the staging folder is removed when dropped.
                let _ = std::fs::rename(old_path, dir);
            }
            return Err(WriteError { path: dir.to_path_buf(), error });
        }
        // The staging folder is now `dir`: forget it so its drop does not remove the new files.
        let _ = staging.keep();
        drop(old);
        Ok(())
    }
}

/// Swaps two folders in one step (Linux `renameat2` with `RENAME_EXCHANGE`), so no instant
/// exists without `dir`. `false` where the file system cannot (then two renames are used).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use rustix::fs::{CWD, RenameFlags};
    use rustix::io::Errno;
    match rustix::fs::renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<bool> {
    Ok(false)
}

/// Removes the staging folders (`.NAME.new-PID-…`) that an import killed before it finished left
/// beside the folder: only those of processes no longer running (Linux, where `/proc` says so).
fn remove_stale(parent: &Path, name: &str) {
    let prefix = format!(".{name}.new-");
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) =
            file_name.to_str().and_then(|n| n.strip_prefix(&prefix)).and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        let dead = pid.parse::<u32>().is_ok_and(|pid| !running(pid));
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if dead && is_dir {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether a process is running; `true` where that cannot be known, so nothing is removed.
fn running(pid: u32) -> bool {
    !cfg!(target_os = "linux") || Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_one_per_line_under_their_kind() {
        let mut generated = Generated::new();
        generated.items("nodes.jsonl", "nodes", &[serde_json::json!({"id": "a"}), serde_json::json!({"id": "b"})]);
        generated.items("entry.jsonl", "entry_points", &[serde_json::json!({"id": "i", "kind": "internet"})]);
        generated.items("edges.jsonl", "edges", &[] as &[serde_json::Value]);
        let files = generated.files();
        assert_eq!(files[Path::new("nodes.jsonl")], "{\"node\":{\"id\":\"a\"}}\n{\"node\":{\"id\":\"b\"}}\n");
        assert_eq!(files[Path::new("entry.jsonl")], "{\"entry_point\":{\"id\":\"i\",\"kind\":\"internet\"}}\n");
        assert_eq!(files[Path::new("edges.jsonl")], "");
    }

    #[test]
    fn replace_swaps_the_whole_folder_and_keeps_its_neighbours() {
        let model = tempfile::tempdir().unwrap();
        std::fs::write(model.path().join("actors.yaml"), "actors: []\n").unwrap();
        let dir = model.path().join("bloodhound");
        let mut first = Generated::new();
        first.file("nodes.json", "{\"nodes\": []}\n".into());
        first.file("stale.json", "{}\n".into());
        first.replace(&dir).unwrap();
        let mut second = Generated::new();
        second.file("nodes.json", "{\"nodes\": [\n{\"id\":\"x\"}\n]}\n".into());
        second.file("sub/edges.json", "{\"edges\": []}\n".into());
        second.replace(&dir).unwrap();
        assert!(!dir.join("stale.json").exists(), "files of the previous import are gone");
        assert!(std::fs::read_to_string(dir.join("nodes.json")).unwrap().contains("\"x\""));
        assert!(dir.join("sub/edges.json").exists());
        assert_eq!(std::fs::read_to_string(model.path().join("actors.yaml")).unwrap(), "actors: []\n");
        let leftovers: Vec<_> = std::fs::read_dir(model.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "no temporary folders left: {leftovers:?}");
    }

    #[test]
    fn a_failed_write_leaves_the_previous_folder() {
        let model = tempfile::tempdir().unwrap();
        let dir = model.path().join("aws");
        let mut first = Generated::new();
        first.file("nodes.json", "old\n".into());
        first.replace(&dir).unwrap();
        let mut bad = Generated::new();
        bad.file("nodes.json", "new\n".into());
        // A file whose parent is a file cannot be created.
        bad.file("nodes.json/inner.json", "x\n".into());
        assert!(bad.replace(&dir).is_err());
        assert_eq!(std::fs::read_to_string(dir.join("nodes.json")).unwrap(), "old\n");
        let hidden = std::fs::read_dir(model.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with('.'))
            .count();
        assert_eq!(hidden, 0, "the staging folder is removed");
    }

    #[test]
    fn a_killed_imports_staging_folder_is_removed_by_the_next_one() {
        let model = tempfile::tempdir().unwrap();
        let dir = model.path().join("scans");
        // A pid above the kernel's maximum (4,194,304) is never running; the current one is.
        let dead = model.path().join(".scans.new-4999999-abc");
        let live = model.path().join(format!(".scans.new-{}-abc", std::process::id()));
        let other = model.path().join(".aws.new-4999999-abc");
        for d in [&dead, &live, &other] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("nodes.json"), "half\n").unwrap();
        }
        let mut g = Generated::new();
        g.file("nodes.json", "{}\n".into());
        g.replace(&dir).unwrap();
        assert!(!dead.exists(), "a dead process's staging folder is removed");
        assert!(live.exists(), "a running process's is left alone");
        assert!(other.exists(), "another folder's is left alone");
    }
}
