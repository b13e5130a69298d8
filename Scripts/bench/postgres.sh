#!/usr/bin/env bash
# Benchmark of the PostgreSQL store (not a test): 1 000 000 synthetic unit vectors of dimension
# 384 made from real embeddings (Scripts/bench/search.py data --real: 60 000 Debian package
# descriptions embedded with all-MiniLM-L6-v2, 100 of them held out as the queries, the rest
# stored and mixed with their neighbours up to N; random Gaussian vectors have no neighbourhoods
# and would flatter exact scans and sink every graph), loaded through mmsearch
# (mmsearch-bench import, which commits through the store's writer like an index run) into
# (a) the embedded store, (b) one PostgreSQL server, (c) a coordinator with 3 shards, all on this
# machine. For each: load time (rows, then the HNSW graph the store builds at the end), and
# single-query latency p50/p99 and recall@10 against exact float64 search, through the same
# search path `mmsearch query` takes. Prints a table, the ratios to the embedded store, and one
# machine-readable line.
#
#   Scripts/bench/postgres.sh                          # 1M vectors (about 40 minutes on 2 cores)
#   BENCH_N=100000 Scripts/bench/postgres.sh           # a quick run
#
# Settings (environment): BENCH_DIR (scratch, default /tmp/mmsearch-bench-pg; about 6 GB at 1M),
# BENCH_N (default 1000000), BENCH_QUERIES (default 100), BENCH_STORES (default "embedded
# postgres sharded"), BENCH_DATA (real, the default, or clusters: N/50 equal clusters around one
# shared direction, Scripts/bench/search.py make_clustered_data, BENCH_CLUSTERS to change it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
WORK="${BENCH_DIR:-/tmp/mmsearch-bench-pg}"
N="${BENCH_N:-1000000}"
DIM=384
CLUSTERS="${BENCH_CLUSTERS:-$((N / 50))}"
DATA="${BENCH_DATA:-real}"
QUERIES="${BENCH_QUERIES:-100}"
STORES="${BENCH_STORES:-embedded postgres sharded}"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

"$ROOT/Scripts/setup-postgres.sh" install
# shellcheck source=Scripts/lib/bench.sh
. "$ROOT/Scripts/lib/bench.sh"
bench_python "numpy>=1.26,<3"
bench_build

mkdir -p "$WORK"
chmod 755 "$WORK"
case "$DATA" in
    real)
        bench_real_embeddings "$WORK"
        data="$WORK/data-$N-$DIM-real-$QUERIES"
        source=(--real "$REAL")
        ;;
    clusters)
        data="$WORK/data-$N-$DIM-$CLUSTERS"
        source=(--clusters "$CLUSTERS")
        ;;
    *) echo "BENCH_DATA=$DATA: real or clusters" >&2; exit 2 ;;
esac
if [ ! -f "$data/truth.i64" ]; then
    say "$N × $DIM vectors ($DATA), $QUERIES queries and their true neighbours"
    $PY Scripts/bench/search.py data --n "$N" --dim "$DIM" --queries "$QUERIES" "${source[@]}" --out "$data"
fi

# shellcheck source=Scripts/lib/postgres.sh
. "$ROOT/Scripts/lib/postgres.sh"
trap stop_postgres_servers EXIT
say "PostgreSQL: one server (also the coordinator) and three shards"
# Room in each server's buffer cache for its rows and HNSW graph (about 3.6 GB on one server at
# 1M × 384; a third on each shard), as any server that answers such queries is given.
export MMSEARCH_PG_SHARED_BUFFERS="${BENCH_SHARED_BUFFERS:-4GB}"
start_postgres_servers 3
with_db() { echo "${1%/*}/$2"; }
create_db() { psql -q "$1" -c "CREATE DATABASE $2" >/dev/null; }
prewarm() {
    psql -q "$1" -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" \
        -c "SELECT pg_prewarm(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'mmsearch' AND c.relname LIKE 'vectors\_%' AND c.relkind IN ('r', 'i')" >/dev/null
}

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores" >&2
RESULTS="$WORK/results-$N-$DATA.jsonl"
: > "$RESULTS"
for store in $STORES; do
    name="bench_$(date +%s)"
    case "$store" in
        embedded) location="$WORK/embedded-$N"; rm -rf "$location" ;;
        postgres) create_db "$MMSEARCH_TEST_POSTGRES" "$name"; location="$(with_db "$MMSEARCH_TEST_POSTGRES" "$name")" ;;
        sharded)
            create_db "$MMSEARCH_TEST_POSTGRES" "$name"
            location="$(with_db "$MMSEARCH_TEST_POSTGRES" "$name")"
            shards=()
            IFS=, read -r -a servers <<<"$MMSEARCH_TEST_POSTGRES_SHARDS"
            for s in "${servers[@]}"; do create_db "$s" "$name"; shards+=("$(with_db "$s" "$name")"); done
            "$BIN/mmsearch" store init --store "$location" --shards "$(IFS=,; echo "${shards[*]}")"
            ;;
        *) echo "unknown store $store" >&2; exit 2 ;;
    esac
    say "$store: loading $N vectors"
    load="$("$BIN/mmsearch-bench" import --vectors "$data/vectors.f32" --dim "$DIM" --store "$location")"
    # A server in use has its graph in memory; a fresh load leaves most of it on disk.
    case "$store" in
        postgres) prewarm "$location" ;;
        sharded) for s in "${shards[@]}"; do prewarm "$s"; done ;;
    esac
    say "$store: $QUERIES queries, one at a time"
    search="$("$BIN/mmsearch-bench" search --store "$location" --dim "$DIM" --queries "$data/queries.f32" \
              --truth "$data/truth.i64" --k 10 --repeat 3)"
    printf '{"store": "%s", "load": %s, "search": %s}\n' "$store" "$load" "$search" >> "$RESULTS"
done

$PY - "$RESULTS" "$N" "$DATA" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
n = int(sys.argv[2])
print(f"\n{n:,} vectors × 384 ({sys.argv[3]}), single-query latency over 3 passes of the queries, recall@10 vs exact f64\n")
print(f"{'store':10} {'load rows s':>11} {'+ graph s':>10} {'p50 ms':>8} {'p99 ms':>8} {'recall@10':>10} {'p50 / embedded':>15}")
base = next((r["search"]["median_ms"] for r in rows if r["store"] == "embedded"), None)
line = ["bench-postgres:", f"n={n}", f"data={sys.argv[3]}"]
for r in rows:
    s, l = r["search"], r["load"]
    ratio = f"{s['median_ms'] / base:.2f}×" if base else "–"
    print(f"{r['store']:10} {l['rows_seconds']:11.1f} {l['seconds'] - l['rows_seconds']:10.1f} {s['median_ms']:8.2f} "
          f"{s['p99_ms']:8.2f} {s['recall']:10.3f} {ratio:>15}")
    key = r["store"]
    line += [f"{key}_p50_ms={s['median_ms']:.2f}", f"{key}_p99_ms={s['p99_ms']:.2f}", f"{key}_recall={s['recall']:.3f}",
             f"{key}_load_s={l['seconds']:.1f}"]
print()
print(" ".join(line))
EOF
