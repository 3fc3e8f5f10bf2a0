//! Answers at the precision asked: targets (relative standard error of the ALE, standard error of
//! each P(compromise)), the fixed schedule of batch boundaries and the run that stops at the first one meeting them.

use riskpath_model::Model;

use crate::compile::AttackGraph;
use crate::risk::{Progress, RiskConfig, RiskResult, SkillGraphs, YEARS_PER_CHUNK, mean_and_error, scenario_stream};
use crate::sim::{Run, proportion};
use crate::tally::{Slice, Tally, attempts_before, simulate};

/// Scenario trials per unit of the schedule: 64 batches of 64.
pub const TRIAL_UNIT: u64 = 4096;
/// Simulated years per unit of the schedule: one chunk.
pub const YEAR_UNIT: u64 = YEARS_PER_CHUNK;

/// The precision a run is driven to; a quantity without a target keeps its fixed count.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Target {
    /// Largest relative standard error of the ALE (0.01: 1%); drives the simulated years.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ale: Option<f64>,
    /// Largest standard error of each scenario's P(compromise); drives the scenario trials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
}

/// The most a run driven to a target may simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub trials: u64,
    pub years: u64,
}

/// The precision a run reached, and whether it met its target or stopped at a cap.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Reached {
    pub target: Target,
    /// The ALE's standard error over the ALE (0 when no year lost anything).
    pub ale_relative_std_error: f64,
    /// The largest standard error of any scenario's P(compromise).
    pub p_std_error: f64,
    /// Every target met; `false`: a cap stopped the run first.
    pub met: bool,
}

/// The schedule: after `n` units (n ≥ 1), the next boundary is `n + max(1, 2^⌊log₂ n⌋ / 8)` units:
/// every unit up to 16, then steps of at most an eighth, so a run overshoots the first boundary
/// meeting its target by less than 12.5% and checks about eight times per doubling.
pub fn next_units(n: u64) -> u64 {
    let power = 1u64 << (63 - n.max(1).leading_zeros());
    n + (power / 8).max(1)
}

/// The boundary after `count` (a multiple of `unit`, or the cap) on the schedule, within `cap`.
fn next_boundary(count: u64, unit: u64, cap: u64) -> u64 {
    next_units(count / unit).saturating_mul(unit).min(cap)
}

/// The ALE's relative standard error of these annual losses (0 when they are all 0).
pub fn ale_relative_error(annual: &[f64]) -> f64 {
    let (ale, se) = mean_and_error(annual);
    if ale > 0.0 { se / ale } else { 0.0 }
}

/// Simulates `graph` in slices on the schedule until each target is met or its cap reached: the
/// scenario trials grow while the largest P(compromise) error exceeds `target.p`, the years while
/// the ALE's relative error exceeds `target.ale`; a quantity without a target has `fixed`'s count.
/// Every boundary and check depends only on the seed, so the result is the same on any number of
/// threads, and equal to the fixed run of the trials and years reached.
pub fn assess_to_precision(
    model: &Model,
    graph: &AttackGraph,
    fixed: RiskConfig,
    target: Target,
    caps: Caps,
    progress: &dyn Progress,
) -> RiskResult {
    let sims = SkillGraphs::new(model, graph);
    let first = |t: Option<f64>, unit: u64, cap: u64, fixed: u64| if t.is_some() { unit.min(cap) } else { fixed };
    let mut trials = first(target.p, TRIAL_UNIT, caps.trials, fixed.trials);
    let mut years = first(target.ale, YEAR_UNIT, caps.years, fixed.years);
    let mut tally = Tally::empty(model, graph);
    let mut first_attempts = attempts_before(model, fixed.seed, 0);
    let (p_error, ale_error) = loop {
        let slice = Slice { trials: tally.slice.trials.end..trials, years: tally.slice.years.end..years };
        let part = simulate(model, graph, &sims, fixed.seed, &slice, &first_attempts, progress);
        first_attempts.iter_mut().zip(&part.attempts).for_each(|(f, a)| *f += a);
        tally.join(part).expect("the next slice follows");
        let (p_error, ale_error) = (tally.largest_p_error(), ale_relative_error(&tally.annual));
        let p_done = target.p.is_none_or(|t| p_error <= t) || trials == caps.trials;
        let ale_done = target.ale.is_none_or(|t| ale_error <= t) || years == caps.years;
        if p_done && ale_done {
            break (p_error, ale_error);
        }
        if !p_done {
            trials = next_boundary(trials, TRIAL_UNIT, caps.trials);
        }
        if !ale_done {
            years = next_boundary(years, YEAR_UNIT, caps.years);
        }
    };
    let met = target.p.is_none_or(|t| p_error <= t) && target.ale.is_none_or(|t| ale_error <= t);
    let mut risk = tally.finish(model, graph, RiskConfig { trials, years, seed: fixed.seed });
    risk.precision = Some(Reached { target, ale_relative_std_error: ale_error, p_std_error: p_error, met });
    risk
}

/// One actor's scenario trials as the expected-loss evaluator sees them: hits per target, and the
/// sum and sum of squares over trials of the mean loss a trial books (`Σ_t booked_t · E[event_t]`).
#[derive(Debug, Clone, Default)]
struct BookedMoments {
    hits: Vec<u64>,
    sum: f64,
    squares: f64,
}

