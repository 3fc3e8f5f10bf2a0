//! FAIR risk in money: P(compromise) per scenario and the annual loss distribution.
//! Per simulated year and actor, λ ~ lognormal(frequency), K ~ Poisson(λ) attempts, each an
//! independent trial; each crown jewel held is a loss event with a lognormal magnitude per loss
//! type, except that the members of a loss group held together are one event ([`crate::booking`]).

use rand_distr::{Distribution, Poisson};
use rayon::prelude::*;
use riskpath_model::kb::Skill;
use riskpath_model::{Actor, Estimate, Model};

use crate::booking::{Booking, LossSource};
use crate::compile::{AttackGraph, Posture, compile};
use crate::rng::{Stream, extend, key, text_key, unit, word};
use crate::sim::{Run, SimGraph, proportion};
use crate::tally::Slice;
use crate::{bulk, dist};

/// Random-stream domains of the risk computation (distinct from the simulation's).
mod domain {
    pub const SCENARIO: u64 = 10;
    pub const ATTEMPTS: u64 = 11;
    pub const FREQUENCY: u64 = 12;
    pub const POISSON: u64 = 13;
    pub const LOSS: u64 = 14;
    pub const LOSS_GROUP: u64 = 15;
}

/// How much to simulate, and with which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskConfig {
    /// Trials per actor for P(compromise).
    pub trials: u64,
    /// Simulated years for the annual loss distribution.
    pub years: u64,
    pub seed: u64,
}

