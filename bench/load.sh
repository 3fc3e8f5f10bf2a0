#!/usr/bin/env bash
# Loading and whole-pipeline figures at 10^5, 10^6 and 10^7 edges (issue 22): `riskpath gen` writes a
# model, then `validate` and `analyze` run under /usr/bin/time -v (wall time, peak RSS), beside a
# NetworkX peer loading the same JSON Lines into a DiGraph (bench/nx_load.py).
#
# Usage: bench/load.sh [--sizes "100000 1000000 10000000"] [--yaml-max N] [--keep DIR] [--no-analyze]
#   --sizes      edge counts (default 10^5 10^6 10^7)
#   --yaml-max   also time the YAML form up to this many edges (default 10^6; YAML caps at 10^6)
#   --keep DIR   keep the models in DIR (default: a temporary folder, removed)
#   --no-analyze validate and the peer only
# analyze runs with --trials 1000 --years 1000 --decision-trials 256 (the issue's settings).
# Prints `record …` lines then a table: edges, format, command, seconds, edges/s, peak RSS, bytes/edge.
# Timings are wall clock on whatever else the machine does: the load average is printed with them.

set -euo pipefail
cd "$(dirname "$0")/.."

sizes="100000 1000000 10000000"
yaml_max=1000000
keep=""
analyze=1
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) sizes="$2"; shift ;;
        --yaml-max) yaml_max="$2"; shift ;;
        --keep) keep="$2"; shift ;;
        --no-analyze) analyze=0 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "bench/load.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

cargo build --release -p riskpath-cli >&2
bin=target/release/riskpath
python=python3
if [ -x bench/.venv/bin/python ]; then python=bench/.venv/bin/python; fi
if ! "$python" -c 'import networkx' 2>/dev/null; then
    echo "bench/load.sh: the NetworkX peer needs networkx (bench/run.sh sets up bench/.venv)" >&2
    exit 2
fi
work="${keep:-$(mktemp -d)}"
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

# One timed run: record edges= format= command= seconds= peak_rss_bytes= (exit status checked).
timed() {
    local edges="$1" format="$2" name="$3"; shift 3
    local log="$work/time.log"
    if ! /usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$work/stderr"; then
        echo "bench/load.sh: $name failed on $edges edges ($format):" >&2
        cat "$work/stderr" >&2
        exit 1
    fi
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2 * 1024}' "$log")
    echo "record edges=$edges format=$format command=$name seconds=$wall peak_rss_bytes=$rss load=$(cut -d' ' -f1 /proc/loadavg)"
}

records="$work/records"
: > "$records"
for edges in $sizes; do
    formats="jsonl"
    [ "$edges" -le "$yaml_max" ] && formats="jsonl yaml"
    for format in $formats; do
        dir="$work/m$edges-$format"
        [ -d "$dir" ] || "$bin" gen --edges "$edges" --seed 1 --format "$format" -o "$dir" >/dev/null
        timed "$edges" "$format" validate "$bin" validate "$dir" | tee -a "$records"
        if [ "$analyze" = 1 ]; then
            timed "$edges" "$format" analyze "$bin" analyze "$dir" --trials 1000 --years 1000 \
                --decision-trials 256 --format json | tee -a "$records"
        fi
    done
    "$python" bench/nx_load.py "$work/m$edges-jsonl" | sed "s/^record /record format=jsonl command=networkx-load load=$(cut -d' ' -f1 \/proc\/loadavg) /" | tee -a "$records"
done

echo
printf '%10s  %-6s %-14s %9s %12s %10s %10s\n' edges format command seconds edges/s "peak RSS" bytes/edge
awk '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
    s = (r["seconds"] > 0) ? r["seconds"] : 0.001
    printf "%10d  %-6s %-14s %9.2f %12.0f %8.0f MB %10.0f\n", r["edges"], r["format"], r["command"], r["seconds"],
        r["edges"] / s, r["peak_rss_bytes"] / 1e6, r["peak_rss_bytes"] / r["edges"]
    delete r
}' "$records"
