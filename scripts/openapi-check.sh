#!/usr/bin/env bash
# The API as an integrator meets it. Against the document served by a spawned `rapport serve`:
#   1. openapi-spec-validator (PyPI) and `redocly lint` (npm @redocly/cli): no errors;
#   2. a Python client (openapi-python-client) and a TypeScript client (openapi-typescript +
#      openapi-fetch) generated with no warning and no skipped operation;
#   3. an end-to-end script with each client (scripts/openapi/e2e.py, e2e.ts) against a fresh
#      server on SQLite, and on PostgreSQL when RAPPORT_TEST_POSTGRES_URL is set.
# Usage: RAPPORT_BIN=target/debug/rapport scripts/openapi-check.sh
# The tools are installed once, at pinned versions, into a virtualenv and an npm prefix under
# RAPPORT_OPENAPI_TOOLS (default /var/cache/rapport); later runs need no network.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${RAPPORT_BIN:-rapport}"
tools="${RAPPORT_OPENAPI_TOOLS:-/var/cache/rapport}"
venv="$tools/openapi-venv"
npm_prefix="$tools/openapi-npm"

py_pins=(
    "openapi-spec-validator==0.9.0"
    "openapi-python-client==0.29.1"
    # What the generated Python client imports.
    "httpx==0.28.1" "attrs==25.4.0" "python-dateutil==2.9.0.post0"
)
npm_pins=(
    "@redocly/cli@2.77.0" "openapi-typescript@7.13.0" "openapi-fetch@0.17.0" "typescript@5.9.3"
)

step() { printf '\n--- %s\n' "$1"; }

install_tools() {
    local py_stamp="$venv/.pins" npm_stamp="$npm_prefix/.pins"
    if [ "$(cat "$py_stamp" 2>/dev/null)" != "${py_pins[*]}" ]; then
        step "installing ${py_pins[*]}"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check "${py_pins[@]}"
        echo "${py_pins[*]}" >"$py_stamp"
    fi
    if [ "$(cat "$npm_stamp" 2>/dev/null)" != "${npm_pins[*]}" ]; then
        step "installing ${npm_pins[*]}"
        mkdir -p "$npm_prefix"
        [ -f "$npm_prefix/package.json" ] || echo '{"private": true}' >"$npm_prefix/package.json"
        (cd "$npm_prefix" && npm install --no-audit --no-fund --save-exact --loglevel=error "${npm_pins[@]}")
        echo "${npm_pins[*]}" >"$npm_stamp"
    fi
}

work="$(mktemp -d)"
server=""
pg_schema=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    if [ -n "$pg_schema" ]; then
        psql "$RAPPORT_TEST_POSTGRES_URL" -qAtc "DROP SCHEMA IF EXISTS \"$pg_schema\" CASCADE" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# start_server DB_URL: a demo workspace, an owner's token in $token, the server's URL in $base.
start_server() {
    local db="$1" log="$work/server.log"
    rm -f "$work/addr"
    "$bin" demo --db "$db" >/dev/null
    token="$("$bin" token create --db "$db" --org northwind --email ada@northwind.example --name openapi-check)"
    RAPPORT_SECRET_KEY="$("$bin" secret-key)" "$bin" serve --db "$db" --listen 127.0.0.1:0 \
        --api-rate-limit 0 --log-level warn >"$work/addr" 2>"$log" &
    server=$!
    for _ in $(seq 1 100); do grep -q "serving at" "$work/addr" 2>/dev/null && break; sleep 0.1; done
    base="$(sed -n 's/^Rapport is serving at //p' "$work/addr")"
    if [ -z "$base" ]; then
        echo "the server did not start:" >&2
        cat "$log" >&2
        exit 1
    fi
}

stop_server() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
    if grep -q "panicked" "$work/server.log"; then
        echo "the server panicked:" >&2
        grep -A5 panicked "$work/server.log" >&2
        exit 1
    fi
}

