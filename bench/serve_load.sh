#!/usr/bin/env bash
# Bounded load test of `riskpath serve` on loopback (issue 23 item 7; BENCHMARKS.md): a server on a
# temporary data folder, the bundled example uploaded, then CLIENTS clients (default 50) for SECONDS
# (default 60) reading a job's result and submitting small analyses (cache hits and misses), through
# crates/server/examples/serve_load.rs. Stops by itself; prints the table and the load average.
# Usage: bench/serve_load.sh [CLIENTS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
clients="${1:-50}"
seconds="${2:-60}"
cargo build --release -q -p riskpath-cli -p riskpath-server --example serve_load
tmp="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$tmp"' EXIT
password='a long admin password'
: >"$tmp/log"
RISKPATH_ADMIN_PASSWORD="$password" target/release/riskpath serve --data "$tmp/data" --bind 127.0.0.1:0 2>"$tmp/log" &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$tmp/log" && break; sleep 0.1; done
addr="$(sed -n 's/.*listening on http:\/\///p' "$tmp/log" | head -n 1)"
[ -n "$addr" ] || { cat "$tmp/log" >&2; exit 1; }
base="http://$addr/api"
json() { python3 -c "import json, sys; print(json.load(sys.stdin)[\"$1\"])"; }
csrf="$(curl -sf -c "$tmp/jar" -H 'Content-Type: application/json' -d "{\"name\":\"admin\",\"password\":\"$password\"}" "$base/login" | json csrf_token)"
token="$(curl -sf -b "$tmp/jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' -d '{"name":"load"}' "$base/tokens" | json token)"
auth=(-H "Authorization: Bearer $token")
curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d '{"name":"load"}' "$base/workspaces" >/dev/null
(cd examples/acme && zip -qr "$tmp/acme.zip" .)
hash="$(curl -sf "${auth[@]}" -H 'Content-Type: application/zip' --data-binary @"$tmp/acme.zip" "$base/workspaces/load/models" | json hash)"
job="$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d "{\"model\":\"$hash\",\"kind\":\"analyze\",\"options\":{\"seed\":1}}" "$base/workspaces/load/jobs" | json id)"
curl -sfN "${auth[@]}" "$base/workspaces/load/jobs/$job/events" >/dev/null
target/release/examples/serve_load "$addr" "$token" load "$hash" "$job" "$clients" "$seconds"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
