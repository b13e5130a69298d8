# shellcheck shell=bash
# Helpers for the scripts that run `mmsearch serve` (the benchmark, the API check, the browser
# test); sourced. Needs python3 (its standard library only).

# free_port: prints a TCP port free on 127.0.0.1 now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_ready URL PID SECONDS: returns 0 once `GET URL/api/v1/status` says `"ready": true` (the
# model pack is loaded), 1 when process PID exits first or SECONDS pass, saying which on stderr.
wait_ready() {
    python3 - "$@" <<'PY'
import json, os, sys, time, urllib.request
url, pid, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(f"mmsearch serve at {url} exited")
    try:
        with urllib.request.urlopen(url + "/api/v1/status", timeout=2) as response:
            if json.load(response).get("ready") is True:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.1)
sys.exit(f"mmsearch serve at {url}: not ready after {seconds:g} s")
PY
}

# stop_processes PID…: SIGTERM, up to 5 s for all of them to exit (a graceful shutdown may wait
# for an event-stream client that never hangs up), then SIGKILL for any still there.
stop_processes() {
    local pid alive
    for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 50); do
        alive=0
        for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" -eq 0 ] && break
        sleep 0.1
    done
    for pid in "$@"; do kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
}
