//! The import graph: BloodHound's nodes and edges as read and post-processed, ids interned, edges
//! de-duplicated; references to objects the collection does not hold become counted placeholders.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::kinds::K;

/// A node's index in [`Graph::nodes`].
pub type Ix = u32;

/// Where a node or edge came from: the generated subfolder it is written to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// SharpHound (Active Directory).
    Ad,
    /// AzureHound (Entra ID and Azure resources).
    Azure,
    /// An OpenGraph file, by its `source_kind` (or its file stem).
    OpenGraph(String),
}

impl Source {
    /// The generated subfolder's name.
    pub fn folder(&self) -> String {
        match self {
            Source::Ad => "ad".into(),
            Source::Azure => "azure".into(),
            Source::OpenGraph(kind) => format!("opengraph-{}", slug(kind)),
        }
    }
}

/// Lower-case letters, digits and dashes only.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() { "graph".into() } else { out }
}

/// A node of the import graph.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// BloodHound's object id (SID, GUID or Entra object id), upper case.
    pub id: String,
    /// BloodHound's label: `User`, `Computer`, `AZUser`, or an OpenGraph kind.
    pub label: String,
    /// The readable name (`ALICE@CORP.LOCAL`); empty until known.
    pub name: String,
    /// Domain SID (AD) or tenant id (Entra) the object belongs to.
    pub domain_sid: String,
    /// Domain FQDN or tenant name.
    pub domain: String,
    pub enabled: Option<bool>,
    /// Last logon, epoch seconds (the later of lastlogon and lastlogontimestamp).
    pub last_logon: Option<i64>,
    pub flags: Flags,
    pub source: Option<Source>,
    /// Operating system (computers, devices).
    pub os: String,
    /// Where the node was read, for messages: file and object index.
    pub origin: String,
}

/// Facts about a node the rules look at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// Referenced but not in the collection.
    pub placeholder: bool,
    pub acl_protected: bool,
    pub is_dc: bool,
    pub admin_count: bool,
    pub has_spn: bool,
    pub unconstrained: bool,
    pub has_laps: bool,
    /// A gMSA or sMSA (a user object that behaves like a computer).
    pub managed_account: bool,
}

/// An edge of the import graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    pub from: Ix,
    pub to: Ix,
    pub kind: K,
    /// The right comes from an ACE inherited from a parent container.
    pub inherited: bool,
    /// Set by the importer, not collected (implicit memberships): never removable.
    pub implicit: bool,
}

/// An edge read by id, resolved when every document has been read.
#[derive(Debug, Clone)]
pub struct RawEdge {
    pub from: String,
    /// BloodHound's type of `from` where the collection says it (`PrincipalType`, `ObjectType`).
    pub from_label: String,
    pub to: String,
    pub to_label: String,
    pub kind: K,
    pub inherited: bool,
}

/// The import graph with its id index.
#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    index: HashMap<String, Ix>,
    /// (from, to, kind) → (inherited, implicit): one edge per kind and pair of ends.
    edges: HashMap<(Ix, Ix, K), (bool, bool)>,
    /// Object ids the collection marks deleted: edges to or from them are dropped.
    pub deleted: HashSet<String>,
    /// Edges dropped because an end was a deleted object.
    pub dropped_deleted: usize,
    /// Placeholder nodes created, by label.
    pub placeholders: BTreeMap<String, usize>,
    /// Duplicate object ids: (id, first origin, second origin).
    pub duplicates: Vec<(String, String, String)>,
}

impl Graph {
    pub fn ix(&self, id: &str) -> Option<Ix> {
        self.index.get(id).copied()
    }

    pub fn node(&self, ix: Ix) -> &Node {
        &self.nodes[ix as usize]
    }

    pub fn node_mut(&mut self, ix: Ix) -> &mut Node {
        &mut self.nodes[ix as usize]
    }

    /// Adds an object read from the collection. An object read again (the same object from two
    /// collections, or a built-in group every domain controller reports) is merged as BloodHound
    /// merges it: the first read's values stay, the second fills what they lack; it is recorded.
    pub fn add_object(&mut self, node: Node) -> Ix {
        if let Some(&ix) = self.index.get(&node.id) {
            let existing = &mut self.nodes[ix as usize];
            if existing.flags.placeholder {
                let placeholder_label = std::mem::take(&mut existing.label);
                *existing = node;
                self.forget_placeholder(&placeholder_label);
            } else {
                self.duplicates.push((node.id.clone(), existing.origin.clone(), node.origin.clone()));
                merge(existing, node);
            }
            return ix;
        }
        let ix = self.nodes.len() as Ix;
        self.index.insert(node.id.clone(), ix);
        self.nodes.push(node);
        ix
    }

