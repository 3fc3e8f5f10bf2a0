//! What an ATT&CK group can do in a model (`riskpath kb group`): the document (schema
//! `kb-group.v1`) and its text, one line per edge with whether the group is known to walk it.

use std::fmt::Write;

use riskpath_model::attack::Status;
use serde::Serialize;

use crate::style::{Style, clip};

/// `riskpath kb group --format json`.
#[derive(Debug, Serialize)]
pub struct GroupDoc {
    pub schema_version: u32,
    pub group: GroupInfo,
    /// The model's actors that name this group (`attack_group`).
    pub actors: Vec<String>,
    /// How many of the model's edges the group is known to walk.
    pub walkable: usize,
    pub edges: Vec<GroupEdge>,
    /// The model's techniques the group is not known to use, most edges first.
    pub lacks: Vec<Lack>,
}

/// The group as ATT&CK describes it.
#[derive(Debug, Serialize)]
pub struct GroupInfo {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub status: Status,
    /// The techniques it is known to use (its own, then its parents'), sorted.
    pub techniques: Vec<String>,
}

/// One edge of the model and whether the group is known to walk it.
#[derive(Debug, Serialize)]
pub struct GroupEdge {
    pub edge: String,
    pub kind: String,
    pub technique: String,
    /// The technique's name (ATT&CK bundle, else the built-in knowledge base).
    pub name: Option<String>,
    pub allowed: bool,
    /// Why it is allowed: `uses T…`, `uses its parent T…`, or the sub-techniques it uses.
    pub reason: Option<String>,
}

/// A technique of the model the group is not known to use, and on how many edges.
#[derive(Debug, Serialize)]
pub struct Lack {
    pub technique: String,
    pub name: Option<String>,
    pub edges: usize,
}

/// The group's header, each edge with ✓ (and why) or ✗, then the techniques it lacks.
pub fn group_text(doc: &GroupDoc, style: &Style) -> String {
    let group = &doc.group;
    let mut out = String::new();
    let aliases = if group.aliases.is_empty() { String::new() } else { format!(" ({})", group.aliases.join(", ")) };
    let _ = writeln!(out, "{}", style.bold(&format!("{} {}{}", group.id, group.name, clip(&aliases, 70))));
    let _ = writeln!(
        out,
        "known to use {} techniques in ATT&CK; can walk {} of {} edges of the model{}",
        group.techniques.len(),
        doc.walkable,
        doc.edges.len(),
        if doc.actors.is_empty() { String::new() } else { format!(" (actors: {})", doc.actors.join(", ")) }
    );
    for e in &doc.edges {
        let (mark, why) = match &e.reason {
            Some(why) => (style.green("✓"), why.clone()),
            None => (style.red("✗"), "not known to use it".to_string()),
        };
        let _ =
            writeln!(out, "  {mark} {:<40} {:<20} {:<10} {}", clip(&e.edge, 40), e.kind, e.technique, style.dim(&why));
    }
    if !doc.lacks.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("techniques of the model the group is not known to use"));
        for lack in &doc.lacks {
            let _ = writeln!(
                out,
                "  {:<10} {:<60} {} edge{}",
                lack.technique,
                clip(lack.name.as_deref().unwrap_or_default(), 60),
                lack.edges,
                if lack.edges == 1 { "" } else { "s" }
            );
        }
    }
    style.finish(out)
}
