#!/usr/bin/env bash
# Benchmark of the vector store (not a test): builds 100k and 1M synthetic unit vectors
# (dim 384 and 512) in an mmsearch index and reports, next to FAISS IndexFlatIP on the same
# vectors and queries in the same run: open time of the index (in a fresh process), resident
# memory, per-query latency of exact search (f32 and f16 rows) and of the int8 scan with exact
# rescoring, on 1 and 2 threads, and recall@10 against exact f32 search. Then it times
# re-running `mmsearch index` on an unchanged tree of 10 000 files.
#
#   Scripts/bench/search.sh                       # everything (about 15 minutes on 2 cores)
#   BENCH_SIZES=100000 BENCH_DIMS=384 Scripts/bench/search.sh
#
# Settings (environment): BENCH_DIR (scratch folder, default /tmp/mmsearch-bench; about 8 GB
# at 1M × 512), BENCH_SIZES, BENCH_DIMS, BENCH_QUERIES (default 100, 40 from 1M vectors on),
# BENCH_TREE (0 skips the re-index timing; it needs the lite pack: Scripts/fetch/models.py lite).
# FAISS comes from PyPI (faiss-cpu) in .venv-bench/, set up on the first run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
WORK="${BENCH_DIR:-/tmp/mmsearch-bench}"
SIZES="${BENCH_SIZES:-100000 1000000}"
DIMS="${BENCH_DIMS:-384 512}"
TREE="${BENCH_TREE:-1}"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# shellcheck source=Scripts/lib/bench.sh
. "$ROOT/Scripts/lib/bench.sh"
bench_python "numpy>=1.26,<3" "faiss-cpu==1.15.1"
bench_build

mkdir -p "$WORK"
RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores" >&2

for n in $SIZES; do
    queries="${BENCH_QUERIES:-$([ "$n" -ge 1000000 ] && echo 40 || echo 100)}"
    for dim in $DIMS; do
        data="$WORK/data-$n-$dim"
        say "$n × $dim: vectors, queries and true neighbours"
        $PY Scripts/bench/search.py data --n "$n" --dim "$dim" --queries "$queries" --out "$data"
        tag() { sed "s/^{/{\"n\": $n, \"dim\": $dim, \"engine\": \"$1\", \"threads\": $2, /" >> "$RESULTS"; }
        for threads in 1 2; do
            say "$n × $dim: FAISS IndexFlatIP, $threads thread(s)"
            $PY Scripts/bench/search.py faiss --dim "$dim" --dir "$data" --threads "$threads" | tag "faiss flat (f32)" "$threads"
        done
        for storage in f32 f16; do
            index="$WORK/index-$n-$dim-$storage"
            rm -rf "$index"
            say "$n × $dim: mmsearch import ($storage)"
            "$BIN/mmsearch-bench" import --vectors "$data/vectors.f32" --dim "$dim" --index "$index" --storage "$storage" >&2
            for method in exact quantized; do
                for threads in 1 2; do
                    name="mmsearch $storage exact"
                    [ "$method" = quantized ] && name="mmsearch int8+rescore ($storage)"
                    "$BIN/mmsearch-bench" search --index "$index" --dim "$dim" --queries "$data/queries.f32" \
                        --truth "$data/truth.i64" --method "$method" --threads "$threads" | tag "$name" "$threads"
                done
            done
            du -sh "$index" | sed "s|^|  index size: |" >&2
            rm -rf "$index"
        done
        rm -rf "$data"
    done
done
$PY Scripts/bench/search.py report "$RESULTS"

if [ "$TREE" != 0 ]; then
    tree="$WORK/tree-10k"
    index="$WORK/index-tree-10k"
    rm -rf "$tree" "$index"
    say "10 000 text files: first index run (embeds every file)"
    $PY Scripts/bench/search.py tree --files 10000 --out "$tree"
    "$BIN/mmsearch" index "$tree" --index "$index" >&2 || true
    say "10 000 text files: re-run on the unchanged tree"
    runs=()
    for i in 1 2 3; do
        start=$(date +%s%N)
        "$BIN/mmsearch" index "$tree" --index "$index" 2>/dev/null || true
        runs+=("$(( ($(date +%s%N) - start) / 1000000 ))")
    done
    printf '\nre-running `mmsearch index` on an unchanged 10 000-file tree: %s ms (3 runs, process start to exit)\n' "${runs[*]}"
    rm -rf "$tree" "$index"
fi
