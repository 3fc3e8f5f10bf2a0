//! Oracle: a run cut into slices (shards) and joined in order is the unsharded run bit for bit,
//! whatever the number of slices and threads; joins that do not fit are refused.

mod common;

use riskpath_engine::compile::{Posture, compile};
use riskpath_engine::risk::{RiskConfig, RiskResult, SkillGraphs, YEARS_PER_CHUNK, assess};
use riskpath_engine::tally::{Slice, TRIALS_PER_BATCH, Tally, attempts_before, simulate};

/// Trials not a multiple of a batch, years not a multiple of a chunk: ragged last units.
const CONFIG: RiskConfig = RiskConfig { trials: 5_000, years: 30_000, seed: 9 };

fn shard_tallies(model: &riskpath_model::Model, count: u64) -> Vec<Tally> {
    let graph = compile(model, &Posture::as_deployed(model));
    let sims = SkillGraphs::new(model, &graph);
    (0..count)
        .map(|i| {
            let slice = Slice::shard(CONFIG, i, count);
            let first = attempts_before(model, CONFIG.seed, slice.years.start);
            simulate(model, &graph, &sims, CONFIG.seed, &slice, &first, &())
        })
        .collect()
}

fn joined(model: &riskpath_model::Model, tallies: Vec<Tally>) -> RiskResult {
    let graph = compile(model, &Posture::as_deployed(model));
    let mut all = Tally::empty(model, &graph);
    for t in tallies {
        all.join(t).unwrap();
    }
    all.finish(model, &graph, CONFIG)
}

#[test]
fn shards_joined_in_order_are_the_whole_run_bit_for_bit() {
    let model = common::model(common::RICH_MODEL);
    let whole = common::risk_bits(&assess(&model, &Posture::as_deployed(&model), CONFIG));
    // 8 chunks of years: 12 shards leave some without years.
    for count in [1, 2, 7, 12] {
        let tallies = shard_tallies(&model, count);
        assert_eq!(common::risk_bits(&joined(&model, tallies)), whole, "{count} shards");
    }
    // Shards computed on one thread and on three give the same tallies.
    let on = |threads| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| shard_tallies(&model, 7))
    };
    assert_eq!(on(1), on(3));
}

#[test]
fn shards_are_disjoint_whole_units_covering_the_run_in_order() {
    for (trials, years) in [(1, 1), (64, 4096), (5_000, 30_000), (1_000_000, 7), (130, 100_000)] {
        let config = RiskConfig { trials, years, seed: 1 };
        for count in [1, 2, 3, 7, 64, 1000] {
            let slices: Vec<Slice> = (0..count).map(|i| Slice::shard(config, i, count)).collect();
            assert_eq!(slices[0].trials.start, 0);
            assert_eq!(slices[0].years.start, 0);
            for pair in slices.windows(2) {
                assert_eq!(pair[0].trials.end, pair[1].trials.start);
                assert_eq!(pair[0].years.end, pair[1].years.start);
            }
            let last = slices.last().unwrap();
            assert_eq!((last.trials.end, last.years.end), (trials, years));
            for s in &slices {
                assert!(s.trials.start % TRIALS_PER_BATCH == 0 || s.trials.is_empty());
                assert!(s.years.start % YEARS_PER_CHUNK == 0 || s.years.is_empty());
                assert!(s.trials.end % TRIALS_PER_BATCH == 0 || s.trials.end == trials);
            }
            // As even as whole units allow: sizes differ by at most one unit.
            let sizes: Vec<u64> = slices.iter().map(|s| s.trials.end.div_ceil(64) - s.trials.start / 64).collect();
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{sizes:?}");
        }
    }
}

#[test]
fn joins_that_do_not_follow_or_do_not_match_are_refused() {
    let model = common::model(common::RICH_MODEL);
    let graph = compile(&model, &Posture::as_deployed(&model));
    let tallies = shard_tallies(&model, 3);
    let mut all = Tally::empty(&model, &graph);
    // A gap: the second shard before the first.
    let err = all.join(tallies[1].clone()).unwrap_err();
    assert!(err.contains("do not follow"), "{err}");
    assert_eq!(all, Tally::empty(&model, &graph), "a refused join changes nothing");
    all.join(tallies[0].clone()).unwrap();
    // The same shard twice.
    assert!(all.join(tallies[0].clone()).unwrap_err().contains("do not follow"));
    // Another model's tally (one actor fewer).
    let mut other = tallies[1].clone();
    other.hits.pop();
    assert!(all.join(other).unwrap_err().contains("do not match"));
    let mut fewer = tallies[1].clone();
    fewer.chunk_losses.pop();
    assert!(all.join(fewer).unwrap_err().contains("do not match"), "a chunk of losses missing");
    let mut short = tallies[1].clone();
    short.annual.pop();
    assert!(all.join(short).unwrap_err().contains("do not match"));
}
