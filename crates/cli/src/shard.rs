//! `riskpath simulate --shard I/N` (one slice of a run's trials and years, written as a part) and
//! `riskpath merge PARTS...` (the parts checked, joined, and the analysis of the unsharded run).

use std::path::{Path, PathBuf};

use riskpath_decide::Headline;
use riskpath_engine::risk::{RiskConfig, SkillGraphs};
use riskpath_engine::tally::{Slice, Tally, attempts_before, simulate};

use crate::analyze::{RunArgs, SimArgs, TrialArgs, analyze_config};
use crate::common::{Failure, OutputFile, load_model, write_bytes, write_outcome};
use crate::part::{Header, Options, VERSION, decode, encode};
use crate::{Format, ModelArgs};

#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Which slice to compute: shard I (0-based) of N, e.g. `--shard 3/7` (Kubernetes'
    /// `$JOB_COMPLETION_INDEX`, Slurm's `$SLURM_ARRAY_TASK_ID` with `--array=0-(N-1)`).
    #[arg(long, value_name = "I/N", value_parser = shard)]
    pub shard: (u64, u64),
    /// The part file to write (atomically).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Paths per actor and target in the merged analysis (as `analyze -k`).
    #[arg(short = 'k', long, default_value_t = 5, value_parser = crate::common::path_count)]
    pub paths: usize,
    #[command(flatten)]
    pub sim: SimArgs,
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// The part files of every shard of one run, in any order.
    #[arg(value_name = "PARTS", required = true)]
    pub parts: Vec<PathBuf>,
    /// The model, when not where `simulate` read it (its files must hash the same).
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Largest model file accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_file_size: u64,
    /// Output format: the analysis exactly as `riskpath analyze` writes it.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    #[command(flatten)]
    pub out: OutputFile,
    #[command(flatten)]
    pub as_of: crate::common::AsOf,
}

/// `I/N` with `0 ≤ I < N ≤ 100000`.
fn shard(text: &str) -> Result<(u64, u64), String> {
    let parse = |s: &str| s.trim().parse::<u64>().map_err(|_| format!("'{text}' is not I/N (e.g. 0/4)"));
    let (i, n) = text.split_once('/').ok_or_else(|| format!("'{text}' is not I/N (e.g. 0/4)"))?;
    let (i, n) = (parse(i)?, parse(n)?);
    if n == 0 || n > 100_000 {
        return Err(format!("{n} shards: between 1 and 100000"));
    }
    if i >= n {
        return Err(format!("shard {i} of {n}: shards are numbered from 0 to {}", n - 1));
    }
    Ok((i, n))
}

pub fn simulate_run(args: SimulateArgs) -> Result<(), Failure> {
    if args.sim.precision.is_some() {
        return Err(Failure::usage(
            "--precision needs the whole run to decide when to stop: give simulate fixed --trials and --years",
        ));
    }
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    let config = args.sim.config(model)?;
    let eval = args.sim.evaluator(model, &config)?;
    let graph = eval.baseline_graph();
    let (index, count) = args.shard;
    let slice = Slice::shard(config, index, count);
    let first = attempts_before(model, config.seed, slice.years.start);
    let tally = simulate(model, graph, &SkillGraphs::new(model, graph), config.seed, &slice, &first, &());
    let header = Header {
        version: VERSION,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        model_hash: riskpath_assure::model_hash(model),
        model: args.model.dir.to_string_lossy().into_owned(),
        options: Options {
            trials: config.trials,
            years: config.years,
            seed: config.seed,
            decision_trials: args.sim.decision_trials,
            paths: args.paths,
        },
        shard: index,
        shards: count,
        trials: [slice.trials.start, slice.trials.end],
        years: [slice.years.start, slice.years.end],
        targets: tally.hits.iter().map(Vec::len).collect(),
        chunks: tally.chunk_losses.len() as u64,
    };
    write_bytes(&args.output, &encode(&header, &tally))
}

/// One part as read, with where it came from.
struct Part {
    path: PathBuf,
    header: Header,
    tally: Tally,
}

fn read_part(path: &Path) -> Result<Part, Failure> {
    let fail = |e: String| Failure::usage(format!("{}: {e}", path.display()));
    let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let (header, tally) = decode(&bytes).map_err(fail)?;
    Ok(Part { path: path.to_path_buf(), header, tally })
}

