#!/usr/bin/env bash
# Build the three images compose.yaml runs, without a registry:
#   scripts/compose-images.sh BIN
# localhost/rapport:latest from BIN (scripts/container-image.sh), and PostgreSQL 15 and Caddy
# made FROM scratch of the host's Debian packages (`postgresql-15`, `caddy`; installed with
# apt-get when missing), each with the libraries `ldd` lists. PODMAN_RUNTIME as in
# container-check.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${1:?usage: scripts/compose-images.sh BIN}"
podman() { command podman ${PODMAN_RUNTIME:+--runtime "$PODMAN_RUNTIME"} "$@"; }
pg=/usr/lib/postgresql/15
if [ ! -x "$pg/bin/postgres" ] || [ ! -x /usr/bin/caddy ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql-15 caddy >/dev/null
fi

scripts/container-image.sh "$bin" localhost/rapport:latest >/dev/null

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT

# Copy files into $root at the same paths, with every library each executable loads.
put() {
    local root=$1; shift
    for f in "$@"; do
        mkdir -p "$root$(dirname "$f")"
        cp -aL "$f" "$root$f"
        if [ -f "$f" ] && [ -x "$f" ]; then
            for lib in $(ldd "$f" 2>/dev/null | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}'); do
                mkdir -p "$root$(dirname "$lib")"
                cp -L "$lib" "$root$lib"
            done
        fi
    done
}

# PostgreSQL: the server, initdb (which runs the server through /bin/sh), pg_isready, the
# server's modules and share files, time zones.
root="$ctx/pg/rootfs"
mkdir -p "$root/tmp" "$root/etc" "$ctx/pg/data" "$root/usr/local/bin" "$root/usr/share"
chmod 1777 "$root/tmp"
put "$root" /bin/sh "$pg/bin/postgres" "$pg/bin/initdb" "$pg/bin/pg_isready"
for so in "$pg"/lib/*.so; do put "$root" "$so"; done
cp -a /usr/share/postgresql "$root/usr/share/"
cp -a /usr/share/zoneinfo "$root/usr/share/"
cp deploy/compose/postgres-entrypoint.sh "$root/usr/local/bin/"
printf 'postgres:x:10002:10002:PostgreSQL:/var/lib/postgresql:/nonexistent\n' >"$root/etc/passwd"
printf 'postgres:x:10002:\n' >"$root/etc/group"
cp deploy/compose/postgres.Containerfile "$ctx/pg/Containerfile"
podman build --quiet --format docker -t localhost/rapport-postgres:15 "$ctx/pg" >/dev/null

# Caddy: one Go binary, the CA bundle.
root="$ctx/caddy/rootfs"
mkdir -p "$root/tmp" "$ctx/caddy/data" "$root/etc/caddy" "$root/etc/ssl/certs"
chmod 1777 "$root/tmp"
put "$root" /usr/bin/caddy
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
cp deploy/compose/Caddyfile "$root/etc/caddy/Caddyfile"
printf 'caddy:x:10003:10003:Caddy:/data:/nonexistent\n' >"$root/etc/passwd"
printf 'caddy:x:10003:\n' >"$root/etc/group"
cp deploy/compose/caddy.Containerfile "$ctx/caddy/Containerfile"
podman build --quiet --format docker -t localhost/rapport-caddy:latest "$ctx/caddy" >/dev/null

podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'localhost/rapport(-postgres|-caddy)?:'
