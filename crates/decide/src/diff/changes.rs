//! What changed between two models, item by item (matched by kind and key), and the hybrid models
//! that apply some of those changes to the base: the base with exactly those items taken from the head.

use std::collections::{HashMap, HashSet};

use riskpath_model::Model;

use super::items::{Item, Items, Kind};

/// How an item differs between the two sides.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    Added,
    Removed,
    /// Present on both sides with these fields different.
    Changed(Vec<FieldChange>),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: String,
    pub after: String,
    /// Whether the simulation reads this field.
    #[serde(skip)]
    pub numeric: bool,
}

/// One changed item: its kind and key, how it changed, and where it is on each side (index into
/// the model's list of its kind).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Change {
    pub kind: Kind,
    pub key: String,
    pub how: How,
    #[serde(skip)]
    pub base: Option<usize>,
    #[serde(skip)]
    pub head: Option<usize>,
}

impl Change {
    /// Can applying this change move a number? An added or removed item can (except an
    /// initiative, which the posture as deployed does not read); a changed one when a field the
    /// simulation reads changed.
    pub fn numeric(&self) -> bool {
        match &self.how {
            How::Added | How::Removed => self.kind != Kind::Initiative,
            How::Changed(fields) => fields.iter().any(|f| f.numeric),
        }
    }
}

/// Every item added, removed or changed from `base` to `head`, in kind order, then base order,
/// then head order for additions.
pub fn changes(base: &Items, head: &Items) -> Vec<Change> {
    let mut out = Vec::new();
    for kind in Kind::ALL {
        for b in base.list.iter().filter(|i| i.kind == kind) {
            match head.get(kind, &b.key) {
                None => {
                    out.push(Change { kind, key: b.key.clone(), how: How::Removed, base: Some(b.index), head: None })
                }
                Some(h) => {
                    let fields = field_changes(b, h);
                    if !fields.is_empty() {
                        let how = How::Changed(fields);
                        out.push(Change { kind, key: b.key.clone(), how, base: Some(b.index), head: Some(h.index) });
                    }
                }
            }
        }
        for h in head.list.iter().filter(|i| i.kind == kind && base.get(kind, &i.key).is_none()) {
            out.push(Change { kind, key: h.key.clone(), how: How::Added, base: None, head: Some(h.index) });
        }
    }
    out
}

fn field_changes(base: &Item, head: &Item) -> Vec<FieldChange> {
    base.fields
        .iter()
        .zip(&head.fields)
        .filter(|(b, h)| b.value != h.value)
        .map(|(b, h)| FieldChange {
            field: b.name,
            before: b.value.clone(),
            after: h.value.clone(),
            numeric: b.numeric,
        })
        .collect()
}

/// The changes of a diff with the two sides' items, indexed by kind and key.
pub struct Changes<'a> {
    pub base: &'a Items,
    pub head: &'a Items,
    pub list: Vec<Change>,
    index: HashMap<(Kind, String), usize>,
}

impl<'a> Changes<'a> {
    pub fn new(base: &'a Items, head: &'a Items) -> Self {
        let list = changes(base, head);
        let index = list.iter().enumerate().map(|(i, c)| ((c.kind, c.key.clone()), i)).collect();
        Changes { base, head, list, index }
    }

    fn of(&self, kind: Kind, key: &str) -> Option<usize> {
        self.index.get(&(kind, key.to_string())).copied()
    }

    /// The changes that applying `seed` to the base needs with it so that every reference
    /// resolves: an added item that something applied refers to, and the change of a base item
    /// that refers to something an applied change removed (the head, being valid, changed or
    /// removed it too). Returns the applied set as flags over the list.
    pub fn closure(&self, seed: &[usize]) -> Vec<bool> {
        let mut applied = vec![false; self.list.len()];
        let mut work: Vec<usize> = seed.to_vec();
        while let Some(c) = work.pop() {
            if std::mem::replace(&mut applied[c], true) {
                continue;
            }
            work.extend(self.dangling(&applied));
        }
        applied
    }

