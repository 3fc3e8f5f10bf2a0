//! Loading a model directory: find the files, parse each within limits, type them, merge, validate.
//! The result is either a valid model (with warnings) or every problem found, never a panic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::attack;
use crate::jsonl;
use crate::read::{FileContents, Reader, SettingValue};
use crate::source::{FileId, Loc, Problem, Problems, Sources, Streamed};
use crate::types::*;
use crate::validate::{Knowledge, validate};
use crate::yaml::{self, ParseLimits};

/// Directories skipped while searching for model files (besides hidden ones).
pub const SKIPPED_DIRS: &[&str] = &["evidence", "target", "node_modules"];

/// How to load a model.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub limits: ParseLimits,
    /// Write an ATT&CK cache when `settings.attack` names a bundle without a fresh one: into the
    /// model's `.riskpath/` (a fresh cache there or next to the bundle is always read).
    pub write_attack_cache: bool,
    /// Refuse file references that leave the model's folder (`settings.attack` absolute, with
    /// `..`, or through a link out of it) before anything is opened: for models from elsewhere,
    /// such as a server's uploads.
    pub confine: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { limits: ParseLimits::default(), write_attack_cache: true, confine: false }
    }
}

/// A valid model and the warnings found while loading it.
#[derive(Debug)]
pub struct Loaded {
    pub model: Model,
    pub warnings: Problems,
    /// The ATT&CK catalog of `settings.attack`, and whether it came from a cache.
    pub attack: Option<attack::Opened>,
}

/// Loads and validates the model at `path` (a directory searched recursively, or one file).
pub fn load(path: &Path, options: &LoadOptions) -> Result<Loaded, Problems> {
    load_overlay(path, None, options)
}

/// A folder's files given in memory, by path relative to the folder.
pub type Overlay<'a> = (&'a Path, &'a [(PathBuf, String)]);

/// Loads the model at `path` as if the folder `overlay.0` (a path under `path`, as `path.join(…)`)
/// held exactly the files `overlay.1`: how an importer checks the generated folder it is about to
/// write, with every check of the loader, before writing anything.
pub fn load_overlay(path: &Path, overlay: Option<Overlay>, options: &LoadOptions) -> Result<Loaded, Problems> {
    let mut sources = Sources::default();
    let mut problems = Vec::new();
    let mut files = match model_files(path) {
        Ok(files) => files,
        Err(p) => return Err(Problems { sources, list: vec![p] }),
    };
    if let Some((dir, _)) = overlay {
        files.retain(|f| !f.starts_with(dir));
    }
    let extra: Vec<(PathBuf, &String)> =
        overlay.map(|(dir, given)| given.iter().map(|(rel, text)| (dir.join(rel), text)).collect()).unwrap_or_default();
    let extra: Vec<_> = extra.into_iter().filter(|(f, _)| is_model_file(f)).collect();
    if !extra.is_empty() {
        files.extend(extra.iter().map(|(f, _)| f.clone()));
        files.sort();
    }
    if files.is_empty() {
        let p = Problem::error(format!("no model files (*.yaml, *.yml, *.json, *.jsonl) in {}", path.display()), None);
        return Err(Problems { sources, list: vec![p] });
    }
    // Files are read, parsed and typed in parallel (one file's tree, or one JSON Lines line, at a
    // time per thread); their sources, contents and problems are taken in file order.
    let names = Names::default();
    let read: Vec<Result<FileRead, Problem>> = files
        .par_iter()
        .enumerate()
        .map(|(i, file)| {
            let given = extra.iter().find(|(f, _)| f == file).map(|(_, text)| text.as_str());
            read_file(file, i as FileId, given, options, &names)
        })
        .collect();
    let mut unreadable_files = 0;
    let mut contents = Vec::new();
    for (file, read) in files.into_iter().zip(read) {
        match read {
            Ok(mut r) => {
                match r.source {
                    Source::Text(text) => sources.add(file, text),
                    Source::Streamed(streamed) => sources.add_streamed(file, streamed),
                };
                contents.push(r.contents);
                problems.append(&mut r.problems);
                unreadable_files += usize::from(r.broken);
            }
            Err(p) => {
                // Kept in place (empty) so the files after it keep their ids.
                sources.add(file, "".into());
                problems.push(p);
                unreadable_files += 1;
            }
        }
    }
    let base =
        if meta_is_dir(path) { path.to_path_buf() } else { path.parent().unwrap_or(Path::new("")).to_path_buf() };
    // The model's state directory holds the ATT&CK cache; a link there may lead anywhere, so then
    // no cache is written.
    let state = base.join(".riskpath");
    let cache = (!crate::files::is_link(&state)).then_some(state.as_path());
    let attack_dirs = AttackDirs { base: &base, cache };
    finish(sources, contents, problems, unreadable_files, attack_dirs, options)
}

