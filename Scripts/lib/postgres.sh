# Throw-away PostgreSQL servers on loopback for the tests and benchmarks of the PostgreSQL
# store: one server (which also coordinates the sharded store) and three shards, started with
# Scripts/setup-postgres.sh in a temporary folder. Source this file, then:
#
#   start_postgres_servers [SHARDS]   # exports MMSEARCH_TEST_POSTGRES (server URL) and
#                                     #   MMSEARCH_TEST_POSTGRES_SHARDS (comma-separated URLs)
#   stop_postgres_servers             # stops them and removes their folder
#
# Tests create a database of their own on these servers for every index they build.

# shellcheck source=Scripts/lib/serve.sh
. "$(dirname "${BASH_SOURCE[0]}")/serve.sh"

POSTGRES_SERVERS_DIR=""

start_postgres_servers() {
    local shards="${1:-3}" setup root i port url urls=()
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    setup="$root/Scripts/setup-postgres.sh"
    POSTGRES_SERVERS_DIR="$(mktemp -d /tmp/mmsearch-postgres.XXXXXX)"
    chmod 755 "$POSTGRES_SERVERS_DIR"
    port="$(free_port)"
    MMSEARCH_TEST_POSTGRES="$("$setup" start "$POSTGRES_SERVERS_DIR/server" "$port")" || return 1
    for i in $(seq 1 "$shards"); do
        port="$(free_port)"
        url="$("$setup" start "$POSTGRES_SERVERS_DIR/shard$i" "$port")" || return 1
        urls+=("$url")
    done
    MMSEARCH_TEST_POSTGRES_SHARDS="$(IFS=,; echo "${urls[*]}")"
    export MMSEARCH_TEST_POSTGRES MMSEARCH_TEST_POSTGRES_SHARDS
}

stop_postgres_servers() {
    [ -n "$POSTGRES_SERVERS_DIR" ] || return 0
    local setup dir
    setup="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/Scripts/setup-postgres.sh"
    for dir in "$POSTGRES_SERVERS_DIR"/*/; do
        [ -d "$dir" ] && "$setup" stop "${dir%/}" >/dev/null 2>&1 || true
    done
    rm -rf "$POSTGRES_SERVERS_DIR"
    POSTGRES_SERVERS_DIR=""
}
