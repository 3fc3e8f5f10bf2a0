//! Which model node a scanned artifact is: the mapping file's first matching entry (a name or a
//! glob → nodes, and where attackers reach them from), else a node tagged with the artifact's
//! name (`image:registry/app`, `host:…`, `repo:…`), else a new node.

use std::path::{Path, PathBuf};

use riskpath_model::yaml::{self, Node as YNode, ParseLimits, Value};

use super::input::{InputError, line_col, read_text};
use super::{Artifact, ModelView};

/// One entry of the mapping file.
#[derive(Debug, Clone)]
pub struct MapEntry {
    /// As written: an artifact name or a glob (`*` and `?` match any characters, `/` included).
    pub pattern: String,
    glob: glob::Pattern,
    /// Model nodes the artifact is; empty: a new node per artifact.
    pub nodes: Vec<String>,
    /// Where attackers reach the nodes from (entry points or nodes); empty: from the model.
    pub from: Vec<String>,
    /// 1-based line and column of the entry.
    pub line: usize,
    pub col: usize,
}

/// The mapping file (`--map FILE`).
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub file: PathBuf,
    pub entries: Vec<MapEntry>,
}

/// How an artifact was tied to the model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The mapping file's entry on this line.
    MapFile { line: usize },
    /// A node's tag `image:…`, `host:…` or `repo:…`.
    Tag,
    /// A node created for it.
    New,
}

/// Where an artifact goes: its nodes (empty for a new node), the sources the mapping gives, the rule.
#[derive(Debug, Clone)]
pub struct Placement {
    pub nodes: Vec<String>,
    pub from: Vec<String>,
    pub rule: Rule,
}

const ENTRY_KEYS: &[&str] = &["match", "node", "nodes", "from"];