/// Whether `relative`, read from `base`, names a file inside `base`: only plain components, and
/// no link on the way that leads out of it.
fn inside(base: &Path, relative: &str) -> bool {
    use std::path::Component;
    let path = Path::new(relative);
    if relative.is_empty() || !path.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)) {
        return false;
    }
    match (base.canonicalize(), base.join(path).canonicalize()) {
        (Ok(root), Ok(full)) => full.starts_with(root),
        // A file that does not exist is reported by the open, which then reads nothing.
        (Ok(_), Err(_)) => true,
        (Err(_), _) => false,
    }
}

fn meta_is_dir(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_dir())
}

/// Where `settings.attack` is resolved from, and where a cache may be written besides the bundle.
struct AttackDirs<'a> {
    base: &'a Path,
    cache: Option<&'a Path>,
}

/// Merges the files' contents, validates the whole, and sorts the problems by place.
fn finish(
    sources: Sources,
    contents: Vec<FileContents>,
    mut problems: Vec<Problem>,
    unreadable_files: usize,
    dirs: AttackDirs,
    options: &LoadOptions,
) -> Result<Loaded, Problems> {
    let (mut model, attack_loc) = merge(contents, &mut problems);
    let mut attack = None;
    // Only validate the merged whole when every file parsed: otherwise references into the
    // broken file would be reported as dangling, burying the real problem.
    if unreadable_files == 0 {
        let mut knowledge = Knowledge::Builtin;
        if let Some(p) = &model.settings.attack {
            let path = dirs.base.join(p);
            let write = options.write_attack_cache && dirs.cache.is_some();
            if options.confine && !inside(dirs.base, p) {
                problems.push(
                    Problem::error(
                        format!("`settings.attack: {p}` names a file outside the model's folder"),
                        attack_loc,
                    )
                    .with_help("put the ATT&CK bundle in the model's folder and name it by its path there"),
                );
            } else {
                match attack::open(&path, dirs.cache, write) {
                    Ok(opened) => attack = Some(opened),
                    Err(e) => problems.push(
                        Problem::error(format!("cannot load the ATT&CK bundle of `settings.attack`: {e}"), attack_loc)
                            .with_help("the path is relative to the model directory; `riskpath kb import-attack BUNDLE` checks a bundle"),
                    ),
                }
            }
            knowledge = attack.as_ref().map_or(Knowledge::Unavailable, |o| Knowledge::Attack(&o.catalog));
        }
        problems.extend(validate(&model, knowledge));
    }
    problems.sort_by_key(|p| p.loc.map(|l| (l.file, l.offset)));
    let problems = Problems { sources: sources.clone(), list: problems };
    if problems.error_count() > 0 {
        return Err(problems);
    }
    model.sources = sources;
    if let Some(opened) = &attack {
        for actor in &mut model.actors {
            let group = actor.attack_group.as_ref().and_then(|g| opened.catalog.group(&g.value));
            if let Some(group) = group {
                actor.allowed_techniques = Some(opened.catalog.group_techniques(group));
            }
        }
    }
    Ok(Loaded { model, warnings: problems, attack })
}

/// Loads and validates a model given as one text (for tests, generators and tools): YAML, or
/// JSON Lines when `name` ends in `.jsonl`.
pub fn load_str(name: &str, text: &str, options: &LoadOptions) -> Result<Loaded, Problems> {
    let mut sources = Sources::default();
    let read = read_file(Path::new(name), 0, Some(text), options, &Names::default());
    sources.add(PathBuf::from(name), text.into());
    let read = match read {
        Ok(read) => read,
        Err(p) => return Err(Problems { sources, list: vec![p] }),
    };
    // `settings.attack` is relative to where the text would live; no ATT&CK cache is written.
    let base = Path::new(name).parent().unwrap_or(Path::new(""));
    let broken = usize::from(read.broken);
    finish(sources, vec![read.contents], read.problems, broken, AttackDirs { base, cache: None }, options)
}