# Fail when a tool's output names a warning or a skipped operation, even if it exited 0.
no_warnings() {
    local what="$1" out="$2"
    if grep -qiE 'warn|skipp|unable|unsupported|cannot|error' "$out"; then
        echo "$what reported problems:" >&2
        cat "$out" >&2
        exit 1
    fi
}

run_clients() {
    local engine="$1"
    step "Python client end to end ($engine)"
    RAPPORT_BASE="$base" RAPPORT_TOKEN="$token" PYTHONPATH="$work/py" \
        "$venv/bin/python" "$here/openapi/e2e.py"
    step "TypeScript client end to end ($engine)"
    RAPPORT_BASE="$base" RAPPORT_TOKEN="$token" node "$work/ts/out/e2e.js"
}

install_tools
export PATH="$npm_prefix/node_modules/.bin:$PATH"

start_server "sqlite://$work/sqlite.db"
doc="$work/openapi.json"
curl -fsS "$base/api/openapi.json" -o "$doc"

step "openapi-spec-validator"
"$venv/bin/openapi-spec-validator" "$doc"

step "redocly lint"
# No telemetry or update check: CI may be offline.
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
    redocly lint --config "$here/openapi/redocly.yaml" --format stylish "$doc" 2>&1 | tee "$work/lint.out"
grep -q 'Your API description is valid' "$work/lint.out" || { echo "redocly lint found errors" >&2; exit 1; }

step "generate the Python client (openapi-python-client)"
(cd "$work" && "$venv/bin/openapi-python-client" generate --path "$doc" \
    --config "$here/openapi/python-client.yaml" --output-path "$work/py-project" \
    --meta none) >"$work/py-gen.out" 2>&1 || { cat "$work/py-gen.out" >&2; exit 1; }
cat "$work/py-gen.out"
no_warnings "openapi-python-client" "$work/py-gen.out"
mkdir -p "$work/py" && mv "$work/py-project" "$work/py/rapport_client"
# One module per operation: none skipped.
operations="$("$venv/bin/python" -c 'import json, sys
doc = json.load(open(sys.argv[1]))
print(sum(m in item for item in doc["paths"].values() for m in ("get", "put", "post", "patch", "delete")))' "$doc")"
generated="$(find "$work/py/rapport_client/api" -name '*.py' ! -name '__init__.py' | wc -l)"
echo "operations in the document: $operations; generated Python functions: $generated"
[ "$operations" -eq "$generated" ] || { echo "openapi-python-client skipped operations" >&2; exit 1; }

step "generate the TypeScript client (openapi-typescript) and type-check the script"
mkdir -p "$work/ts"
ln -s "$npm_prefix/node_modules" "$work/ts/node_modules"
openapi-typescript "$doc" -o "$work/ts/schema.d.ts" >"$work/ts-gen.out" 2>&1 || { cat "$work/ts-gen.out" >&2; exit 1; }
cat "$work/ts-gen.out"
if grep -qiE 'warn|skipp|error' "$work/ts-gen.out"; then echo "openapi-typescript reported problems" >&2; exit 1; fi
cp "$here/openapi/e2e.ts" "$here/openapi/tsconfig.json" "$work/ts/"
echo '{"type": "module"}' >"$work/ts/package.json"
(cd "$work/ts" && tsc -p tsconfig.json)

run_clients sqlite
stop_server

if [ -n "${RAPPORT_TEST_POSTGRES_URL:-}" ]; then
    pg_schema="openapi_check_$$_$RANDOM"
    PGOPTIONS="--client-min-messages=warning" psql "$RAPPORT_TEST_POSTGRES_URL" -qAtc \
        "CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public; CREATE SCHEMA \"$pg_schema\"" >/dev/null
    sep='?'; case "$RAPPORT_TEST_POSTGRES_URL" in *\?*) sep='&';; esac
    start_server "${RAPPORT_TEST_POSTGRES_URL}${sep}options=-c%20search_path%3D${pg_schema}%2Cpublic"
    run_clients postgres
    stop_server
else
    step "PostgreSQL: skipped (RAPPORT_TEST_POSTGRES_URL is not set)"
fi

echo
echo "openapi-check: the document validates and lints clean; both generated clients pass end to end"
