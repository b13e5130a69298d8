#!/usr/bin/env bash
# Benchmark (not a test): CLIP ViT-B/32's image encoder (vision tower + projection, full size,
# random weights) in mmsearch's runtime against ONNX Runtime (CPU), on the same random model,
# the same cores and the same thread count, in the same run, at both precisions: mmsearch f32
# and int8 (`--precision int8`), ONNX Runtime f32 and int8 (the same model through
# onnxruntime.quantization's dynamic quantisation). Prints images/s at each batch size, the
# ratios, and how close each int8 model's embeddings stay to its f32 model's (cosine over 16
# random images). Issue 12's goal at batch 8: mmsearch int8 >= 1.5x ONNX Runtime f32 and >= 1.1x
# ONNX Runtime int8. The machine is shared and noisy: the runs alternate, the best of each is kept.
#
#   Scripts/bench/clip.sh [--threads 2] [--batch "1 8"] [--seconds 10] [--runs 2]
#
# The model (config.json, model.safetensors, vocab.json, merges.txt, vision.onnx exported from
# the same weights by transformers and vision-int8.onnx, Scripts/bench/clip_ort.py) is made once
# in .build/bench/clip-vit-b32-random. Python (torch, transformers, onnx, onnxruntime) lives in
# .venv-bench-clip/, made on the first run from Scripts/bench/requirements_clip.txt.
# The last line is machine-readable:
#   bench-clip: batch=8 mmsearch_f32=… mmsearch_int8=… ort_f32=… ort_int8=… f32_vs_ort_f32=…
#               int8_vs_ort_f32=… int8_vs_ort_int8=… cos_int8_f32=… ort_cos_int8_f32=…
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

THREADS=2 BATCHES="1 8" SECONDS_EACH=10 RUNS=2
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) THREADS="$2"; shift 2 ;;
        --batch) BATCHES="$2"; shift 2 ;;
        --seconds) SECONDS_EACH="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "bench-clip: unknown argument $1" >&2; exit 2 ;;
    esac
done
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"

say "Python environment for ONNX Runtime (.venv-bench-clip)"
VENV="$ROOT/.venv-bench-clip"
if ! "$VENV/bin/python" -c "import torch, transformers, onnx, onnxruntime" 2>/dev/null; then
    python3 -m venv "$VENV" || { echo "bench-clip: 'python3 -m venv' failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
    "$VENV/bin/pip" install --disable-pip-version-check -q -r Scripts/bench/requirements_clip.txt \
        -c Scripts/fixtures/constraints.txt
fi
PY="$VENV/bin/python"

say "release build of mmsearch-bench"
swift build -c release --product mmsearch-bench >&2
BIN="$(swift build -c release --show-bin-path)/mmsearch-bench"

MODEL="$ROOT/.build/bench/clip-vit-b32-random"
say "random full-size CLIP ViT-B/32 and its ONNX export ($MODEL)"
OMP_NUM_THREADS="$THREADS" "$PY" Scripts/bench/clip_ort.py make "$MODEL" >&2

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $THREADS threads each" >&2
declare -A IPS
COS_MM=0 COS_ORT=0
best() { awk -v a="${1:-0}" -v b="$2" 'BEGIN { print (b > a ? b : a) }'; }
# Reads `batch B images_per_second X` and `cosine_int8_f32 min M mean A` lines into IPS[<engine>,B].
collect() {
    local engine="$1" kind b word ips min
    while read -r kind b word ips; do
        if [ "$kind" = cosine_int8_f32 ]; then  # cosine_int8_f32 min M mean A
            min="$word"
            echo "  $engine: int8 vs f32 embeddings, cosine min $min" >&2
            if [ "$engine" = mmsearch-int8 ]; then COS_MM="$min"; else COS_ORT="$min"; fi
            continue
        fi
        echo "  $engine batch $b: $ips images/s" >&2
        IPS[$engine,$b]="$(best "${IPS[$engine,$b]:-0}" "$ips")"
    done
}
for run in $(seq "$RUNS"); do
    for precision in f32 int8; do
        say "run $run/$RUNS: ONNX Runtime $precision"
        collect "ort-$precision" < <(OMP_NUM_THREADS="$THREADS" "$PY" Scripts/bench/clip_ort.py run "$MODEL" \
                 --batch $BATCHES --threads "$THREADS" --seconds "$SECONDS_EACH" $([ $precision = int8 ] && echo --int8))
        say "run $run/$RUNS: mmsearch $precision"
        collect "mmsearch-$precision" < <(OPENBLAS_NUM_THREADS="$THREADS" "$BIN" clip --model "$MODEL" \
                 --batch "${BATCHES// /,}" --threads "$THREADS" --seconds "$SECONDS_EACH" --precision $precision)
    done
done

ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
printf '\n%-6s %14s %14s %14s %14s %10s %10s %10s\n' batch "mmsearch f32" "mmsearch int8" "ORT f32" "ORT int8" \
    "f32/ORT" "int8/ORT" "int8/ORT8" >&2
for b in $BATCHES; do
    printf '%-6s %14.2f %14.2f %14.2f %14.2f %9sx %9sx %9sx\n' "$b" "${IPS[mmsearch-f32,$b]:-0}" "${IPS[mmsearch-int8,$b]:-0}" \
        "${IPS[ort-f32,$b]:-0}" "${IPS[ort-int8,$b]:-0}" \
        "$(ratio "${IPS[mmsearch-f32,$b]}" "${IPS[ort-f32,$b]}")" "$(ratio "${IPS[mmsearch-int8,$b]}" "${IPS[ort-f32,$b]}")" \
        "$(ratio "${IPS[mmsearch-int8,$b]}" "${IPS[ort-int8,$b]}")" >&2
done
echo "(images/s, best of $RUNS runs; int8 vs f32 embeddings: mmsearch cosine min $COS_MM, ONNX Runtime $COS_ORT)" >&2
B="${BATCHES##* }"
echo "bench-clip: batch=$B mmsearch_f32=${IPS[mmsearch-f32,$B]:-0} mmsearch_int8=${IPS[mmsearch-int8,$B]:-0}" \
     "ort_f32=${IPS[ort-f32,$B]:-0} ort_int8=${IPS[ort-int8,$B]:-0}" \
     "f32_vs_ort_f32=$(ratio "${IPS[mmsearch-f32,$B]}" "${IPS[ort-f32,$B]}")" \
     "int8_vs_ort_f32=$(ratio "${IPS[mmsearch-int8,$B]}" "${IPS[ort-f32,$B]}")" \
     "int8_vs_ort_int8=$(ratio "${IPS[mmsearch-int8,$B]}" "${IPS[ort-int8,$B]}")" \
     "cos_int8_f32=$COS_MM ort_cos_int8_f32=$COS_ORT"
