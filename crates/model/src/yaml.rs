//! Bounded parsing of one model file (YAML or JSON) into a tree of values that keep their spans.
//! Size, node count, alias expansion and nesting depth are all capped before any typing happens.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Budget, Options, Spanned};

use crate::source::{FileId, Loc, Problem};

/// Limits on one file. The defaults hold a 50,000-edge model comfortably and stop hostile input.
/// A JSON Lines file (`*.jsonl`, read a line at a time) has its own size limit and one per line;
/// `max_depth` bounds nesting in both.
#[derive(Debug, Clone, Copy)]
pub struct ParseLimits {
    pub max_file_bytes: u64,
    pub max_depth: usize,
    pub max_nodes: usize,
    pub max_aliases: usize,
    /// Largest JSON Lines file (at most 4 GiB - 1: locations are 32-bit byte offsets).
    pub max_stream_bytes: u64,
    /// Longest line of a JSON Lines file, in bytes.
    pub max_line_bytes: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_file_bytes: 64 << 20,
            max_depth: 32,
            max_nodes: 4_000_000,
            max_aliases: 10_000,
            max_stream_bytes: u32::MAX as u64,
            max_line_bytes: 1 << 20,
        }
    }
}

/// A YAML value with the span of the text it came from.
#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// What the value is, in the words of an error message ("a string", "a mapping").
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Parses `text` (YAML 1.2; JSON is accepted as YAML) within `limits`.
pub fn parse(text: &str, file: FileId, limits: &ParseLimits) -> Result<Node, Problem> {
    let mut budget = Budget::default();
    budget.max_depth = limits.max_depth;
    budget.max_nodes = limits.max_nodes;
    budget.max_events = limits.max_nodes.saturating_mul(3);
    budget.max_aliases = limits.max_aliases;
    budget.max_anchors = limits.max_aliases;
    budget.max_total_scalar_bytes = limits.max_file_bytes as usize;
    budget.max_documents = 1;
    let mut options = Options::default();
    options.budget = Some(budget);
    if text.trim().is_empty() {
        return Ok(Node { value: Value::Null, loc: Loc { file, offset: 0, len: 0 } });
    }
    match serde_saphyr::from_str_with_options::<Spanned<RawValue>>(text, options) {
        Ok(spanned) => Ok(to_node(spanned, text, file)),
        Err(err) => {
            let loc = err.location().and_then(|l| {
                let span = l.span();
                let offset = match span.byte_offset() {
                    Some(off) => off as usize,
                    None => offset_of_line_col(text, l.line() as usize, l.column() as usize)?,
                };
                Some(clamp_span(text, file, offset, span.byte_len().unwrap_or(1) as usize))
            });
            let what = describe_error(&err);
            Err(Problem::error(format!("cannot parse this file: {what}"), loc).with_label("here"))
        }
    }
}

/// Warnings for strings (values and keys) holding characters no model text needs and terminals
/// or documents would act on: control characters other than tab and line feed, and the
/// bidirectional overrides ([`crate::escape::is_unsafe`]). Every output escapes them, so a model
/// (or an import from a directory where anyone may name an object) still loads; one warning per
/// string, at its place.
pub fn unsafe_text(root: &Node) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut work = vec![root];
    while let Some(node) = work.pop() {
        match &node.value {
            Value::Str(s) => {
                if let Some(c) = s.chars().find(|&c| crate::escape::is_unsafe(c) && !matches!(c, '\t' | '\n')) {
                    problems.push(
                        Problem::warning(
                            format!(
                                "text holds U+{:04X}, a control or bidirectional-override character (shown escaped)",
                                c as u32
                            ),
                            Some(node.loc),
                        )
                        .with_help(
                            "model text needs no control characters but tabs and line breaks, and no bidirectional \
                             overrides: a terminal or a document would act on them, so riskpath shows them as escapes",
                        ),
                    );
                }
            }
            Value::Seq(items) => work.extend(items.iter().rev()),
            Value::Map(entries) => {
                for (k, v) in entries.iter().rev() {
                    work.push(v);
                    work.push(k);
                }
            }
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
        }
    }
    problems
}

/// The parser's message in a user's words: no library advice, no debug dumps.
fn describe_error(err: &serde_saphyr::Error) -> String {
    if let serde_saphyr::Error::Budget { breach, .. } = err {
        let limit = format!("{breach:?}");
        let what = limit.split([' ', '{', '(']).next().unwrap_or("");
        return match what {
            "Documents" => "a model file holds one YAML document (remove the extra `---`)".into(),
            "Depth" => "nesting is deeper than the limit".into(),
            "Nodes" => "the file holds more YAML values than the per-file limit (split it into several files)".into(),
            "Aliases" | "Anchors" | "RecordedAnchorEvents" | "RecordedAnchorBytes" | "AliasAnchorRatio" => {
                "too many YAML aliases or anchors (alias expansion limit)".into()
            }
            _ => format!("the file exceeds a parsing safety limit ({what})"),
        };
    }
    let message = first_line(&err.to_string());
    // serde-saphyr prefixes "error: line L column C: "; we show the place ourselves.
    let message = match message.find(": ") {
        Some(i) if message.starts_with("error: line ") => message[i + 2..].to_string(),
        _ => message,
    };
    match message.find(", set DuplicateKeyPolicy") {
        Some(i) => format!("{} (each key may appear once in a mapping)", &message[..i]),
        None => message,
    }
}

