//! Node display names: what a person reads for a node or entry point (its `name`, else its id).
//! The one lookup every renderer uses; ids stay the keys in JSON, with the name beside them.

use std::collections::HashMap;

use crate::{Edge, Model};

/// The readable name of every node and entry point of a model, by id.
pub struct Labels<'m> {
    names: HashMap<&'m str, &'m str>,
}

impl<'m> Labels<'m> {
    pub fn new(model: &'m Model) -> Self {
        let nodes = model.nodes.iter().filter_map(|n| Some((n.id.as_str(), n.name.as_deref()?)));
        let entries = model.entry_points.iter().filter_map(|e| Some((e.id.as_str(), e.name.as_deref()?)));
        Labels { names: nodes.chain(entries).collect() }
    }

    /// The name of `id` if the model gives it one.
    pub fn name(&self, id: &str) -> Option<&'m str> {
        self.names.get(id).copied()
    }

    /// What to show a person for `id`: its name, else the id itself (unescaped: escape it for
    /// the output format with [`crate::escape`]).
    pub fn get<'a>(&self, id: &'a str) -> &'a str
    where
        'm: 'a,
    {
        self.name(id).unwrap_or(id)
    }

    /// `get` as an owned string.
    pub fn label(&self, id: &str) -> String {
        self.name(id).unwrap_or(id).to_string()
    }

    /// What to show for an edge: its own id if it has one, else `from -> to` by name.
    pub fn edge(&self, edge: &Edge) -> String {
        match &edge.id {
            Some(id) => id.clone(),
            None => format!("{} → {}", self.get(&edge.from.value), self.get(&edge.to.value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_replaces_the_id_and_a_missing_name_keeps_it() {
        let yaml = "nodes:\n  - {id: a, kind: host, name: Alpha}\n  - {id: b, kind: host}\n\
                    entry_points:\n  - {id: net, kind: internet, name: The Internet}\n\
                    edges:\n  - {from: net, to: a, kind: exploits}\n  - {id: ab, from: a, to: b, kind: exploits_internal}\n";
        let model = crate::load_str("m.yaml", yaml, &crate::LoadOptions::default()).expect("valid model").model;
        let labels = Labels::new(&model);
        assert_eq!(labels.get("a"), "Alpha");
        assert_eq!(labels.get("b"), "b");
        assert_eq!(labels.get("net"), "The Internet");
        assert_eq!(labels.get("unknown"), "unknown");
        assert_eq!(labels.name("b"), None);
        let edge = |from: &str, to: &str| model.edges.iter().find(|e| e.from.value == from && e.to.value == to);
        assert_eq!(labels.edge(edge("net", "a").expect("edge")), "The Internet → Alpha");
        assert_eq!(labels.edge(edge("a", "b").expect("edge")), "ab");
    }
}
