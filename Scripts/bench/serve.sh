#!/usr/bin/env bash
# Benchmark (not a test): `mmsearch serve` answering text queries on a 100 000-item index,
# against the cold command line on the same index, in the same run.
#
# The index: Media/ indexed by the real binary (lite pack), then padded with synthetic random
# unit vectors in the lite space by `mmsearch-bench import --pack lite` (rows /bench/N, as
# Scripts/bench/index.sh pads its 10 000-item index): every query embeds its text with the real
# text encoder and scans all 100 000 rows, and nothing is written to disk per synthetic item.
# Then one client for 5 s (a query's own latency), then 8 clients (Scripts/bench/serve_load.py:
# threads, one keep-alive connection each, closed loop) send `GET /api/v1/search?q=…&top=10`,
# rotating through 50 queries, for 20 s after a 2 s warm-up; latency is measured on the client. The cold CLI is `mmsearch query "…" --index …
# -t 10` for 10 of the queries, process start to exit, median.
# The load generator runs on the same cores as the server: its share is part of the result.
#
#   Scripts/bench/serve.sh                                   # builds release, then measures
#   MMSEARCH_BIN=.build/release/mmsearch Scripts/bench/serve.sh   # builds nothing
#
# Settings (environment): MMSEARCH_BIN (the mmsearch binary; then mmsearch-bench is taken from
# beside it, or from MMSEARCH_BENCH_BIN), BENCH_ITEMS (index size, default 100000),
# BENCH_CLIENTS (8), BENCH_SECONDS (20), BENCH_COLD_RUNS (10), BENCH_DIR (scratch folder,
# default a new temporary one, removed at the end).
# Needs the lite pack (Scripts/fetch/models.py lite). The issue's goal on 2 cores: warm
# p50 <= 15 ms, p99 <= 50 ms, >= 20x faster than the cold CLI.
# The last line is machine-readable:
#   bench-serve: p50_ms=… p99_ms=… qps=… cold_cli_ms=… speedup=… items=…
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
ITEMS="${BENCH_ITEMS:-100000}"
CLIENTS="${BENCH_CLIENTS:-8}"
SECONDS_LOAD="${BENCH_SECONDS:-20}"
COLD_RUNS="${BENCH_COLD_RUNS:-10}"
PY="${PYTHON:-python3}"
LOAD="$ROOT/Scripts/bench/serve_load.py"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
# shellcheck source=Scripts/lib/serve.sh
. "$ROOT/Scripts/lib/serve.sh"

if [ -n "${MMSEARCH_BIN:-}" ]; then
    BIN="$(cd "$(dirname "$MMSEARCH_BIN")" && pwd)/$(basename "$MMSEARCH_BIN")"
    BENCH="${MMSEARCH_BENCH_BIN:-$(dirname "$BIN")/mmsearch-bench}"
else
    say "release build"
    swift build -c release --product mmsearch >&2
    swift build -c release --product mmsearch-bench >&2
    BIN="$(swift build -c release --show-bin-path)/mmsearch"
    BENCH="$(swift build -c release --show-bin-path)/mmsearch-bench"
fi
[ -x "$BIN" ] || { echo "bench-serve: no mmsearch binary at $BIN" >&2; exit 2; }
[ -x "$BENCH" ] || { echo "bench-serve: no mmsearch-bench at $BENCH (swift build -c release --product mmsearch-bench, or set MMSEARCH_BENCH_BIN)" >&2; exit 2; }

if [ -n "${BENCH_DIR:-}" ]; then
    WORK="$BENCH_DIR"; mkdir -p "$WORK"; KEEP=1
else
    WORK="$(mktemp -d -t mmsearch-bench-serve.XXXXXX)"; KEEP=0
