#!/usr/bin/env bash
# Database failover under write load (issue 23 item 4).
#   scripts/failover-check.sh BIN      (BIN: a rapport binary already built)
#
# Makes two PostgreSQL clusters on loopback (pg_createcluster): a primary and a streaming
# standby in synchronous replication. Two app servers are given both hosts
# (host=a,b with target_session_attrs=read-write). While writers create requests through both
# app servers, the primary is killed (immediate shutdown) and the standby promoted.
# scripts/failover_load.py then checks that:
#   - every answer during the switch is 201 or 503 with Retry-After (never a 500, never a hang);
#   - writes recover by themselves once the standby is promoted;
#   - every write acknowledged before, during or after the kill reads back afterwards;
# and prints the measured unavailability. The clusters are dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="$(realpath "${1:?usage: scripts/failover-check.sh BIN}")"
started=$(date +%s)
step() { printf '=== %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }
fail() { echo "failover-check: $*" >&2; exit 1; }

command -v pg_createcluster >/dev/null || fail "pg_createcluster (Debian's postgresql-common) is needed"
version="${PG_VERSION:-$(ls /usr/lib/postgresql | sort -n | tail -1)}"
port_a="${FAILOVER_PORT_A:-5441}"
port_b="${FAILOVER_PORT_B:-5442}"
a="rapport-fo-a"
b="rapport-fo-b"
work="$(mktemp -d)"
pids=()

drop() {
    for c in "$a" "$b"; do
        if [ -d "/etc/postgresql/$version/$c" ]; then
            pg_dropcluster --stop "$version" "$c" >/dev/null 2>&1 || true
        fi
    done
}
cleanup() {
    for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    drop
    rm -rf "$work"
}
trap cleanup EXIT
drop

as_postgres() { runuser -u postgres -- "$@"; }

step "primary on $port_a"
pg_createcluster "$version" "$a" -p "$port_a" -- --auth=trust >/dev/null
# conf.d, which Debian's postgresql.conf includes: pg_createcluster -o quotes values its own way.
conf_a="/etc/postgresql/$version/$a/conf.d/failover-check.conf"
printf '%s\n' "listen_addresses = '127.0.0.1'" "wal_level = replica" >"$conf_a"
pg_ctlcluster "$version" "$a" start
as_postgres psql -h 127.0.0.1 -p "$port_a" -qc "CREATE DATABASE rapport" >/dev/null

step "standby on $port_b, a base backup of the primary streaming from it"
pg_createcluster "$version" "$b" -p "$port_b" -- --auth=trust >/dev/null
printf '%s\n' "listen_addresses = '127.0.0.1'" \
    >"/etc/postgresql/$version/$b/conf.d/failover-check.conf"
data_b="/var/lib/postgresql/$version/$b"
rm -rf "$data_b"
install -d -o postgres -g postgres -m 700 "$data_b"
as_postgres pg_basebackup -h 127.0.0.1 -p "$port_a" -U postgres -D "$data_b" -R -X stream -c fast \
    -d "application_name=rapport_standby" >/dev/null
pg_ctlcluster "$version" "$b" start

step "synchronous replication required (a commit waits for the standby)"
# Only now: with no standby attached, a synchronous primary would wait for ever on its first commit.
printf '%s\n' "synchronous_standby_names = '*'" "synchronous_commit = on" >>"$conf_a"
pg_ctlcluster "$version" "$a" reload
for _ in $(seq 1 30); do
    state=$(as_postgres psql -h 127.0.0.1 -p "$port_a" -qAtc \
        "SELECT sync_state FROM pg_stat_replication" 2>/dev/null || true)
    [ "$state" = "sync" ] && break
    sleep 1
done
[ "$state" = "sync" ] || fail "the standby did not become a synchronous one (state: ${state:-none})"
echo "standby streaming, sync_state=$state"

url="postgres://postgres@127.0.0.1:$port_a,127.0.0.1:$port_b/rapport?target_session_attrs=read-write"
password="failover check $$ passphrase"

step "an owner (migrates the schema on the primary)"
RAPPORT_PASSWORD="$password" "$bin" user add --db "$url" --org acme --org-name "Acme Consulting" \
    --email owner@acme.example --name Owner --role owner --tz Europe/London >/dev/null

step "two app servers given both hosts"
app_ports=()
for i in 1 2; do
    p=$((18470 + i))
    app_ports+=("$p")
    RAPPORT_LOG_FORMAT=json "$bin" serve --db "$url" --listen "127.0.0.1:$p" \
        >"$work/app$i.log" 2>&1 &
    pids+=($!)
done
for p in "${app_ports[@]}"; do
    for _ in $(seq 1 60); do
        curl -fs "http://127.0.0.1:$p/readyz" >/dev/null 2>&1 && break
        sleep 0.5
    done
    curl -fs "http://127.0.0.1:$p/readyz" >/dev/null || {
        cat "$work"/app*.log >&2
        fail "app server on $p is not ready"
    }
done

step "writes through both app servers; the primary is killed and the standby promoted"
kill_primary="pg_ctlcluster $version $a stop -m immediate"
promote="pg_ctlcluster $version $b promote"
python3 scripts/failover_load.py \
    --servers "$(printf 'http://127.0.0.1:%s,' "${app_ports[@]}" | sed 's/,$//')" \
    --password "$password" --kill "$kill_primary" --promote "$promote" \
    || { tail -n 40 "$work"/app*.log >&2; fail "the switch was not survived as promised"; }

step "app servers still running"
for p in "${pids[@]}"; do
    kill -0 "$p" 2>/dev/null || { cat "$work"/app*.log >&2; fail "an app server exited"; }
done

step "done"
