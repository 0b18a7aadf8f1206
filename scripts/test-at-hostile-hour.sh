#!/usr/bin/env bash
# Run the README's test command again under a clock no office keeps: 03:00 UTC on the most
# recent Sunday (outside every client's business hours, the weekend everywhere), with the
# local time zone at UTC+14 (Pacific/Kiritimati), where it is already Sunday afternoon.
# A test that passes only during London office hours fails here, whatever hour CI runs.
#
#   scripts/test-at-hostile-hour.sh [extra cargo test arguments]
#   RAPPORT_HOSTILE_AT='2027-01-03 03:00 UTC' scripts/test-at-hostile-hour.sh   # another moment
#
# The clock is libfaketime (Debian package `faketime`) shifted by a fixed offset, so it still
# ticks, and every process the tests start (servers, Dovecot, aiosmtpd, Chromium) shares it.
# Monotonic clocks are left alone: timers and timeouts keep real durations.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v faketime >/dev/null; then
    echo "faketime is not installed (Debian: apt-get install faketime)" >&2
    exit 1
fi

at="${RAPPORT_HOSTILE_AT:-$(date -u -d 'last sunday' +%F) 03:00 UTC}"
target="$(date -u -d "$at" +%s)"
now="$(date -u +%s)"
offset=$((target - now))

# Build first, with the real clock: cargo compares file times while building.
cargo test --workspace --locked --tests --no-run "$@" >/dev/null 2>&1 || cargo test --workspace --locked --tests --no-run "$@"

# Chromium's zygote hangs under libfaketime, so the browser (started by chromedriver) keeps the
# real clock while the server it talks to runs on the shifted one. Session cookies carry
# Max-Age, not a date, so their lifetime does not depend on which clock the browser reads.
if command -v chromedriver >/dev/null; then
    shim="$(mktemp -d)"
    trap 'rm -rf "$shim"' EXIT
    cat >"$shim/chromedriver" <<SHIM
#!/bin/sh
exec env -u LD_PRELOAD -u FAKETIME -u FAKETIME_DONT_RESET -u FAKETIME_DONT_FAKE_MONOTONIC -u FAKETIME_SHARED \
    "${CHROMEDRIVER:-$(command -v chromedriver)}" "\$@"
SHIM
    chmod +x "$shim/chromedriver"
    export CHROMEDRIVER="$shim/chromedriver"
fi

export TZ="${RAPPORT_HOSTILE_TZ:-Pacific/Kiritimati}"
export FAKETIME_DONT_FAKE_MONOTONIC=1
# Child processes keep the same offset rather than starting the clock anew.
export FAKETIME_DONT_RESET=1
printf 'hostile clock: %s (TZ=%s, offset %+d s); now reads: ' "$(date -u -d "@$target" '+%A %F %H:%M UTC')" "$TZ" "$offset"
faketime -f "$(printf '%+d' "$offset")" date '+%A %F %H:%M %Z'
# --tests: every test binary (unit tests of each library and binary, every integration test),
# but not doc-tests: rustdoc hangs under libfaketime (and the workspace has none today).
faketime -f "$(printf '%+d' "$offset")" cargo test --workspace --locked --tests "$@"