/// Byte offset of a 1-based line and character column; LF, CR LF and a lone CR end a line.
fn offset_of_line_col(text: &str, line: usize, column: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let breaks =
        bytes.iter().enumerate().filter(|&(i, &b)| b == b'\n' || b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
    let line_start = if line <= 1 { 0 } else { breaks.map(|(i, _)| i + 1).nth(line - 2)? };
    let rest = &text[line_start..];
    let in_line = rest.char_indices().nth(column.saturating_sub(1)).map_or(rest.len(), |(i, _)| i);
    Some(line_start + in_line)
}

/// A location of at least one character, inside the text and on character boundaries.
fn clamp_span(text: &str, file: FileId, offset: usize, len: usize) -> Loc {
    let mut start = offset.min(text.len());
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + len.max(1)).min(text.len());
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    if end <= start && start > 0 {
        // An empty span at the very end: point at the last character instead.
        start = text[..start].char_indices().last().map_or(0, |(i, _)| i);
        end = text.len();
    }
    Loc { file, offset: start as u32, len: (end - start) as u32 }
}

fn first_line(message: &str) -> String {
    // serde-saphyr appends its own snippet; we render ours with miette instead.
    message.lines().next().unwrap_or(message).trim().to_string()
}

/// The value as serde-saphyr gives it: children still wrapped in its `Spanned`.
enum RawValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<RawValue>>),
    Map(Vec<(Spanned<RawValue>, Spanned<RawValue>)>),
}

fn to_node(spanned: Spanned<RawValue>, text: &str, file: FileId) -> Node {
    let span = spanned.referenced.span();
    let loc = clamp_span(text, file, span.byte_offset().unwrap_or(0) as usize, span.byte_len().unwrap_or(0) as usize);
    let value = match spanned.value {
        RawValue::Null => Value::Null,
        RawValue::Bool(b) => Value::Bool(b),
        RawValue::Int(i) => Value::Int(i),
        RawValue::Float(f) => Value::Float(f),
        RawValue::Str(s) => Value::Str(s),
        RawValue::Seq(items) => Value::Seq(items.into_iter().map(|i| to_node(i, text, file)).collect()),
        RawValue::Map(entries) => {
            Value::Map(entries.into_iter().map(|(k, v)| (to_node(k, text, file), to_node(v, text, file))).collect())
        }
    };
    Node { value, loc }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_none<E>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        RawValue::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawValue, E> {
        Ok(i64::try_from(v).map(RawValue::Int).unwrap_or(RawValue::Float(v as f64)))
    }
    fn visit_i128<E>(self, v: i128) -> Result<RawValue, E> {
        Ok(i64::try_from(v).map(RawValue::Int).unwrap_or(RawValue::Float(v as f64)))
    }
    fn visit_u128<E>(self, v: u128) -> Result<RawValue, E> {
        Ok(i64::try_from(v).map(RawValue::Int).unwrap_or(RawValue::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<RawValue, E> {
        Err(E::custom("binary values are not allowed in a model"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<RawValue>>()? {
            items.push(item);
        }
        Ok(RawValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<RawValue>>()? {
            let value = map.next_value::<Spanned<RawValue>>()?;
            entries.push((key, value));
        }
        Ok(RawValue::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, node: &Node) -> String {
        text[node.loc.offset as usize..(node.loc.offset + node.loc.len) as usize].to_string()
    }

    #[test]
    fn keeps_spans_of_nested_values() {
        let text = "nodes:\n  - {id: web, kind: service}\n  - id: db\n    p: 0.5\n";
        let root = parse(text, 0, &ParseLimits::default()).unwrap();
        let Value::Map(top) = &root.value else { panic!() };
        let Value::Seq(nodes) = &top[0].1.value else { panic!() };
        let Value::Map(second) = &nodes[1].value else { panic!() };
        assert_eq!(at(text, &second[0].1), "db");
        assert_eq!(at(text, &second[1].0), "p");
        assert!(matches!(second[1].1.value, Value::Float(f) if f == 0.5));
    }

    #[test]
    fn parses_json_and_exponent_floats() {
        let root = parse("{\"a\": [1, 2e6, \"x\"]}", 0, &ParseLimits::default()).unwrap();
        let Value::Map(top) = &root.value else { panic!() };
        let Value::Seq(items) = &top[0].1.value else { panic!() };
        assert!(matches!(items[1].value, Value::Float(f) if f == 2e6));
    }

    #[test]
    fn rejects_alias_bombs_and_deep_nesting() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 { "a".to_string() } else { format!("l{}", i - 1) };
            bomb.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(parse(&bomb, 0, &ParseLimits::default()).is_err());
        let deep = "[".repeat(500) + &"]".repeat(500);
        assert!(parse(&deep, 0, &ParseLimits::default()).is_err());
    }
}
