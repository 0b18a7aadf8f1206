#!/usr/bin/env bash
# Build the container image from a rapport binary already built:
#   scripts/container-image.sh BIN [TAG]       (TAG defaults to localhost/rapport:latest)
#
# Lays out a root file system beside the Containerfile's expectations (rootfs/ and data/ in a
# temporary context), then `podman build --format docker` (the Docker format keeps HEALTHCHECK).
# PODMAN_RUNTIME names the OCI runtime (see container-check.sh); podman must be installed.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${1:?usage: scripts/container-image.sh BIN [TAG]}"
tag="${2:-localhost/rapport:latest}"
[ -x "$bin" ] || { echo "$bin: not an executable" >&2; exit 2; }

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
root="$ctx/rootfs"
mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/tmp" "$ctx/data"
cp "$bin" "$root/usr/local/bin/rapport"

# Every shared library the binary loads, at the path the loader looks for it.
libs=$(ldd "$bin" | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}')
for lib in $libs; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
# The user the server runs as (no login shell: the image has none).
printf 'root:x:0:0:root:/:/nonexistent\nrapport:x:10001:10001:Rapport:/data:/nonexistent\n' >"$root/etc/passwd"
printf 'root:x:0:\nrapport:x:10001:\n' >"$root/etc/group"
# The system's trusted roots (rustls-native-certs reads this bundle).
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
else
    echo "warning: no /etc/ssl/certs/ca-certificates.crt: TLS to SMTP, IMAP and webhooks will fail" >&2
fi
chmod 1777 "$root/tmp"

cp Containerfile "$ctx/Containerfile"
podman ${PODMAN_RUNTIME:+--runtime "$PODMAN_RUNTIME"} build --quiet --format docker \
    -f "$ctx/Containerfile" -t "$tag" "$ctx"
