#!/usr/bin/env bash
# Sets everything up (Scripts/setup.sh), indexes the bundled Media/ photos with the offline
# `lite` pack and runs a few text and image queries.
#
#   Scripts/demo.sh
#   MMSEARCH_INDEX=/tmp/idx Scripts/demo.sh    # keep the demo index elsewhere
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
"$ROOT/Scripts/setup.sh"
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"

BIN="$(swift build -c release --show-bin-path)/mmsearch"
export MMSEARCH_INDEX="${MMSEARCH_INDEX:-$ROOT/.build/demo-index}"

run() { printf '\n\033[1m$ mmsearch %s\033[0m\n' "$*"; "$BIN" "$@"; }

run index Media
run query "a dog" -t 3
run query "a cat" -t 3
run query "something to eat" -t 3
run query "a boat on the water" -t 3
first_jpg="$(ls Media/*.jpg | head -n 1)"
run query "./$first_jpg" -t 3
