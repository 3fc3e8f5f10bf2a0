//! Checking an uploaded model version with the CLI's loader: the files written to a private
//! temporary folder, loaded by `riskpath_model::load`, every problem returned located.
//!
//! A model's `settings.attack` names a bundle by path; on a server it must be one of the uploaded
//! files, so a version naming a path outside its own folder is refused.

use std::path::{Component, Path};

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

/// Whether a `settings.attack` path stays inside the model's folder.
fn confined(attack: &str) -> bool {
    let path = Path::new(attack);
    !attack.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// What the loader said: `Ok(warnings)` for a model that loads, `Err(problems)` otherwise.
pub fn check(set: &FileSet) -> Result<Vec<Located>, Vec<Located>> {
    let dir = tempfile::Builder::new().prefix("riskpath-upload-").tempdir().map_err(|e| internal(&e))?;
    let root = dir.path().canonicalize().map_err(|e| internal(&e))?;
    set.write_to(&root).map_err(|e| internal(&e))?;
    let options = LoadOptions { write_attack_cache: false, ..LoadOptions::default() };
    match riskpath_model::load(&root, &options) {
        Ok(Loaded { model, warnings, .. }) => {
            if let Some(attack) = model.settings.attack.as_deref().filter(|a| !confined(a)) {
                return Err(vec![refused(attack)]);
            }
            let mut all = warnings.clone();
            all.list.extend(riskpath_model::notes(&model));
            Ok(located(&all, &root))
        }
        Err(problems) => Err(located(&problems, &root)),
    }
}

fn refused(attack: &str) -> Located {
    Located {
        severity: "error".into(),
        file: None,
        line: None,
        column: None,
        message: format!("`settings.attack: {attack}` names a file outside the uploaded model"),
        help: Some("upload the ATT&CK bundle with the model and name it by its path in the upload".into()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_relative_downward_paths_are_confined() {
        assert!(confined("data/attack.json.zst"));
        assert!(confined("./attack.json"));
        for p in ["/etc/passwd", "../attack.json", "a/../../b", ""] {
            assert!(!confined(p), "{p}");
        }
    }
}
