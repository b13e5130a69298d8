#!/usr/bin/env bash
# Sets everything up (Scripts/setup.sh) and runs every test, in release mode: the model parity
# tests run real networks and are far too slow in a debug build.
#
#   Scripts/test.sh                   # all tests
#   Scripts/test.sh --filter MMBERT   # extra arguments go to `swift test`
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SKIP_BUILD=1 "$ROOT/Scripts/setup.sh"
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"

# Tests import internals (@testable), which a release build allows only with -enable-testing.
# They build in their own folder so that switching between this and the demo's plain release
# build never rebuilds everything.
BUILD=(-c release --scratch-path "$ROOT/.build-tests" -Xswiftc -enable-testing)
printf '\033[1m==> %s\033[0m\n' "building and running the tests (release)" >&2
swift build "${BUILD[@]}" --build-tests
printf '\033[1m==> %s\033[0m\n' "Scripts/fetch/models.py clip|clap, offline (Scripts/fixtures/check_fetch_hf.sh)" >&2
"$ROOT/Scripts/fixtures/check_fetch_hf.sh" "$(swift build "${BUILD[@]}" --show-bin-path)/mmsearch"
# The PostgreSQL store's tests run against real servers: one server and three shards on
# loopback, started here (unless the caller gave its own) and stopped at the end.
# shellcheck source=Scripts/lib/postgres.sh
. "$ROOT/Scripts/lib/postgres.sh"
# The test log is long and CI shows only its end, so a failing run repeats its failures last.
LOG="$(mktemp)"
trap 'rm -f "$LOG"; stop_postgres_servers' EXIT
if [ -z "${MMSEARCH_TEST_POSTGRES:-}" ]; then
    printf '\033[1m==> %s\033[0m\n' "PostgreSQL servers for the tests: one, and three shards (Scripts/lib/postgres.sh)" >&2
    start_postgres_servers 3
fi
status=0
swift test "${BUILD[@]}" --skip-build "$@" 2>&1 | tee "$LOG" || status=$?
# The service from outside, on the whole test run only: the API against its OpenAPI document
# (schemathesis), and the web page in a real browser (Chromium through Selenium).
if [ "$#" -eq 0 ]; then
    BIN="$(swift build "${BUILD[@]}" --show-bin-path)/mmsearch"
    SERVICE_INDEX="$(mktemp -d)/index"
    "$BIN" index "$ROOT/Media" --index "$SERVICE_INDEX" 2>/dev/null
    printf '\033[1m==> %s\033[0m\n' "the API against its OpenAPI document (Tests/API/check_openapi.sh)" >&2
    "$ROOT/Tests/API/check_openapi.sh" "$BIN" "$SERVICE_INDEX" "$ROOT/Media" 2>&1 | tee -a "$LOG" || status=1
    printf '\033[1m==> %s\033[0m\n' "the web page in Chromium (Tests/Browser/run.sh)" >&2
    # shellcheck source=Scripts/lib/serve.sh
    . "$ROOT/Scripts/lib/serve.sh"
    PORT="$(free_port)"
    "$ROOT/Tests/Browser/run.sh" "$BIN" "$SERVICE_INDEX" "$PORT" 2>&1 | tee -a "$LOG" || status=1
    rm -rf "$(dirname "$SERVICE_INDEX")"
fi
if [ "$status" -ne 0 ]; then
    printf '\n\033[1m==> %s\033[0m\n' "the failures again (swift test exited $status)" >&2
    # Swift Testing's issue lines (with their "↳" detail lines), XCTest's, and crashes.
    awk '/^✘|: error: -\[|Fatal error|Precondition failed|Assertion failed|exited with signal|crashed/ { show = 1; print; next }
         show && /^[[:space:]]*↳/ { print; next } { show = 0 }' "$LOG" | head -150 >&2 || true
fi
exit "$status"
