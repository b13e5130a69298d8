#!/usr/bin/env bash
# Browser test of the web page: starts two real `mmsearch serve` (one open, one that needs a
# token), waits until both say ready, and runs Tests/Browser/test_page.py (headless Chromium
# through Selenium, with the system Python).
#
#   Tests/Browser/run.sh MMSEARCH_BINARY INDEX_DIR PORT
#
# INDEX_DIR is brought up to date with Media/ first (`mmsearch index`, quick when it already is).
# PORT is the open server's; the token server takes another free port. Environment:
#   MMSEARCH_MEDIA        the folder to serve (default: the repository's Media/)
#   MMSEARCH_SCREENSHOTS  where the screenshots go (default Tests/Browser/screenshots)
#   CHROME, CHROMEDRIVER  the browser and its driver (default: chromium, chromedriver on PATH)
# Needs: apt-get install -y chromium chromium-driver python3-selenium
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3

# shellcheck source=Scripts/lib/serve.sh
. "$REPO/Scripts/lib/serve.sh"

fail() { printf '\033[1;31mTests/Browser/run.sh: %s\033[0m\n' "$*" >&2; exit 2; }

[ $# -eq 3 ] || fail "usage: Tests/Browser/run.sh MMSEARCH_BINARY INDEX_DIR PORT"
BIN="$1"; INDEX="$2"; PORT="$3"
MEDIA="${MMSEARCH_MEDIA:-$REPO/Media}"
[[ "$PORT" =~ ^[0-9]+$ ]] || fail "PORT must be a number, not '$PORT'"
[ -x "$BIN" ] || fail "$BIN: no such executable (build mmsearch first)"
[ -d "$MEDIA" ] || fail "$MEDIA: no such folder"

# The browser, its driver and Selenium: say exactly what is missing.
missing=()
CHROME="${CHROME:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver || command -v chromium.chromedriver || true)}"
[ -n "$CHROME" ] && [ -x "$CHROME" ] || missing+=("chromium (apt-get install -y chromium)")
[ -n "$CHROMEDRIVER" ] && [ -x "$CHROMEDRIVER" ] || missing+=("chromedriver (apt-get install -y chromium-driver)")
[ -x "$PY" ] || missing+=("$PY (apt-get install -y python3)")
[ -x "$PY" ] && ! "$PY" -c 'import selenium' 2>/dev/null && missing+=("Selenium for $PY (apt-get install -y python3-selenium)")
if [ ${#missing[@]} -gt 0 ]; then
    fail "the browser test cannot run; missing: $(printf '%s; ' "${missing[@]}" | sed 's/; $//')"
fi
"$BIN" serve --help >/dev/null 2>&1 || fail "$BIN has no 'serve' command"

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    [ ${#PIDS[@]} -eq 0 ] || stop_processes "${PIDS[@]}"
    rm -rf "$WORK"
}
trap cleanup EXIT

# The index of Media/ (incremental); the token server gets its own copy of it.
status=0
"$BIN" index --index "$INDEX" "$MEDIA" >"$WORK/index.log" 2>&1 || status=$?
if [ "$status" -gt 1 ]; then
    cat "$WORK/index.log" >&2
    fail "mmsearch index --index $INDEX $MEDIA exited $status"
fi
cp -a "$INDEX" "$WORK/index-token"

TOKEN_PORT="$(free_port)"
TOKEN="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')"
printf '%s\n' "$TOKEN" >"$WORK/token"
chmod 600 "$WORK/token"

# MMSEARCH_TOKEN in the environment would put a token on the open server too.
env -u MMSEARCH_TOKEN "$BIN" serve --index "$INDEX" --port "$PORT" --host 127.0.0.1 "$MEDIA" >"$WORK/serve.log" 2>&1 &
PIDS+=($!)
env -u MMSEARCH_TOKEN "$BIN" serve --index "$WORK/index-token" --port "$TOKEN_PORT" --host 127.0.0.1 \
    --token-file "$WORK/token" "$MEDIA" >"$WORK/serve-token.log" 2>&1 &
PIDS+=($!)

# Ready: GET /api/v1/status says "ready": true (the models are loaded). 90 s at most.
{ wait_ready "http://127.0.0.1:$PORT" "${PIDS[0]}" 90 && wait_ready "http://127.0.0.1:$TOKEN_PORT" "${PIDS[1]}" 90; } ||
    { for f in "$WORK"/serve*.log; do echo "--- $f" >&2; tail -20 "$f" >&2; done; fail "the servers did not become ready"; }

status=0
MMSEARCH_URL="http://127.0.0.1:$PORT" \
MMSEARCH_TOKEN_URL="http://127.0.0.1:$TOKEN_PORT" \
MMSEARCH_TOKEN_VALUE="$TOKEN" \
MMSEARCH_MEDIA="$MEDIA" \
MMSEARCH_SCREENSHOTS="${MMSEARCH_SCREENSHOTS:-$HERE/screenshots}" \
CHROME="$CHROME" CHROMEDRIVER="$CHROMEDRIVER" \
    "$PY" "$HERE/test_page.py" || status=$?
if [ "$status" -ne 0 ]; then
    for f in "$WORK"/serve*.log; do echo "--- last lines of $(basename "$f")" >&2; tail -15 "$f" >&2; done
    printf '\033[1;31mTests/Browser/run.sh: the browser test failed (exit %s)\033[0m\n' "$status" >&2
fi
exit "$status"
