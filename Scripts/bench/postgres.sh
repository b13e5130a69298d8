#!/usr/bin/env bash
# Benchmark of the PostgreSQL store (not a test): 1 000 000 synthetic unit vectors of dimension
# 384, with neighbourhoods (Scripts/bench/search.py data --clusters: random Gaussian vectors have
# none and would flatter exact scans and sink every graph), loaded through mmsearch
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
# BENCH_N (default 1000000), BENCH_CLUSTERS (default N/50), BENCH_QUERIES (default 100),
# BENCH_STORES (default "embedded postgres sharded").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
WORK="${BENCH_DIR:-/tmp/mmsearch-bench-pg}"
N="${BENCH_N:-1000000}"
DIM=384
CLUSTERS="${BENCH_CLUSTERS:-$((N / 50))}"
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
data="$WORK/data-$N-$DIM-$CLUSTERS"
if [ ! -f "$data/truth.i64" ]; then
    say "$N × $DIM vectors in $CLUSTERS clusters, $QUERIES queries and their true neighbours"
    $PY Scripts/bench/search.py data --n "$N" --dim "$DIM" --queries "$QUERIES" --clusters "$CLUSTERS" --out "$data"
fi

# shellcheck source=Scripts/lib/postgres.sh
. "$ROOT/Scripts/lib/postgres.sh"
trap stop_postgres_servers EXIT
say "PostgreSQL: one server (also the coordinator) and three shards"
start_postgres_servers 3
with_db() { echo "${1%/*}/$2"; }
create_db() { psql -q "$1" -c "CREATE DATABASE $2" >/dev/null; }

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores" >&2
RESULTS="$WORK/results-$N.jsonl"
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
    say "$store: $QUERIES queries, one at a time"
    search="$("$BIN/mmsearch-bench" search --store "$location" --dim "$DIM" --queries "$data/queries.f32" \
              --truth "$data/truth.i64" --k 10 --repeat 3)"
    printf '{"store": "%s", "load": %s, "search": %s}\n' "$store" "$load" "$search" >> "$RESULTS"
done

$PY - "$RESULTS" "$N" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
n = int(sys.argv[2])
print(f"\n{n:,} vectors × 384, single-query latency over 3 passes of the queries, recall@10 vs exact f64\n")
print(f"{'store':10} {'load rows s':>11} {'+ graph s':>10} {'p50 ms':>8} {'p99 ms':>8} {'recall@10':>10} {'p50 / embedded':>15}")
base = next((r["search"]["median_ms"] for r in rows if r["store"] == "embedded"), None)
line = ["bench-postgres:", f"n={n}"]
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
