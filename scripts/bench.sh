#!/usr/bin/env bash
# Seed a database with the benchmark workload, serve it, and drive every scenario at it.
#
#   scripts/bench.sh DB_URL REQUESTS [DURATION] [CONCURRENCY]
#   scripts/bench.sh sqlite:///tmp/bench/1m.db 1000000 20s 8
#   scripts/bench.sh postgres://root@127.0.0.1:5432/bench100k 100000 20s 8
#
# Environment: RAPPORT_BIN (default target/release/rapport), OUT (results folder, default
# bench-results/<engine>-<requests>), CLIENTS (default 500), SKIP_SEED=1 to reuse a seeded
# database (then TOKEN must be set), SCENARIOS (default: the read scenarios, then the writes).
# Each scenario's JSON report lands in $OUT/<scenario>.json; a summary table is printed.
set -euo pipefail

DB=${1:?DB_URL}
N=${2:?REQUESTS}
DUR=${3:-20s}
C=${4:-8}
BIN=${RAPPORT_BIN:-target/release/rapport}
CLIENTS=${CLIENTS:-500}
engine=sqlite
case "$DB" in postgres*) engine=postgresql ;; esac
OUT=${OUT:-bench-results/$engine-$N}
SCENARIOS=${SCENARIOS:-"queue request search dashboard intake lmtp"}
mkdir -p "$OUT"

if [ "${SKIP_SEED:-}" != 1 ]; then
    echo "seeding $N requests over $CLIENTS clients into $DB ..." >&2
    "$BIN" bench seed --requests "$N" --clients "$CLIENTS" --db "$DB" --json > "$OUT/seed.json"
    TOKEN=$(jq -r .token "$OUT/seed.json")
    jq -c '{requests, messages, promises, ratings, time_entries, audit_events, seconds}' "$OUT/seed.json" >&2
fi
: "${TOKEN:?TOKEN}"

PORT=$((20000 + RANDOM % 20000))
LMTP_PORT=$((PORT + 1))
"$BIN" serve --db "$DB" --listen "127.0.0.1:$PORT" --lmtp "127.0.0.1:$LMTP_PORT" --lmtp-org bench \
    --api-rate-limit 0 --log-level warn > "$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
    grep -q "Rapport is serving" "$OUT/serve.log" && break
    sleep 0.5
done
grep -q "Rapport is serving" "$OUT/serve.log" || { cat "$OUT/serve.log" >&2; exit 1; }
echo "server pid $PID at 127.0.0.1:$PORT; RSS after start: $(grep VmRSS /proc/$PID/status | awk '{print $2/1024 " MiB"}')" >&2

# A server started on a seeded database first runs its startup jobs (health scores of every
# client, SLA and silence checks). Wait for the jobs due now to drain (at most DRAIN_SECS, default 300)
# so that scenarios measure requests, not the backlog; say how long it took.
drain_start=$(date +%s)
pending() {
    local n=0 st
    for st in queued running; do
        n=$((n + $(curl -s -H "Authorization: Bearer $TOKEN" \
            "http://127.0.0.1:$PORT/api/v1/jobs?status=$st&limit=200" |
            jq '[.items[] | select(.run_at <= (now | todate))] | length')))
    done
    echo $n
}
while [ "$(pending)" != 0 ] && [ $(( $(date +%s) - drain_start )) -lt "${DRAIN_SECS:-300}" ]; do
    sleep 2
done
echo "startup jobs: $(pending) still pending after $(( $(date +%s) - drain_start )) s" >&2

for s in $SCENARIOS; do
    "$BIN" bench run --target "http://127.0.0.1:$PORT" --token "$TOKEN" --scenario "$s" \
        --duration "$DUR" --concurrency "$C" --pid "$PID" --lmtp "127.0.0.1:$LMTP_PORT" \
        --json > "$OUT/$s.json"
    jq -r '"\(.scenario)\tok \(.ok)\terr \(.errors)\t\(.throughput_per_s|floor)/s\tp50 \(.latency_ms.p50)\tp95 \(.latency_ms.p95)\tp99 \(.latency_ms.p99)\tpeak RSS \(.peak_rss_bytes/1048576|floor) MiB"' "$OUT/$s.json"
done
