//! The model's memory per edge: the size of `Edge` and what a plain edge holds beyond it, so a
//! change that makes every edge of a 10^7-edge estate bigger fails here (issue 22).

use std::mem::size_of;

use riskpath_model::{Edge, LoadOptions, Name, load_str};

#[test]
fn an_edge_is_at_most_208_bytes_and_a_name_two_words() {
    assert!(size_of::<Edge>() <= 208, "Edge is {} bytes", size_of::<Edge>());
    assert_eq!(size_of::<Name>(), 2 * size_of::<usize>());
}

const MODEL: &str = r#"{"entry_point": {"id": "internet", "kind": "internet"}}
{"node": {"id": "web", "kind": "host"}}
{"node": {"id": "db", "kind": "datastore", "crown_jewel": true, "loss": {"confidentiality": 1000}}}
{"edge": {"from": "internet", "to": "web", "kind": "exploits", "p": 0.3}}
{"edge": {"from": "web", "to": "db", "kind": "exploits", "p": 0.2, "requires": ["web"]}}
{"edge": {"from": "web", "to": "db", "kind": "rdp", "description": "why"}}
{"actor": {"id": "crime", "frequency": 2, "entry": ["internet"]}}
"#;

/// Edges that state only ends, kind, `p` and `requires` keep no `EdgeExtra`, and every edge naming
/// the same node or kind shares one allocation of its text.
#[test]
fn plain_edges_hold_no_extra_and_share_their_names() {
    let model = load_str("m.jsonl", MODEL, &LoadOptions::default()).unwrap_or_else(|p| panic!("{p:?}")).model;
    let e = &model.edges;
    assert!(e[0].extra.is_none() && e[1].extra.is_none());
    assert_eq!(e[2].extra().description.as_deref(), Some("why"));
    // One allocation: equal texts at one address.
    let same = |a: &Name, b: &Name| a.as_ptr() == b.as_ptr();
    assert!(same(&e[0].to.value, &e[1].from.value), "web");
    assert!(same(&e[1].from.value, &e[2].from.value) && same(&e[1].to.value, &e[2].to.value));
    assert!(same(&e[0].kind.value, &e[1].kind.value), "exploits");
    assert_eq!((e[1].from.value.as_str(), e[2].kind.value.as_str()), ("web", "rdp"));
}
