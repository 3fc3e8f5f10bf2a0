#!/usr/bin/env bash
# The riskpath speed benchmark, in one command: bench/run.sh [--quick] [--max-edges N] [--threads T]
#
# Builds release, sets up bench/.venv with networkx and numpy, then prints side by side, for
# synthetic attack graphs of 10^3 … 10^7 edges (riskpath_engine::gen::synthetic, seed 1):
#   - edge-trials/s of the engine (bit-parallel, rayon), a plain scalar per-trial BFS Monte Carlo in
#     Rust on the same graph, and a NetworkX per-trial BFS Monte Carlo in Python on the same graph
#     (measured up to --nx-max-edges, extrapolated above and marked so);
#   - engine time against edges × trials (is it linear?);
#   - FAIR: 10^6 simulated years × 100 actor-jewel scenarios, engine against vectorised numpy;
#   - memory per edge (SimGraph bytes and peak RSS while simulating).
# The Rust side is crates/bench (riskpath-bench, one `record key=value …` line per measurement);
# bench/report.py turns the lines into tables. Timings are wall clock on whatever else the machine
# is doing: the load average is printed with them.
#
# Options:
#   --quick            stop at 10^5 edges, smaller linearity grid, 10^5 FAIR years
#   --max-edges N      largest graph (default 10^7)
#   --threads T        engine and scalar-baseline threads (default 2)
#   --nx-max-edges N   largest graph NetworkX runs on (default 10^6; above it: extrapolated)
#   --keep DIR         keep the raw lines and graphs in DIR

set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
max_edges=10000000
threads=2
nx_max=1000000
keep=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --max-edges) max_edges="$2"; shift ;;
        --threads) threads="$2"; shift ;;
        --nx-max-edges) nx_max="$2"; shift ;;
        --keep) keep="$2"; shift ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ "$quick" = 1 ] && [ "$max_edges" -gt 100000 ]; then max_edges=100000; fi
if [ "$quick" = 1 ]; then linear_budget=1000000000; years=100000; else linear_budget=10000000000; years=1000000; fi

echo "== building (release)" >&2
cargo build --release --quiet -p riskpath-bench
bench=target/release/riskpath-bench

echo "== python venv (bench/.venv: networkx, numpy)" >&2
if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
fi
if ! bench/.venv/bin/python -c 'import networkx, numpy' 2>/dev/null; then
    bench/.venv/bin/pip install --quiet networkx numpy
fi
# numpy must not see the machine's OpenBLAS overrides (this command only).
py() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE bench/.venv/bin/python "$@"; }

if [ -n "$keep" ]; then work="$keep"; mkdir -p "$work"; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
lines="$work/lines.txt"
: > "$lines"
{
    echo "machine cores=$(nproc) cpu=\"$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)\" threads=$threads"
    echo "command line=\"bench/run.sh $*\" quick=$quick max_edges=$max_edges nx_max_edges=$nx_max"
} >> "$lines"

load() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?"; }

for edges in 1000 10000 100000 1000000 10000000; do
    [ "$edges" -le "$max_edges" ] || break
    echo "== graph of $edges edges (load $(load))" >&2
    export_args=()
    if [ "$edges" -le "$nx_max" ]; then export_args=(--export "$work/g$edges.bin"); fi
    "$bench" --threads "$threads" graph --edges "$edges" "${export_args[@]}" | tee -a "$lines" >&2
    echo "load edges=$edges load=$(load)" >> "$lines"
    if [ "$edges" -le "$nx_max" ]; then
        # About 2·10^6 edge-trials: a few seconds of NetworkX.
        nx_trials=$(( 2000000 / edges )); [ "$nx_trials" -ge 5 ] || nx_trials=5
        py bench/nx_mc.py "$work/g$edges.bin" "$nx_trials" 1 | tee -a "$lines" >&2
        rm -f "$work/g$edges.bin"
    fi
done

echo "== engine time against edges x trials (load $(load))" >&2
linear_max=$max_edges; [ "$linear_max" -le 1000000 ] || linear_max=1000000
"$bench" --threads "$threads" linear --max-edges "$linear_max" --budget "$linear_budget" | tee -a "$lines" >&2

echo "== FAIR: $years years x 100 scenarios (load $(load))" >&2
"$bench" --threads "$threads" fair --years "$years" --dir "$work/fair" | tee -a "$lines" >&2
py bench/fair_numpy.py "$work/fair/params.txt" "$years" 1 | tee -a "$lines" >&2
echo "load fair=1 load=$(load)" >> "$lines"

echo >&2
py bench/report.py "$lines"
