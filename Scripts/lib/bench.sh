# What the benchmarks share: their Python environment and their release build. Source this
# file from the repository root, then:
#
#   bench_python "numpy>=1.26,<3" …   # .venv-bench/ with these packages (set up once); sets PY
#   bench_build                       # release build of mmsearch and mmsearch-bench; sets BIN

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
