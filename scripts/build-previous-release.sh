#!/usr/bin/env bash
# Build the previous release's rapport binary (the commit in scripts/previous-release) once and
# print its path; later runs find it in the cache. The first build copies the dependencies
# already compiled for this checkout, so only Rapport's own crates are compiled again.
set -euo pipefail
cd "$(dirname "$0")/.."

commit="$(grep -v '^#' scripts/previous-release | head -1 | tr -d '[:space:]')"
[ -n "$commit" ] || { echo "scripts/previous-release names no commit" >&2; exit 1; }
cache="${RAPPORT_PREVIOUS_CACHE:-/var/cache/rapport/previous}"
bin="$cache/rapport-$commit"
if [ -x "$bin" ]; then
    echo "$bin"
    exit 0
fi
mkdir -p "$cache"
target="$cache/target"
if [ ! -d "$target" ] && [ -n "${CARGO_TARGET_DIR:-}" ] && [ -d "$CARGO_TARGET_DIR/debug" ]; then
    cp -a "$CARGO_TARGET_DIR" "$target" >&2
fi
tree="$(mktemp -d)"
git worktree add --detach "$tree/src" "$commit" >&2
(cd "$tree/src" && CARGO_TARGET_DIR="$target" cargo build --locked --offline -q -p rapport-cli --bin rapport >&2)
cp "$target/debug/rapport" "$bin.tmp"
mv "$bin.tmp" "$bin"
git worktree remove --force "$tree/src" >&2
rm -rf "$tree"
echo "$bin"
