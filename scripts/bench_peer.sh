#!/usr/bin/env bash
# The operations ../shared/peers/rt/bench.py measures on Request Tracker, run against Rapport:
# sequential creates (one at a time), then with 2,000 requests present a "queue + status" list of
# 50 (RT: Queue='General' AND Status='new', newest first; here a status filter matching all 2,000) and a one-word search (RT: Subject
# LIKE '<word>'), one at a time.
#
#   scripts/bench_peer.sh [DB_URL] [DURATION]
#
# Differences that favour RT are noted in BENCHMARKS.md (RT opens a TCP connection per request;
# the driver here keeps connections alive).
set -euo pipefail
DB=${1:-sqlite:///tmp/rapport-peer/peer.db}
DUR=${2:-10s}
BIN=${RAPPORT_BIN:-target/release/rapport}
OUT=${OUT:-bench-results/peer}
mkdir -p "$OUT"
case "$DB" in sqlite://*) f=${DB#sqlite://}; mkdir -p "$(dirname "$f")"; rm -f "$f" "$f-wal" "$f-shm" ;; esac

# 2,000 requests, as RT's search phase had; one client (RT's one queue).
"$BIN" bench seed --requests 2000 --clients 1 --db "$DB" --json > "$OUT/seed.json"
TOKEN=$(jq -r .token "$OUT/seed.json")
PORT=$((20000 + RANDOM % 20000))
"$BIN" serve --db "$DB" --listen "127.0.0.1:$PORT" --api-rate-limit 0 --log-level warn > "$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q "Rapport is serving" "$OUT/serve.log" && break; sleep 0.5; done

run() {
    local name=$1; shift
    "$BIN" bench run --target "http://127.0.0.1:$PORT" --token "$TOKEN" --duration "$DUR" \
        --concurrency 1 --pid "$PID" --json "$@" > "$OUT/$name.json"
    jq -r --arg n "$name" '"\($n)\tok \(.ok)\terr \(.errors)\t\(.throughput_per_s*10|floor/10)/s\tp50 \(.latency_ms.p50)\tp99 \(.latency_ms.p99)\tpeak RSS \(.peak_rss_bytes/1048576|floor) MiB"' "$OUT/$name.json"
}
run list --scenario get --path '/api/v1/requests?status=new,triaged,in_progress,waiting_on_client,delivered,closed&limit=50'
run word --scenario get --path '/api/v1/search?q=invoice&limit=50'
run create --scenario intake