impl RiskConfig {
    pub fn from_settings(model: &Model) -> Self {
        let s = &model.settings;
        RiskConfig { trials: s.trials, years: s.years, seed: s.seed }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScenarioRisk {
    /// Index into `model.actors`.
    #[serde(skip)]
    pub actor: usize,
    /// Dense id of the target in the graph.
    #[serde(skip)]
    pub target: u32,
    /// P(the target is held after one attempt).
    pub probability: f64,
    pub std_error: f64,
    /// Mean annual loss booked on this target from this actor's attempts (for a member of a loss
    /// group, the events it books: see [`crate::booking`]).
    pub ale: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LecPoint {
    pub loss: f64,
    /// P(annual loss > loss).
    pub probability: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RiskResult {
    pub config: RiskConfig,
    /// Mean annual loss (ALE) and its Monte Carlo standard error.
    pub ale: f64,
    pub ale_std_error: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub lec: Vec<LecPoint>,
    pub scenarios: Vec<ScenarioRisk>,
    /// Per crown jewel (dense id): its share of the ALE.
    pub targets: Vec<(u32, f64)>,
    /// Simulated annual losses, sorted ascending.
    pub annual: Vec<f64>,
    /// The same losses year by year: year `y` of any version of the model draws the same attempts
    /// and magnitudes for unchanged items, so two versions' years pair up (`riskpath diff`).
    pub by_year: Vec<f64>,
    /// When the run was driven to a precision target: the target and what was reached.
    pub precision: Option<crate::precision::Reached>,
}

/// Simulation graphs for each skill an actor of the model has, built once, plus one per actor
/// limited to an ATT&CK group's techniques (see [`AttackGraph::for_actor`]).
pub struct SkillGraphs {
    graphs: [Option<SimGraph>; 3],
    /// Per model actor: its own graph when its group rules out some edges.
    limited: Vec<Option<SimGraph>>,
}

impl SkillGraphs {
    pub fn new(model: &Model, graph: &AttackGraph) -> Self {
        let graphs = Skill::ALL
            .map(|s| model.actors.iter().any(|a| a.skill == s).then(|| SimGraph::from_attack_graph(graph, model, s)));
        let limited = model
            .actors
            .iter()
            .map(|a| match graph.for_actor(a) {
                std::borrow::Cow::Owned(g) => Some(SimGraph::from_attack_graph(&g, model, a.skill)),
                std::borrow::Cow::Borrowed(_) => None,
            })
            .collect();
        SkillGraphs { graphs, limited }
    }
    /// The graph of a skill, ignoring any actor's ATT&CK group limit.
    pub fn get(&self, skill: Skill) -> &SimGraph {
        self.graphs[skill.index()].as_ref().expect("built for every actor skill")
    }
    /// The graph actor `actor` (index into `model.actors`) attacks: its skill, and its group's limit.
    pub fn for_actor(&self, actor: usize, skill: Skill) -> &SimGraph {
        self.limited.get(actor).and_then(Option::as_ref).unwrap_or_else(|| self.get(skill))
    }
}

/// Compiles the model under `posture` and computes its risk.
pub fn assess(model: &Model, posture: &Posture, config: RiskConfig) -> RiskResult {
    let graph = compile(model, posture);
    assess_graph(model, &graph, config)
}

/// Risk of an already compiled graph.
pub fn assess_graph(model: &Model, graph: &AttackGraph, config: RiskConfig) -> RiskResult {
    assess_graph_observed(model, graph, config, &())
}

/// Receives the amount of simulation work done (trials and attempts), for progress bars.
pub trait Progress: Sync {
    fn add(&self, trials: u64);
    /// The work is over: clear any display before the result is written.
    fn done(&self) {}
}

impl Progress for () {
    fn add(&self, _: u64) {}
}

/// The work [`assess_graph`] does, in trials: scenario trials plus expected attempts per actor.
pub fn expected_work(model: &Model, config: RiskConfig) -> u64 {
    model
        .actors
        .iter()
        .map(|a| config.trials + (dist::amount_mean(&a.frequency.value) * config.years as f64) as u64)
        .sum()
}

/// Simulated years per parallel work item (attempt counts, losses), and the unit a run's years
/// are sliced in ([`crate::tally::Slice`]): each target's loss is summed chunk by chunk.
pub const YEARS_PER_CHUNK: u64 = 4096;

/// [`assess_graph`], reporting progress as each actor's scenario trials and years finish.
pub fn assess_graph_observed(
    model: &Model,
    graph: &AttackGraph,
    config: RiskConfig,
    progress: &dyn Progress,
) -> RiskResult {
    let sims = SkillGraphs::new(model, graph);
    let first_attempts = vec![0; model.actors.len()];
    let tally =
        crate::tally::simulate(model, graph, &sims, config.seed, &Slice::whole(config), &first_attempts, progress);
    tally.finish(model, graph, config)
}

/// The mean of the annual losses and its Monte Carlo standard error (sample variance over `n`).
pub fn mean_and_error(annual: &[f64]) -> (f64, f64) {
    let n = annual.len() as f64;
    let ale = annual.iter().sum::<f64>() / n;
    let var = annual.iter().map(|x| (x - ale) * (x - ale)).sum::<f64>() / (n - 1.0).max(1.0);
    (ale, (var / n).sqrt())
}

/// The mean annual loss computed from P(compromise) and the inputs' means:
/// `ALE = Σ_actor λ̄ × Σ_target P(target books an event) × E[event]`, exact in expectation because
/// attempts, trial outcomes and loss magnitudes are independent. A target books an event when it
/// is held, unless it shares a loss group with a held target ranked above it ([`Booking`]); then
/// `E[event]` is the group's joint loss or the target's own. Without loss groups this is
/// `Σ λ̄ × P(target held) × E[loss]`. It needs only the scenario trials, which use the same random
/// streams as [`assess`]: what-ifs compared with it share common random numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedLoss {
    pub ale: f64,
    pub scenarios: Vec<ScenarioRisk>,
    /// In how many of the `trials` scenario trials each scenario booked an event (parallel to
    /// `scenarios`): what a paired what-if's standard error is computed from.
    pub booked: Vec<u64>,
    pub trials: u64,
}

/// Mean loss of an event booked on `target`: the sum of its loss types' means, or of its loss
/// group's joint loss ([`crate::booking::event_mean`]).
pub fn mean_loss(model: &Model, target_id: &str) -> f64 {
    crate::booking::event_mean(model, target_id)
}

/// Expected annual loss of an already compiled graph (see [`ExpectedLoss`]).
pub fn expected_loss(model: &Model, graph: &AttackGraph, trials: u64, seed: u64) -> ExpectedLoss {
    let sims = SkillGraphs::new(model, graph);
    let (mut scenarios, mut booked_all) = (Vec::new(), Vec::new());
    for (ai, actor) in model.actors.iter().enumerate() {
        let (entries, targets) = (graph.entries_of(actor), graph.targets_of(actor));
        let booking = Booking::new(model, graph, &targets);
        let sim = sims.for_actor(ai, actor.skill);
        let (hits, booked) = if booking.is_trivial() {
            let hits = scenario_hits(sim, actor, &entries, &targets, trials, seed);
            (hits.clone(), hits)
        } else {
            scenario_bookings(sim, actor, &entries, &targets, &booking, trials, seed)
        };
        let lambda = dist::amount_mean(&actor.frequency.value);
        for (ti, &t) in targets.iter().enumerate() {
            let (probability, std_error) = proportion(hits[ti], trials);
            let ale = lambda * (booked[ti] as f64 / trials as f64) * booking.mean(ti);
            scenarios.push(ScenarioRisk { actor: ai, target: t, probability, std_error, ale });
            booked_all.push(booked[ti]);
        }
    }
    ExpectedLoss { ale: scenarios.iter().map(|s| s.ale).sum(), scenarios, booked: booked_all, trials }
}

/// In how many of `trials` scenario trials actor `actor` holds each target (the scenario stream).
pub fn scenario_hits(
    sim: &SimGraph,
    actor: &Actor,
    entries: &[u32],
    targets: &[u32],
    trials: u64,
    seed: u64,
) -> Vec<u64> {
    let run = Run { graph: sim, entries, trials, seed, stream: scenario_stream(actor) };
    run.hit_counts(targets)
}

/// [`scenario_hits`], and in how many trials each target books a loss event (see [`Booking`]).
fn scenario_bookings(
    sim: &SimGraph,
    actor: &Actor,
    entries: &[u32],
    targets: &[u32],
    booking: &Booking,
    trials: u64,
    seed: u64,
) -> (Vec<u64>, Vec<u64>) {
    let run = Run { graph: sim, entries, trials, seed, stream: scenario_stream(actor) };
    let per_batch = run.map_batches(|b| {
        let held: Vec<u64> = targets.iter().map(|&t| b.held(t)).collect();
        (held.clone(), booking.booked(&held))
    });
    let (mut hits, mut booked) = (vec![0u64; targets.len()], vec![0u64; targets.len()]);
    for (held, books) in per_batch {
        for t in 0..targets.len() {
            hits[t] += held[t].count_ones() as u64;
            booked[t] += books[t].count_ones() as u64;
        }
    }
    (hits, booked)
}

/// The random stream of an actor's scenario trials, keyed by its id (not its position), so the
/// same actor draws the same in any version of the model.
pub fn scenario_stream(actor: &Actor) -> u64 {
    key(&[domain::SCENARIO, text_key(&actor.id)])
}

/// A positive estimate (money, frequency) ready to sample: the lognormal fit of an interval is
/// computed once instead of per sample. Gives exactly the numbers of [`dist::amount_at`].
#[derive(Debug, Clone, Copy)]
enum Amount {
    Point(f64),
    LogNormal(dist::Fitted),
}

impl Amount {
    fn new(e: &Estimate) -> Self {
        match *e {
            Estimate::Point(v) => Amount::Point(v),
            Estimate::Interval { low, high } => Amount::LogNormal(dist::Fitted::lognormal(low, high)),
        }
    }
    /// The samples `at(unit(word(key, i)))` for `i` in `counters`, drawn in bulk.
    fn samples(&self, key: u64, counters: std::ops::Range<u64>) -> Vec<f64> {
        match *self {
            Amount::Point(v) => vec![v; counters.count()],
            Amount::LogNormal(fit) => {
                let draws: Vec<bulk::Draw> = counters.map(|counter| bulk::Draw { key, counter, fit }).collect();
                let mut out = Vec::new();
                bulk::lognormal(&draws, &mut out);
                out
            }
        }
    }
}

/// One actor's simulated years (a slice of them): annual loss per year, and per chunk of
/// [`YEARS_PER_CHUNK`] years the loss booked on each target.
pub struct ActorYears {
    pub annual: Vec<f64>,
    pub per_chunk: Vec<Vec<f64>>,
    /// Attempts simulated over the years.
    pub attempts: u64,
}

/// The number of attempts in each simulated year of `years`: λ drawn per year, then Poisson(λ).
/// Year `y`'s count depends only on `y`, so any range gives the counts of the whole run.
pub fn attempts_per_year(actor: &Actor, seed: u64, years: std::ops::Range<u64>) -> Vec<u64> {
    let frequency = &actor.frequency.value;
    let fk = key(&[seed, domain::FREQUENCY, text_key(&actor.id)]);
    let frequency = Amount::new(frequency);
    // Year y's count is Poisson(λ) by inversion of word y of key(&[seed, POISSON, actor]); for
    // large λ, rand_distr's sampler on the stream key(&[seed, POISSON, actor, y]).
    let pk = key(&[seed, domain::POISSON, text_key(&actor.id)]);
    let chunks: Vec<Vec<u64>> = chunks(years)
        .into_par_iter()
        .map(|years| {
            let lambdas = frequency.samples(fk, years.clone());
            let mut exp_neg: Vec<f64> = lambdas.iter().map(|l| -l).collect();
            bulk::exp(&mut exp_neg);
            years
                .zip(lambdas.iter().zip(exp_neg))
                .map(|(y, (&lambda, exp_neg))| {
                    if lambda.is_nan() || lambda <= 0.0 {
                        0
                    } else if lambda < dist::POISSON_INVERSION {
                        dist::poisson_walk(lambda, exp_neg, unit(word(pk, y)))
                    } else {
                        let mut rng = Stream::from_key(extend(pk, y));
                        Poisson::new(lambda).map_or(0, |d| d.sample(&mut rng) as u64)
                    }
                })
                .collect()
        })
        .collect();
    chunks.concat()
}

/// `years` cut at the multiples of [`YEARS_PER_CHUNK`].
fn chunks(years: std::ops::Range<u64>) -> Vec<std::ops::Range<u64>> {
    let mut out = Vec::new();
    let mut start = years.start;
    while start < years.end {
        let end = ((start / YEARS_PER_CHUNK + 1) * YEARS_PER_CHUNK).min(years.end);
        out.push(start..end);
        start = end;
    }
    out
}

/// Where an actor's simulation of some years starts: its year range (starting at a multiple of
/// [`YEARS_PER_CHUNK`]) and the attempts all earlier years took (attempts are numbered across years).
#[derive(Debug, Clone)]
pub struct YearSlice {
    pub years: std::ops::Range<u64>,
    pub first_attempt: u64,
}

/// Simulates the years of `slice` of one actor: attempts, their trials, and the losses.
pub fn simulate_actor_years(
    actor: &Actor,
    sim: &SimGraph,
    (entries, targets): (&[u32], &[u32]),
    booking: &Booking,
    seed: u64,
    slice: YearSlice,
) -> ActorYears {
    let attempts = attempts_per_year(actor, seed, slice.years.clone());
    let mut offsets = Vec::with_capacity(attempts.len() + 1);
    offsets.push(slice.first_attempt);
    for a in &attempts {
        offsets.push(offsets.last().unwrap() + a);
    }
    let end = *offsets.last().unwrap();
    let run = Run { graph: sim, entries, trials: end, seed, stream: key(&[domain::ATTEMPTS, text_key(&actor.id)]) };
    // held[(b - first_batch) * targets + t]: lanes of batch b in which target t books a loss event
    // (is held, and no member of its loss group ranked above it is).
    let first_batch = slice.first_attempt / 64;
    let batches = if end == slice.first_attempt { 0..0 } else { first_batch..run.batch_count() };
    let held: Vec<u64> = run
        .map_batch_range(batches, |b| booking.booked(&targets.iter().map(|&t| b.held(t)).collect::<Vec<_>>()))
        .concat();
    let losses = LossTable::new(text_key(&actor.id), booking, seed);
    let chunks: Vec<(Vec<f64>, Vec<f64>)> = chunks(slice.years.clone())
        .into_par_iter()
        .map(|years| {
            let at = (years.start - slice.years.start) as usize..=(years.end - slice.years.start) as usize;
            losses.chunk(&offsets[at], &held, first_batch)
        })
        .collect();
    let mut out = ActorYears {
        annual: Vec::with_capacity(attempts.len()),
        per_chunk: Vec::new(),
        attempts: end - slice.first_attempt,
    };
    for (annual, per_target) in chunks {
        out.annual.extend(annual);
        out.per_chunk.push(per_target);
    }
    out
}

/// Loss magnitudes of one actor's targets: per target, its loss types' samplers and stream keys.
struct LossTable {
    /// Per target: its loss types' range in `amounts` and `keys`.
    ranges: Vec<std::ops::Range<usize>>,
    amounts: Vec<Amount>,
    /// Loss type `l` of an event booked on target `t` draws attempt `j`'s magnitude from
    /// `word(key, j)`, with `key = key(&[seed, LOSS, actor, jewel, l])` for the jewel's own loss and
    /// `key(&[seed, LOSS_GROUP, actor, group, l])` for a loss group's joint loss: the actor's, the
    /// jewel's or group's and the loss type's keys of their ids and names (stable across versions).
    keys: Vec<u64>,
}

impl LossTable {
    fn new(actor: u64, booking: &Booking, seed: u64) -> Self {
        let mut table = LossTable { ranges: Vec::new(), amounts: Vec::new(), keys: Vec::new() };
        for ((types, source), (id, type_keys)) in booking.losses.iter().zip(&booking.sources).zip(&booking.keys) {
            let start = table.amounts.len();
            let domain = match *source {
                LossSource::Jewel(_) => domain::LOSS,
                LossSource::Group(_) => domain::LOSS_GROUP,
            };
            for (amount, &l) in types.iter().zip(type_keys) {
                table.amounts.push(Amount::new(amount));
                table.keys.push(key(&[seed, domain, actor, *id, l]));
            }
            table.ranges.push(start..table.amounts.len());
        }
        table
    }

    /// Annual losses of the years whose attempts start at `offsets` (one more offset than years),
    /// and each target's total loss over them. `held[(b - first_batch) * targets + t]`: the lanes
    /// of batch `b` (attempts `64·b …`) in which target `t` is held.
    ///
    /// Loss events are listed first (attempt by attempt, targets in order, without a branch per
    /// pair), their magnitudes drawn in one tight loop, then summed in the same order.
    fn chunk(&self, offsets: &[u64], held: &[u64], first_batch: u64) -> (Vec<f64>, Vec<f64>) {
        let targets = self.ranges.len();
        let (first, end) = (offsets[0], offsets[offsets.len() - 1]);
        // (attempt, target) of each loss event, in that order.
        let mut events: Vec<(u64, u32)> = Vec::new();
        for j in first..end {
            let (b, lane) = ((j / 64 - first_batch) as usize, j % 64);
            for group in held[b * targets..(b + 1) * targets].chunks(64).enumerate() {
                let (g, row) = group;
                let mut mask = row.iter().enumerate().fold(0u64, |m, (t, &h)| m | (h >> lane & 1) << t);
                while mask != 0 {
                    events.push((j, (g * 64 + mask.trailing_zeros() as usize) as u32));
                    mask &= mask - 1;
                }
            }
        }
        let samples = self.magnitudes(&events);
        let mut per_target = vec![0.0; targets];
        let mut annual = vec![0.0; offsets.len() - 1];
        let (mut next_event, mut next_sample) = (0, 0);
        for (y, year_loss) in annual.iter_mut().enumerate() {
            while next_event < events.len() && events[next_event].0 < offsets[y + 1] {
                let t = events[next_event].1 as usize;
                let types = self.ranges[t].len();
                let loss: f64 = samples[next_sample..next_sample + types].iter().sum();
                per_target[t] += loss;
                *year_loss += loss;
                next_event += 1;
                next_sample += types;
            }
        }
        (annual, per_target)
    }

    /// The magnitude of every loss type of every event, in order, drawn in bulk.
    fn magnitudes(&self, events: &[(u64, u32)]) -> Vec<f64> {
        let mut draws = Vec::with_capacity(events.len());
        let mut points = Vec::new();
        for &(j, t) in events {
            for l in self.ranges[t as usize].clone() {
                let fit = match self.amounts[l] {
                    Amount::LogNormal(fit) => fit,
                    Amount::Point(v) => {
                        points.push((draws.len(), v));
                        dist::Fitted { mu: 0.0, sigma: 0.0 }
                    }
                };
                draws.push(bulk::Draw { key: self.keys[l], counter: j, fit });
            }
        }
        let mut out = Vec::new();
        bulk::lognormal(&draws, &mut out);
        for (i, v) in points {
            out[i] = v;
        }
        out
    }
}

/// Quantile with linear interpolation between order statistics (numpy's default), on sorted data.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, frac) = (pos.floor() as usize, pos.fract());
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// P(annual loss > x) on log-spaced thresholds, four per decade, spanning the non-zero losses.
pub fn exceedance_curve(sorted: &[f64]) -> Vec<LecPoint> {
    let Some(first_positive) = sorted.iter().position(|&x| x > 0.0) else { return Vec::new() };
    let (lo, hi) = (sorted[first_positive], sorted[sorted.len() - 1]);
    let (start, end) = (lo.log10().floor() as i32 * 4, hi.log10().ceil() as i32 * 4);
    let n = sorted.len() as f64;
    (start..=end)
        .map(|i| {
            let loss = 10f64.powf(i as f64 / 4.0);
            let above = sorted.len() - sorted.partition_point(|&x| x <= loss);
            LecPoint { loss, probability: above as f64 / n }
        })
        .collect()
}
