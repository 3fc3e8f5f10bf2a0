//! What an incident's crown jewels have at stake when loss groups share loss events: which live
//! jewel books an event in each trial, and what that event adds to what is already lost.
//!
//! The compromised jewels are held in every trial. Their events are already lost: one per jewel,
//! or per loss group the event of its top compromised member ([`Booking`]). A live jewel books an
//! event in a trial when it is held and no member of its group ranked above it is (compromised
//! members are always held); the event adds its mean loss minus what its group already lost (the
//! joint loss of a group with a compromised member adds nothing more).

use std::collections::HashMap;

use riskpath_engine::booking::Booking;
use riskpath_engine::compile::AttackGraph;
use riskpath_model::Model;

pub struct Stakes {
    booking: Booking,
    /// Per jewel of the booking: its index among the live jewels, or `None` when compromised.
    live: Vec<Option<usize>>,
    /// Per jewel of the booking: the mean loss already lost on it (0 unless compromised and the
    /// top compromised member of its group).
    pub lost: Vec<f64>,
    /// Per live jewel: what an event booked on it adds to what is already lost.
    pub increment: Vec<f64>,
}

impl Stakes {
    /// Stakes of `jewels` (dense ids, every crown jewel) when `compromised(j)` are held for sure.
    pub fn new(model: &Model, graph: &AttackGraph, jewels: &[u32], compromised: impl Fn(u32) -> bool) -> Self {
        let booking = Booking::new(model, graph, jewels);
        let mut next = 0;
        let live: Vec<Option<usize>> = jewels
            .iter()
            .map(|&j| {
                (!compromised(j)).then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect();
        let held: Vec<u64> = live.iter().map(|l| if l.is_none() { !0 } else { 0 }).collect();
        let booked = booking.booked(&held);
        let lost: Vec<f64> = (0..jewels.len()).map(|t| if booked[t] != 0 { booking.mean(t) } else { 0.0 }).collect();
        let group_lost: HashMap<usize, f64> =
            (0..jewels.len()).filter(|&t| lost[t] > 0.0).filter_map(|t| Some((booking.groups[t]?, lost[t]))).collect();
        let increment = (0..jewels.len())
            .filter(|&t| live[t].is_some())
            .map(|t| booking.mean(t) - booking.groups[t].and_then(|g| group_lost.get(&g).copied()).unwrap_or(0.0))
            .collect();
        Stakes { booking, live, lost, increment }
    }

    /// The lanes in which each live jewel books an event, from the lanes in which each is held.
    pub fn booked(&self, live_held: &[u64]) -> Vec<u64> {
        if self.booking.is_trivial() {
            return live_held.to_vec();
        }
        let held: Vec<u64> = self.live.iter().map(|l| l.map_or(!0, |i| live_held[i])).collect();
        let booked = self.booking.booked(&held);
        self.live.iter().zip(booked).filter_map(|(l, b)| l.map(|_| b)).collect()
    }

    /// The money at stake from trials counted per live jewel: `Σ booked / trials × increment`.
    pub fn at_stake(&self, booked: &[u64], trials: u64) -> f64 {
        booked.iter().zip(&self.increment).map(|(&b, &x)| b as f64 / trials as f64 * x).sum()
    }
}
