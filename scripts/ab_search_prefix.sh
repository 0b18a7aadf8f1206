#!/usr/bin/env bash
# A/B of SQLite's FTS5 prefix indexes (migration 0019): one binary, one seeded database, its
# full-text tables rebuilt with and without `prefix = '2 3'`.
#
#   rapport bench seed --requests 100000 --clients 500 --db sqlite:///tmp/bench-data/100k.db --json > seed.json
#   scripts/ab_search_prefix.sh target/release/rapport /tmp/bench-data/100k.db "$(jq -r .token seed.json)"
#
# Prints, for each variant: 21 single calls per query (median, min, max) and the `search` and
# `intake` scenarios of `rapport bench run` (20 s, concurrency 8). Needs sqlite3, curl and jq.
set -euo pipefail
BIN=${1:?BIN}
SEEDED=${2:?SEEDED_DB}
TOKEN=${3:?TOKEN}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

fts() { # $1: the prefix clause, or nothing
    printf "DROP TABLE requests_fts;
CREATE VIRTUAL TABLE requests_fts USING fts5 (title, body, tags, content = 'requests', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2'%s);
INSERT INTO requests_fts (requests_fts) VALUES ('rebuild');
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5 (body, content = 'messages', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2'%s);
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
PRAGMA wal_checkpoint(TRUNCATE);" "$1" "$1"
}

sqlite3 "$SEEDED" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
for variant in without with; do
    db="$dir/$variant.db"
    cp "$SEEDED" "$db"
    clause=""
    [ "$variant" = with ] && clause=", prefix = '2 3'"
    sqlite3 "$db" "$(fts "$clause")" >/dev/null
    port=$((20000 + RANDOM % 20000))
    "$BIN" serve --db "sqlite://$db" --listen "127.0.0.1:$port" --api-rate-limit 0 --log-level warn \
        > "$dir/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do grep -q "Rapport is serving" "$dir/serve.log" && break; sleep 0.5; done
    sleep "${SETTLE:-60}" # the startup jobs (health, SLA checks) first
    echo "== $variant prefix indexes (load $(cut -d' ' -f1-3 /proc/loadavg))"
    for q in 'ka*' 'inv*' 'rep*' 'kaveri' 'report'; do
        enc=$(jq -rn --arg q "$q" '$q|@uri')
        for _ in $(seq 1 21); do
            curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" \
                "http://127.0.0.1:$port/api/v1/search?q=$enc"
        done | sort -n | awk -v q="$q" '{a[NR]=$1} END {printf "%s\tp50 %.1f ms  min %.1f ms  max %.1f ms\n", q, a[int((NR+1)/2)]*1000, a[1]*1000, a[NR]*1000}'
    done
    for s in search intake; do
        "$BIN" bench run --target "http://127.0.0.1:$port" --token "$TOKEN" --scenario "$s" \
            --duration 20s --concurrency 8 --pid "$pid" --json |
            jq -r '"\(.scenario)\tok \(.ok)\terr \(.errors)\t\(.throughput_per_s|floor)/s\tp50 \(.latency_ms.p50)\tp95 \(.latency_ms.p95)\tp99 \(.latency_ms.p99)\tpeak RSS \(.peak_rss_bytes/1048576|floor) MiB"'
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
