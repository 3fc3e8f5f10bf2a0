//! Partial results of the headline simulation: a slice of the scenario trials and simulated years,
//! its exact counts and per-year losses, the join of adjacent slices and the finished [`RiskResult`].

use std::ops::Range;

use rayon::prelude::*;
use riskpath_model::Model;

use crate::booking::Booking;
use crate::compile::AttackGraph;
use crate::risk::{
    Progress, RiskConfig, RiskResult, ScenarioRisk, SkillGraphs, YEARS_PER_CHUNK, YearSlice, exceedance_curve,
    mean_and_error, quantile, scenario_stream, simulate_actor_years,
};
use crate::sim::{Run, proportion};

/// Trials per batch of the bit-parallel simulation: the unit a run's scenario trials are sliced in.
pub const TRIALS_PER_BATCH: u64 = 64;

/// How many actors [`simulate`] simulates at once (each holds its years' losses).
const ACTORS_AT_ONCE: usize = 4;

/// A part of a run: scenario trials `trials` of every actor (starting at a multiple of
/// [`TRIALS_PER_BATCH`]) and simulated years `years` (starting at a multiple of [`YEARS_PER_CHUNK`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice {
    pub trials: Range<u64>,
    pub years: Range<u64>,
}

impl Slice {
    /// All of a run.
    pub fn whole(config: RiskConfig) -> Slice {
        Slice { trials: 0..config.trials, years: 0..config.years }
    }

    /// Part `index` (0-based) of `count` of a run: its batches of trials and its chunks of years
    /// split as evenly as whole units allow; the parts are disjoint and cover the run in order.
    pub fn shard(config: RiskConfig, index: u64, count: u64) -> Slice {
        Slice {
            trials: split(config.trials, TRIALS_PER_BATCH, index, count),
            years: split(config.years, YEARS_PER_CHUNK, index, count),
        }
    }
}

/// Part `index` of `count` of `0..total`, cut at multiples of `unit`.
fn split(total: u64, unit: u64, index: u64, count: u64) -> Range<u64> {
    let units = total.div_ceil(unit) as u128;
    let at = |i: u64| (((units * i as u128 / count as u128) as u64).saturating_mul(unit)).min(total);
    at(index)..at(index + 1)
}

/// What a slice of a run computed, all a finished [`RiskResult`] needs and nothing rounded:
/// trial counts are integers and each year's loss and each chunk's loss per scenario are kept, so
/// slices joined in order give the whole run's figures bit for bit.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    pub slice: Slice,
    /// Per actor (model order), per target (`graph.targets_of` order): trials that hold it.
    pub hits: Vec<Vec<u64>>,
    /// Per actor: attacker attempts simulated in the slice's years.
    pub attempts: Vec<u64>,
    /// Per year of the slice: the annual loss, summed over actors in model order.
    pub annual: Vec<f64>,
    /// Per chunk of [`YEARS_PER_CHUNK`] years of the slice, per scenario (actors in model order,
    /// each actor's targets in order): the loss booked.
    pub chunk_losses: Vec<Vec<f64>>,
}

impl Tally {
    /// The tally of nothing: the slice `0..0` of trials and years.
    pub fn empty(model: &Model, graph: &AttackGraph) -> Tally {
        Tally {
            slice: Slice { trials: 0..0, years: 0..0 },
            hits: model.actors.iter().map(|a| vec![0; graph.targets_of(a).len()]).collect(),
            attempts: vec![0; model.actors.len()],
            annual: Vec::new(),
            chunk_losses: Vec::new(),
        }
    }

    /// Appends `next`, the tally of the slice that follows this one (its trials and years start
    /// where these end) on the same model. Fails, changing nothing, when they do not fit.
    pub fn join(&mut self, next: Tally) -> Result<(), String> {
        if next.slice.trials.start != self.slice.trials.end || next.slice.years.start != self.slice.years.end {
            return Err(format!(
                "trials {:?} and years {:?} do not follow trials {:?} and years {:?}",
                next.slice.trials, next.slice.years, self.slice.trials, self.slice.years
            ));
        }
        let shape = |t: &Tally| t.hits.iter().map(Vec::len).collect::<Vec<_>>();
        let scenarios: usize = self.hits.iter().map(Vec::len).sum();
        if shape(self) != shape(&next)
            || next.attempts.len() != self.attempts.len()
            || next.annual.len() as u64 != next.slice.years.end - next.slice.years.start
            || next.chunk_losses.len() != chunk_count(&next.slice.years)
            || next.chunk_losses.iter().any(|c| c.len() != scenarios)
        {
            return Err("its actors, targets or years do not match the model's".into());
        }
        for (mine, theirs) in self.hits.iter_mut().zip(next.hits) {
            mine.iter_mut().zip(theirs).for_each(|(m, t)| *m += t);
        }
        self.attempts.iter_mut().zip(next.attempts).for_each(|(m, t)| *m += t);
        self.annual.extend(next.annual);
        self.chunk_losses.extend(next.chunk_losses);
        self.slice.trials.end = next.slice.trials.end;
        self.slice.years.end = next.slice.years.end;
        Ok(())
    }

