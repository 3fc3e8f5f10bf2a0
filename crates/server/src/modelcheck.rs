//! Checking an uploaded model version with the CLI's loader: the files written to a private
//! temporary folder, loaded by `riskpath_model::load`, every problem returned located.
//!
//! A model's `settings.attack` names a bundle by path; on a server it must be one of the uploaded
//! files, so the loader is told to refuse a path outside the folder before opening anything.

use std::path::Path;

use riskpath_model::{LoadOptions, Loaded, Problems};

use crate::error::Located;
use crate::upload::FileSet;

/// The problems of a load, each with its file relative to the upload, line and column.
pub fn located(problems: &Problems, root: &Path) -> Vec<Located> {
    problems
        .list
        .iter()
        .map(|p| {
            let place = p.loc.map(|loc| {
                let path = &problems.sources.get(loc.file).path;
                let rel = path.strip_prefix(root).unwrap_or(path);
                let (line, column) = problems.sources.line_col(loc);
                (rel.to_string_lossy().replace('\\', "/"), line, column)
            });
            Located {
                severity: match p.severity {
                    riskpath_model::Severity::Error => "error",
                    riskpath_model::Severity::Warning => "warning",
                }
                .to_string(),
                file: place.as_ref().map(|(f, _, _)| f.clone()),
                line: place.as_ref().map(|(_, l, _)| *l),
                column: place.as_ref().map(|(_, _, c)| *c),
                message: p.message.clone(),
                help: p.help.clone(),
            }
        })
        .collect()
}

/// How uploaded models are loaded: no ATT&CK cache written, no file read outside the upload.
pub fn load_options() -> LoadOptions {
    LoadOptions { write_attack_cache: false, confine: true, ..LoadOptions::default() }
}

/// What the loader said: `Ok(warnings)` for a model that loads, `Err(problems)` otherwise.
pub fn check(set: &FileSet) -> Result<Vec<Located>, Vec<Located>> {
    let dir = tempfile::Builder::new().prefix("riskpath-upload-").tempdir().map_err(|e| internal(&e))?;
    let root = dir.path().canonicalize().map_err(|e| internal(&e))?;
    set.write_to(&root).map_err(|e| internal(&e))?;
    match riskpath_model::load(&root, &load_options()) {
        Ok(Loaded { model, warnings, .. }) => {
            let mut all = warnings.clone();
            all.list.extend(riskpath_model::notes(&model));
            Ok(located(&all, &root))
        }
        Err(problems) => Err(located(&problems, &root)),
    }
}

fn internal(e: &dyn std::fmt::Display) -> Vec<Located> {
    vec![Located {
        severity: "error".into(),
        file: None,
        line: None,
        column: None,
        message: format!("the server could not stage the upload: {e}"),
        help: None,
    }]
}
