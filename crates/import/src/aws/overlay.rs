//! The hand-written side of an AWS import: an `import: {aws: …}` section in any model file beside
//! the generated folder says which stores are crown jewels and what the administrator's loss is.

use std::path::Path;

use riskpath_model::yaml::{self, Node, ParseLimits, Value as YValue};
use riskpath_model::{LOSS_TYPES, Sources};
use serde::Deserialize;
use serde_json::Value;

use super::glob;

/// `import.aws` of the model's hand-written files.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    /// The loss when an account's administrator is taken (default: [`DEFAULT_ADMIN_LOSS`]).
    #[serde(default)]
    pub admin_loss: Option<Value>,
    #[serde(default)]
    pub jewels: Vec<Jewel>,
}

/// Stores (or principals) that are crown jewels: by ARN or name pattern, or by AWS tag.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Jewel {
    /// An IAM-style wildcard pattern (`*`, `?`) over the node's id (ARN) or name.
    #[serde(default, rename = "match")]
    pub pattern: Option<String>,
    /// `KEY=VALUE` (value may use wildcards): an AWS tag of the store from the inventory.
    #[serde(default)]
    pub tag: Option<String>,
    pub loss: Value,
}

/// The loss of an account administrator when no overlay says otherwise: a placeholder the import
/// summary points out. Integrity: an administrator can change or delete anything in the account.
pub const DEFAULT_ADMIN_LOSS: &str = r#"{"integrity": {"low": 100000, "high": 10000000}}"#;

impl Jewel {
    /// Whether a node (id, name, tags) is this jewel.
    pub fn matches(&self, id: &str, name: &str, tags: &[String]) -> bool {
        let by_pattern =
            self.pattern.as_ref().is_some_and(|p| glob::matches(p, id, false) || glob::matches(p, name, false));
        let by_tag = self.tag.as_ref().is_some_and(|t| {
            tags.iter().any(|x| x.strip_prefix("aws-tag:").is_some_and(|kv| glob::matches(t, kv, false)))
        });
        by_pattern || by_tag
    }
}

/// Reads `import.aws` from the model files under `dir` (hidden folders and `skip` excluded).
pub fn read(dir: &Path, skip: &Path) -> Result<Overlay, String> {
    let mut found: Option<(String, Overlay)> = None;
    if !dir.is_dir() {
        return Ok(Overlay::default());
    }
    let walker = walkdir_files(dir, skip);
    for path in walker {
        let Some(section) = section_of(&path)? else { continue };
        let at = path.display().to_string();
        if let Some((first, _)) = &found {
            return Err(format!("{at}: `import.aws` is also in {first}: keep one"));
        }
        found = Some((at, section));
    }
    Ok(found.map(|(_, o)| o).unwrap_or_default())
}

fn walkdir_files(dir: &Path, skip: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || path == skip || riskpath_model::SKIPPED_DIRS.contains(&name.as_str()) {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if matches!(path.extension().and_then(|x| x.to_str()), Some("yaml" | "yml" | "json")) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The `import.aws` section of one file, checked; None when the file has none.
fn section_of(path: &Path) -> Result<Option<Overlay>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !text.contains("import") {
        return Ok(None);
    }
    let mut sources = Sources::default();
    let file = sources.add(path.to_path_buf(), text.as_str().into());
    // A file the loader will reject anyway is not ours to report.
    let Ok(root) = yaml::parse(&text, file, &ParseLimits::default()) else { return Ok(None) };
    let Some(import) = get(&root, "import") else { return Ok(None) };
    let Some(aws) = get(import, "aws") else { return Ok(None) };
    let at = sources.position(aws.loc);
    let overlay: Overlay = serde_json::from_value(to_json(aws)).map_err(|e| format!("{at}: import.aws: {e}"))?;
    for (i, j) in overlay.jewels.iter().enumerate() {
        if j.pattern.is_none() && j.tag.is_none() {
            return Err(format!("{at}: import.aws jewel {}: give `match` or `tag`", i + 1));
        }
        check_loss(&j.loss).map_err(|e| format!("{at}: import.aws jewel {}: {e}", i + 1))?;
    }
    if let Some(l) = &overlay.admin_loss {
        check_loss(l).map_err(|e| format!("{at}: import.aws admin_loss: {e}"))?;
    }
    Ok(Some(overlay))
}

/// A loss is a mapping of loss types to a number or `{low, high}`; the loader checks the numbers.
fn check_loss(loss: &Value) -> Result<(), String> {
    let Value::Object(m) = loss else { return Err("`loss` must map loss types to amounts".into()) };
    for (k, v) in m {
        if !LOSS_TYPES.contains(&k.as_str()) {
            return Err(format!("unknown loss type `{k}` (one of {})", LOSS_TYPES.join(", ")));
        }
        let ok = v.is_number()
            || v.as_object().is_some_and(|o| {
                o.get("low").is_some_and(Value::is_number) && o.get("high").is_some_and(Value::is_number)
            });
        if !ok {
            return Err(format!("loss `{k}` must be a number or {{low, high}}"));
        }
    }
    Ok(())
}

fn get<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    let YValue::Map(entries) = &node.value else { return None };
    entries.iter().find(|(k, _)| matches!(&k.value, YValue::Str(s) if s == key)).map(|(_, v)| v)
}

/// A parsed YAML tree as JSON, for serde.
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
