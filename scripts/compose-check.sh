#!/usr/bin/env bash
# Smoke test of compose.yaml: PostgreSQL, two app servers, Caddy terminating TLS.
#   scripts/compose-check.sh BIN      (BIN: a rapport binary already built)
#
# Builds the images (scripts/compose-images.sh), starts the set with podman-compose (installed
# with apt-get when missing), adds an owner in app1, then through the proxy only: signs in
# (the cookie must be Secure, HSTS sent), creates a client and a request, stops app1 and reads
# the request back with the same session (now served by app2), and takes the set down with its
# volumes. Prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${1:?usage: scripts/compose-check.sh BIN}"
started=$(date +%s)
step() { printf '=== %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }
fail() { echo "compose-check: $*" >&2; exit 1; }

step "podman, podman-compose"
if ! command -v podman >/dev/null || ! command -v podman-compose >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends podman podman-compose \
        golang-github-containernetworking-plugin-dnsname >/dev/null
fi
# As in container-check.sh: runc where cgroups v1 and v2 are mounted side by side, and limits
# a CI container may grant itself.
if [ -z "${PODMAN_RUNTIME:-}" ] && [ -d /sys/fs/cgroup/unified ]; then
    if ! command -v runc >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends runc >/dev/null
    fi
    export PODMAN_RUNTIME=runc
fi
project="rapport-compose-check"
compose() {
    podman-compose ${PODMAN_RUNTIME:+--podman-args "--runtime $PODMAN_RUNTIME"} \
        --podman-run-args "--ulimit nofile=8192:8192 --ulimit nproc=4096:4096" -p "$project" "$@"
}
podman() { command podman ${PODMAN_RUNTIME:+--runtime "$PODMAN_RUNTIME"} "$@"; }

step "images"
scripts/compose-images.sh "$bin"

export RAPPORT_DB_PASSWORD="compose-check-$$-$RANDOM"
export RAPPORT_SECRET_KEY="$("$bin" secret-key)"
jar="$(mktemp)"
cleanup() {
    compose down -v >/dev/null 2>&1 || true
    # podman-compose 1.0.3 leaves the network behind.
    podman network rm -f "${project}_desk" >/dev/null 2>&1 || true
    rm -f "$jar"
}
trap cleanup EXIT
cleanup

step "up"
compose up -d >/dev/null 2>&1 || { compose logs >&2 || true; fail "podman-compose up failed"; }
base=https://localhost:8443
for _ in $(seq 1 90); do
    curl -fsSk "$base/readyz" >/dev/null 2>&1 && break
    sleep 1
done
curl -fsSk "$base/readyz" || { compose logs >&2 || true; fail "/readyz through the proxy did not answer 200 within 90 s"; }
echo

step "an owner (rapport user add in app1)"
password="compose check $$ passphrase"
podman exec -e RAPPORT_PASSWORD="$password" "${project}_app1_1" /usr/local/bin/rapport user add \
    --org acme --org-name "Acme Consulting" --email owner@acme.example --name Owner --role owner \
    --tz Europe/London

step "sign in through the proxy"
headers=$(curl -fsSk -D - -o /dev/null -c "$jar" -H 'Content-Type: application/json' "$base/api/v1/auth/login" \
    -d "{\"org\": \"acme\", \"email\": \"owner@acme.example\", \"password\": \"$password\"}")
printf '%s\n' "$headers" | grep -i '^set-cookie:' | grep -qi 'secure' || fail "the session cookie is not Secure"
printf '%s\n' "$headers" | grep -qi '^strict-transport-security:' || fail "no Strict-Transport-Security"
login=$(curl -fsSk -b "$jar" -c "$jar" -H 'Content-Type: application/json' "$base/api/v1/auth/login" \
    -d "{\"org\": \"acme\", \"email\": \"owner@acme.example\", \"password\": \"$password\"}")
csrf=$(printf '%s' "$login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
api() { curl -fsSk -b "$jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" "$@"; }

step "a client and a request"
client_id=$(api "$base/api/v1/clients" -d '{"name": "Kaveri Foods", "calendar": {"tz": "Asia/Kolkata"}}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
request_id=$(api "$base/api/v1/requests" -d "{\"client_id\": $client_id, \"title\": \"Sent through the proxy\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

step "app1 stops; the same session reads the request from app2"
podman stop -t 20 "${project}_app1_1" >/dev/null
title=$(api "$base/api/v1/requests/$request_id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["title"])')
[ "$title" = "Sent through the proxy" ] || fail "request $request_id reads back as $title"
echo "request $request_id of client $client_id: $title"
[ "$(podman inspect "${project}_app1_1" --format '{{.State.ExitCode}}')" = "0" ] || fail "app1 did not exit 0 on SIGTERM"

step "down"
cleanup
trap - EXIT
step "done: PostgreSQL, two app servers and the TLS proxy served a signed-in session and kept a request"
