#!/usr/bin/env bash
# A rolling upgrade on PostgreSQL under write load (issue 23 item 3).
#   scripts/upgrade-check.sh NEW_BIN [PREVIOUS_BIN]
#
# PREVIOUS_BIN defaults to the release named in scripts/previous-release, built (once, then
# cached) by scripts/build-previous-release.sh. On a database of its own on the PostgreSQL that
# RAPPORT_TEST_POSTGRES_URL names, the previous release makes the schema; `rapport migrate
# --dry-run` of the new one must list what it will apply, all of it expand-only; then
# scripts/upgrade_load.py replaces two app servers one at a time under write load and fails on
# any error or lost write.
set -euo pipefail
cd "$(dirname "$0")/.."

new="$(realpath "${1:?usage: scripts/upgrade-check.sh NEW_BIN [PREVIOUS_BIN]}")"
previous="${2:-$(scripts/build-previous-release.sh)}"
started=$(date +%s)
step() { printf '=== %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }
fail() { echo "upgrade-check: $*" >&2; exit 1; }

base="${RAPPORT_TEST_POSTGRES_URL:-postgres://root@127.0.0.1:5432/test}"
server="${base%/*}"
name="rapport_upgrade_check"
db="$server/$name"
logs="$(mktemp -d)"
drop() { psql "$server/postgres" -qc "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null; }
trap 'drop 2>/dev/null || true; rm -rf "$logs"' EXIT
drop
psql "$server/postgres" -qc "CREATE DATABASE $name" >/dev/null

echo "previous: $("$previous" version)"
echo "new:      $("$new" version)"

step "the previous release makes the schema and an owner"
password="upgrade check $$ passphrase"
RAPPORT_PASSWORD="$password" "$previous" user add --db "$db" --org acme --org-name "Acme Consulting" \
    --email owner@acme.example --name Owner --role owner --tz Europe/London >/dev/null

step "what the new release will apply (rapport migrate --dry-run)"
"$new" migrate --db "$db" --dry-run
plan="$("$new" migrate --db "$db" --dry-run --json)"
printf '%s' "$plan" | python3 -c '
import json, sys
plan = json.load(sys.stdin)
contracts = [m["name"] for m in plan["pending"] if m["compat"] != "expand"]
if contracts:
    sys.exit(f"contracting migrations cannot be rolled out under load: {contracts}")
pending = plan["pending"]
print(f"{len(pending)} expand-only migration(s) to apply")
'
# The dry run changed nothing: the previous release still finds its own schema.
"$previous" migrate --db "$db" | grep -q "schema is current" || fail "the dry run changed the schema"

step "two servers replaced one at a time under write load"
python3 scripts/upgrade_load.py --previous "$previous" --new "$new" --db "$db" \
    --password "$password" --logs "$logs" \
    || { tail -n 30 "$logs"/*.log >&2; fail "the rolling upgrade was not seamless"; }
"$new" migrate --db "$db" --dry-run | grep -q "nothing to apply" || fail "the new schema is not in place"

step "done"
