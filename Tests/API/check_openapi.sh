#!/usr/bin/env bash
# Conformance of `mmsearch serve` to its OpenAPI 3.1 document
# (Sources/MMSearchServer/Web/openapi.json, served at /api/v1/openapi.json):
#
#   1. the document is valid OpenAPI 3.1 (openapi-spec-validator);
#   2. a real server is started on a free loopback port over INDEX_DIR, serving MEDIA_DIR, and
#      waited for until `GET /api/v1/status` says `"ready": true` (60 s at most);
#   3. schemathesis generates requests from the document (positive and negative data, boundary
#      values, and the search → file links) and checks every response: no 5xx, a documented
#      status, the documented content type, the documented headers, a body valid against the
#      documented schema;
#   4. Tests/API/extra_checks.py checks what schemathesis cannot: the served document is the
#      committed one, the event stream's first event, byte ranges of a real file, a real
#      thumbnail, the error bodies of unknown routes and methods, "more like this" and an upload.
#
#   Tests/API/check_openapi.sh BINARY INDEX_DIR MEDIA_DIR
#   (e.g. .build/release/mmsearch /tmp/api-index Media, after `mmsearch index Media --index /tmp/api-index`)
#
# Settings (environment): API_EXAMPLES (test cases per operation and phase, default 50),
# API_SEED (schemathesis' seed, default random; the run prints it), API_WORKERS (default 2),
# PYTHON (the interpreter of the environment; see below).
# The Python tools live in .venv-api/ at the repository root, pinned by Tests/API/requirements.txt
# (created on the first run; PyPI). Exit status: 0 when everything conforms, 1 otherwise (the
# failing cases are printed, with a curl line to reproduce each), 2 for a bad invocation.
# The last line is one summary: `check-openapi: PASS …` or `check-openapi: FAIL …`.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=Scripts/lib/serve.sh
. "$HERE/../../Scripts/lib/serve.sh"
ROOT="$(cd "$HERE/../.." && pwd)"
SPEC="$ROOT/Sources/MMSearchServer/Web/openapi.json"
VENV="$ROOT/.venv-api"

if [ $# -ne 3 ]; then
    echo "usage: Tests/API/check_openapi.sh BINARY INDEX_DIR MEDIA_DIR" >&2
    exit 2
fi
BINARY="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
INDEX_DIR="$2"
MEDIA_DIR="$(cd "$3" && pwd)"
[ -x "$BINARY" ] || { echo "check-openapi: $BINARY is not an executable" >&2; exit 2; }
[ -d "$INDEX_DIR" ] || { echo "check-openapi: no index at $INDEX_DIR (run: $BINARY index $MEDIA_DIR --index $INDEX_DIR)" >&2; exit 2; }
EXAMPLES="${API_EXAMPLES:-50}"
WORKERS="${API_WORKERS:-2}"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# 1. The Python environment: rebuilt when the interpreter or the pins change. The interpreter:
# $PYTHON, else the first of python3, python3.13, python3.12 and pyenv's 3.13+ that is 3.10 or
# later and not CPython 3.11.0-3.11.7 or 3.12.0-3.12.1: those raise "SystemError: AST constructor
# recursion depth mismatch" now and then inside hypothesis (CPython gh-106905, fixed in 3.11.8 and
# 3.12.2), which schemathesis reports as an error of the run.
pick_python() {
    local candidate
    for candidate in python3 python3.13 python3.12 "$(pyenv root 2>/dev/null)"/versions/3.1[3-9]*/bin/python3; do
        "$candidate" -c 'import sys; v = sys.version_info
sys.exit(0 if v >= (3, 10) and not (v[:2] == (3, 11) and v[2] < 8) and not (v[:2] == (3, 12) and v[2] < 2) else 1)' \
            2>/dev/null && { echo "$candidate"; return; }
    done
    echo python3
}
PY="${PYTHON:-$(pick_python)}"
STAMP="$("$PY" -c 'import sys; print(sys.version.split()[0])') $(sha256sum "$HERE/requirements.txt" | cut -c1-16)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.stamp" 2>/dev/null)" != "$STAMP" ]; then
    say "Python environment (.venv-api)"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV" || { echo "check-openapi: '$PY -m venv' failed (Debian: apt-get install python3-venv)" >&2; exit 2; }
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$HERE/requirements.txt"
    echo "$STAMP" > "$VENV/.stamp"
fi

say "validating the OpenAPI document"
"$VENV/bin/openapi-spec-validator" "$SPEC" >&2 || {
    echo "check-openapi: FAIL: $SPEC is not a valid OpenAPI document"; exit 1; }

