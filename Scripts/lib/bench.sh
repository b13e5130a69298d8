# What the benchmarks share: their Python environment and their release build. Source this
# file from the repository root, then:
#
#   bench_python "numpy>=1.26,<3" …   # .venv-bench/ with these packages (set up once); sets PY
#   bench_build                       # release build of mmsearch and mmsearch-bench; sets BIN
#   bench_real_embeddings DIR         # real MiniLM embeddings of 60 000 texts, cached; sets REAL

bench_python() {
    printf '\033[1m==> %s\033[0m\n' "Python environment (.venv-bench)" >&2
    local modules=() spec
    for spec in "$@"; do
        spec="${spec%%[<>=]*}"
        modules+=("${spec//-cpu/}")
    done
    if [ ! -x .venv-bench/bin/python ] || ! .venv-bench/bin/python -c "import $(IFS=,; echo "${modules[*]}")" 2>/dev/null; then
        python3 -m venv .venv-bench
        .venv-bench/bin/pip install --quiet --upgrade pip
        .venv-bench/bin/pip install --quiet "$@"
    fi
    PY=.venv-bench/bin/python
}

bench_build() {
    printf '\033[1m==> %s\033[0m\n' "release build" >&2
    swift build -c release --product mmsearch >&2
    swift build -c release --product mmsearch-bench >&2
    BIN="$(swift build -c release --show-bin-path)"
}

# Real embeddings for the benchmarks' vectors: Debian's package descriptions (about 60 000
# distinct one-line texts, from the machine's package lists: `apt-cache dumpavail`) embedded
# once with the lite pack's all-MiniLM-L6-v2 (`mmsearch-bench embed-texts`), cached in
# $1/real-384.f32 with the texts beside it. Needs BIN (bench_build). Sets REAL.
bench_real_embeddings() {
    local dir="$1"
    REAL="$dir/real-384.f32"
    [ -s "$REAL" ] && return 0
    printf '\033[1m==> %s\033[0m\n' "real embeddings: Debian's package descriptions with all-MiniLM-L6-v2 (once)" >&2
    "$ROOT/Scripts/fetch/models.py" lite >&2
    mkdir -p "$dir"
    apt-cache dumpavail | sed -n 's/^Description: //p' | LC_ALL=C sort -u > "$dir/real-texts.txt"
    if [ "$(wc -l < "$dir/real-texts.txt")" -lt 50000 ]; then
        echo "only $(wc -l < "$dir/real-texts.txt") package descriptions: run apt-get update first" >&2
        return 1
    fi
    "$BIN/mmsearch-bench" embed-texts --input "$dir/real-texts.txt" --out "$REAL.partial" >&2
    mv "$REAL.partial" "$REAL"
}
