#!/usr/bin/env bash
# Benchmark of the approximate index (not a test): 1 000 000 vectors of dimension 384 made from
# real embeddings (Scripts/bench/search.py data --real: 60 000 Debian package descriptions
# embedded with all-MiniLM-L6-v2, 100 held out as the queries, the rest stored and mixed with
# their neighbours up to N), searched one query at a time on one thread by
#   - mmsearch's exact int8 scan (every row, exact rescoring: recall 1),
#   - mmsearch's approximate index (an HNSW graph over the int8 rows, exact rescoring), for
#     its nearest rows as the peers return them, and once through to files and paths as
#     `mmsearch query` gets them,
#   - hnswlib and FAISS IndexHNSWFlat (PyPI), with the same graph settings (M 16,
#     ef_construction 128), built on 2 threads,
# at several search widths, in one run: p50/p99 latency, recall@10 against exact f64 search,
# build time and memory; then each engine's fastest setting at recall@10 ≥ 0.98 and the ratios.
# Ends with one machine-readable line.
#
#   Scripts/bench/ann.sh                       # 1M vectors (about 30 minutes on 2 cores)
#   BENCH_N=100000 Scripts/bench/ann.sh        # a quick run
#
# Settings (environment): BENCH_DIR (scratch, default /tmp/mmsearch-bench-ann; about 3 GB at
# 1M), BENCH_N, BENCH_WIDTHS (default 64,128,256,384,512,768), BENCH_TARGET (default 0.98).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
WORK="${BENCH_DIR:-/tmp/mmsearch-bench-ann}"
N="${BENCH_N:-1000000}"
DIM=384
WIDTHS="${BENCH_WIDTHS:-64,128,256,384,512,768}"
TARGET="${BENCH_TARGET:-0.98}"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# shellcheck source=Scripts/lib/bench.sh
. "$ROOT/Scripts/lib/bench.sh"
bench_python "numpy>=1.26,<3" "faiss-cpu==1.15.1" "hnswlib==0.8.0"
bench_build
mkdir -p "$WORK"
bench_real_embeddings "$WORK"
data="$WORK/data-$N-$DIM-real-100"
if [ ! -f "$data/truth.i64" ]; then
    say "$N × $DIM vectors made from real embeddings, 100 queries and their true neighbours"
    $PY Scripts/bench/search.py data --n "$N" --dim "$DIM" --queries 100 --real "$REAL" --out "$data"
fi
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores" >&2
RESULTS="$WORK/results-ann-$N.jsonl"
: > "$RESULTS"
tag() { sed "s/^{/{\"n\": $N, /" >> "$RESULTS"; }

index="$WORK/index-$N"
rm -rf "$index"
say "mmsearch: loading $N vectors (rows, int8 twin and graph, linked as they come)"
load="$("$BIN/mmsearch-bench" import --vectors "$data/vectors.f32" --dim "$DIM" --index "$index")"
build="$(echo "$load" | $PY -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')"
memory="$(du -cm "$index"/vectors/*.hnsw "$index"/vectors/*.i8 | tail -1 | cut -f1)"
# One query at a time on one thread, 3 passes; rows only (`--rows 1`), as the peers answer:
# the store's nearest rows, not yet files and paths.
ours() {
    "$BIN/mmsearch-bench" search --index "$index" --dim "$DIM" --queries "$data/queries.f32" \
        --truth "$data/truth.i64" --threads 1 --repeat 3 "$@"
}
say "mmsearch: exact int8 scan, one thread"
ours --method quantized --rows 1 \
    | sed "s/^{/{\"engine\": \"mmsearch int8 scan\", /" | tag
IFS=, read -r -a widths <<<"$WIDTHS"
for width in "${widths[@]}"; do
    say "mmsearch: approximate index, width $width"
    ours --method approximate --width "$width" --rows 1 \
        | sed "s/^{/{\"engine\": \"mmsearch graph\", \"width\": $width, \"build_s\": $build, \"memory_mb\": $memory, /" | tag
done
# And what `mmsearch query` adds at the default width: the rows' files, paths and labels.
say "mmsearch: approximate index, default width, through to files"
ours --method approximate \
    | sed "s/^{/{\"engine\": \"mmsearch graph + files\", /" | tag
rm -rf "$index"
say "hnswlib: build on 2 threads, then each width"
$PY Scripts/bench/ann.py hnswlib --dim "$DIM" --dir "$data" --efs "$WIDTHS" | tag
say "FAISS IndexHNSWFlat: build on 2 threads, then each width"
$PY Scripts/bench/ann.py faiss-hnsw --dim "$DIM" --dir "$data" --efs "$WIDTHS" | tag
$PY Scripts/bench/ann.py report "$RESULTS" --target "$TARGET"
