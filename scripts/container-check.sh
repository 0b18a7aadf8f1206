#!/usr/bin/env bash
# Smoke test of the container image, as an operator would run it:
#   scripts/container-check.sh BIN      (BIN: a rapport binary already built, e.g. target/debug/rapport)
#
# Installs podman when it is missing (Debian's, with apt-get), builds the image from BIN
# (scripts/container-image.sh), adds an owner with `rapport user add` in a one-off container on a
# fresh volume, then runs the server with a read-only root file system as the image's non-root
# user, waits for /readyz and for the image's own health check, signs in and creates a client and
# a request through the HTTP API, reads the request back, stops the server (it must exit 0 on
# SIGTERM) and removes what it made. Prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${1:?usage: scripts/container-check.sh BIN}"
started=$(date +%s)
step() { printf '=== %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }
fail() { echo "container-check: $*" >&2; exit 1; }

step "podman"
if ! command -v podman >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends podman >/dev/null
fi
# crun, podman's default runtime on Debian, refuses hosts with cgroups v1 and v2 mounted side by
# side (hybrid, as in many CI containers); runc runs there.
if [ -z "${PODMAN_RUNTIME:-}" ] && [ -d /sys/fs/cgroup/unified ]; then
    if ! command -v runc >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends runc >/dev/null
    fi
    export PODMAN_RUNTIME=runc
fi
podman() { command podman ${PODMAN_RUNTIME:+--runtime "$PODMAN_RUNTIME"} "$@"; }
podman --version

tag="localhost/rapport-check:$$"
name="rapport-check-$$"
volume="rapport-check-$$"
port="${RAPPORT_CHECK_PORT:-18080}"
base="http://127.0.0.1:$port"
cleanup() {
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    podman volume rm -f "$volume" >/dev/null 2>&1 || true
    podman rmi -f "$tag" >/dev/null 2>&1 || true
}
trap cleanup EXIT
# The limits podman asks for by default may be above what a CI container may grant itself.
run_opts=(--ulimit nofile=8192:8192 --ulimit nproc=4096:4096)
# Without systemd, podman cannot schedule the periodic health check and logs "unable to get
# systemd connection" on each run; harmless here: the check is run below by hand.

step "image from $bin"
scripts/container-image.sh "$bin" "$tag" >/dev/null
podman image inspect "$tag" --format 'size {{.Size}} bytes, user {{.Config.User}}'
[ "$(podman image inspect "$tag" --format '{{.Config.User}}')" = "10001:10001" ] || fail "the image does not run as 10001"

step "an owner, on a fresh volume"
podman volume create "$volume" >/dev/null
password="container check $$ passphrase"
podman run --rm "${run_opts[@]}" --read-only -v "$volume:/data" -e RAPPORT_PASSWORD="$password" "$tag" \
    user add --org acme --org-name "Acme Consulting" --email owner@acme.example --name Owner \
    --role owner --tz Europe/London

step "serve, read-only root file system"
podman run -d --name "$name" "${run_opts[@]}" --read-only -v "$volume:/data" \
    -p "127.0.0.1:$port:8080" "$tag" >/dev/null
for _ in $(seq 1 60); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && break
    sleep 1
done
curl -fsS "$base/readyz" || { podman logs "$name" >&2; fail "/readyz did not answer 200 within 60 s"; }
echo
[ "$(podman inspect "$name" --format '{{.HostConfig.ReadonlyRootfs}}')" = "true" ] || fail "root file system is writable"
owner=$(stat -c %u "$(podman volume inspect "$volume" --format '{{.Mountpoint}}')/rapport.db")
[ "$owner" = "10001" ] || fail "the database on the volume belongs to uid $owner, not the image's user"

step "the image's health check"
podman inspect "$name" --format '{{.Config.Healthcheck.Test}}'
podman healthcheck run "$name" || fail "the health check (rapport healthcheck) failed"
echo healthy

step "sign in, create a client and a request through the API"
jar="$(mktemp)"
trap 'rm -f "$jar"; cleanup' EXIT
login=$(curl -fsS -c "$jar" -H 'Content-Type: application/json' "$base/api/v1/auth/login" \
    -d "{\"org\": \"acme\", \"email\": \"owner@acme.example\", \"password\": \"$password\"}")
csrf=$(printf '%s' "$login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
api() { curl -fsS -b "$jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" "$@"; }
client_id=$(api "$base/api/v1/clients" -d '{"name": "Kaveri Foods", "calendar": {"tz": "Asia/Kolkata"}}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
request_id=$(api "$base/api/v1/requests" -d "{\"client_id\": $client_id, \"title\": \"Sent from the container check\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
title=$(api "$base/api/v1/requests/$request_id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["title"])')
[ "$title" = "Sent from the container check" ] || fail "request $request_id reads back as $title"
echo "request $request_id of client $client_id: $title"

step "stop (SIGTERM)"
podman stop -t 20 "$name" >/dev/null
code=$(podman inspect "$name" --format '{{.State.ExitCode}}')
[ "$code" = "0" ] || { podman logs "$name" >&2; fail "the server exited $code on SIGTERM"; }

step "done: the image builds, serves read-only as 10001, is healthy and keeps a request"