/// The parts sorted by shard, refusing any that do not belong to one run with all its shards.
fn check_together(mut parts: Vec<Part>) -> Result<Vec<Part>, Failure> {
    let first = &parts[0];
    let (name, h) = (first.path.display().to_string(), first.header.clone());
    for p in &parts[1..] {
        let other =
            |what: String| Failure::usage(format!("{} and {name} are not shards of one run: {what}", p.path.display()));
        let g = &p.header;
        if g.model_hash != h.model_hash {
            return Err(other(format!("other models (hash {} vs {})", short(&g.model_hash), short(&h.model_hash))));
        }
        if g.options != h.options {
            return Err(other(format!("other options ({:?} vs {:?})", g.options, h.options)));
        }
        if g.shards != h.shards {
            return Err(other(format!("cut in {} shards vs {}", g.shards, h.shards)));
        }
        if g.tool_version != h.tool_version {
            return Err(other(format!("riskpath {} vs {}", g.tool_version, h.tool_version)));
        }
    }
    if h.tool_version != env!("CARGO_PKG_VERSION") {
        return Err(Failure::usage(format!(
            "{name} was simulated by riskpath {}; this is {}: merge with the version that simulated",
            h.tool_version,
            env!("CARGO_PKG_VERSION")
        )));
    }
    parts.sort_by_key(|p| p.header.shard);
    for pair in parts.windows(2) {
        if pair[0].header.shard == pair[1].header.shard {
            let (a, b) = (pair[0].path.display(), pair[1].path.display());
            return Err(Failure::usage(format!(
                "shard {}/{} is given twice: {a} and {b}",
                pair[0].header.shard, h.shards
            )));
        }
    }
    let missing: Vec<String> = (0..h.shards)
        .filter(|i| parts.iter().all(|p| p.header.shard != *i))
        .map(|i| format!("{i}/{}", h.shards))
        .collect();
    if !missing.is_empty() {
        let shown = missing.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
        let more = if missing.len() > 10 { format!(" and {} more", missing.len() - 10) } else { String::new() };
        return Err(Failure::usage(format!("missing {} of {}: {shown}{more}", missing.len(), h.shards)));
    }
    let config = RiskConfig { trials: h.options.trials, years: h.options.years, seed: h.options.seed };
    for p in &parts {
        if p.header.slice() != Slice::shard(config, p.header.shard, h.shards) {
            return Err(Failure::usage(format!(
                "{}: its trials and years are not those of shard {}/{}",
                p.path.display(),
                p.header.shard,
                h.shards
            )));
        }
    }
    Ok(parts)
}

/// The first 12 characters of a hash (a crafted part's header may hold any text).
fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

pub fn merge_run(args: MergeArgs) -> Result<(), Failure> {
    let parts = args.parts.iter().map(|p| read_part(p)).collect::<Result<Vec<_>, _>>()?;
    let parts = check_together(parts)?;
    let h = parts[0].header.clone();
    let dir = args.model.clone().unwrap_or_else(|| PathBuf::from(&h.model));
    let loaded = load_model(&ModelArgs { dir: dir.clone(), max_file_size: args.max_file_size })?;
    let model = &loaded.model;
    let hash = riskpath_assure::model_hash(model);
    if hash != h.model_hash {
        return Err(Failure::usage(format!(
            "the model at {} (hash {}) is not the one the shards simulated ({}): it changed, or give --model",
            dir.display(),
            short(&hash),
            short(&h.model_hash)
        )));
    }
    let o = h.options;
    let sim = SimArgs {
        run: RunArgs { trial: TrialArgs { trials: Some(o.trials), seed: Some(o.seed) }, years: Some(o.years) },
        decision_trials: o.decision_trials,
        precision: None,
    };
    let config = sim.config(model)?;
    let mut eval = sim.evaluator(model, &config)?;
    let mut tally = Tally::empty(model, eval.baseline_graph());
    for p in parts {
        let path = p.path.display().to_string();
        tally.join(p.tally).map_err(|e| Failure::usage(format!("{path}: {e}")))?;
    }
    let risk = tally.finish(model, eval.baseline_graph(), config);
    eval.anchor(Headline::of(&risk));
    let config = analyze_config(loaded.clone(), &sim, o.paths, args.format, &args.out, args.as_of.day());
    write_outcome(&args.out, &riskpath_app::analyze::document(model, &risk, &eval, &config)?)
}

#[cfg(test)]
mod tests {
    use super::shard;

    #[test]
    fn shards_are_i_of_n_from_zero() {
        assert_eq!(shard("0/1"), Ok((0, 1)));
        assert_eq!(shard("6/7"), Ok((6, 7)));
        assert!(shard("7/7").unwrap_err().contains("numbered from 0 to 6"));
        assert!(shard("1/0").unwrap_err().contains("between 1 and 100000"));
        assert!(shard("3").unwrap_err().contains("not I/N"));
        assert!(shard("a/2").unwrap_err().contains("not I/N"));
        assert!(shard("-1/2").unwrap_err().contains("not I/N"));
    }
}
