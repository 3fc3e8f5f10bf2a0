//! The differences of `riskpath diff` between two simulated versions on common random numbers:
//! ΔALE and ΔP90 from paired simulated years, ΔP(compromise) per scenario from paired trials.

use rayon::prelude::*;
use riskpath_engine::AttackGraph;
use riskpath_engine::risk::{RiskResult, SkillGraphs, quantile, scenario_stream};
use riskpath_engine::rng::{key, word};
use riskpath_engine::sim::Run;
use riskpath_model::Model;

/// A difference and its uncertainty: standard error and a 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Delta {
    pub value: f64,
    pub std_error: f64,
    pub low: f64,
    pub high: f64,
}

/// Two-sided 95% normal quantile.
const Z95: f64 = 1.959_963_984_540_054;

impl Delta {
    fn normal(value: f64, std_error: f64) -> Self {
        Delta { value, std_error, low: value - Z95 * std_error, high: value + Z95 * std_error }
    }
}

/// ΔALE = ALE(head) − ALE(base): the mean of the paired differences of simulated years, each year
/// drawn on the same random streams on both sides; its standard error is that of the paired
/// differences, `sd(d) / √n`, which common random numbers make small when little changed.
pub fn ale(base: &RiskResult, head: &RiskResult) -> Delta {
    let d: Vec<f64> = base.by_year.iter().zip(&head.by_year).map(|(b, h)| h - b).collect();
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0).max(1.0);
    Delta::normal(head.ale - base.ale, (var / n).sqrt())
}

/// Bootstrap resamples for the interval of ΔP90.
pub const RESAMPLES: u64 = 400;
/// Random-stream domain of the bootstrap (apart from the engine's).
const BOOTSTRAP: u64 = 40;

/// ΔP90 = P90(head) − P90(base), with a paired percentile bootstrap: years are resampled with
/// replacement (the same years on both sides), ΔP90 recomputed on each of [`RESAMPLES`]
/// resamples, and the interval is their 2.5th to 97.5th percentile; the standard error is their
/// standard deviation. Resampling indices come from counter-based words of the seed.
pub fn p90(base: &RiskResult, head: &RiskResult, seed: u64) -> Delta {
    quantile_delta(&base.by_year, &head.by_year, 0.9, seed, base.p90, head.p90)
}

/// [`p90`] for quantile `q` of paired samples, given the samples' own quantiles.
pub fn quantile_delta(base: &[f64], head: &[f64], q: f64, seed: u64, base_q: f64, head_q: f64) -> Delta {
    let n = base.len();
    let mut deltas: Vec<f64> = (0..RESAMPLES)
        .into_par_iter()
        .map(|r| {
            let k = key(&[seed, BOOTSTRAP, r]);
            let pick = |i: u64| ((word(k, i) as u128 * n as u128) >> 64) as usize;
            let (mut b, mut h): (Vec<f64>, Vec<f64>) = (0..n as u64).map(|i| (base[pick(i)], head[pick(i)])).unzip();
            select_quantile(&mut h, q) - select_quantile(&mut b, q)
        })
        .collect();
    let mean = deltas.iter().sum::<f64>() / RESAMPLES as f64;
    let var = deltas.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (RESAMPLES - 1) as f64;
    deltas.sort_by(f64::total_cmp);
    Delta {
        value: head_q - base_q,
        std_error: var.sqrt(),
        low: quantile(&deltas, 0.025),
        high: quantile(&deltas, 0.975),
    }
}

/// The engine's quantile (linear interpolation between order statistics) of unsorted data, by
/// selection instead of sorting: equal to `quantile(sorted, q)`.
pub fn select_quantile(data: &mut [f64], q: f64) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let h = (data.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let (_, &mut below, rest) = data.select_nth_unstable_by(lo, f64::total_cmp);
    match rest.iter().copied().min_by(f64::total_cmp) {
        Some(above) if lo + 1 < data.len() => below + (above - below) * (h - lo as f64),
        _ => below,
    }
}

/// One scenario's P(compromise) on both sides and their difference.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScenarioDelta {
    pub actor: String,
    pub target: String,
    /// P on each side; `None` where the side has no such scenario.
    pub base: Option<f64>,
    pub head: Option<f64>,
    /// head − base (a missing side counts 0), with the paired standard error.
    pub delta: Delta,
}

