//! JSON Lines model files (`*.jsonl`): one item a line (`{"edge": {...}}`), read a line at a time
//! within limits, each line's item typed by `read.rs` exactly as a YAML item, at its line and column.
//!
//! Only the current line is held: a line is checked by serde_json, then turned into the spanned
//! values `read.rs` types (nested values are borrowed slices of the line, so every value keeps its
//! place), and dropped. What the file leaves behind is its line index and SHA-256 ([`Streamed`]).
//! An edge line of the common shape (what `gen` and the importers write) takes a typed fast path
//! ([`fast_edge`]) to the same edge at the same places; any other line, or anything unusual in it,
//! takes the generic path, so every message is the generic path's.

use std::fmt;
use std::io::{BufRead, Read as _};

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::names::Names;
use crate::read::{FileContents, Reader};
use crate::source::{FileId, Loc, Problem, Streamed};
use crate::types::{Edge, Estimate, Spanned};
use crate::yaml::{Node, ParseLimits, Value};

/// Lines that cannot be read (syntax, encoding, length) after which a file is given up.
const MAX_BROKEN_LINES: usize = 100;

/// What one JSON Lines file gave: its items, its problems, and whether some line could not be read
/// (then the model is not validated as a whole, as with a YAML syntax error).
pub struct Read {
    pub contents: FileContents,
    pub problems: Vec<Problem>,
    pub streamed: Streamed,
    pub broken: bool,
}

/// Reads a JSON Lines file from `input`, one line at a time, its names shared through `names`. `Err` only when the file as a whole
/// cannot be read (I/O, the file size limit); a bad line is a located problem and reading goes on.
pub fn read(mut input: impl BufRead, file: FileId, limits: &ParseLimits, names: &Names) -> Result<Read, Problem> {
    let mut reader = Reader { problems: Vec::new(), names: names.clone() };
    let mut contents = FileContents::default();
    let mut line_starts = Vec::new();
    let mut hasher = Sha256::new();
    let mut buf = Vec::new();
    let mut offset = 0u64;
    let mut broken = 0;
    let io = |e: std::io::Error| Problem::error(format!("cannot read this file: {e}"), None);
    let max_file = limits.max_stream_bytes.min(u32::MAX as u64);
    loop {
        buf.clear();
        let n = input.by_ref().take(limits.max_line_bytes as u64 + 1).read_until(b'\n', &mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        let start = offset;
        line_starts.push(start as u32);
        hasher.update(&buf);
        offset += n as u64;
        let mut problem = None;
        if buf.len() > limits.max_line_bytes && buf.last() != Some(&b'\n') {
            let mut rest = Vec::new();
            // The rest of the line is skipped a bounded piece at a time (still hashed and counted).
            while rest.last() != Some(&b'\n') {
                rest.clear();
                let m = input.by_ref().take(1 << 16).read_until(b'\n', &mut rest).map_err(io)?;
                if m == 0 {
                    break;
                }
                hasher.update(&rest);
                offset += m as u64;
                if offset > max_file {
                    break;
                }
            }
            problem = Some(too_long(file, start, limits.max_line_bytes));
        }
        if offset > max_file {
            return Err(Problem::error(format!("the file is larger than the {max_file}-byte limit"), None)
                .with_help("split it into several .jsonl files"));
        }
        let problem = match problem {
            Some(p) => Some(p),
            None => line(&buf, start, file, limits, &mut reader, &mut contents),
        };
        if let Some(p) = problem {
            reader.problems.push(p);
            broken += 1;
            if broken >= MAX_BROKEN_LINES {
                reader.problems.push(Problem::error(
                    format!("{broken} lines cannot be read; the rest of the file was not read"),
                    Some(Loc { file, offset: start as u32, len: 1 }),
                ));
                break;
            }
        }
    }
    let streamed = Streamed { line_starts, len: offset, sha256: hasher.finalize().into() };
    Ok(Read { contents, problems: reader.problems, streamed, broken: broken > 0 })
}

fn too_long(file: FileId, start: u64, max: usize) -> Problem {
    Problem::error(
        format!("this line is longer than the {max}-byte limit"),
        Some(Loc { file, offset: start as u32, len: 1 }),
    )
    .with_help("one item a line; an item this large is likely not a model item")
}

/// Types one line (with its line break) into `contents`; the problem that makes it unreadable, if any.
fn line(
    bytes: &[u8],
    start: u64,
    file: FileId,
    limits: &ParseLimits,
    reader: &mut Reader,
    contents: &mut FileContents,
) -> Option<Problem> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = Loc { file, offset: (start + e.valid_up_to() as u64) as u32, len: 1 };
            return Some(
                Problem::error("not UTF-8", Some(at))
                    .with_help("model files are UTF-8 text; re-save the file as UTF-8"),
            );
        }
    };
    let text = text.trim_end_matches(['\n', '\r']);
    if text.trim().is_empty() {
        return None;
    }
    let place = Place { line: text, start, file, max_depth: limits.max_depth };
    if let Some(edge) = fast_edge(&place, reader) {
        contents.edges.push(edge);
        return None;
    }
    let node = match place.parse() {
        Ok(node) => node,
        Err(p) => return Some(p),
    };
    let first = reader.problems.len();
    reader.problems.extend(crate::yaml::unsafe_text(&node));
    reader.line(&node, contents);
    if let Some(name) = item_name(&node) {
        for p in &mut reader.problems[first..] {
            p.message = format!("{} (in {name})", p.message);
        }
    }
    None
}

