//! `simulate --shard I/N` and `merge`: the merged analysis is `analyze --format json`'s, byte for
//! byte, for N = 1, 2 and 7, on any thread count; parts that do not make one run are refused with
//! the reason; the Kubernetes and Slurm scripts' own commands, run locally with N processes, give
//! the same bytes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
/// Years over several chunks of 4096 and trials not a multiple of 64: ragged shards.
const RUN: [&str; 8] = ["--seed", "11", "--trials", "3000", "--years", "30000", "--decision-trials", "256"];

fn riskpath(args: &[&str], threads: &str) -> Output {
    Command::new(BIN).args(args).env("NO_COLOR", "1").env("RAYON_NUM_THREADS", threads).output().expect("run riskpath")
}

fn ok(out: Output, what: &str) -> Vec<u8> {
    assert_eq!(out.status.code(), Some(0), "{what}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn example(name: &str) -> String {
    format!("{ROOT}/examples/{name}")
}

/// The unsharded analysis.
fn single(model: &str) -> Vec<u8> {
    ok(riskpath(&[&["analyze", model, "--format", "json", "-k", "3"], &RUN[..]].concat(), "2"), "analyze")
}

/// Simulates the `count` shards of `model` into `dir`, shard `i` on `threads(i)` threads.
fn shards(model: &str, dir: &Path, count: u64, threads: impl Fn(u64) -> &'static str) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            let path = dir.join(format!("part-{i}.rpp"));
            let shard = format!("{i}/{count}");
            let args = [&["simulate", model, "--shard", &shard, "-o", path.to_str().unwrap(), "-k", "3"], &RUN[..]];
            let out = riskpath(&args.concat(), threads(i));
            assert!(ok(out, &shard).is_empty(), "simulate writes only its part");
            path
        })
        .collect()
}

fn merge(parts: &[PathBuf], extra: &[&str]) -> Output {
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(|p| p.to_str().unwrap()));
    args.extend(extra);
    riskpath(&args, "2")
}

#[test]
fn merged_shards_are_the_single_run_byte_for_byte() {
    for name in ["acme", "ad"] {
        let model = example(name);
        let want = single(&model);
        for count in [1, 2, 7] {
            let dir = tempfile::tempdir().unwrap();
            // Shards on one, two and three threads alike.
            let parts = shards(&model, dir.path(), count, |i| ["1", "2", "3"][i as usize % 3]);
            let mut reversed = parts.clone();
            reversed.reverse();
            let got = ok(merge(&reversed, &[]), "merge");
            assert!(got == want, "{name}: {count} shards differ from the single run");
            // -o writes the same bytes.
            let out = dir.path().join("analysis.json");
            ok(merge(&parts, &["-o", out.to_str().unwrap()]), "merge -o");
            assert!(std::fs::read(&out).unwrap() == want);
        }
    }
}

#[test]
fn a_part_is_a_few_bytes_a_year() {
    let dir = tempfile::tempdir().unwrap();
    let parts = shards(&example("acme"), dir.path(), 1, |_| "2");
    let size = std::fs::metadata(&parts[0]).unwrap().len();
    // 8 bytes per year, plus the header, the hits and one loss per scenario per 4096 years.
    assert!(size > 8 * 30_000 && size < 8 * 30_000 + 16_384, "{size} bytes");
}