/// What is kept of a model file: its text, or for a JSON Lines file its line index and digest.
enum Source {
    Text(Arc<str>),
    Streamed(Streamed),
}

/// One model file read and typed.
struct FileRead {
    source: Source,
    contents: FileContents,
    problems: Vec<Problem>,
    /// Some line of a JSON Lines file could not be read.
    broken: bool,
}

/// Reads, parses and types the model file `path` (its text `given` in memory, else from disk):
/// JSON Lines a line at a time, YAML and JSON whole. `Err` is the one problem that makes it
/// unreadable (a limit, a YAML error, an ATT&CK bundle).
fn read_file(
    path: &Path,
    id: FileId,
    given: Option<&str>,
    options: &LoadOptions,
    names: &Names,
) -> Result<FileRead, Problem> {
    let limits = &options.limits;
    if !is_jsonl(path) {
        let text = match given {
            Some(text) => text.into(),
            None => read_limited(path, limits.max_file_bytes)?.into(),
        };
        return read_yaml(path, text, id, options, names);
    }
    let fail = |why: String| Problem::error(format!("cannot read {}: {why}", path.display()), None);
    let read = match given {
        Some(text) => jsonl::read(text.as_bytes(), id, limits, names),
        None => {
            let (file, meta) = crate::files::open_regular(path).map_err(|e| fail(e.to_string()))?;
            if meta.len() > limits.max_stream_bytes {
                return Err(fail(crate::files::FileError::TooLarge(limits.max_stream_bytes).to_string())
                    .with_help("split it into several .jsonl files"));
            }
            jsonl::read(std::io::BufReader::with_capacity(1 << 16, file), id, limits, names)
        }
    };
    let read = read.map_err(|p| Problem { message: format!("{}: {}", path.display(), p.message), ..p })?;
    let source = match given {
        Some(text) => Source::Text(text.into()),
        None => Source::Streamed(read.streamed),
    };
    Ok(FileRead { source, contents: read.contents, problems: read.problems, broken: read.broken })
}

/// Parses and types one YAML (or JSON) text. A file that does not parse is kept (its problem
/// points into it) and marked broken.
fn read_yaml(
    path: &Path,
    text: Arc<str>,
    id: FileId,
    options: &LoadOptions,
    names: &Names,
) -> Result<FileRead, Problem> {
    let broken = |text, problem| {
        Ok(FileRead {
            source: Source::Text(text),
            contents: FileContents::default(),
            problems: vec![problem],
            broken: true,
        })
    };
    let root = match yaml::parse(&text, id, &options.limits) {
        Ok(root) => root,
        Err(p) => return broken(text, p),
    };
    if crate::read::is_stix_bundle(&root) {
        // No span: the bundle is usually one huge line, not worth showing.
        return Err(Problem::error(format!("{} is an ATT&CK STIX bundle, not a model file", path.display()), None)
            .with_help("move it out of the model directory (or into a hidden directory such as .attack/) and point `settings.attack` at it"));
    }
    let mut reader = Reader { problems: yaml::unsafe_text(&root), names: names.clone() };
    let contents = reader.file(&root);
    Ok(FileRead { source: Source::Text(text), contents, problems: reader.problems, broken: false })
}

