#!/usr/bin/env bash
# riskpath import aws-iam and cloudsplaining (from PyPI) on the same dump, side by side: which
# principals each flags for privilege escalation and how long each takes.
# Usage: bench/aws_cloudsplaining.sh [DUMP]   (default: BishopFox's iam-vulnerable account)
set -euo pipefail
cd "$(dirname "$0")/.."
dump=${1:-crates/import/tests/fixtures/aws/iam-vulnerable.json}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
venv=${CLOUDSPLAINING_VENV:-$work/venv}
if [ ! -x "$venv/bin/cloudsplaining" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q cloudsplaining
fi
"$venv/bin/cloudsplaining" --version
cargo build --release -q
mkdir -p "$work/model" "$work/cs"
start=$(date +%s.%N)
"$venv/bin/cloudsplaining" scan --input-file "$dump" --output "$work/cs" --skip-open-report > /dev/null
mid=$(date +%s.%N)
target/release/riskpath import aws-iam "$dump" -o "$work/model" --at 1767225600 > /dev/null
end=$(date +%s.%N)
printf 'cloudsplaining scan: %.2f s   riskpath import aws-iam: %.2f s (shared machine: wall clock, one run)\n\n' \
  "$(echo "$mid - $start" | bc)" "$(echo "$end - $mid" | bc)"
python3 bench/aws_cloudsplaining.py "$work"/cs/iam-results-*.json "$work/model"
