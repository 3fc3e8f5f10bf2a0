//! Loss events per attempt: which held crown jewel an attempt's loss event is booked on when
//! jewels share one event (loss groups), and what an event booked on each jewel costs.
//!
//! An attempt that holds jewels of no group has one loss event per jewel held, each the jewel's own
//! loss. The members of a loss group held together in one attempt make one event, booked on the
//! held member with the largest mean loss (ties: the first listed): its loss is the group's joint
//! loss when given, else that member's own. So `E[event | members H held]` is exact — the mean loss
//! of H's top member, or the joint loss's — and the simulation and the expected-loss evaluator
//! agree in expectation. (Taking the largest of independent draws of every held member's loss
//! would price our uncertainty about one event as if several happened, growing with the number of
//! members held, which is what a group is there to stop; it also has no closed form.)

use riskpath_model::{Estimate, Model};

use crate::compile::AttackGraph;
use crate::dist;
use crate::rng::text_key;

/// What an event booked on a target is drawn from: the jewel's own loss, or its group's joint loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossSource {
    /// The jewel's own loss types (dense id of the jewel: its stable key).
    Jewel(u32),
    /// The joint loss of loss group `g` (index into `model.loss_groups`).
    Group(usize),
}

/// For one scenario's targets: who books each attempt's events, and their losses.
#[derive(Debug, Clone)]
pub struct Booking {
    /// Per target: the targets of its group ranked above it. Where one of them is held, it books
    /// the event instead.
    above: Vec<Vec<usize>>,
    /// Per target: its loss group (index into `model.loss_groups`), if any.
    pub groups: Vec<Option<usize>>,
    /// Per target: the loss types of an event booked on it, and where they come from.
    pub losses: Vec<Vec<Estimate>>,
    pub sources: Vec<LossSource>,
    /// Per target: the stable key of its event's source (the jewel's or the group's id) and of
    /// each loss type (its name), which key the magnitudes' random streams.
    pub keys: Vec<(u64, Vec<u64>)>,
}

impl Booking {
    /// The booking of `targets` (dense ids of crown jewels) of one actor.
    pub fn new(model: &Model, graph: &AttackGraph, targets: &[u32]) -> Self {
        let id = |t: u32| graph.ids[t as usize].as_str();
        let group_of = |t: u32| model.loss_groups.iter().position(|g| g.members.iter().any(|m| m.value == id(t)));
        let own = |t: u32| -> &[riskpath_model::Loss] { model.node(id(t)).map_or(&[], |n| &n.loss) };
        let mut booking = Booking {
            above: Vec::new(),
            groups: Vec::new(),
            losses: Vec::new(),
            sources: Vec::new(),
            keys: Vec::new(),
        };
        for &t in targets {
            let group = group_of(t);
            booking.groups.push(group);
            let rank = |x: u32| group_rank(model, group.expect("a member"), id(x));
            booking.above.push(match group {
                None => Vec::new(),
                Some(g) => (0..targets.len())
                    .filter(|&o| group_of(targets[o]) == Some(g) && rank(targets[o]) < rank(t))
                    .collect(),
            });
            let joint = group.filter(|&g| !model.loss_groups[g].loss.is_empty());
            let (source, losses) = match joint {
                Some(g) => (text_key(&model.loss_groups[g].id), &model.loss_groups[g].loss[..]),
                None => (text_key(id(t)), own(t)),
            };
            booking.losses.push(losses.iter().map(|l| l.amount.value).collect());
            booking.keys.push((source, losses.iter().map(|l| text_key(l.kind)).collect()));
            booking.sources.push(joint.map_or(LossSource::Jewel(t), LossSource::Group));
        }
        booking
    }

    /// Whether every target books its own events (no two targets share a group).
    pub fn is_trivial(&self) -> bool {
        self.above.iter().all(Vec::is_empty)
    }

    /// The lanes in which each target books an event, given the lanes in which each is held.
    pub fn booked(&self, held: &[u64]) -> Vec<u64> {
        held.iter().zip(&self.above).map(|(&h, above)| above.iter().fold(h, |lanes, &o| lanes & !held[o])).collect()
    }

    /// The mean loss of an event booked on target `t`.
    pub fn mean(&self, t: usize) -> f64 {
        self.losses[t].iter().map(dist::amount_mean).sum()
    }
}

/// A member's place in loss group `g`'s booking order: larger mean loss first, then as listed.
fn group_rank(model: &Model, g: usize, member: &str) -> (std::cmp::Reverse<OrdF64>, usize) {
    let members = &model.loss_groups[g].members;
    let position = members.iter().position(|m| m.value == member).unwrap_or(usize::MAX);
    (std::cmp::Reverse(OrdF64(own_mean(model, member))), position)
}

/// The mean of a jewel's own loss (the sum of its loss types' means).
pub fn own_mean(model: &Model, jewel: &str) -> f64 {
    model.node(jewel).map_or(0.0, |n| n.loss.iter().map(|l| dist::amount_mean(&l.amount.value)).sum())
}

/// The mean loss of an event booked on `jewel`: its group's joint loss when it has one, else its own.
pub fn event_mean(model: &Model, jewel: &str) -> f64 {
    let joint = model.loss_groups.iter().find(|g| !g.loss.is_empty() && g.members.iter().any(|m| m.value == jewel));
    match joint {
        Some(g) => g.loss.iter().map(|l| dist::amount_mean(&l.amount.value)).sum(),
        None => own_mean(model, jewel),
    }
}

/// An `f64` ordered by `total_cmp`, for sort keys and heaps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrdF64(pub f64);

impl Eq for OrdF64 {}

impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}
