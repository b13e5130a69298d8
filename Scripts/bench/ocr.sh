#!/usr/bin/env bash
# Benchmark (not a test): what reading the text inside images costs an index run. Indexes
# Media/ (34 photos, none with text) with `--ocr off`, `--ocr auto` (the default: a layout
# analysis of a shrunk copy is the gate) and `--ocr on` (every photo recognised at full size),
# each into a fresh index, best of --runs, on the same cores in the same run; then the same with
# Tests/Fixtures/ocr's three pictures with text added. Prints images/s for each and the ratios
# to `off`, and a machine-readable last line. With --baseline (an mmsearch built before OCR
# existed), also its images/s on Media/, so that `off` can be compared with the old code. The
# machine is shared and noisy: compare ratios.
#
#   Scripts/bench/ocr.sh [--threads 2] [--runs 3] [--bin path/to/mmsearch] [--baseline old/mmsearch]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

THREADS=2 RUNS=3 BIN="" BASELINE=""
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) THREADS="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        --bin) BIN="$2"; shift 2 ;;
        --baseline) BASELINE="$2"; shift 2 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "bench-ocr: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ -z "$BIN" ]; then
    command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
    swift build -c release --product mmsearch >/dev/null
    BIN="$(swift build -c release --show-bin-path)/mmsearch"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/photos" "$WORK/mixed"
cp Media/*.jpg Media/*.png "$WORK/photos/"
cp Media/*.jpg Media/*.png Tests/Fixtures/ocr/receipt.png Tests/Fixtures/ocr/street-sign.png \
   Tests/Fixtures/ocr/screenshot.png "$WORK/mixed/"
cat "$WORK"/photos/* "$WORK"/mixed/* > /dev/null   # from the page cache

now() { date +%s.%N; }
rate() {  # rate FOLDER MODE [BIN]: images/s of the best of RUNS fresh index runs (MODE - : no flag)
    local best="" t0 t1 s n bin="${3:-$BIN}" flags=()
    [ "$2" != "-" ] && flags=(--ocr "$2")
    n=$(ls "$1" | wc -l)
    for _ in $(seq "$RUNS"); do
        rm -rf "$WORK/index"
        t0=$(now); "$bin" index "$1" --index "$WORK/index" --threads "$THREADS" "${flags[@]}" >/dev/null 2>&1; t1=$(now)
        s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        if [ -z "$best" ] || awk -v s="$s" -v b="$best" 'BEGIN { exit !(s < b) }'; then best=$s; fi
    done
    awk -v n="$n" -v s="$best" 'BEGIN { printf "%.1f", n / s }'
}

# Load the pack once so the first measured run does not pay for a cold page cache.
"$BIN" index "$WORK/photos" --index "$WORK/warm" --threads "$THREADS" --ocr off >/dev/null 2>&1 || true

declare -A R
BASE=""
if [ -n "$BASELINE" ]; then
    BASE=$(rate "$WORK/photos" - "$BASELINE")
    echo "bench-ocr: photos, baseline $BASELINE: $BASE images/s"
fi
for set in photos mixed; do
    for mode in off auto on; do
        R[$set-$mode]=$(rate "$WORK/$set" "$mode")
        echo "bench-ocr: $set ($(ls "$WORK/$set" | wc -l) images), --ocr $mode: ${R[$set-$mode]} images/s"
    done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "bench-ocr: Media/ auto/off $(ratio "${R[photos-auto]}" "${R[photos-off]}"), on/off $(ratio "${R[photos-on]}" "${R[photos-off]}")"
[ -n "$BASE" ] && echo "bench-ocr: Media/ off/baseline $(ratio "${R[photos-off]}" "$BASE")"
echo "bench-ocr: threads=$THREADS${BASE:+ baseline=$BASE off_over_baseline=$(ratio "${R[photos-off]}" "$BASE")} runs=$RUNS photos_off=${R[photos-off]} photos_auto=${R[photos-auto]} photos_on=${R[photos-on]} mixed_off=${R[mixed-off]} mixed_auto=${R[mixed-auto]} mixed_on=${R[mixed-on]} auto_over_off=$(ratio "${R[photos-auto]}" "${R[photos-off]}") on_over_off=$(ratio "${R[photos-on]}" "${R[photos-off]}")"