    /// The largest standard error of any scenario's P(compromise) so far (0 without trials).
    pub fn largest_p_error(&self) -> f64 {
        let trials = self.slice.trials.end - self.slice.trials.start;
        let errors = self.hits.iter().flatten().map(|&h| if trials == 0 { 0.0 } else { proportion(h, trials).1 });
        errors.fold(0.0, f64::max)
    }

    /// The risk of the whole run `config`, which this tally must cover.
    pub fn finish(&self, model: &Model, graph: &AttackGraph, config: RiskConfig) -> RiskResult {
        assert_eq!(self.slice, Slice::whole(config), "a tally finishes only the run it covers");
        let jewels: Vec<u32> = model.crown_jewels().filter_map(|n| graph.index_of(&n.id)).collect();
        let mut jewel_totals = vec![0.0; jewels.len()];
        let mut scenarios = Vec::new();
        for (ai, actor) in model.actors.iter().enumerate() {
            for (ti, &t) in graph.targets_of(actor).iter().enumerate() {
                let (probability, std_error) = proportion(self.hits[ai][ti], config.trials);
                let s = scenarios.len();
                let total = self.chunk_losses.iter().fold(0.0, |acc, chunk| acc + chunk[s]);
                let ale = total / config.years as f64;
                scenarios.push(ScenarioRisk { actor: ai, target: t, probability, std_error, ale });
                if let Some(j) = jewels.iter().position(|&x| x == t) {
                    jewel_totals[j] += ale;
                }
            }
        }
        let (ale, ale_std_error) = mean_and_error(&self.annual);
        let mut sorted = self.annual.clone();
        sorted.par_sort_by(f64::total_cmp);
        RiskResult {
            config,
            ale,
            ale_std_error,
            p50: quantile(&sorted, 0.50),
            p90: quantile(&sorted, 0.90),
            p95: quantile(&sorted, 0.95),
            p99: quantile(&sorted, 0.99),
            lec: exceedance_curve(&sorted),
            scenarios,
            targets: jewels.into_iter().zip(jewel_totals).collect(),
            annual: sorted,
            by_year: self.annual.clone(),
            precision: None,
        }
    }
}

/// How many chunks of [`YEARS_PER_CHUNK`] years `years` (starting at a multiple of one) spans.
pub fn chunk_count(years: &Range<u64>) -> usize {
    if years.is_empty() { 0 } else { (years.end.div_ceil(YEARS_PER_CHUNK) - years.start / YEARS_PER_CHUNK) as usize }
}

/// How many attempts each actor (model order) takes in the years before `year`: where a slice of
/// years starting there numbers its first attempt.
pub fn attempts_before(model: &Model, seed: u64, year: u64) -> Vec<u64> {
    model.actors.iter().map(|a| crate::risk::attempts_per_year(a, seed, 0..year).iter().sum()).collect()
}

/// Simulates `slice` of a run on `seed`; `first_attempts[a]` is [`attempts_before`] the slice's
/// first year for actor `a`. Actors run a few at a time and their results are joined in actor
/// order, so nothing depends on timing.
pub fn simulate(
    model: &Model,
    graph: &AttackGraph,
    sims: &SkillGraphs,
    seed: u64,
    slice: &Slice,
    first_attempts: &[u64],
    progress: &dyn Progress,
) -> Tally {
    debug_assert!(slice.trials.start.is_multiple_of(TRIALS_PER_BATCH) || slice.trials.is_empty());
    debug_assert!(slice.years.start.is_multiple_of(YEARS_PER_CHUNK) || slice.years.is_empty());
    let mut tally = Tally::empty(model, graph);
    tally.slice = slice.clone();
    tally.annual = vec![0.0; (slice.years.end - slice.years.start) as usize];
    tally.chunk_losses = vec![Vec::new(); chunk_count(&slice.years)];
    let actors: Vec<usize> = (0..model.actors.len()).collect();
    for group in actors.chunks(ACTORS_AT_ONCE) {
        let results: Vec<(Vec<u64>, crate::risk::ActorYears)> = group
            .par_iter()
            .map(|&ai| {
                let actor = &model.actors[ai];
                let sim = sims.for_actor(ai, actor.skill);
                let (entries, targets) = (graph.entries_of(actor), graph.targets_of(actor));
                let run = Run {
                    graph: sim,
                    entries: &entries,
                    trials: slice.trials.end,
                    seed,
                    stream: scenario_stream(actor),
                };
                let batches = slice.trials.start / TRIALS_PER_BATCH..run.batch_count();
                let hits = run.hit_counts_in(&targets, if slice.trials.is_empty() { 0..0 } else { batches });
                progress.add(slice.trials.end - slice.trials.start);
                let booking = Booking::new(model, graph, &targets);
                let years = YearSlice { years: slice.years.clone(), first_attempt: first_attempts[ai] };
                let fair = simulate_actor_years(actor, sim, (&entries, &targets), &booking, seed, years);
                progress.add(fair.attempts);
                (hits, fair)
            })
            .collect();
        for (&ai, (hits, fair)) in group.iter().zip(results) {
            tally.hits[ai] = hits;
            tally.attempts[ai] = fair.attempts;
            tally.annual.iter_mut().zip(&fair.annual).for_each(|(y, loss)| *y += loss);
            for (mine, theirs) in tally.chunk_losses.iter_mut().zip(fair.per_chunk) {
                mine.extend(theirs);
            }
        }
    }
    tally
}