/// The typed fast path for the common edge line: `{"edge": {...}}` with `from`, `to`, `kind` and
/// at most `id`, `p` (a number in [0, 1]) and `requires` (a list), every string printable ASCII
/// without escapes. serde_json reads it straight into borrowed strings and the edge is what
/// [`Reader::line`] makes of it, at the same places. Any other line, or anything unusual in this
/// one, gives `None`: the line then takes the generic path, whose messages stay the only ones.
fn fast_edge(place: &Place, reader: &Reader) -> Option<Edge> {
    let EdgeLine { edge } = serde_json::from_str(place.line).ok()?;
    let fields: EdgeFields = serde_json::from_str(edge.get()).ok()?;
    let token = |s: &str| place.token(s);
    let name = |s: &str| Some(reader.name(plain(s)?, place.token(s)?));
    let p = match fields.p {
        None => None,
        Some(raw) => {
            let v = match number(raw.get()).ok()? {
                Value::Int(i) => i as f64,
                Value::Float(f) => f,
                _ => return None,
            };
            (0.0..=1.0).contains(&v).then_some(())?;
            Some(Spanned { value: Estimate::Point(v), loc: place.loc(raw.get()) })
        }
    };
    let requires = fields.requires.unwrap_or_default();
    let requires = requires
        .into_iter()
        .map(|r| Some(Spanned { value: plain(r)?.to_string(), loc: token(r)? }))
        .collect::<Option<Vec<_>>>()?;
    let id = match fields.id {
        Some(id) => Some((plain(id)?.to_string(), token(id)?)),
        None => None,
    };
    Some(Edge {
        loc: id.as_ref().map_or(place.loc(edge.get()), |(_, loc)| *loc),
        id: id.map(|(id, _)| id),
        from: name(fields.from)?,
        to: name(fields.to)?,
        kind: name(fields.kind)?,
        p,
        requires,
        extra: None,
    })
}

/// `s` when the generic path would take it as it is: not blank, printable ASCII only (no
/// character `unsafe_text` warns about).
fn plain(s: &str) -> Option<&str> {
    let printable = s.bytes().all(|b| (0x20..0x7f).contains(&b));
    (printable && !s.trim().is_empty()).then_some(s)
}

/// A line holding one edge, the edge's text kept whole (for its place).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EdgeLine<'a> {
    #[serde(borrow)]
    edge: &'a RawValue,
}

