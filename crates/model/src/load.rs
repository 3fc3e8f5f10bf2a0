//! Loading a model directory: find the files, parse each within limits, type them, merge, validate.
//! The result is either a valid model (with warnings) or every problem found, never a panic.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::read::{FileContents, Reader, SettingValue};
use crate::source::{Loc, Problem, Problems, Sources};
use crate::types::*;
use crate::validate::validate;
use crate::yaml::{self, ParseLimits};

/// Directories skipped while searching for model files (besides hidden ones).
pub const SKIPPED_DIRS: &[&str] = &["evidence", "target", "node_modules"];

/// How to load a model.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub limits: ParseLimits,
}

/// A valid model and the warnings found while loading it.
#[derive(Debug)]
pub struct Loaded {
    pub model: Model,
    pub warnings: Problems,
}

/// Loads and validates the model at `path` (a directory searched recursively, or one file).
pub fn load(path: &Path, options: &LoadOptions) -> Result<Loaded, Problems> {
    let mut sources = Sources::default();
    let mut problems = Vec::new();
    let files = match model_files(path) {
        Ok(files) => files,
        Err(p) => return Err(Problems { sources, list: vec![p] }),
    };
    if files.is_empty() {
        let p = Problem::error(format!("no model files (*.yaml, *.yml, *.json) in {}", path.display()), None);
        return Err(Problems { sources, list: vec![p] });
    }
    let mut reader = Reader::default();
    let mut contents = Vec::new();
    let mut unreadable_files = 0;
    for file in files {
        match read_limited(&file, options.limits.max_file_bytes) {
            Ok(text) => {
                let id = sources.add(file, text.into());
                match yaml::parse(&sources.get(id).text, id, &options.limits) {
                    Ok(root) => contents.push(reader.file(&root)),
                    Err(p) => {
                        problems.push(p);
                        unreadable_files += 1;
                    }
                }
            }
            Err(p) => {
                problems.push(p);
                unreadable_files += 1;
            }
        }
    }
    problems.append(&mut reader.problems);
    finish(sources, contents, problems, unreadable_files)
}

/// Merges the files' contents, validates the whole, and sorts the problems by place.
fn finish(
    sources: Sources,
    contents: Vec<FileContents>,
    mut problems: Vec<Problem>,
    unreadable_files: usize,
) -> Result<Loaded, Problems> {
    let mut model = merge(contents, &mut problems);
    // Only validate the merged whole when every file parsed: otherwise references into the
    // broken file would be reported as dangling, burying the real problem.
    if unreadable_files == 0 {
        problems.extend(validate(&model));
    }
    problems.sort_by_key(|p| p.loc.map(|l| (l.file, l.offset)));
    let problems = Problems { sources: sources.clone(), list: problems };
    if problems.error_count() > 0 {
        return Err(problems);
    }
    model.sources = sources;
    Ok(Loaded { model, warnings: problems })
}

/// Loads and validates a model given as one YAML text (for tests, generators and tools).
pub fn load_str(name: &str, text: &str, options: &LoadOptions) -> Result<Loaded, Problems> {
    let mut sources = Sources::default();
    let id = sources.add(PathBuf::from(name), text.into());
    let mut reader = Reader::default();
    let parsed = yaml::parse(text, id, &options.limits);
    let root = match parsed {
        Ok(root) => root,
        Err(p) => return Err(Problems { sources, list: vec![p] }),
    };
    let contents = vec![reader.file(&root)];
    finish(sources, contents, reader.problems, 0)
}

/// The model files under `path`, sorted, skipping hidden entries and [`SKIPPED_DIRS`].
fn model_files(path: &Path) -> Result<Vec<PathBuf>, Problem> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Problem::error(format!("cannot read {}: {e}", path.display()), None))?;
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
        let is_model = entry.path().extension().and_then(|x| x.to_str()).is_some_and(|x| {
            matches!(x.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json")
        });
        if entry.file_type().is_file() && is_model {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

fn read_limited(path: &Path, max_bytes: u64) -> Result<String, Problem> {
    let fail = |why: String| Problem::error(format!("cannot read {}: {why}", path.display()), None);
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(max_bytes + 1).read_to_end(&mut bytes).map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > max_bytes {
        return Err(fail(format!("larger than the {max_bytes}-byte limit"))
            .with_help("raise the limit with --max-file-size if this file is genuine"));
    }
    String::from_utf8(bytes).map_err(|e| fail(format!("not UTF-8 (invalid byte at offset {})", e.utf8_error().valid_up_to())))
}

/// Concatenates the files' items and applies settings, reporting a setting given twice.
fn merge(contents: Vec<FileContents>, problems: &mut Vec<Problem>) -> Model {
    let mut model = Model::default();
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
        targeting_all.extend(c.actors_targeting_all);
    }
    let jewels: Vec<(String, Loc)> = model.crown_jewels().map(|n| (n.id.clone(), n.loc)).collect();
    for actor in model.actors.iter_mut().filter(|a| targeting_all.contains(&a.id)) {
        actor.targets = jewels.iter().map(|(id, loc)| Ref { value: id.clone(), loc: *loc }).collect();
    }
    model
}

fn apply_setting(s: &mut Settings, key: &str, value: SettingValue) {
    match (key, value) {
        ("currency", SettingValue::Text(t)) => s.currency = t,
        ("attack", SettingValue::Text(t)) => s.attack = Some(t),
        ("respond", SettingValue::Number(v)) => s.respond = v,
        ("tolerance", SettingValue::Number(v)) => s.tolerance = Some(v),
        ("trials", SettingValue::Count(v)) => s.trials = v,
        ("years", SettingValue::Count(v)) => s.years = v,
        ("seed", SettingValue::Count(v)) => s.seed = v,
        _ => {}
    }
}