fi
INDEX="$WORK/index-$ITEMS"
LOG="$WORK/serve.log"
SERVER_PID=""
cleanup() {
    [ -z "$SERVER_PID" ] || stop_processes "$SERVER_PID"
    [ "$KEEP" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. The index: Media/ for real, the rest synthetic in the same space.
say "index: Media/ (real), then synthetic vectors up to $ITEMS items"
rm -rf "$INDEX"
"$BIN" index "$ROOT/Media" --index "$INDEX" >&2
real_items="$("$BIN" query "a photo" --index "$INDEX" -t 1000 -f | wc -l)"
dim="$("$BIN" embed "a photo" --json | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["dimension"])')"
fill=$((ITEMS - real_items))
"$PY" "$LOAD" vectors --count "$fill" --dim "$dim" --out "$WORK/fill.f32"
"$BENCH" import --vectors "$WORK/fill.f32" --dim "$dim" --index "$INDEX" --pack lite >&2
rm -f "$WORK/fill.f32"
items=$((real_items + fill))

# 2. The server, on a free loopback port.
PORT="$(free_port)"
URL="http://127.0.0.1:$PORT"
say "mmsearch serve on $URL"
start_ns=$(date +%s%N)
"$BIN" serve --index "$INDEX" --host 127.0.0.1 --port "$PORT" > "$LOG" 2>&1 &
SERVER_PID=$!
wait_ready "$URL" "$SERVER_PID" 120 || { echo "bench-serve: the server was not ready within 120 s; its log:" >&2; sed 's/^/  | /' "$LOG" >&2; exit 1; }
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))

# 3. Warm: one client for 5 s (a query's own latency, no queueing), then CLIENTS clients for
# SECONDS_LOAD seconds (closed loop: with more clients than cores, latency is mostly the wait for
# a core, p50 ~ clients / throughput).
load_before="$(cut -d' ' -f1 /proc/loadavg)"
say "1 client, 5 s of text queries"
single="$("$PY" "$LOAD" load --url "$URL" --clients 1 --seconds 5 --warmup 1)"
say "$CLIENTS clients, ${SECONDS_LOAD} s of text queries"
warm="$("$PY" "$LOAD" load --url "$URL" --clients "$CLIENTS" --seconds "$SECONDS_LOAD" --warmup 2)"
rss_kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)"
stop_processes "$SERVER_PID"
SERVER_PID=""

# 4. Cold: the command line, one process per query.
say "cold CLI: $COLD_RUNS queries, one process each"
cold="$("$PY" "$LOAD" cold --bin "$BIN" --index "$INDEX" --runs "$COLD_RUNS")"

# 5. The table and the line.
"$PY" - "$warm" "$cold" "$single" "$load_before" "$items" "$ready_ms" "$rss_kb" "$CLIENTS" "$(nproc)" <<'EOF'
import json, sys
warm, cold, single = (json.loads(a) for a in sys.argv[1:4])
load_before = sys.argv[4]
items, ready_ms, rss_kb, clients, cores = (int(a) for a in sys.argv[5:10])
speedup = cold["median_ms"] / warm["p50_ms"] if warm["p50_ms"] else float("nan")
goal = lambda ok: "ok" if ok else "MISSED"
print(f"\nmmsearch serve, {items} items, {clients} clients, {cores} cores, top 10 text queries:")
print(f"  {'requests':<34} {warm['requests']} in {warm['seconds']:g} s ({warm['errors']} errors)")
print(f"  {'queries/s':<34} {warm['qps']:.1f}")
print(f"  {'p50 latency (goal <= 15 ms)':<34} {warm['p50_ms']:.2f} ms   {goal(warm['p50_ms'] <= 15)}")
print(f"  {'p90 latency':<34} {warm['p90_ms']:.2f} ms")
print(f"  {'p99 latency (goal <= 50 ms)':<34} {warm['p99_ms']:.2f} ms   {goal(warm['p99_ms'] <= 50)}")
print(f"  {'load generator CPU':<34} {warm['client_cpu_s'] / (warm['seconds'] + 2) * 100:.0f}% of one core")
print(f"  {'1 client: p50 / p99':<34} {single['p50_ms']:.2f} / {single['p99_ms']:.2f} ms ({single['qps']:.1f} queries/s)")
print(f"  {'load average before measuring':<34} {load_before}")
print(f"  {'server start to ready':<34} {ready_ms} ms")
print(f"  {'server resident memory':<34} {rss_kb / 1024:.0f} MB")
print(f"  {'cold CLI query (median of ' + str(cold['runs']) + ')':<34} {cold['median_ms']:.1f} ms (best {cold['best_ms']:.1f})")
print(f"  {'speedup cold / warm p50 (goal >= 20x)':<34} {speedup:.1f}x   {goal(speedup >= 20)}")
if warm["errors"]:
    print("  error samples: " + "; ".join(warm["error_samples"]))
print(f"bench-serve: p50_ms={warm['p50_ms']:.2f} p99_ms={warm['p99_ms']:.2f} qps={warm['qps']:.1f} "
      f"cold_cli_ms={cold['median_ms']:.1f} speedup={speedup:.1f} items={items}")
EOF