    /// Changes to apply next: for each reference of an item present in the hybrid that names no
    /// item present in it, the addition of that item, else the change of the referring item.
    fn dangling(&self, applied: &[bool]) -> Vec<usize> {
        let present = |kind: Kind, key: &str| match self.of(kind, key) {
            Some(c) if applied[c] => self.list[c].how != How::Removed,
            _ => self.base.get(kind, key).is_some(),
        };
        let mut next = Vec::new();
        for item in self.hybrid_items(applied) {
            for r in &item.references {
                if r.kinds.iter().any(|&k| present(k, &r.id)) {
                    continue;
                }
                let added = r.kinds.iter().find_map(|&k| self.of(k, &r.id).filter(|&c| self.list[c].how == How::Added));
                let fix = added.or_else(|| self.of(item.kind, &item.key));
                next.extend(fix.filter(|&c| !applied[c]));
            }
        }
        next
    }

    /// The items of the hybrid: base items (the head's version when their change is applied, none
    /// when their removal is), then applied additions.
    fn hybrid_items(&self, applied: &[bool]) -> Vec<&'a Item> {
        let mut out = Vec::new();
        for b in &self.base.list {
            match self.of(b.kind, &b.key).filter(|&c| applied[c]).map(|c| &self.list[c].how) {
                None => out.push(b),
                Some(How::Removed) => {}
                Some(_) => out.push(self.head.get(b.kind, &b.key).expect("a changed item is on both sides")),
            }
        }
        let added = self.list.iter().zip(applied).filter(|(c, a)| **a && c.how == How::Added);
        out.extend(added.filter_map(|(c, _)| self.head.get(c.kind, &c.key)));
        out
    }
}

/// The base model with the applied changes taken from the head: changed items replaced in place,
/// removed ones dropped, added ones appended in head order. With every change applied it is the
/// head up to the order of items (which no number depends on: draws are keyed by ids).
pub fn hybrid(base: &Model, head: &Model, changes: &[Change], applied: &[bool]) -> Model {
    let of_kind = |kind: Kind| -> Vec<(&Change, bool)> {
        changes.iter().zip(applied.iter().copied()).filter(|(c, _)| c.kind == kind).collect()
    };
    let mut model = base.clone();
    if of_kind(Kind::Settings).iter().any(|(_, a)| *a) {
        model.settings = head.settings.clone();
    }
    model.entry_points = merge(&base.entry_points, &head.entry_points, &of_kind(Kind::EntryPoint));
    model.nodes = merge(&base.nodes, &head.nodes, &of_kind(Kind::Node));
    model.edges = merge(&base.edges, &head.edges, &of_kind(Kind::Edge));
    model.controls = merge(&base.controls, &head.controls, &of_kind(Kind::Control));
    model.actors = merge(&base.actors, &head.actors, &of_kind(Kind::Actor));
    model.loss_groups = merge(&base.loss_groups, &head.loss_groups, &of_kind(Kind::LossGroup));
    model.initiatives = merge(&base.initiatives, &head.initiatives, &of_kind(Kind::Initiative));
    model
}

fn merge<T: Clone>(base: &[T], head: &[T], changes: &[(&Change, bool)]) -> Vec<T> {
    let applied: Vec<&Change> = changes.iter().filter(|(_, a)| *a).map(|(c, _)| *c).collect();
    let dropped: HashSet<usize> = applied.iter().filter(|c| c.how == How::Removed).filter_map(|c| c.base).collect();
    let mut out: Vec<T> = Vec::with_capacity(base.len());
    for (i, item) in base.iter().enumerate() {
        if dropped.contains(&i) {
            continue;
        }
        let replaced = applied.iter().find(|c| c.base == Some(i) && matches!(c.how, How::Changed(_)));
        out.push(match replaced.and_then(|c| c.head) {
            Some(h) => head[h].clone(),
            None => item.clone(),
        });
    }
    out.extend(applied.iter().filter(|c| c.how == How::Added).filter_map(|c| c.head).map(|h| head[h].clone()));
    out
}