/// What `merge` says about `parts` (exit 2, nothing on stdout, no output file).
fn refused(parts: &[PathBuf], dir: &Path) -> String {
    let out_file = dir.join("never.json");
    let out = merge(parts, &["-o", out_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty() && !out_file.exists(), "no partial output");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn parts_that_do_not_make_one_run_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let acme = example("acme");
    let parts = shards(&acme, dir.path(), 3, |_| "2");
    let err = refused(&parts[..2], dir.path());
    assert!(err.contains("missing 1 of 3: 2/3"), "{err}");
    let err = refused(&[parts[0].clone(), parts[1].clone(), parts[1].clone(), parts[2].clone()], dir.path());
    assert!(err.contains("shard 1/3 is given twice"), "{err}");
    // Another model's shard.
    let other_dir = dir.path().join("other");
    std::fs::create_dir(&other_dir).unwrap();
    let other = shards(&example("ad"), &other_dir, 3, |_| "2");
    let err = refused(&[parts[0].clone(), parts[1].clone(), other[2].clone()], dir.path());
    assert!(err.contains("not shards of one run: other models"), "{err}");
    // Another seed.
    let seed_dir = dir.path().join("seed");
    std::fs::create_dir(&seed_dir).unwrap();
    let shard = "2/3";
    let reseeded = seed_dir.join("part-2.rpp");
    let args = ["simulate", &acme, "--shard", shard, "-o", reseeded.to_str().unwrap(), "-k", "3", "--seed", "12"];
    let mut args = args.to_vec();
    args.extend(&RUN[2..]);
    ok(riskpath(&args, "2"), "simulate seed 12");
    let err = refused(&[parts[0].clone(), parts[1].clone(), reseeded], dir.path());
    assert!(err.contains("other options") && err.contains("seed: 12"), "{err}");
    // One flipped byte in the middle of the data.
    let mut bytes = std::fs::read(&parts[1]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    let corrupt = dir.path().join("corrupt.rpp");
    std::fs::write(&corrupt, bytes).unwrap();
    let err = refused(&[parts[0].clone(), corrupt, parts[2].clone()], dir.path());
    assert!(err.contains("corrupt.rpp: checksum mismatch"), "{err}");
    // Not a part at all, and a file that is not there.
    let err = refused(&[dir.path().join("nothing.rpp")], dir.path());
    assert!(err.contains("nothing.rpp: cannot read"), "{err}");
    let json = dir.path().join("analysis.json");
    std::fs::write(&json, single(&acme)).unwrap();
    assert!(refused(&[json], dir.path()).contains("not a riskpath part"));
}

#[test]
fn merge_checks_the_model_it_loads_against_the_shards() {
    let dir = tempfile::tempdir().unwrap();
    // A copy of the model, changed after the shards ran.
    let model = dir.path().join("model.yaml");
    let text = CHAIN.to_string();
    std::fs::write(&model, &text).unwrap();
    let parts = shards(model.to_str().unwrap(), dir.path(), 2, |_| "2");
    std::fs::write(&model, text.replace("p: 0.5", "p: 0.6")).unwrap();
    let err = refused(&parts, dir.path());
    assert!(err.contains("is not the one the shards simulated"), "{err}");
    // --model points at an unchanged copy elsewhere.
    let elsewhere = dir.path().join("copy.yaml");
    std::fs::write(&elsewhere, &text).unwrap();
    let out = merge(&parts, &["--model", elsewhere.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

const CHAIN: &str = r#"
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: web, kind: service}
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e5, high: 1e6}}}
edges:
  - {from: internet, to: web, kind: exploits, p: 0.5}
  - {from: web, to: db, kind: authenticates, p: 0.5}
actors:
  - {id: crime, frequency: 3, entry: [internet], skill: medium}
"#;

#[test]
fn simulate_refuses_precision_and_bad_shards() {
    let acme = example("acme");
    for (args, says) in [
        (vec!["--shard", "0/2", "--precision", "ale=1%"], "--precision needs the whole run"),
        (vec!["--shard", "2/2"], "numbered from 0 to 1"),
        (vec!["--shard", "x"], "not I/N"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let part = dir.path().join("p.rpp");
        let out = riskpath(&[&["simulate", &acme, "-o", part.to_str().unwrap()], &args[..]].concat(), "2");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(says), "{args:?}");
        assert!(!part.exists());
    }
}

/// A fake `sbatch` for the Slurm script: an array job runs its `--wrap` command once per index,
/// all at once, with `SLURM_ARRAY_TASK_ID` set; a job with `--dependency=afterok:ID` runs only when
/// job ID ran and succeeded. Prints the job id, as `--parsable` does.
const FAKE_SBATCH: &str = r#"#!/bin/sh
set -eu
state="$FAKE_SLURM_STATE"; array=""; dep=""; wrap=""
for a in "$@"; do
  case "$a" in
    --array=*) array="${a#--array=}" ;;
    --dependency=afterok:*) dep="${a#--dependency=afterok:}" ;;
    --wrap=*) wrap="${a#--wrap=}" ;;
  esac
