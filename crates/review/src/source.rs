//! One side of a diff: a model folder as it is, or `git:REV[:PATH]`, the folder PATH of the tree of
//! revision REV read from the repository's objects into a private temporary folder (never a checkout).

use std::path::{Path, PathBuf};

/// Where one side of a diff comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// A model folder (or file) on disk.
    Dir(PathBuf),
    /// A revision of the repository and a path in its tree (`None`: the whole tree).
    Git { rev: String, path: Option<String> },
}

impl Spec {
    /// `git:REV[:PATH]` is a revision (anything `git rev-parse` accepts without a colon: `main`,
    /// `HEAD~3`, `v1.2`, a commit id), anything else a folder.
    pub fn parse(text: &str) -> Result<Spec, String> {
        let Some(rest) = text.strip_prefix("git:") else { return Ok(Spec::Dir(PathBuf::from(text))) };
        let (rev, path) = match rest.split_once(':') {
            Some((rev, path)) => (rev, Some(path.trim_matches('/').to_string()).filter(|p| !p.is_empty())),
            None => (rest, None),
        };
        if rev.is_empty() {
            return Err(format!("`{text}`: no revision after `git:` (write git:main, git:HEAD~1:models)"));
        }
        Ok(Spec::Git { rev: rev.to_string(), path })
    }

    /// How the side is named in reports: the folder, or `git:REV[:PATH]` as given.
    pub fn label(&self) -> String {
        match self {
            Spec::Dir(p) => p.display().to_string(),
            Spec::Git { rev, path: None } => format!("git:{rev}"),
            Spec::Git { rev, path: Some(p) } => format!("git:{rev}:{p}"),
        }
    }
}

/// Bounds on what a revision may bring in, like the loader's on a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file, in bytes (the loader's `max_file_bytes`).
    pub max_file_bytes: u64,
    /// Most bytes over all files.
    pub max_total_bytes: u64,
    /// Most files.
    pub max_files: usize,
    /// Deepest folder nesting.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_file_bytes: 64 << 20, max_total_bytes: 1 << 30, max_files: 100_000, max_depth: 64 }
    }
}

/// A side ready to load: its folder, and the temporary folder holding it (removed on drop).
pub struct Side {
    pub dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl Side {
    /// The folder of a `Dir` spec as it is; a `Git` spec's files written to a temporary folder.
    /// The repository is the one containing `cwd`.
    pub fn read(spec: &Spec, cwd: &Path, limits: Limits) -> Result<Side, String> {
        match spec {
            Spec::Dir(dir) => Ok(Side { dir: dir.clone(), _temp: None }),
            Spec::Git { rev, path } => {
                read_git(cwd, rev, path.as_deref(), limits).map_err(|e| format!("{}: {e}", spec.label()))
            }
        }
    }
}

fn read_git(cwd: &Path, rev: &str, path: Option<&str>, limits: Limits) -> Result<Side, String> {
    let repo = gix::discover(cwd).map_err(|e| format!("no git repository at {}: {e}", cwd.display()))?;
    let id = repo.rev_parse_single(rev).map_err(|e| format!("unknown revision `{rev}`: {e}"))?;
    let tree = id.object().and_then(|o| o.peel_to_tree()).map_err(|e| format!("`{rev}` names no tree: {e}"))?;
    let temp = tempfile::Builder::new()
        .prefix("riskpath-git-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let mut copy = Copy { repo: &repo, limits, files: 0, bytes: 0 };
    let root = match path {
        None => tree.id,
        Some(p) => {
            let entry = tree
                .lookup_entry_by_path(p)
                .map_err(|e| format!("cannot read `{p}`: {e}"))?
                .ok_or_else(|| format!("no `{p}` in {rev}"))?;
            let mode = entry.mode();
            if !mode.is_tree() {
                // A single model file: written under its own name.
                let name = Path::new(p).file_name().map(PathBuf::from).unwrap_or_default();
                let dest = temp.path().join(&name);
                copy.blob(entry.object_id(), &dest, mode)?;
                return Ok(Side { dir: dest, _temp: Some(temp) });
            }
            entry.object_id()
        }
    };
    copy.tree(root, temp.path(), 0)?;
    let dir = temp.path().to_path_buf();
    Ok(Side { dir, _temp: Some(temp) })
}

/// Writes a tree's files, counting against the limits.
struct Copy<'r> {
    repo: &'r gix::Repository,
    limits: Limits,
    files: usize,
    bytes: u64,
}

impl Copy<'_> {
    fn tree(&mut self, id: gix::ObjectId, dest: &Path, depth: usize) -> Result<(), String> {
        if depth > self.limits.max_depth {
            return Err(format!("folders nested deeper than {} levels", self.limits.max_depth));
        }
        let tree = self.repo.find_tree(id).map_err(|e| format!("cannot read tree {id}: {e}"))?;
        let decoded = tree.decode().map_err(|e| format!("cannot decode tree {id}: {e}"))?;
        let entries: Vec<(String, gix::objs::tree::EntryMode, gix::ObjectId)> =
            decoded.entries.iter().map(|e| (e.filename.to_string(), e.mode, e.oid.to_owned())).collect();
        for (name, mode, oid) in entries {
            if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
                return Err(format!("refusing a tree entry named {name:?}"));
            }
            let target = dest.join(&name);
            if mode.is_tree() {
                if riskpath_model::SKIPPED_DIRS.contains(&name.as_str()) {
                    continue;
                }
                std::fs::create_dir(&target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
                self.tree(oid, &target, depth + 1)?;
            } else if mode.is_blob() || mode.is_executable() {
                self.blob(oid, &target, mode)?;
            }
            // Symbolic links and submodules are not followed, as the loader does not follow links.
        }
        Ok(())
    }

    fn blob(&mut self, id: gix::ObjectId, dest: &Path, mode: gix::objs::tree::EntryMode) -> Result<(), String> {
        if !(mode.is_blob() || mode.is_executable()) {
            return Err(format!("{} is not a regular file", dest.display()));
        }
        let header = self.repo.find_header(id).map_err(|e| format!("cannot read object {id}: {e}"))?;
        let size = header.size();
        if size > self.limits.max_file_bytes {
            return Err(format!(
                "{} is {size} bytes, over the limit of {} (--max-file-size)",
                dest.file_name().unwrap_or_default().to_string_lossy(),
                self.limits.max_file_bytes
            ));
        }
        self.files += 1;
        self.bytes += size;
        if self.files > self.limits.max_files || self.bytes > self.limits.max_total_bytes {
            return Err(format!(
                "more than {} files or {} bytes in the revision's folder",
                self.limits.max_files, self.limits.max_total_bytes
            ));
        }
        let blob = self.repo.find_blob(id).map_err(|e| format!("cannot read object {id}: {e}"))?;
        std::fs::write(dest, &blob.data).map_err(|e| format!("cannot write {}: {e}", dest.display()))
    }
}
