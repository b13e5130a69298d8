#!/usr/bin/env bash
# Sets everything up (Scripts/setup.sh) and runs every test, in release mode: the model parity
# tests run real networks and are far too slow in a debug build.
#
#   Scripts/test.sh                   # all tests
#   Scripts/test.sh --filter MMText   # extra arguments go to `swift test`
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SKIP_BUILD=1 "$ROOT/Scripts/setup.sh"
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"

printf '\033[1m==> %s\033[0m\n' "building and running the tests (release)" >&2
swift build -c release --build-tests -Xswiftc -enable-testing
swift test -c release --skip-build -Xswiftc -enable-testing "$@"
