//! Streaming parse of one BloodHound JSON document: the top-level object is read key by key and the
//! `data` array (or OpenGraph's `graph`) item by item, never as one tree of values.

use std::fmt;
use std::io::Read;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::Error;
use super::opengraph::{OgEdge, OgNode};
use super::sharphound::{AdObject, nullable};

/// `meta` of a SharpHound or AzureHound file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Meta {
    #[serde(rename = "type", deserialize_with = "nullable")]
    pub kind: String,
    pub version: Option<i64>,
    pub count: Option<i64>,
}

/// `metadata` of an OpenGraph file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OgMetadata {
    #[serde(deserialize_with = "nullable")]
    pub source_kind: String,
}

/// `graph` of an OpenGraph file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OgGraph {
    #[serde(deserialize_with = "nullable")]
    pub nodes: Vec<OgNode>,
    #[serde(deserialize_with = "nullable")]
    pub edges: Vec<OgEdge>,
}

/// A parsed document, before it is told apart as SharpHound, AzureHound or OpenGraph.
#[derive(Debug, Default)]
pub struct Document {
    pub meta: Option<Meta>,
    pub data: Option<Vec<AdObject>>,
    pub metadata: Option<OgMetadata>,
    pub graph: Option<OgGraph>,
    /// Top-level keys that are none of the above.
    pub other_keys: Vec<String>,
}

/// Parses one document from `reader`; errors name `name` and, for JSON errors, the line and column.
pub fn parse(name: &str, reader: &mut dyn Read) -> Result<Document, Error> {
    let reader = SkipBom::new(reader);
    let mut de = serde_json::Deserializer::from_reader(reader);
    let doc = DocumentSeed.deserialize(&mut de).map_err(|e| json_error(name, &e))?;
    de.end().map_err(|e| json_error(name, &e))?;
    Ok(doc)
}

/// A JSON error with its place; an early end of input says the file looks truncated.
fn json_error(name: &str, e: &serde_json::Error) -> Error {
    let message = strip_position(&e.to_string());
    let what = match e.classify() {
        serde_json::error::Category::Eof => "the JSON ends early: is the file truncated?".to_string(),
        serde_json::error::Category::Io => format!("cannot read: {message}"),
        // An error inside the `data` array is prefixed with the item's index.
        _ if message.contains("EOF while parsing") => {
            format!("{}the JSON ends early: is the file truncated?", message.split("EOF").next().unwrap_or(""))
        }
        _ => message,
    };
    if e.line() == 0 {
        return Error::named(name, what);
    }
    Error::named(&format!("{name}:{}:{}", e.line(), e.column()), what)
}

/// serde_json appends " at line L column C" to its messages; the place is shown in front instead.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

struct DocumentSeed;

impl<'de> DeserializeSeed<'de> for DocumentSeed {
    type Value = Document;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Document, D::Error> {
        d.deserialize_map(DocumentVisitor)
    }
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = Document;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a BloodHound JSON object ({\"data\": [...], \"meta\": {...}} or an OpenGraph {\"graph\": {...}})")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let mut doc = Document::default();
        while let Some(key) = map.next_key::<String>()? {
            let duplicate = || de::Error::custom(format!("the key `{key}` appears twice at the top level"));
            match key.as_str() {
                "meta" if doc.meta.is_some() => return Err(duplicate()),
                "meta" => doc.meta = Some(map.next_value::<Option<Meta>>()?.unwrap_or_default()),
                "data" if doc.data.is_some() => return Err(duplicate()),
                "data" => doc.data = Some(map.next_value_seed(ItemsSeed)?),
                "metadata" if doc.metadata.is_some() => return Err(duplicate()),
                "metadata" => doc.metadata = Some(map.next_value::<Option<OgMetadata>>()?.unwrap_or_default()),
                "graph" if doc.graph.is_some() => return Err(duplicate()),
                "graph" => doc.graph = Some(map.next_value::<Option<OgGraph>>()?.unwrap_or_default()),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    doc.other_keys.push(key);
                }
            }
        }
        Ok(doc)
    }
}

/// The `data` array, read one object at a time; an error names the object's index.
struct ItemsSeed;

impl<'de> DeserializeSeed<'de> for ItemsSeed {
    type Value = Vec<AdObject>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<AdObject>, D::Error> {
        d.deserialize_seq(ItemsVisitor)
    }
}

struct ItemsVisitor;

impl<'de> Visitor<'de> for ItemsVisitor {
    type Value = Vec<AdObject>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the `data` array of objects")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<AdObject>, E> {
        Ok(Vec::new())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<AdObject>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
        loop {
            let index = out.len();
            match seq.next_element::<AdObject>() {
                Ok(Some(item)) => out.push(item),
                Ok(None) => break,
                Err(e) => return Err(de::Error::custom(format!("data[{index}]: {e}"))),
            }
        }
        Ok(out)
    }
}

/// Skips a UTF-8 byte order mark at the start of the input (some Windows tools write one).
struct SkipBom<R> {
    inner: R,
    started: bool,
    /// The first bytes read while looking for the mark, still to be served.
    head: [u8; 3],
    at: usize,
    len: usize,
}

impl<R: Read> SkipBom<R> {
    fn new(inner: R) -> Self {
        SkipBom { inner, started: false, head: [0; 3], at: 0, len: 0 }
    }
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.started {
            self.started = true;
            while self.len < 3 {
                let n = self.inner.read(&mut self.head[self.len..])?;
                if n == 0 {
                    break;
                }
                self.len += n;
            }
            if self.len == 3 && self.head == [0xEF, 0xBB, 0xBF] {
                self.len = 0;
            }
        }
        if self.at < self.len {
            let n = (self.len - self.at).min(buf.len());
            buf[..n].copy_from_slice(&self.head[self.at..self.at + n]);
            self.at += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<Document, Error> {
        parse("t.json", &mut s.as_bytes())
    }

    #[test]
    fn meta_may_come_after_data_and_unknown_fields_are_skipped() {
        let doc = parse_str(
            r#"{"data": [{"ObjectIdentifier": "S-1", "Properties": {"name": "A", "x": [1, {"y": 2}]}, "Aces": null}],
                "meta": {"type": "users", "version": 6, "count": 1, "methods": 5}}"#,
        )
        .unwrap();
        let meta = doc.meta.unwrap();
        assert_eq!((meta.kind.as_str(), meta.version), ("users", Some(6)));
        let data = doc.data.unwrap();
        assert_eq!(data[0].id, "S-1");
        assert_eq!(data[0].props.name, "A");
        assert!(data[0].aces.is_empty());
    }

    #[test]
    fn errors_name_the_place_and_truncation() {
        let e = parse_str(r#"{"data": [{"ObjectIdentifier": "S-1"}"#).unwrap_err().to_string();
        assert!(e.contains("t.json:1:") && e.contains("truncated"), "{e}");
        let e = parse_str("{\"data\": [{\"ObjectIdentifier\": \"S-1\", \"Aces\": 5}]}").unwrap_err().to_string();
        assert!(e.contains("data[0]") && e.contains("t.json:1:"), "{e}");
        let e = parse_str(r#"{"meta": {}, "meta": {}}"#).unwrap_err().to_string();
        assert!(e.contains("appears twice"), "{e}");
        let e = parse_str(r#"{"data": []} trailing"#).unwrap_err().to_string();
        assert!(e.contains("trailing"), "{e}");
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let text = "\u{feff}{\"data\": [], \"meta\": {\"type\": \"users\"}}";
        assert!(parse_str(text).is_ok());
    }
}
