#!/usr/bin/env bash
# Benchmark of the first answer (not a test): a cold `mmsearch query "a dog"` (process start to
# results printed) on a 100 000-item index of the lite pack, by this checkout's mmsearch and by
# a build of an earlier commit (BENCH_BASELINE, default 583f1aa: main before issue 12's cold-start
# work), in the same run, alternating, on the same index and the same model files. Prints the
# medians, their ratio and one machine-readable line.
#
#   Scripts/bench/cold.sh                     # first run builds the baseline (minutes), then cached
#   BENCH_RUNS=40 Scripts/bench/cold.sh
#
# "Cold" is a new process each time, as a person typing the command gets; the files it reads are
# in the page cache after the first runs (each binary's first run is not counted), as they are
# on a machine in use. The index's vectors are the lite pack's own space (MiniLM embeddings of
# Debian's package descriptions, mixed up to 100 000 by Scripts/bench/search.py data --real), so
# the query searches real neighbourhoods.
#
# Settings (environment): BENCH_DIR (scratch, default /tmp/mmsearch-bench-cold), BENCH_BASELINE
# (a commit), BENCH_RUNS (timed runs per binary, default 20), BENCH_ITEMS (default 100000).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
WORK="${BENCH_DIR:-/tmp/mmsearch-bench-cold}"
BASELINE="$(git rev-parse "${BENCH_BASELINE:-583f1aa}")"
RUNS="${BENCH_RUNS:-20}"
ITEMS="${BENCH_ITEMS:-100000}"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# shellcheck source=Scripts/lib/bench.sh
. "$ROOT/Scripts/lib/bench.sh"
bench_python "numpy>=1.26,<3"
bench_build
"$ROOT/Scripts/fetch/models.py" lite >&2
mkdir -p "$WORK"

# The baseline: its own checkout and build folder, built once.
base="$WORK/baseline-${BASELINE:0:12}"
if [ ! -x "$base/bin/mmsearch" ]; then
    say "building the baseline ${BASELINE:0:12} (once; minutes)"
    rm -rf "$base/src"
    mkdir -p "$base"
    git worktree add --detach --force "$base/src" "$BASELINE" >&2
    (cd "$base/src" && swift build -c release --product mmsearch --scratch-path "$base/build" >&2)
    mkdir -p "$base/bin"
    # The program and the resource folders it looks for beside itself.
    cp -R "$base/build/release/mmsearch" "$base/build/release/"*.resources "$base/bin/"
    git worktree remove --force "$base/src" >&2
fi

bench_real_embeddings "$WORK"
data="$WORK/data-$ITEMS-384-real"
if [ ! -f "$data/truth.i64" ]; then
    say "$ITEMS vectors in the lite pack's space"
    $PY Scripts/bench/search.py data --n "$ITEMS" --dim 384 --queries 10 --real "$REAL" --out "$data"
fi
index="$WORK/index-$ITEMS"
if [ ! -f "$index/.complete" ]; then
    say "an index of $ITEMS items"
    rm -rf "$index"
    "$BIN/mmsearch-bench" import --vectors "$data/vectors.f32" --dim 384 --index "$index" --pack lite >&2
    touch "$index/.complete"
fi

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores" >&2
say "cold queries: $RUNS runs of each binary, alternating"
$PY - "$base/bin/mmsearch" "$BIN/mmsearch" "$index" "$RUNS" "${BASELINE:0:12}" "$ITEMS" <<'EOF'
import statistics, subprocess, sys, time
baseline, current, index, runs, commit, items = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
command = ["query", "a dog", "--index", index, "--top", "10"]

def run(binary):
    start = time.perf_counter()
    out = subprocess.run([binary] + command, capture_output=True, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    if out.returncode != 0:
        sys.exit(f"{binary} failed: {out.stderr.strip()}")
    return elapsed, out.stdout

# First runs: page cache, digest caches; not counted. Both must find the same files in the same
# order; the scores may differ in the third decimal, since the current build embeds the query
# at the pack's default precision (int8 for lite) and the baseline at f32.
def paths(out):
    return [line.split(None, 1)[1] for line in out.splitlines() if line.strip()]

_, base_out = run(baseline)
_, cur_out = run(current)
if paths(base_out) != paths(cur_out):
    sys.exit(f"the two builds answer differently:\n--- baseline\n{base_out}\n--- current\n{cur_out}")
times = {"baseline": [], "current": []}
for _ in range(runs):
    times["baseline"].append(run(baseline)[0])
    times["current"].append(run(current)[0])
b, c = statistics.median(times["baseline"]), statistics.median(times["current"])
print(f"\ncold `mmsearch query \"a dog\"` on {int(items):,} items, median of {runs} runs (the same files, in the same order, from both):")
print(f"  baseline {commit}: {b:7.1f} ms   (min {min(times['baseline']):.1f}, max {max(times['baseline']):.1f})")
print(f"  this checkout:     {c:7.1f} ms   (min {min(times['current']):.1f}, max {max(times['current']):.1f})")
print(f"  ratio: {c / b:.2f}× the baseline's time\n")
print(f"bench-cold: items={items} query_ms={c:.1f} baseline_ms={b:.1f} ratio={c / b:.3f} baseline={commit}")
EOF