done
prev=""
for a in "$@"; do if [ "$prev" = "--wrap" ]; then wrap="$a"; fi; prev="$a"; done
id=$(( $(cat "$state/last" 2>/dev/null || echo 100) + 1 )); echo "$id" > "$state/last"
if [ -n "$dep" ]; then [ "$(cat "$state/$dep")" = ok ] || { echo "dependency $dep not ok" >&2; exit 1; }; fi
if [ -n "$array" ]; then
  pids=""
  for i in $(seq "${array%-*}" "${array#*-}"); do SLURM_ARRAY_TASK_ID=$i sh -c "$wrap" & pids="$pids $!"; done
  status=ok; for p in $pids; do wait "$p" || status=failed; done
else
  status=ok; sh -c "$wrap" || status=failed
fi
echo "$status" > "$state/$id"
echo "$id;cluster"
"#;

#[test]
fn the_slurm_script_run_locally_gives_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::write(bin.join("sbatch"), FAKE_SBATCH).unwrap();
    std::os::unix::fs::symlink(BIN, bin.join("riskpath")).unwrap();
    Command::new("chmod").arg("+x").arg(bin.join("sbatch")).status().unwrap();
    let state = dir.path().join("slurm");
    std::fs::create_dir(&state).unwrap();
    let acme = example("acme");
    let out = dir.path().join("analysis.json");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let run = Command::new("sh")
        .arg(format!("{ROOT}/deploy/slurm/array.sh"))
        .env("PATH", path)
        .env("FAKE_SLURM_STATE", &state)
        .env("SHARDS", "7")
        .env("MODEL", &acme)
        .env("PARTS", dir.path().join("parts"))
        .env("OUT", &out)
        .env("RISKPATH_ARGS", format!("-k 3 {}", RUN.join(" ")))
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(std::fs::read_dir(dir.path().join("parts")).unwrap().count(), 7);
    assert!(std::fs::read(&out).unwrap() == single(&acme), "the Slurm run differs from the single run");
}

/// A Job's container: its `sh -c` command and its environment.
fn container(job: &serde_json::Value) -> (String, Vec<(String, String)>) {
    let c = &job["spec"]["template"]["spec"]["containers"][0];
    let command: Vec<&str> = c["command"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(&command[..2], ["sh", "-c"]);
    let env = c["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_string(), e["value"].as_str().unwrap().to_string()))
        .collect();
    (command[2].to_string(), env)
}

#[test]
fn the_kubernetes_jobs_commands_run_locally_give_the_single_run() {
    let text = std::fs::read_to_string(format!("{ROOT}/deploy/k8s/indexed-job.yaml")).unwrap();
    let jobs: Vec<serde_json::Value> =
        text.split("\n---\n").map(|doc| serde_saphyr::from_str(doc).expect("a YAML document")).collect();
    assert_eq!(jobs.len(), 2);
    let spec = &jobs[0]["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let (simulate, env) = container(&jobs[0]);
    let shards = env.iter().find(|(k, _)| k == "SHARDS").unwrap().1.clone();
    assert_eq!(spec["completions"].as_u64().unwrap().to_string(), shards, "one pod per shard");
    let (merge_cmd, merge_env) = container(&jobs[1]);
    assert!(merge_env.contains(&("SHARDS".into(), shards.clone())), "both Jobs agree on SHARDS");
    // The manifest's commands, with the volume's paths and the run's options replaced for a test.
    let dir = tempfile::tempdir().unwrap();
    let acme = example("acme");
    let local = |cmd: &Command| -> Command {
        let mut c = Command::new("sh");
        c.envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))));
        c
    };
    let mut base = Command::new("true");
    base.env("SHARDS", "7")
        .env("MODEL", &acme)
        .env("PARTS", dir.path().join("parts"))
        .env("OUT", dir.path().join("analysis.json"))
        .env("RISKPATH_ARGS", format!("-k 3 {}", RUN.join(" ")))
        .env("PATH", format!("{}:{}", Path::new(BIN).parent().unwrap().display(), std::env::var("PATH").unwrap()));
    let mut pods: Vec<_> = (0..7)
        .map(|i| local(&base).arg("-c").arg(&simulate).env("JOB_COMPLETION_INDEX", i.to_string()).spawn().unwrap())
        .collect();
    // The merge pod starts with the shards and waits for every part.
    let merge_pod = local(&base).arg("-c").arg(merge_cmd.replace("sleep 10", "sleep 1")).output();
    for pod in &mut pods {
        assert!(pod.wait().unwrap().success());
    }
    let merged = merge_pod.unwrap();
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    assert!(std::fs::read(dir.path().join("analysis.json")).unwrap() == single(&acme), "the Kubernetes run differs");
}