/// The keys of an edge the fast path takes, as slices of the line; a string with an escape cannot
/// be borrowed and fails (then the generic path reads the line). `null` fails too.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EdgeFields<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    id: Option<&'a str>,
    from: &'a str,
    to: &'a str,
    kind: &'a str,
    #[serde(default, borrow, deserialize_with = "present")]
    p: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    requires: Option<Vec<&'a str>>,
}

/// A key that is there: its value must be a `T` (`null` is not `None`, as in the generic path).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// `edge `e1`` or `edge `a -> b``: the item of a line as messages name it.
fn item_name(node: &Node) -> Option<String> {
    let Value::Map(entries) = &node.value else { return None };
    let [(kind, item)] = &entries[..] else { return None };
    let (Value::Str(kind), Value::Map(fields)) = (&kind.value, &item.value) else { return None };
    let field = |key: &str| {
        fields.iter().find_map(|(k, v)| match (&k.value, &v.value) {
            (Value::Str(k), Value::Str(v)) if k == key => Some(crate::escape::clip(v, 80).into_owned()),
            _ => None,
        })
    };
    let name = field("id").or_else(|| Some(format!("{} -> {}", field("from")?, field("to")?)))?;
    Some(format!("{kind} `{name}`"))
}

/// One line and where it is in its file.
struct Place<'a> {
    line: &'a str,
    start: u64,
    file: FileId,
    max_depth: usize,
}

impl<'a> Place<'a> {
    /// The line as spanned values: serde_json checks the whole line first (a syntax error is
    /// located at its column), then each value is read from its own slice of the line.
    fn parse(&self) -> Result<Node, Problem> {
        let raw: &RawValue = serde_json::from_str(self.line).map_err(|e| {
            // serde_json counts the column in bytes; the place is the character holding that byte.
            let mut at = e.column().saturating_sub(1).min(self.line.len().saturating_sub(1));
            while !self.line.is_char_boundary(at) {
                at -= 1;
            }
            let len = self.line[at..].chars().next().map_or(0, char::len_utf8);
            let at = Loc { file: self.file, offset: (self.start + at as u64) as u32, len: len as u32 };
            Problem::error(format!("cannot parse this line: {}", json_message(&e)), Some(at)).with_label("here")
        })?;
        self.node(raw.get(), 0)
    }

    fn loc(&self, slice: &str) -> Loc {
        let at = slice.as_ptr() as usize - self.line.as_ptr() as usize;
        Loc { file: self.file, offset: (self.start + at as u64) as u32, len: slice.len() as u32 }
    }

    /// Where the JSON string whose contents, borrowed from the line without an escape, are `s` is
    /// written: its quotes included, as the generic path places a string.
    fn token(&self, s: &str) -> Option<Loc> {
        let at = (s.as_ptr() as usize).checked_sub(self.line.as_ptr() as usize)?;
        Some(self.loc(self.line.get(at.checked_sub(1)?..at + s.len() + 1)?))
    }

    fn node(&self, text: &'a str, depth: usize) -> Result<Node, Problem> {
        let loc = self.loc(text);
        let broken = |e: serde_json::Error| Problem::error(format!("cannot parse this value: {e}"), Some(loc));
        let value = match text.as_bytes().first() {
            Some(b'{' | b'[') if depth >= self.max_depth => {
                return Err(Problem::error("nesting is deeper than the limit", Some(loc)));
            }
            Some(b'{') => {
                let Entries(entries) = serde_json::from_str(text).map_err(broken)?;
                let mut map: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    let key = self.node(key.get(), depth + 1)?;
                    if map
                        .iter()
                        .any(|(k, _)| matches!((&k.value, &key.value), (Value::Str(a), Value::Str(b)) if a == b))
                    {
                        let Value::Str(name) = &key.value else { unreachable!("keys are strings") };
                        return Err(Problem::error(
                            format!("duplicate key `{name}` (each key may appear once in a mapping)"),
                            Some(key.loc),
                        ));
                    }
                    map.push((key, self.node(value.get(), depth + 1)?));
                }
                Value::Map(map)
            }
            Some(b'[') => {
                let items: Vec<&RawValue> = serde_json::from_str(text).map_err(broken)?;
                Value::Seq(items.into_iter().map(|i| self.node(i.get(), depth + 1)).collect::<Result<_, _>>()?)
            }
            Some(b'"') => Value::Str(string(text).map_err(broken)?),
            Some(b't') => Value::Bool(true),
            Some(b'f') => Value::Bool(false),
            Some(b'n') => Value::Null,
            _ => number(text).map_err(broken)?,
        };
        Ok(Node { value, loc })
    }
}