    fn forget_placeholder(&mut self, label: &str) {
        if let Some(n) = self.placeholders.get_mut(label) {
            *n -= 1;
            if *n == 0 {
                self.placeholders.remove(label);
            }
        }
    }

    /// The node for `id`, a counted placeholder if the collection does not hold it.
    pub fn ensure(&mut self, id: &str, label: &str, source: &Source) -> Ix {
        if let Some(ix) = self.ix(id) {
            return ix;
        }
        let label = if label.is_empty() { "Base" } else { label };
        *self.placeholders.entry(label.to_string()).or_default() += 1;
        self.add_object(Node {
            id: id.to_string(),
            label: label.to_string(),
            flags: Flags { placeholder: true, ..Flags::default() },
            source: Some(source.clone()),
            ..Node::default()
        })
    }

    /// Adds an edge between existing nodes (self-loops are dropped).
    pub fn add(&mut self, from: Ix, to: Ix, kind: K, inherited: bool) {
        self.insert(Edge { from, to, kind, inherited, implicit: false });
    }

    /// Inserts an edge; the same right read twice is one edge, explicit if either was.
    fn insert(&mut self, e: Edge) {
        if e.from == e.to {
            return;
        }
        let flags = self.edges.entry((e.from, e.to, e.kind)).or_insert((e.inherited, e.implicit));
        flags.0 &= e.inherited;
        flags.1 &= e.implicit;
    }

    /// Adds an edge the importer infers rather than reads.
    pub fn add_implicit(&mut self, from: Ix, to: Ix, kind: K) {
        self.insert(Edge { from, to, kind, inherited: false, implicit: true });
    }

    /// Resolves an edge read by id: deleted ends drop it, unknown ends become placeholders.
    pub fn resolve(&mut self, raw: &RawEdge, source: &Source) {
        if self.deleted.contains(&raw.from) || self.deleted.contains(&raw.to) {
            self.dropped_deleted += 1;
            return;
        }
        let from = self.ensure(&raw.from, &raw.from_label, source);
        let to = self.ensure(&raw.to, &raw.to_label, source);
        self.add(from, to, raw.kind, raw.inherited);
    }

    /// Every edge, sorted (for reproducible output).
    pub fn edges(&self) -> Vec<Edge> {
        let mut out: Vec<Edge> = self.edges.iter().map(edge).collect();
        out.sort();
        out
    }

    pub fn has_edge(&self, from: Ix, to: Ix, kind: K) -> bool {
        self.edges.contains_key(&(from, to, kind))
    }

    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Edges of a kind, sorted.
    pub fn edges_of(&self, kind: K) -> Vec<Edge> {
        let mut out: Vec<Edge> = self.edges.iter().map(edge).filter(|e| e.kind == kind).collect();
        out.sort();
        out
    }

    /// Keeps the edges for which `keep` is true; returns how many went.
    pub fn retain_edges(&mut self, mut keep: impl FnMut(&Edge, &[Node]) -> bool) -> usize {
        let before = self.edges.len();
        let nodes = &self.nodes;
        self.edges.retain(|k, v| keep(&edge((k, v)), nodes));
        before - self.edges.len()
    }
}

/// Fills what `first` lacks from `second`.
fn merge(first: &mut Node, second: Node) {
    let fill = |a: &mut String, b: String| {
        if a.is_empty() {
            *a = b;
        }
    };
    fill(&mut first.name, second.name);
    fill(&mut first.domain_sid, second.domain_sid);
    fill(&mut first.domain, second.domain);
    fill(&mut first.os, second.os);
    first.enabled = first.enabled.or(second.enabled);
    first.last_logon = first.last_logon.max(second.last_logon);
    let (a, b) = (&mut first.flags, second.flags);
    a.acl_protected |= b.acl_protected;
    a.is_dc |= b.is_dc;
    a.admin_count |= b.admin_count;
    a.has_spn |= b.has_spn;
    a.unconstrained |= b.unconstrained;
    a.has_laps |= b.has_laps;
    a.managed_account |= b.managed_account;
}

fn edge((&(from, to, kind), &(inherited, implicit)): (&(Ix, Ix, K), &(bool, bool))) -> Edge {
    Edge { from, to, kind, inherited, implicit }
}
