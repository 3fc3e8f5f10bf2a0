//! The hand-written side of an AWS import: an `import: {aws: …}` section in any model file beside
//! the generated folder says which stores are crown jewels and what the administrator's loss is.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::glob;
use crate::overlay::check_loss;
pub use crate::overlay::to_json;

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
    let Some((at, value)) = crate::overlay::section(dir, skip, "aws")? else { return Ok(Overlay::default()) };
    let overlay: Overlay = serde_json::from_value(value).map_err(|e| format!("{at}: import.aws: {e}"))?;
    for (i, j) in overlay.jewels.iter().enumerate() {
        if j.pattern.is_none() && j.tag.is_none() {
            return Err(format!("{at}: import.aws jewel {}: give `match` or `tag`", i + 1));
        }
        check_loss(&j.loss).map_err(|e| format!("{at}: import.aws jewel {}: {e}", i + 1))?;
    }
    if let Some(l) = &overlay.admin_loss {
        check_loss(l).map_err(|e| format!("{at}: import.aws admin_loss: {e}"))?;
    }
    Ok(overlay)
}