/// A JSON string's value; without escapes, the text between the quotes.
fn string(text: &str) -> Result<String, serde_json::Error> {
    match text.get(1..text.len() - 1) {
        Some(inner) if !inner.contains('\\') => Ok(inner.to_string()),
        _ => serde_json::from_str(text),
    }
}

/// A JSON number as YAML reads it: an integer when it fits i64 and has no fraction or exponent.
fn number(text: &str) -> Result<Value, serde_json::Error> {
    if let Ok(i) = text.parse::<i64>() {
        return Ok(Value::Int(i));
    }
    serde_json::from_str::<f64>(text).map(Value::Float)
}

/// serde_json's message without its "at line L column C" (the place is shown by the loader).
fn json_message(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    }
}

/// A JSON object's entries in order, keys and values as slices of the line.
struct Entries<'a>(Vec<(&'a RawValue, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<&RawValue>()? {
                    entries.push((key, map.next_value::<&RawValue>()?));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

/// One item as a JSON Lines line, `{"<kind>":<item>}` and a line feed (what importers write).
pub fn line_of<T: serde::Serialize>(kind: &str, item: &T) -> String {
    let mut out = String::from("{");
    out += &serde_json::to_string(kind).expect("a string encodes");
    out.push(':');
    out += &serde_json::to_string(item).expect("model items encode as JSON");
    out += "}\n";
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The edges and problems the generic path makes of `line` (placed at byte 7 of file 3).
    fn generic(line: &str) -> (Vec<Edge>, Vec<Problem>) {
        let (mut reader, mut contents) = (Reader::default(), FileContents::default());
        let place = Place { line, start: 7, file: 3, max_depth: 16 };
        match place.parse() {
            Ok(node) => {
                reader.problems.extend(crate::yaml::unsafe_text(&node));
                reader.line(&node, &mut contents);
            }
            Err(p) => reader.problems.push(p),
        }
        (contents.edges, reader.problems)
    }

    fn fast(line: &str) -> Option<Edge> {
        fast_edge(&Place { line, start: 7, file: 3, max_depth: 16 }, &Reader::default())
    }

    /// What the fast path makes of `line` is exactly what the generic path makes of it, places
    /// included, and the generic path finds nothing to say about it.
    fn agrees(line: &str) -> bool {
        let Some(edge) = fast(line) else { return false };
        let (edges, problems) = generic(line);
        assert!(problems.is_empty(), "{line}: the generic path says {problems:?}");
        assert_eq!(format!("{:?}", edges), format!("{:?}", [edge]), "{line}");
        true
    }

    #[test]
    fn the_lines_gen_and_importers_write_take_the_fast_path_to_the_same_edge() {
        for line in [
            r#"{"edge": {"from": "e0", "to": "n30227", "kind": "exploits", "p": 0.0250}}"#,
            r#"{"edge": {"from": "e0", "to": "n89899", "kind": "exploits", "p": 0.2076, "requires": ["n81758"]}}"#,
            r#"{"edge":{"id":"x1","kind":"rdp","to":"b","from":"a","requires":[],"p":1}}"#,
            r#"  {"edge": {"from": "a b", "to": "c", "kind": "rdp", "p": 0, "requires": ["d", "e"]}}  "#,
            r#"{"edge": {"from": "a", "to": "b", "kind": "not_a_kind", "p": 1e-3}}"#,
        ] {
            assert!(agrees(line), "{line} took the generic path");
        }
    }

    #[test]
    fn anything_unusual_takes_the_generic_path() {
        for line in [
            r#"{"edge": {"from": "a", "to": "b", "kind": "rdp", "p": 1.5}}"#,
            r#"{"edge": {"from": "a", "to": "b", "kind": "rdp", "p": null}}"#,
            r#"{"edge": {"from": "a", "to": "b", "kind": "rdp", "p": [0.1, 0.2]}}"#,
            r#"{"edge": {"from": "a", "to": "b", "kind": "rdp", "p": "0.1"}}"#,
            r#"{"edge": {"from": "a", "to": "b", "kind": "rdp", "id": null}}"#,
            r#"{"edge": {"from": "a", "to": " ", "kind": "rdp"}}"#,
            r#"{"edge": {"from": "a", "to": "", "kind": "rdp"}}"#,
            r#"{"edge": {"from": "a\u0062", "to": "b", "kind": "rdp"}}"#,
            r#"{"edge": {"from": "é", "to": "b", "kind": "rdp"}}"#,
            "{\"edge\": {\"from\": \"a\u{202e}\", \"to\": \"b\", \"kind\": \"rdp\"}}",
            "{\"edge\": {\"from\": \"a\u{7f}\", \"to\": \"b\", \"kind\": \"rdp\"}}",
            r#"{"edge": {"from": "a", "to": "b", "kind": "rdp", "requires": "c"}}"#,
            r#"{"edge": {"from": "a", "to": "b", "kind": "rdp", "requires": [null]}}"#,
            r#"{"edge": {"from": "a", "to": "b", "kind": "rdp", "description": "d"}}"#,
            r#"{"edge": {"from": "a", "to": "b", "kind": "rdp", "from": "c"}}"#,
            r#"{"edge": {"from": "a", "to": "b"}}"#,
            r#"{"edge": {"from": "a", "to": "b", "kind": "rdp"}, "node": {}}"#,
            r#"{"edge": {"from": "a", "to": "b", "kind": "rdp"}, "edge": {}}"#,
            r#"{"node": {"id": "a", "kind": "host"}}"#,
            r#"{"edge": {"from": "a", "to": "b", "kind": "rdp"} x"#,
            r#"{"edge": []}"#,
        ] {
            assert!(fast(line).is_none(), "{line} took the fast path");
        }
    }

    /// Edge lines built from the keys the fast path knows and others, good and bad values, in any
    /// order and spacing.
    fn edge_line() -> impl Strategy<Value = String> {
        let text = prop_oneof![
            4 => "[a-z][a-z0-9_-]{0,6}".prop_map(|s| format!("\"{s}\"")),
            1 => Just("\"\"".to_string()),
            1 => Just("\"a\\u0062\"".to_string()),
            1 => Just("\"é\"".to_string()),
            1 => Just("null".to_string()),
            1 => Just("7".to_string()),
        ];
        let number = prop_oneof![
            4 => (0.0..=1.0f64).prop_map(|v| format!("{v}")),
            1 => Just("1".to_string()),
            1 => Just("-0.0".to_string()),
            1 => Just("1.0000001".to_string()),
            1 => Just("{\"low\": 0.1, \"high\": 0.2}".to_string()),
            1 => Just("null".to_string()),
        ];
        let list = prop::collection::vec(text.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(",")));
        let field = prop_oneof![
            ("from|to|kind|id".prop_map(String::from), text.clone()),
            (Just("kind".to_string()), prop_oneof![Just("\"rdp\"".to_string()), Just("\"exploits\"".to_string())]),
            (Just("p".to_string()), number),
            (Just("requires".to_string()), prop_oneof![list, text]),
            (Just("description".to_string()), Just("\"d\"".to_string())),
        ];
        (prop::collection::vec(field, 0..7), "[ ]{0,2}").prop_map(|(fields, space)| {
            let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{space}{v}")).collect();
            format!("{{\"edge\":{space}{{{}}}}}", body.join(&format!(",{space}")))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn the_fast_path_makes_the_generic_paths_edge_or_declines(line in edge_line()) {
            // `agrees` asserts; a declined line needs nothing more (the generic path reads it).
            agrees(&line);
        }
    }
}
