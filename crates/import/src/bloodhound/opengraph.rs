//! BloodHound OpenGraph files (`{"metadata": {"source_kind"}, "graph": {"nodes", "edges"}}`) into
//! the import graph: nodes by id with their kinds, edges whose ends are matched by id, by name or by
//! property values; edge kinds map to riskpath through BloodHound's kinds or the overlay's `opengraph` map.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::{Map, Value};

use super::Error;
use super::ad::norm;
use super::graph::{Graph, Ix, Node, Source};
use super::kinds::K;
use super::sharphound::nullable;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OgNode {
    #[serde(deserialize_with = "scalar_string")]
    pub id: String,
    #[serde(deserialize_with = "nullable")]
    pub kinds: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub properties: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OgEdge {
    pub start: Endpoint,
    pub end: Endpoint,
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub properties: Map<String, Value>,
}

/// How an edge names one of its ends.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Endpoint {
    #[serde(deserialize_with = "scalar_string")]
    pub value: String,
    #[serde(deserialize_with = "nullable")]
    pub match_by: String,
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub property_matchers: Vec<Matcher>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Matcher {
    #[serde(deserialize_with = "nullable")]
    pub key: String,
    #[serde(deserialize_with = "nullable")]
    pub operator: String,
    pub value: Value,
}

/// A string, or a number or boolean written as its text.
fn scalar_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    })
}

/// What reading OpenGraph files collects besides the nodes.
#[derive(Debug, Default)]
pub struct OgData {
    /// Edges to add once every node is known: (source, start, end, kind, name).
    pending: Vec<(Source, Endpoint, Endpoint, EdgeTarget)>,
    /// Edge kinds neither BloodHound's nor mapped in the overlay, with their count.
    pub unmapped: BTreeMap<String, usize>,
    /// Edges whose end matched no node (or several, where one was required).
    pub unmatched: usize,
    /// Scalar properties of OpenGraph nodes, for property matchers: (key, value) → nodes.
    props: HashMap<(String, String), Vec<Ix>>,
}

/// What an OpenGraph edge becomes: a BloodHound kind, or a riskpath kind the overlay maps it to.
#[derive(Debug, Clone)]
enum EdgeTarget {
    Bh(K),
    Mapped(String),
}

/// Mapped OpenGraph edge kinds are kept here as riskpath kinds to write directly.
#[derive(Debug, Default)]
pub struct Mapped {
    pub edges: Vec<(Ix, Ix, String)>,
}

impl OgData {
    /// Reads the nodes of one OpenGraph file and holds its edges until every file is read.
    pub fn read(
        &mut self,
        graph: &mut Graph,
        file: &str,
        source_kind: &str,
        nodes: Vec<OgNode>,
        edges: Vec<OgEdge>,
        map: &BTreeMap<String, String>,
    ) -> Result<(), Error> {
        let source = Source::OpenGraph(source_kind.to_string());
        for (i, n) in nodes.into_iter().enumerate() {
            if n.id.is_empty() {
                return Err(Error::named(&format!("{file} graph.nodes[{i}]"), "a node without an `id`".into()));
            }
            let props: Vec<(String, String)> =
                n.properties.iter().filter_map(|(k, v)| scalar(v).map(|v| (k.clone(), v))).collect();
            let ix = graph.add_object(og_node(n, &source, format!("{file} graph.nodes[{i}]")));
            for key in props {
                self.props.entry(key).or_default().push(ix);
            }
        }
        for (i, e) in edges.into_iter().enumerate() {
            let place = format!("{file} graph.edges[{i}]");
            if e.start.value.is_empty() && e.start.property_matchers.is_empty() {
                return Err(Error::named(&place, "an edge without a `start`".into()));
            }
            if e.end.value.is_empty() && e.end.property_matchers.is_empty() {
                return Err(Error::named(&place, "an edge without an `end`".into()));
            }
            let target = match (map.get(&e.kind), K::parse(&e.kind)) {
                (Some(rp), _) => EdgeTarget::Mapped(rp.clone()),
                (None, Some(k)) => EdgeTarget::Bh(k),
                (None, None) => {
                    *self.unmapped.entry(format!("OpenGraph edge {}", e.kind)).or_default() += 1;
                    continue;
                }
            };
            self.pending.push((source.clone(), e.start, e.end, target));
        }
        Ok(())
    }