/// One side of the scenario comparison: a model, its graph and simulation graphs.
pub struct Side<'a> {
    pub model: &'a Model,
    pub graph: &'a AttackGraph,
    pub sims: &'a SkillGraphs,
}

impl Side<'_> {
    /// Per target (ids in `targets`, absent ones skipped), the lanes in which `actor` (an index
    /// into this side's actors) holds it, batch by batch: `words[batch][target]`.
    fn held(&self, actor: usize, targets: &[&str], trials: u64, seed: u64) -> Vec<Vec<u64>> {
        let a = &self.model.actors[actor];
        let entries = self.graph.entries_of(a);
        let dense: Vec<Option<u32>> = targets.iter().map(|t| self.graph.index_of(t)).collect();
        let run = Run {
            graph: self.sims.for_actor(actor, a.skill),
            entries: &entries,
            trials,
            seed,
            stream: scenario_stream(a),
        };
        run.map_batches(|b| dense.iter().map(|t| t.map_or(0, |t| b.held(t))).collect())
    }
}

/// ΔP(compromise) of every scenario (actor, target) of either side, matched by ids, on the same
/// scenario trials (each actor's stream is keyed by its id). The paired standard error is
/// `sqrt((n₁₀ + n₀₁)/n − Δ²) / √n` with `n₁₀`, `n₀₁` the trials held on one side only.
pub fn scenarios(base: &Side, head: &Side, trials: u64, seed: u64) -> Vec<ScenarioDelta> {
    let mut out = Vec::new();
    let actor_ids = base.model.actors.iter().map(|a| a.id.as_str());
    let mut actors: Vec<&str> = actor_ids.chain(head.model.actors.iter().map(|a| a.id.as_str())).collect();
    dedup_in_order(&mut actors);
    for actor in actors {
        let index = |side: &Side| side.model.actors.iter().position(|a| a.id == actor);
        let (b, h) = (index(base), index(head));
        let mut targets = target_ids(base, b);
        targets.extend(target_ids(head, h));
        dedup_in_order(&mut targets);
        let held = |side: &Side, i: Option<usize>| i.map(|i| side.held(i, &targets, trials, seed));
        let (held_b, held_h) = (held(base, b), held(head, h));
        for (t, target) in targets.iter().enumerate() {
            let has = |side: &Side, i: Option<usize>| {
                i.is_some_and(|i| side.model.actors[i].targets.iter().any(|x| x.value == *target))
            };
            let counts = paired_counts(held_b.as_deref(), held_h.as_deref(), t);
            out.push(ScenarioDelta {
                actor: actor.to_string(),
                target: target.to_string(),
                base: has(base, b).then(|| counts.base as f64 / trials as f64),
                head: has(head, h).then(|| counts.head as f64 / trials as f64),
                delta: counts.delta(trials),
            });
        }
    }
    out
}

/// The target ids of actor `i` of a side (none when the side lacks the actor).
fn target_ids<'a>(side: &Side<'a>, i: Option<usize>) -> Vec<&'a str> {
    i.map_or(Vec::new(), |i| side.model.actors[i].targets.iter().map(|t| t.value.as_str()).collect())
}

/// Trials held on the base side, on the head side, and on exactly one of them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Paired {
    pub base: u64,
    pub head: u64,
    pub discordant: u64,
}

impl Paired {
    /// `P(head) − P(base)` and its paired standard error.
    pub fn delta(&self, trials: u64) -> Delta {
        let n = trials as f64;
        let d = (self.head as f64 - self.base as f64) / n;
        let var = (self.discordant as f64 / n - d * d).max(0.0);
        Delta::normal(d, (var / n).sqrt())
    }
}

fn paired_counts(base: Option<&[Vec<u64>]>, head: Option<&[Vec<u64>]>, t: usize) -> Paired {
    let batches = base.or(head).map_or(0, <[_]>::len);
    let word = |side: Option<&[Vec<u64>]>, b: usize| side.map_or(0, |s| s[b][t]);
    let mut c = Paired::default();
    for b in 0..batches {
        let (x, y) = (word(base, b), word(head, b));
        c.base += x.count_ones() as u64;
        c.head += y.count_ones() as u64;
        c.discordant += (x ^ y).count_ones() as u64;
    }
    c
}

fn dedup_in_order(list: &mut Vec<&str>) {
    let mut seen = std::collections::HashSet::new();
    list.retain(|x| seen.insert(*x));
}