impl Mapping {
    pub fn open(path: &Path) -> Result<Mapping, InputError> {
        Mapping::parse(path, &read_text(path)?)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Mapping, InputError> {
        let at = |loc: riskpath_model::Loc, message: String| {
            let (line, col) = line_col(text, loc.offset as usize);
            InputError::at(path, line, col, message)
        };
        let root = yaml::parse(text, 0, &ParseLimits::default()).map_err(|p| match p.loc {
            Some(loc) => at(loc, p.message),
            None => InputError::new(path, p.message),
        })?;
        let mut mapping = Mapping { file: path.to_path_buf(), entries: Vec::new() };
        let items = match &root.value {
            Value::Null => return Ok(mapping),
            Value::Map(entries) => match entries.as_slice() {
                [(k, v)] if matches!(&k.value, Value::Str(s) if s == "artifacts") => v,
                _ => return Err(at(root.loc, "a mapping file has one key, `artifacts` (a list)".into())),
            },
            _ => return Err(at(root.loc, "a mapping file is a mapping with the key `artifacts`".into())),
        };
        let list = match &items.value {
            Value::Seq(list) => list.as_slice(),
            Value::Null => &[],
            other => return Err(at(items.loc, format!("`artifacts` must be a list, found {}", other.describe()))),
        };
        for item in list {
            mapping.entries.push(entry(item, text, &at)?);
        }
        Ok(mapping)
    }

    /// The first entry matching any of the artifact's names.
    pub fn find(&self, artifact: &Artifact) -> Option<&MapEntry> {
        self.entries.iter().find(|e| artifact.names.iter().any(|n| e.glob.matches(n) || e.pattern == *n))
    }

    /// Every node and source id the file names that the model lacks, as errors at their line.
    pub fn check_against(&self, model: &ModelView) -> Result<(), InputError> {
        for e in &self.entries {
            for id in &e.nodes {
                if !model.has_node(id) {
                    return Err(InputError::at(&self.file, e.line, e.col, format!("node `{id}` is not in the model")));
                }
            }
            for id in &e.from {
                if !model.has_node(id) && !model.has_entry(id) {
                    return Err(InputError::at(
                        &self.file,
                        e.line,
                        e.col,
                        format!("`from: {id}` is neither an entry point nor a node of the model"),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn entry(
    item: &YNode,
    text: &str,
    at: &impl Fn(riskpath_model::Loc, String) -> InputError,
) -> Result<MapEntry, InputError> {
    let Value::Map(fields) = &item.value else {
        return Err(at(item.loc, format!("an `artifacts` entry must be a mapping, found {}", item.value.describe())));
    };
    let (line, col) = line_col(text, item.loc.offset as usize);
    let mut e = MapEntry {
        pattern: String::new(),
        glob: glob::Pattern::default(),
        nodes: Vec::new(),
        from: Vec::new(),
        line,
        col,
    };
    for (k, v) in fields {
        let key = match &k.value {
            Value::Str(s) if ENTRY_KEYS.contains(&s.as_str()) => s.as_str(),
            _ => {
                let name = match &k.value {
                    Value::Str(s) => s.clone(),
                    other => other.describe().to_string(),
                };
                let hint = riskpath_model::did_you_mean(&name, ENTRY_KEYS.iter().copied()).unwrap_or_default();
                return Err(at(
                    k.loc,
                    format!("unknown key `{name}` in an `artifacts` entry (keys: match, node, nodes, from) {hint}")
                        .trim_end()
                        .to_string(),
                ));
            }
        };
        let strings = strings(v, key, at)?;
        match key {
            "match" => match strings.as_slice() {
                [p] => e.pattern = p.clone(),
                _ => return Err(at(v.loc, "`match` is one artifact name or glob".into())),
            },
            "node" | "nodes" => e.nodes.extend(strings),
            _ => e.from.extend(strings),
        }
    }
    if e.pattern.is_empty() {
        return Err(at(item.loc, "an `artifacts` entry needs `match` (an artifact name or glob)".into()));
    }
    e.glob = glob::Pattern::new(&e.pattern)
        .map_err(|why| at(item.loc, format!("`match: {}` is not a glob: {why}", e.pattern)))?;
    Ok(e)
}

/// A string or a list of non-empty strings.
fn strings(
    v: &YNode,
    key: &str,
    at: &impl Fn(riskpath_model::Loc, String) -> InputError,
) -> Result<Vec<String>, InputError> {
    let one = |n: &YNode| match &n.value {
        Value::Str(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        other => {
            Err(at(n.loc, format!("`{key}` must be a non-empty string or a list of them, found {}", other.describe())))
        }
    };
    match &v.value {
        Value::Seq(items) => items.iter().map(one).collect(),
        _ => one(v).map(|s| vec![s]),
    }
}

/// Where the artifact goes: the mapping file's first matching entry, else nodes tagged with one
/// of its names (`image:`, `host:` or `repo:` and the name, or the name without its `:tag` or
/// `@digest`), else a new node.
pub fn place(artifact: &Artifact, mapping: &Mapping, model: &ModelView) -> Placement {
    if let Some(e) = mapping.find(artifact) {
        return Placement { nodes: e.nodes.clone(), from: e.from.clone(), rule: Rule::MapFile { line: e.line } };
    }
    let names: Vec<&str> = artifact.names.iter().flat_map(|n| [n.as_str(), strip_version(n)]).collect();
    let tagged: Vec<String> = model
        .nodes
        .iter()
        .filter(|n| n.tags.iter().any(|t| tag_name(t).is_some_and(|t| names.contains(&t))))
        .map(|n| n.id.clone())
        .collect();
    if tagged.is_empty() {
        Placement { nodes: Vec::new(), from: Vec::new(), rule: Rule::New }
    } else {
        Placement { nodes: tagged, from: Vec::new(), rule: Rule::Tag }
    }
}

/// The artifact name in a node tag `image:…`, `host:…` or `repo:…`.
fn tag_name(tag: &str) -> Option<&str> {
    ["image:", "host:", "repo:"].iter().find_map(|p| tag.strip_prefix(p))
}

/// An image reference without its `@digest` and `:tag` (a `:` before the last `/` is a port).
pub fn strip_version(name: &str) -> &str {
    let name = name.split_once('@').map_or(name, |(n, _)| n);
    match name.rfind(':') {
        Some(i) if !name[i..].contains('/') => &name[..i],
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_lose_tag_and_digest_but_keep_ports() {
        assert_eq!(strip_version("registry.acme.io:5000/app:1.2"), "registry.acme.io:5000/app");
        assert_eq!(strip_version("ghcr.io/acme/app@sha256:abc"), "ghcr.io/acme/app");
        assert_eq!(strip_version("registry.acme.io:5000/app"), "registry.acme.io:5000/app");
        assert_eq!(strip_version("alpine"), "alpine");
    }

    #[test]
    fn mapping_files_are_checked_with_places() {
        let ok = Mapping::parse(
            Path::new("map.yaml"),
            "artifacts:\n  - {match: \"ghcr.io/acme/*\", node: web, from: [internet]}\n  - match: x\n    nodes: [a, b]\n",
        )
        .unwrap();
        assert_eq!(ok.entries.len(), 2);
        assert_eq!((ok.entries[0].line, ok.entries[1].nodes.len()), (2, 2));
        let err = |t: &str| Mapping::parse(Path::new("map.yaml"), t).unwrap_err().to_string();
        assert_eq!(
            err("artifacts:\n  - {match: x, nodes: [a], form: [internet]}\n"),
            "map.yaml:2:28: unknown key `form` in an `artifacts` entry (keys: match, node, nodes, from) did you mean `from`?"
        );
        assert_eq!(
            err("artifacts:\n  - {node: a}\n"),
            "map.yaml:2:5: an `artifacts` entry needs `match` (an artifact name or glob)"
        );
        assert_eq!(err("images: []\n"), "map.yaml:1:1: a mapping file has one key, `artifacts` (a list)");
        assert!(err("artifacts: [{match: \"[\"}]\n").contains("is not a glob"));
    }
}
