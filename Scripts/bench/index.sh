#!/usr/bin/env bash
# Benchmark (not a test): `mmsearch index` against the PyTorch reference pipeline (Pillow decode +
# the same preprocessing + efficientnet-lite-pytorch + ConSE, see Scripts/bench/reference_index.py)
# on the same photos (100 x ~12 MP and 100 x ~2 MP JPEGs made from Media/) and the same cores,
# in the same run, mmsearch at both precisions (`--precision f32` and `int8`). Prints images/s
# for each and the ratios, and a machine-readable line. Then the latency of
# `mmsearch query "a dog"`, process start to results, on a 10 000-item index (Media/ plus
# synthetic unit vectors in the lite space). The machine is shared and noisy: compare ratios,
# not absolute times.
#
#   Scripts/bench/index.sh [--threads 2] [--large 100] [--small 100] [--runs 2]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

THREADS=2 LARGE=100 SMALL=100 RUNS=2
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) THREADS="$2"; shift 2 ;;
        --large) LARGE="$2"; shift 2 ;;
        --small) SMALL="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "bench-index: unknown argument $1" >&2; exit 2 ;;
    esac
done

"$ROOT/Scripts/setup.sh"
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
dpkg-query -W -f='${Status}' python3-venv 2>/dev/null | grep -q "install ok installed" || {
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get install -y -qq python3-venv >/dev/null
}
"$ROOT/Scripts/fixtures/setup_venv.sh" >/dev/null
PY="$ROOT/.venv-fixtures/bin/python"
swift build -c release --product mmsearch-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)/mmsearch"
BENCH="$(swift build -c release --show-bin-path)/mmsearch-bench"

PHOTOS="$ROOT/.build/bench/photos-$LARGE-$SMALL"
"$PY" Scripts/bench/make_photos.py "$PHOTOS" --count-large "$LARGE" --count-small "$SMALL" >&2
N=$((LARGE + SMALL))
# Warm the page cache so both sides read the files from memory.
cat "$PHOTOS"/*.jpg > /dev/null

now() { date +%s.%N; }
best() { sort -n | head -n 1; }

mm_times=() int8_times=() ref_times=() draft_times=()
index_once() {  # index_once PRECISION: seconds for one fresh index of the photos
    local idx t0 t1
    idx="$(mktemp -d)"
    t0=$(now); "$BIN" index "$PHOTOS" --index "$idx" --threads "$THREADS" --precision "$1" 2>/dev/null || true; t1=$(now)
    rm -rf "$idx"
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
for run in $(seq "$RUNS"); do
    mm_times+=("$(index_once f32)")
    int8_times+=("$(index_once int8)")
    ref_times+=("$(OMP_NUM_THREADS=$THREADS "$PY" Scripts/bench/reference_index.py "$PHOTOS" --threads "$THREADS" --workers "$THREADS" 2>/dev/null | awk '/^images / {print $4}')")
    draft_times+=("$(OMP_NUM_THREADS=$THREADS "$PY" Scripts/bench/reference_index.py "$PHOTOS" --threads "$THREADS" --workers "$THREADS" --draft 2>/dev/null | awk '/^images / {print $4}')")
    echo "run $run: mmsearch f32 ${mm_times[-1]} s, int8 ${int8_times[-1]} s, reference ${ref_times[-1]} s, reference+draft ${draft_times[-1]} s" >&2
done
mm=$(printf '%s\n' "${mm_times[@]}" | best)
int8=$(printf '%s\n' "${int8_times[@]}" | best)
ref=$(printf '%s\n' "${ref_times[@]}" | best)
draft=$(printf '%s\n' "${draft_times[@]}" | best)

printf '\nindexing %d JPEGs (%d x 12 MP, %d x 2 MP), %s threads, best of %d, process start to finish:\n' "$N" "$LARGE" "$SMALL" "$THREADS" "$RUNS"
awk -v n="$N" -v mm="$mm" -v int8="$int8" -v ref="$ref" -v draft="$draft" 'BEGIN {
    printf "  %-44s %7.1f images/s\n", "mmsearch index --precision f32", n / mm
    printf "  %-44s %7.1f images/s\n", "mmsearch index --precision int8", n / int8
    printf "  %-44s %7.1f images/s\n", "PyTorch reference (Pillow full decode)", n / ref
    printf "  %-44s %7.1f images/s\n", "PyTorch reference (Pillow draft decode)", n / draft
    printf "  ratio mmsearch f32 / reference:        %.2fx\n", ref / mm
    printf "  ratio mmsearch f32 / reference+draft:  %.2fx\n", draft / mm
    printf "  ratio mmsearch int8 / reference+draft: %.2fx\n", draft / int8
}'
LINE=$(awk -v n="$N" -v mm="$mm" -v int8="$int8" -v ref="$ref" -v draft="$draft" 'BEGIN {
    printf "bench-index: images=%d f32_ips=%.1f int8_ips=%.1f reference_ips=%.1f reference_draft_ips=%.1f f32_vs_reference=%.2f f32_vs_draft=%.2f int8_vs_draft=%.2f\n",
        n, n / mm, n / int8, n / ref, n / draft, ref / mm, draft / mm, draft / int8
}')

# Query latency on a 10 000-item index.
QINDEX="$ROOT/.build/bench/query-index-10k"
if [ ! -f "$QINDEX/.complete" ]; then
    rm -rf "$QINDEX"
    "$BIN" index Media --index "$QINDEX" 2>/dev/null || true
    fill=10000  # plus Media/'s few dozen rows
    "$PY" -c "import numpy as np; v = np.random.default_rng(7).standard_normal(($fill, 384)).astype(np.float32); v /= np.linalg.norm(v, axis=1, keepdims=True); v.tofile('$QINDEX.f32')"
    "$BENCH" import --vectors "$QINDEX.f32" --dim 384 --index "$QINDEX" --pack lite >/dev/null
    rm -f "$QINDEX.f32"
    touch "$QINDEX/.complete"
fi
"$BIN" query "a dog" --index "$QINDEX" -t 10 >/dev/null  # warm the page cache
lat=()
for i in $(seq 10); do
    t0=$(now); "$BIN" query "a dog" --index "$QINDEX" -t 10 >/dev/null; t1=$(now)
    lat+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')")
done
sorted=($(printf '%s\n' "${lat[@]}" | sort -n))
printf '\nmmsearch query "a dog" on a 10 000-item index (plus Media/), process start to results (10 runs):\n'
printf '  median %s ms, best %s ms\n' "${sorted[5]}" "${sorted[0]}"
echo "$LINE query_median_ms=${sorted[5]}"
