//! The hand-written side of an import: an `import: {<source>: …}` section in any model file beside
//! the generated folder, which the loader ignores and the importer of that source reads.

use std::path::{Path, PathBuf};

use riskpath_model::Sources;
use riskpath_model::yaml::{self, Node, ParseLimits, Value as YValue};
use serde_json::Value;

/// The `import.<source>` section of the model under `dir` (hidden folders, the skipped ones and
/// `generated` excluded): its place (`file:line:col`) and its value as JSON; `None` when no file
/// has one. Two files with the section are an error naming both.
pub fn section(dir: &Path, generated: &Path, source: &str) -> Result<Option<(String, Value)>, String> {
    let mut found: Option<(String, Value)> = None;
    if !dir.is_dir() {
        return Ok(None);
    }
    for path in model_files(dir, generated) {
        let Some((at, value)) = section_of(&path, source)? else { continue };
        if let Some((first, _)) = &found {
            return Err(format!("{at}: `import.{source}` is also in {first}: keep one"));
        }
        found = Some((at, value));
    }
    Ok(found)
}

/// The model files under `dir` the loader would read, except those under `generated`, sorted.
fn model_files(dir: &Path, generated: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || path == generated || riskpath_model::SKIPPED_DIRS.contains(&name.as_str()) {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if riskpath_model::is_model_file(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Whether a model file under `dir` (outside `generated`) has the top-level key `key`.
pub fn has_top_key(dir: &Path, generated: &Path, key: &str) -> bool {
    model_files(dir, generated).iter().any(|path| {
        let Ok(text) = std::fs::read_to_string(path) else { return false };
        if is_jsonl(path) {
            // A JSON Lines file holds a list's items one a line, under the singular (`actor`).
            let kind = key.strip_suffix('s').unwrap_or(key);
            let quoted = format!("\"{kind}\"");
            return text.lines().filter(|line| line.contains(&quoted)).any(|line| {
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(line)
                    .is_ok_and(|m| m.contains_key(kind))
            });
        }
        if !text.contains(key) {
            return false;
        }
        let mut sources = Sources::default();
        let file = sources.add(path.to_path_buf(), text.as_str().into());
        yaml::parse(&text, file, &ParseLimits::default()).is_ok_and(|root| get(&root, key).is_some())
    })
}

fn section_of(path: &Path, source: &str) -> Result<Option<(String, Value)>, String> {
    if is_jsonl(path) {
        // JSON Lines files hold items only; importer settings are written in YAML.
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !text.contains("import") {
        return Ok(None);
    }
    let mut sources = Sources::default();
    let file = sources.add(path.to_path_buf(), text.as_str().into());
    // A file the loader rejects is reported by the loader, not here.
    let Ok(root) = yaml::parse(&text, file, &ParseLimits::default()) else { return Ok(None) };
    let Some(section) = get(&root, "import").and_then(|i| get(i, source)) else { return Ok(None) };
    Ok(Some((sources.position(section.loc), to_json(section))))
}

fn is_jsonl(path: &Path) -> bool {
    path.extension().is_some_and(|x| x.eq_ignore_ascii_case("jsonl"))
}

fn get<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    let YValue::Map(entries) = &node.value else { return None };
    entries.iter().find(|(k, _)| matches!(&k.value, YValue::Str(s) if s == key)).map(|(_, v)| v)
}

/// A parsed YAML tree as JSON.
pub fn to_json(node: &Node) -> Value {
    match &node.value {
        YValue::Null => Value::Null,
        YValue::Bool(b) => Value::Bool(*b),
        YValue::Int(i) => Value::from(*i),
        YValue::Float(f) => Value::from(*f),
        YValue::Str(s) => Value::String(s.clone()),
        YValue::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        YValue::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match &k.value {
                        YValue::Str(s) => s.clone(),
                        other => format!("{other:?}"),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}

/// A loss maps loss types to a number or `{low, high}`; the loader checks the numbers.
pub fn check_loss(loss: &Value) -> Result<(), String> {
    let Value::Object(m) = loss else { return Err("`loss` must map loss types to amounts".into()) };
    for (k, v) in m {
        if !riskpath_model::LOSS_TYPES.contains(&k.as_str()) {
            return Err(format!("unknown loss type `{k}` (one of {})", riskpath_model::LOSS_TYPES.join(", ")));
        }
        let interval = v
            .as_object()
            .is_some_and(|o| o.get("low").is_some_and(Value::is_number) && o.get("high").is_some_and(Value::is_number));
        if !v.is_number() && !interval {
            return Err(format!("loss `{k}` must be a number or {{low, high}}"));
        }
    }
    Ok(())
}

/// Case-insensitive match of `*` (any run) and `?` (one character) wildcards (IAM's matcher,
/// which compares ARNs component by component and other strings whole).
pub fn glob(pattern: &str, text: &str) -> bool {
    crate::aws::glob::matches(pattern, text, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_case_insensitively() {
        assert!(glob("*ADMINS@CORP.LOCAL", "domain admins@corp.local"));
        assert!(glob("S-1-5-21-*-512", "S-1-5-21-1-2-3-512"));
        assert!(glob("a?c", "ABC") && !glob("a?c", "abbc"));
        assert!(!glob("*-512", "S-1-5-21-1-2-3-5120"));
        assert!(glob("*", "") && glob("", "") && !glob("", "x"));
    }

    #[test]
    fn the_section_is_found_in_a_hand_written_file_and_twice_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), "import:\n  bloodhound: {stale_days: 30}\nactors: []\n").unwrap();
        std::fs::create_dir(dir.path().join("bloodhound")).unwrap();
        std::fs::write(dir.path().join("bloodhound/x.yaml"), "import: {bloodhound: {stale_days: 1}}\n").unwrap();
        let (at, v) = section(dir.path(), &dir.path().join("bloodhound"), "bloodhound").unwrap().unwrap();
        assert!(at.contains("a.yaml:2:"), "{at}");
        assert_eq!(v["stale_days"], 30);
        assert!(section(dir.path(), &dir.path().join("bloodhound"), "aws").unwrap().is_none());
        std::fs::write(dir.path().join("b.yaml"), "import: {bloodhound: {}}\n").unwrap();
        let e = section(dir.path(), &dir.path().join("bloodhound"), "bloodhound").unwrap_err();
        assert!(e.contains("b.yaml") && e.contains("a.yaml"), "{e}");
    }
}
