#!/usr/bin/env bash
# Import and load of a generated SharpHound-shaped estate, side by side with NetworkX loading the
# same JSON: bench/bloodhound.sh [--principals N] [--aces M] [--collection ZIP] [--keep DIR]
# (--collection: a real SharpHound zip, e.g. crates/import/tests/data/bloodhound/ad_sampledata.zip,
# unzipped and measured instead of a generated estate)
#
# Builds release, sets up bench/.venv with networkx (`python3 -m venv bench/.venv &&
# bench/.venv/bin/pip install networkx`), generates the estate with bench/bloodhound_estate.py
# (seed 1; default 10^5 principals and 10^6 ACEs), then times:
#   - `riskpath import bloodhound` (stream-parse, post-process, write the model folder; the loader's
#     check skipped, so this is the import alone), and its peak RSS;
#   - `riskpath validate` of the imported model: the model loader on the generated files;
#   - NetworkX: json.load of the same files and a DiGraph with a node per object and an edge per
#     ACE, membership, session and local admin (what BloodHound's ingest reads, without its rules).
# Wall clock on whatever else the machine is doing: the load average is printed with the numbers.

set -euo pipefail
cd "$(dirname "$0")/.."

principals=100000
aces=1000000
keep=""
collection=""
while [ $# -gt 0 ]; do
    case "$1" in
        --principals) principals="$2"; shift ;;
        --aces) aces="$2"; shift ;;
        --keep) keep="$2"; shift ;;
        --collection) collection="$2"; shift ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "bench/bloodhound.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

cargo build --release -q -p riskpath-cli
if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
    bench/.venv/bin/pip install -q networkx
fi
work=${keep:-$(mktemp -d)}
mkdir -p "$work/estate" "$work/model"
if [ -n "$collection" ]; then
    unzip -q -o "$collection" -d "$work/estate"
else
    bench/.venv/bin/python bench/bloodhound_estate.py generate "$work/estate" --principals "$principals" --aces "$aces"
fi
echo "record tool=estate bytes=$(du -sb "$work/estate" | cut -f1) load=$(cut -d' ' -f1 /proc/loadavg)"

timed() {  # timed NAME COMMAND...: wall seconds and peak RSS of one command
    local name=$1; shift
    local t0 t1
    t0=$(date +%s.%N)
    /usr/bin/env time -f "%M" -o "$work/rss" "$@" > "$work/$name.out" 2>&1
    t1=$(date +%s.%N)
    echo "record tool=$name seconds=$(echo "$t1 - $t0" | bc) peak_rss=$(( $(cat "$work/rss") * 1024 )) load=$(cut -d' ' -f1 /proc/loadavg)"
}

timed import ./target/release/riskpath import bloodhound "$work/estate" -o "$work/model" --no-check --no-phishing
grep -E "^read " "$work/import.out" | sed 's/^/# /'
echo "record tool=model bytes=$(du -sb "$work/model/bloodhound" | cut -f1) files=$(find "$work/model/bloodhound" -name '*.json' | wc -l)"
timed load ./target/release/riskpath validate "$work/model" --max-file-size 268435456
tail -1 "$work/load.out" | sed 's/^/# /'
bench/.venv/bin/python bench/bloodhound_estate.py networkx "$work/estate"
[ -n "$keep" ] || rm -rf "$work"
