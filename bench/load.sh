#!/usr/bin/env bash
# End-to-end figures at 10^5, 10^6 and 10^7 edges (issue 22): `riskpath gen` writes a model, then
# each stage runs under /usr/bin/time -v (wall, user+sys CPU, peak RSS), beside a NetworkX peer
# loading the same JSON Lines into a DiGraph (bench/nx_load.py):
#   validate     load and check the model
#   compile      load, compile, one batch of 64 trials and 64 years (`simulate --trials 64 --years 64`)
#   headline     load, compile and the headline simulation of one precision step (`simulate
#                --trials 4096 --years 4096`: P(compromise) per scenario and the ALE; simulate
#                takes fixed counts)
#   chokepoints  load, compile, the headline at a fixed precision (`--precision P`, reached
#                in 4,096-trial steps) and one decision: choke points at `--decision-trials 256`
#   analyze      the whole `analyze` (classes, tornado, …) at --trials 1000 --years 1000
#                --decision-trials 256 (the issue's first settings; not in the default list)
#
# Usage: bench/load.sh [--sizes "100000 1000000 10000000"] [--yaml-max N] [--keep DIR]
#                      [--stages "validate compile headline chokepoints"] [--precision P] [--bin PATH]
#   --sizes      edge counts (default 10^5 10^6 10^7)
#   --yaml-max   also time the YAML form up to this many edges (default 10^6; YAML caps at 10^6)
#   --keep DIR   keep the models in DIR (default: a temporary folder, removed)
#   --stages     the stages above to run, in order (default: validate compile headline chokepoints)
#   --precision  the precision of chokepoints' headline (default ale=5%,p=0.02)
#   --bin PATH   time this riskpath binary (default: build and time target/release/riskpath)
# Prints `record …` lines then a table: edges, format, stage, seconds, CPU seconds, edges/s, peak
# RSS, bytes/edge and the load average when the stage ended (other work on the machine inflates
# wall times, not peak RSS).

set -euo pipefail
cd "$(dirname "$0")/.."

sizes="100000 1000000 10000000"
yaml_max=1000000
keep=""
stages="validate compile headline chokepoints"
precision="ale=5%,p=0.02"
bin=""
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) sizes="$2"; shift ;;
        --yaml-max) yaml_max="$2"; shift ;;
        --keep) keep="$2"; shift ;;
        --stages) stages="$2"; shift ;;
        --precision) precision="$2"; shift ;;
        --bin) bin="$2"; shift ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        *) echo "bench/load.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
for stage in $stages; do
    case "$stage" in
        validate|compile|headline|chokepoints|analyze) ;;
        *) echo "bench/load.sh: unknown stage $stage (see --help)" >&2; exit 2 ;;
    esac
done

if [ -z "$bin" ]; then
    cargo build --release -p riskpath-cli >&2
    bin=target/release/riskpath
fi
python=python3
if [ -x bench/.venv/bin/python ]; then python=bench/.venv/bin/python; fi
if ! "$python" -c 'import networkx' 2>/dev/null; then
    echo "bench/load.sh: the NetworkX peer needs networkx (bench/run.sh sets up bench/.venv)" >&2
    exit 2
fi
work="${keep:-$(mktemp -d)}"
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

# One timed run: record edges= format= command= seconds= cpu_seconds= peak_rss_bytes= load= (exit
# status checked).
timed() {
    local edges="$1" format="$2" name="$3"; shift 3
    local log="$work/time.log"
    if ! /usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$work/stderr"; then
        echo "bench/load.sh: $name failed on $edges edges ($format):" >&2
        cat "$work/stderr" >&2
        exit 1
    fi
    local wall cpu rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$log")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2 * 1024}' "$log")
    echo "record edges=$edges format=$format command=$name seconds=$wall cpu_seconds=$cpu peak_rss_bytes=$rss load=$(cut -d' ' -f1 /proc/loadavg)"
}

# The command line of stage $2 on the model in $1, into the array `cmd`.
stage_command() {
    local dir="$1" stage="$2"
    case "$stage" in
        validate) cmd=("$bin" validate "$dir") ;;
        compile) cmd=("$bin" simulate "$dir" --shard 0/1 --trials 64 --years 64 -o "$work/part") ;;
        headline) cmd=("$bin" simulate "$dir" --shard 0/1 --trials 4096 --years 4096 -o "$work/part") ;;
        chokepoints) cmd=("$bin" chokepoints "$dir" --precision "$precision" --decision-trials 256 --format json) ;;
        analyze) cmd=("$bin" analyze "$dir" --trials 1000 --years 1000 --decision-trials 256 --format json) ;;
    esac
}

records="$work/records"
: > "$records"
for edges in $sizes; do
    formats="jsonl"
    [ "$edges" -le "$yaml_max" ] && formats="jsonl yaml"
    for format in $formats; do
        dir="$work/m$edges-$format"
        [ -d "$dir" ] || "$bin" gen --edges "$edges" --seed 1 --format "$format" -o "$dir" >/dev/null
        for stage in $stages; do
            stage_command "$dir" "$stage"
            timed "$edges" "$format" "$stage" "${cmd[@]}" | tee -a "$records"
        done
    done
    "$python" bench/nx_load.py "$work/m$edges-jsonl" | sed "s/^record /record format=jsonl command=networkx-load load=$(cut -d' ' -f1 \/proc\/loadavg) /" | tee -a "$records"
done

echo
printf '%10s  %-6s %-12s %9s %9s %12s %10s %10s %5s\n' edges format stage seconds "CPU s" edges/s "peak RSS" bytes/edge load
awk '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
    s = (r["seconds"] > 0) ? r["seconds"] : 0.001
    printf "%10d  %-6s %-12s %9.2f %9s %12.0f %7.0f MB %10.0f %5s\n", r["edges"], r["format"], r["command"], r["seconds"],
        (r["cpu_seconds"] == "") ? "-" : sprintf("%.2f", r["cpu_seconds"]), r["edges"] / s, r["peak_rss_bytes"] / 1e6,
        r["peak_rss_bytes"] / r["edges"], r["load"]
    delete r
}' "$records"