/// [`BookedMoments`] of actor `ai`'s scenario trials `trials` (starting at a multiple of 64),
/// summed batch by batch in order.
fn booked_moments(
    model: &Model,
    graph: &AttackGraph,
    sims: &SkillGraphs,
    (ai, seed): (usize, u64),
    trials: std::ops::Range<u64>,
) -> BookedMoments {
    let actor = &model.actors[ai];
    let (entries, targets) = (graph.entries_of(actor), graph.targets_of(actor));
    let booking = crate::booking::Booking::new(model, graph, &targets);
    let sim = sims.for_actor(ai, actor.skill);
    let run = Run { graph: sim, entries: &entries, trials: trials.end, seed, stream: scenario_stream(actor) };
    let batches = if trials.is_empty() { 0..0 } else { trials.start / 64..run.batch_count() };
    let per_batch = run.map_batch_range(batches, |b| {
        let held: Vec<u64> = targets.iter().map(|&t| b.held(t)).collect();
        let booked = booking.booked(&held);
        let mut out =
            BookedMoments { hits: held.iter().map(|h| h.count_ones() as u64).collect(), ..Default::default() };
        for lane in (0..64).filter(|lane| b.lanes >> lane & 1 == 1) {
            let y: f64 =
                booked.iter().enumerate().filter(|(_, w)| *w >> lane & 1 == 1).map(|(t, _)| booking.mean(t)).sum();
            out.sum += y;
            out.squares += y * y;
        }
        out
    });
    let mut total = BookedMoments { hits: vec![0; targets.len()], ..Default::default() };
    for m in per_batch {
        total.add(m);
    }
    total
}

impl BookedMoments {
    fn add(&mut self, other: BookedMoments) {
        self.hits.iter_mut().zip(other.hits).for_each(|(h, o)| *h += o);
        self.sum += other.sum;
        self.squares += other.squares;
    }
}

/// The trials per actor a decision analysis (the expected-loss evaluator) of `graph` takes for
/// `target`: the first boundary of the schedule, from [`TRIAL_UNIT`], at which each scenario's
/// P(compromise) has a standard error within `target.p` and the expected ALE
/// `Σ_actor λ̄ · mean over trials of the loss booked` one within `target.ale` of itself; or `cap`.
/// Returns the trials and the errors reached: (trials, relative ALE error, largest P error).
pub fn decision_trials(model: &Model, graph: &AttackGraph, seed: u64, target: Target, cap: u64) -> (u64, f64, f64) {
    let sims = SkillGraphs::new(model, graph);
    let mut moments: Vec<BookedMoments> = model
        .actors
        .iter()
        .map(|a| BookedMoments { hits: vec![0; graph.targets_of(a).len()], ..Default::default() })
        .collect();
    let (mut done, mut trials) = (0, TRIAL_UNIT.min(cap));
    loop {
        for (ai, m) in moments.iter_mut().enumerate() {
            m.add(booked_moments(model, graph, &sims, (ai, seed), done..trials));
        }
        done = trials;
        let p_error = moments.iter().flat_map(|m| &m.hits).map(|&h| proportion(h, trials).1).fold(0.0, f64::max);
        let ale_error = expected_ale_error(model, &moments, trials);
        let met = target.p.is_none_or(|t| p_error <= t) && target.ale.is_none_or(|t| ale_error <= t);
        if met || trials == cap {
            return (trials, ale_error, p_error);
        }
        trials = next_boundary(trials, TRIAL_UNIT, cap);
    }
}

/// The relative standard error of `Σ_actor λ̄ · sum/n` (actors' trials are independent).
fn expected_ale_error(model: &Model, moments: &[BookedMoments], n: u64) -> f64 {
    let n = n as f64;
    let (mut ale, mut var) = (0.0, 0.0);
    for (actor, m) in model.actors.iter().zip(moments) {
        let lambda = crate::dist::amount_mean(&actor.frequency.value);
        let mean = m.sum / n;
        let sample_var = ((m.squares - m.sum * mean) / (n - 1.0).max(1.0)).max(0.0);
        ale += lambda * mean;
        var += lambda * lambda * sample_var / n;
    }
    if ale > 0.0 { var.sqrt() / ale } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_steps_by_one_up_to_sixteen_then_by_an_eighth() {
        let mut n = 1;
        let mut boundaries = vec![n];
        while n < 128 {
            n = next_units(n);
            boundaries.push(n);
        }
        let expected: Vec<u64> =
            (1..=16).chain((18..=32).step_by(2)).chain((36..=64).step_by(4)).chain((72..=128).step_by(8)).collect();
        assert_eq!(boundaries, expected);
        for n in 1..100_000 {
            let next = next_units(n);
            assert!(next > n && (next - n) * 8 <= n.max(8), "{n} → {next}");
        }
    }

    #[test]
    fn boundaries_stop_at_the_cap() {
        assert_eq!(next_boundary(4096, 4096, 10_000), 8192);
        assert_eq!(next_boundary(8192, 4096, 10_000), 10_000);
    }
}