/// The model files under `path`, sorted, skipping hidden entries and [`SKIPPED_DIRS`].
fn model_files(path: &Path) -> Result<Vec<PathBuf>, Problem> {
    let meta =
        std::fs::metadata(path).map_err(|e| Problem::error(format!("cannot read {}: {e}", path.display()), None))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(path).follow_links(false).sort_by_file_name().into_iter();
    let walker = walker.filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        e.depth() == 0 || !(name.starts_with('.') || (e.file_type().is_dir() && SKIPPED_DIRS.contains(&&*name)))
    });
    for entry in walker {
        let entry = entry.map_err(|e| Problem::error(format!("cannot walk {}: {e}", path.display()), None))?;
        if entry.file_type().is_file() && is_model_file(entry.path()) {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

/// A YAML, JSON or JSON Lines file that is not an ATT&CK cache.
pub fn is_model_file(path: &Path) -> bool {
    let ext = path.extension().and_then(|x| x.to_str()).map(str::to_ascii_lowercase);
    let is_cache = path.file_name().is_some_and(|n| n.to_string_lossy().ends_with(attack::CACHE_SUFFIX));
    matches!(ext.as_deref(), Some("yaml" | "yml" | "json" | "jsonl")) && !is_cache
}

/// A JSON Lines model file (`*.jsonl`), read a line at a time.
fn is_jsonl(path: &Path) -> bool {
    path.extension().and_then(|x| x.to_str()).is_some_and(|x| x.eq_ignore_ascii_case("jsonl"))
}

fn read_limited(path: &Path, max_bytes: u64) -> Result<String, Problem> {
    let fail = |why: String| Problem::error(format!("cannot read {}: {why}", path.display()), None);
    let bytes = match crate::files::read_regular(path, max_bytes) {
        Ok((bytes, _)) => bytes,
        Err(e @ crate::files::FileError::TooLarge(_)) => {
            return Err(fail(e.to_string()).with_help("raise the limit with --max-file-size if this file is genuine"));
        }
        Err(e) => return Err(fail(e.to_string())),
    };
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let (line, column) = end_position(std::str::from_utf8(valid).unwrap_or_default());
        Problem::error(
            format!("{}:{line}:{column}: not UTF-8 (invalid byte at offset {})", path.display(), valid.len()),
            None,
        )
        .with_help("model files are UTF-8 text; re-save the file as UTF-8")
    })
}

/// 1-based line and column just after `text`, lines ending at LF, CR LF or a lone CR.
fn end_position(text: &str) -> (usize, usize) {
    let bytes = text.as_bytes();
    let breaks =
        bytes.iter().enumerate().filter(|&(i, &b)| b == b'\n' || b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
    let (count, last) = breaks.fold((0, None), |(n, _), (i, _)| (n + 1, Some(i)));
    (count + 1, text[last.map_or(0, |i| i + 1)..].chars().count() + 1)
}

/// Concatenates the files' items and applies settings, reporting a setting given twice.
/// Also returns where `settings.attack` was set, if it was.
fn merge(contents: Vec<FileContents>, problems: &mut Vec<Problem>) -> (Model, Option<Loc>) {
    let mut model = Model::default();
    // Reserved whole, so the merged lists never grow by doubling (and never hold slack).
    model.nodes.reserve_exact(contents.iter().map(|c| c.nodes.len()).sum());
    model.edges.reserve_exact(contents.iter().map(|c| c.edges.len()).sum());
    let mut seen: HashMap<&'static str, Loc> = HashMap::new();
    let mut targeting_all = Vec::new();
    for c in contents {
        for (key, loc, value) in c.settings {
            if let Some(first) = seen.get(key) {
                problems.push(
                    Problem::error(format!("setting `{key}` is set in more than one place"), Some(loc))
                        .with_related(*first, "first set here"),
                );
                continue;
            }
            seen.insert(key, loc);
            apply_setting(&mut model.settings, key, value);
        }
        model.entry_points.extend(c.entry_points);
        model.nodes.extend(c.nodes);
        model.edges.extend(c.edges);
        model.controls.extend(c.controls);
        model.actors.extend(c.actors);
        model.initiatives.extend(c.initiatives);
        model.loss_groups.extend(c.loss_groups);
        model.accepted_risks.extend(c.accepted_risks);
        targeting_all.extend(c.actors_targeting_all);
    }
    let jewels: Vec<(String, Loc)> = model.crown_jewels().map(|n| (n.id.clone(), n.loc)).collect();
    for actor in model.actors.iter_mut().filter(|a| targeting_all.contains(&a.id)) {
        actor.targets = jewels.iter().map(|(id, loc)| Ref { value: id.clone(), loc: *loc }).collect();
    }
    let attack_loc = seen.get("attack").copied();
    (model, attack_loc)
}

fn apply_setting(s: &mut Settings, key: &str, value: SettingValue) {
    match (key, value) {
        ("currency", SettingValue::Text(t)) => s.currency = t,
        ("attack", SettingValue::Text(t)) => s.attack = Some(t),
        ("respond", SettingValue::Number(v)) => s.respond = v,
        ("tolerance", SettingValue::Number(v)) => s.tolerance = Some(v),
        ("day_rate", SettingValue::Number(v)) => s.day_rate = Some(v),
        ("trials", SettingValue::Count(v)) => s.trials = v,
        ("years", SettingValue::Count(v)) => s.years = v,
        ("seed", SettingValue::Count(v)) => s.seed = v,
        ("platforms", SettingValue::List(v)) => s.platforms = Some(v),
        _ => {}
    }
}