# 2. The server, on a free loopback port; stopped however this script ends.
WORK="$(mktemp -d -t mmsearch-api.XXXXXX)"
LOG="$WORK/server.log"
SERVER_PID=""
stop_server() {
    [ -z "$SERVER_PID" ] || stop_processes "$SERVER_PID"
    SERVER_PID=""
}
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server LOG [ARGUMENT…]: starts the server with these extra arguments, sets SERVER_PID and
# BASE, and waits until `GET /api/v1/status` (public, token or not) says `"ready": true`.
start_server() {
    local log="$1" port
    shift
    port="$(free_port)"
    BASE="http://127.0.0.1:$port"
    say "starting $BINARY serve on $BASE $*"
    "$BINARY" serve --index "$INDEX_DIR" --host 127.0.0.1 --port "$port" "$@" "$MEDIA_DIR" > "$log" 2>&1 &
    SERVER_PID=$!
    if ! wait_ready "$BASE" "$SERVER_PID" 60; then
        echo "check-openapi: FAIL: the server was not ready within 60 s; its log:"
        sed 's/^/  | /' "$log"
        exit 1
    fi
}
start_server "$LOG"

# 3. schemathesis. GET /api/v1/index/events is left out: it is a text/event-stream that never
# ends (schemathesis reads a whole response body, so each case would only end at its request
# timeout); extra_checks.py reads its first event instead. POST /api/v1/index stays in: it answers
# 202 or 409 at once, and a run over MEDIA_DIR (already indexed) is short. This server has no
# token (the security schemes apply only to a server with one); step 5 checks a server with one.
say "schemathesis: $EXAMPLES cases per operation and phase"
export SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}" MMSEARCH_API_MEDIA="$MEDIA_DIR"
seed=()
[ -n "${API_SEED:-}" ] && seed=(--seed "$API_SEED")
set +e
# The committed document is the one tested; extra_checks.py compares the served copy with it (a
# binary built before the document's last edit serves a stale one).
(cd "$WORK" && "$VENV/bin/schemathesis" run "$SPEC" --url "$BASE" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --exclude-path /api/v1/index/events \
    --max-examples "$EXAMPLES" --workers "$WORKERS" "${seed[@]}" \
    --request-timeout 20 --generation-database none --suppress-health-check all \
    --no-color) 2>&1 | tee "$WORK/schemathesis.log"
st_status=${PIPESTATUS[0]}
set -e

# 4. What schemathesis cannot check.
say "extra checks"
set +e
"$VENV/bin/python" "$HERE/extra_checks.py" "$BASE" "$SPEC" "$MEDIA_DIR" 2>&1 | tee "$WORK/extra.log"
extra_status=${PIPESTATUS[0]}
set -e

# The server must still be up.
alive=yes
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    alive=no
    echo "the server died during the run; its log:"
    sed 's/^/  | /' "$LOG"
fi
stop_server

# 5. A server with a token: 401 and the error body without it (or with a wrong one) on every kind
# of route, in with it as a bearer token or as the cookie; status and openapi.json stay public.
TOKEN="check-openapi-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$TOKEN" > "$WORK/token"
start_server "$WORK/server-token.log" --token-file "$WORK/token"
say "extra checks with a token"
set +e
"$VENV/bin/python" "$HERE/extra_checks.py" "$BASE" "$SPEC" "$MEDIA_DIR" --token "$TOKEN" 2>&1 | tee "$WORK/extra-token.log"
token_status=${PIPESTATUS[0]}
set -e
stop_server

# The summary: schemathesis' closing line and the extra checks' counts.
st_line="$(grep -E '^=+ .* in [0-9.]+m?s =+$' "$WORK/schemathesis.log" | tail -n 1 | sed -E 's/^=+ //; s/ =+$//')"
extra_line="$(grep -E '^extra checks: ' "$WORK/extra.log" | tail -n 1 | sed 's/^extra checks: //')"
token_line="$(grep -E '^extra checks: ' "$WORK/extra-token.log" | tail -n 1 | sed 's/^extra checks: //')"
summary="schemathesis (${st_line:-no summary}); extra checks (${extra_line:-no summary}); with a token (${token_line:-no summary})"
if [ "$st_status" -eq 0 ] && [ "$extra_status" -eq 0 ] && [ "$token_status" -eq 0 ] && [ "$alive" = yes ]; then
    echo "check-openapi: PASS $summary"
    exit 0
fi
echo "check-openapi: FAIL $summary; exit statuses $st_status/$extra_status/$token_status; server alive: $alive"
exit 1