    /// Adds the held edges: BloodHound kinds into the graph, overlay-mapped kinds into `mapped`.
    /// An end named by id that matches no node becomes a placeholder, as in BloodHound; an end
    /// matched by name or properties must match exactly one node, else the edge is counted unmatched.
    pub fn resolve(&mut self, graph: &mut Graph, mapped: &mut Mapped) {
        let lookup = Lookup::new(graph, &self.props);
        for (source, start, end, target) in std::mem::take(&mut self.pending) {
            let a = end_node(graph, &lookup, &start, &source);
            let b = end_node(graph, &lookup, &end, &source);
            let (Some(a), Some(b)) = (a, b) else {
                self.unmatched += 1;
                continue;
            };
            match target {
                EdgeTarget::Bh(k) => graph.add(a, b, k, false),
                EdgeTarget::Mapped(rp) => mapped.edges.push((a, b, rp)),
            }
        }
    }
}

fn end_node(graph: &mut Graph, lookup: &Lookup, e: &Endpoint, source: &Source) -> Option<Ix> {
    if let Some(x) = lookup.find(graph, e) {
        return Some(x);
    }
    let by_id = e.match_by.is_empty() || e.match_by == "id";
    (by_id && !e.value.is_empty()).then(|| graph.ensure(&norm(&e.value), &e.kind, source))
}

fn og_node(n: OgNode, source: &Source, origin: String) -> Node {
    let text = |k: &str| n.properties.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let name =
        [text("name"), text("displayname"), n.id.clone()].into_iter().find(|s| !s.is_empty()).unwrap_or_default();
    let label = n.kinds.first().cloned().unwrap_or_else(|| "Base".into());
    Node {
        id: norm(&n.id),
        label,
        name,
        domain_sid: norm(&text("domainsid")),
        domain: text("domain").to_ascii_uppercase(),
        enabled: n.properties.get("enabled").and_then(Value::as_bool),
        source: Some(source.clone()),
        origin,
        ..Node::default()
    }
}

/// A scalar property value as text (strings, numbers, booleans).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Finds an endpoint's node: by id, by name, or by every property matcher.
struct Lookup<'a> {
    by_name: HashMap<String, Vec<Ix>>,
    props: &'a HashMap<(String, String), Vec<Ix>>,
}

impl<'a> Lookup<'a> {
    fn new(graph: &Graph, props: &'a HashMap<(String, String), Vec<Ix>>) -> Self {
        let mut by_name: HashMap<String, Vec<Ix>> = HashMap::new();
        for (i, n) in graph.nodes.iter().enumerate() {
            by_name.entry(n.name.to_ascii_uppercase()).or_default().push(i as Ix);
        }
        Lookup { by_name, props }
    }

    fn find(&self, graph: &Graph, e: &Endpoint) -> Option<Ix> {
        let candidates: Vec<Ix> = match e.match_by.as_str() {
            "" | "id" => graph.ix(&norm(&e.value)).into_iter().collect(),
            "name" => self.by_name.get(&e.value.to_ascii_uppercase()).cloned().unwrap_or_default(),
            "property" => self.by_properties(graph, &e.property_matchers),
            _ => Vec::new(),
        };
        let fitting: Vec<Ix> =
            candidates.into_iter().filter(|x| e.kind.is_empty() || graph.node(*x).label == e.kind).collect();
        match fitting.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// The nodes every matcher (`equals`) accepts: OpenGraph nodes by any scalar property, any
    /// node by `objectid` (its id) or `name`.
    fn by_properties(&self, graph: &Graph, matchers: &[Matcher]) -> Vec<Ix> {
        let mut result: Option<Vec<Ix>> = None;
        for m in matchers {
            if !(m.operator.is_empty() || m.operator == "equals") {
                return Vec::new();
            }
            let Some(value) = scalar(&m.value) else { return Vec::new() };
            let mut found: Vec<Ix> = self.props.get(&(m.key.clone(), value.clone())).cloned().unwrap_or_default();
            match m.key.as_str() {
                "objectid" => found.extend(graph.ix(&norm(&value))),
                "name" => found.extend(self.by_name.get(&value.to_ascii_uppercase()).into_iter().flatten()),
                _ => {}
            }
            found.sort_unstable();
            found.dedup();
            result = Some(match result {
                None => found,
                Some(prev) => prev.into_iter().filter(|x| found.binary_search(x).is_ok()).collect(),
            });
        }
        result.unwrap_or_default()
    }
}
