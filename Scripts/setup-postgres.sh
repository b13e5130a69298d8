#!/usr/bin/env bash
# PostgreSQL 15 + pgvector for mmsearch on Debian 12 (bookworm), and throw-away clusters for tests.
#
#   Scripts/setup-postgres.sh [install]        # packages + pgvector (built from Debian's source)
#   Scripts/setup-postgres.sh start DIR [PORT] # throw-away cluster in DIR; prints its URL on stdout
#   Scripts/setup-postgres.sh stop DIR         # stops that cluster and removes DIR
#
# A started cluster's shared_buffers is $MMSEARCH_PG_SHARED_BUFFERS (default 128MB, PostgreSQL's
# own): the benchmark gives its servers room for their HNSW graphs.
#
# bookworm ships PostgreSQL 15 but no pgvector binary. `install` adds a source-only (deb-src)
# entry for Debian's trixie suite, using the same URI as the machine's own Debian entry, pins
# trixie to -1 so that no binary from it can ever be installed, fetches pgvector's source
# package with `apt-get source` and builds it against postgresql-server-dev-15.
# Idempotent: a second run only checks. It never starts or stops the distro's own cluster.
set -euo pipefail

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'setup-postgres: %s\n' "$*" >&2; exit 1; }

PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
PG_CONFIG="$PG_BIN/pg_config"
PGVECTOR_MIN=0.8
SRC_SUITE=trixie
SRC_FILE=/etc/apt/sources.list.d/mmsearch-trixie-src.sources
PIN_FILE=/etc/apt/preferences.d/mmsearch-trixie-src
BUILD_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/mmsearch/pgvector"
MARKER=.mmsearch-postgres   # marks a DIR made by `start`, so `stop` only ever removes those

usage() {
    cat <<EOF
usage: $(basename "$0") [install]          install PostgreSQL $PG_MAJOR, postgres_fdw and pgvector >= $PGVECTOR_MIN
       $(basename "$0") start DIR [PORT]   start a throw-away cluster in DIR (trust auth,
                                         127.0.0.1 only, socket in DIR; a free port if none given),
                                         create extension vector in databases postgres and mmsearch,
                                         print postgres://postgres@127.0.0.1:PORT/postgres on stdout
       $(basename "$0") stop DIR           stop the cluster in DIR and remove DIR
       $(basename "$0") --help
EOF
}

SUDO=()
need_root() {
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "need root (or sudo) to $*"
        SUDO=(sudo)
    fi
}

# ---------------------------------------------------------------------------------------------
# install

# Prints "URI<TAB>SIGNED-BY<TAB>CHECK-VALID-UNTIL" of the machine's Debian entry for suite $1
# (the plain suite, not -updates/-security), from deb822 *.sources files or one-line *.list files.
debian_entry() {
    local suite="$1" f
    for f in /etc/apt/sources.list.d/*.sources; do
        if [ ! -f "$f" ] || [ "$f" = "$SRC_FILE" ]; then continue; fi
        awk -v suite="$suite" '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uri != "" \
                    && tolower(enabled) != "no") { print uri "\t" signed "\t" cvu; found = 1; exit }
                types = suites = uri = signed = cvu = enabled = ""
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^[ \t]/   { next }                      # continuation line (e.g. an inline key)
            {
                key = tolower($1); sub(/:$/, "", key)
                val = $0; sub(/^[^:]*:[ \t]*/, "", val)
                if (key == "types") types = val
                else if (key == "suites") suites = val
                else if (key == "uris") { split(val, u, /[ \t]+/); uri = u[1] }
                else if (key == "signed-by" && val ~ /^\//) signed = val
                else if (key == "check-valid-until") cvu = val
                else if (key == "enabled") enabled = val
            }
            END { if (!found) flush() }
        ' "$f" | head -n1 | grep . && return 0
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk -v suite="$suite" '
            $1 != "deb" { next }
            {
                i = 2; opts = ""
                if ($2 ~ /^\[/) { while (i <= NF) { opts = opts " " $i; if ($i ~ /\]$/) break; i++ }; i++ }
                uri = $i; s = $(i + 1)
                if (s != suite) next
                signed = ""; cvu = ""
                if (match(opts, /signed-by=[^] ]+/)) signed = substr(opts, RSTART + 10, RLENGTH - 10)
                if (match(opts, /check-valid-until=[^] ]+/)) cvu = substr(opts, RSTART + 18, RLENGTH - 18)
                print uri "\t" signed "\t" cvu; exit
            }
        ' "$f" | head -n1 | grep . && return 0
    done
    return 1
}

# Version of pgvector installed in PG 15's extension directory, or nothing.
pgvector_version() {
    local share=/usr/share/postgresql/$PG_MAJOR
    [ -x "$PG_CONFIG" ] && share="$("$PG_CONFIG" --sharedir)"
    local control="$share/extension/vector.control"
    [ -f "$control" ] && [ -f "$("$PG_CONFIG" --pkglibdir 2>/dev/null || echo /usr/lib/postgresql/$PG_MAJOR/lib)/vector.so" ] || return 0
    sed -n "s/^[[:space:]]*default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" "$control" | head -n1
}

# Writes $2 to $1 (as root) unless it already holds exactly that; returns 0 if it wrote.
write_if_changed() {
    local path="$1" content="$2"
    if [ -f "$path" ] && [ "$(cat "$path")" = "$content" ]; then return 1; fi
    printf '%s\n' "$content" | "${SUDO[@]}" tee "$path" >/dev/null || die "could not write $path"
    return 0
}

cmd_install() {
    [ -r /etc/os-release ] || die "no /etc/os-release: this script supports Debian 12 (bookworm) only"
    local codename
    # shellcheck disable=SC1091
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
    [ "$codename" = bookworm ] || die "this is '${codename:-unknown}', not Debian 12 (bookworm): install PostgreSQL $PG_MAJOR and pgvector >= $PGVECTOR_MIN by hand"
    command -v apt-get >/dev/null || die "apt-get not found"

    # 1. What is missing.
    local packages=("postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" postgresql-contrib
                    build-essential dpkg-dev make) missing=() p
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    local have need_build=1
    have="$(pgvector_version)"
    if [ -n "$have" ] && dpkg --compare-versions "$have" ge "$PGVECTOR_MIN"; then need_build=""; fi
    if ((${#missing[@]} == 0)) && [ -z "$need_build" ]; then
        say "PostgreSQL $PG_MAJOR and pgvector $have already installed"
        return 0
    fi
    need_root "install packages and pgvector"
    export DEBIAN_FRONTEND=noninteractive

    # 2. A source-only trixie entry (same URI as this machine's Debian entry), pinned to -1.
    if [ -n "$need_build" ]; then
        local entry uri signed cvu
        entry="$(debian_entry "$codename")" ||
            die "found no 'deb … $codename' Debian entry in /etc/apt/sources.list{,.d/*.sources,.d/*.list} to take the URI from"
        IFS=$'\t' read -r uri signed cvu <<<"$entry"
        [ -n "$signed" ] || { [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && signed=/usr/share/keyrings/debian-archive-keyring.gpg; }
        local src="# Written by mmsearch Scripts/setup-postgres.sh: source only, for pgvector (bookworm has no
# pgvector binary). $PIN_FILE keeps every trixie binary uninstallable.
Types: deb-src
URIs: $uri
Suites: $SRC_SUITE
Components: main"
        [ -n "$signed" ] && src+=$'\n'"Signed-By: $signed"
        [ -n "$cvu" ] && src+=$'\n'"Check-Valid-Until: $cvu"
        local pin="# Written by mmsearch Scripts/setup-postgres.sh: nothing binary from $SRC_SUITE, ever.
Package: *
Pin: release n=$SRC_SUITE
Pin-Priority: -1"
        write_if_changed "$SRC_FILE" "$src" && say "wrote $SRC_FILE (deb-src $uri $SRC_SUITE main)"
        write_if_changed "$PIN_FILE" "$pin" && say "wrote $PIN_FILE"
    fi

    say "apt-get update"
    "${SUDO[@]}" apt-get update -qq || die "apt-get update failed (see above; the source entry is $SRC_FILE)"

    # 3. Packages. server-dev is taken at the installed server's version where apt still has it,
    # so that apt does not upgrade (and restart) an installed postgresql-$PG_MAJOR.
    if ((${#missing[@]})); then
        local server_ver args=() m
        server_ver="$(dpkg-query -W -f='${Version}' postgresql-$PG_MAJOR 2>/dev/null || true)"
        for m in "${missing[@]}"; do
            if [ "$m" = postgresql-server-dev-$PG_MAJOR ] && [ -n "$server_ver" ] &&
               apt-cache madison "$m" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -qxF "$server_ver"; then
                args+=("$m=$server_ver")
            else
                args+=("$m")
            fi
        done
        say "installing ${args[*]}"
        "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${args[@]}" >/dev/null ||
            die "apt-get install ${args[*]} failed"
    fi
    [ -x "$PG_CONFIG" ] || die "$PG_CONFIG missing after installing postgresql-server-dev-$PG_MAJOR"
    [ -f "$("$PG_CONFIG" --sharedir)/extension/postgres_fdw.control" ] ||
        die "postgres_fdw is not in $("$PG_CONFIG" --sharedir)/extension (postgresql-contrib?)"

    # 4. pgvector from Debian's trixie source package.
    if [ -n "$need_build" ]; then
        local start=$SECONDS
        say "fetching pgvector source ($SRC_SUITE) into $BUILD_DIR"
        rm -rf "$BUILD_DIR" && mkdir -p "$BUILD_DIR"
        local sandbox=()
        [ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root)   # _apt cannot write under /root
        (cd "$BUILD_DIR" && apt-get "${sandbox[@]}" source -qq "pgvector/$SRC_SUITE" >/dev/null) ||
            die "apt-get source pgvector/$SRC_SUITE failed in $BUILD_DIR"
        local dir ver
        dir="$(find "$BUILD_DIR" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)"
        [ -n "$dir" ] || die "apt-get source left no pgvector-* folder in $BUILD_DIR"
        ver="${dir##*/pgvector-}"
        dpkg --compare-versions "$ver" ge "$PGVECTOR_MIN" ||
            die "pgvector source in $SRC_SUITE is $ver, need >= $PGVECTOR_MIN"
        say "building pgvector $ver against $("$PG_CONFIG" --version)"
        make -C "$dir" -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG" >/dev/null || die "make of pgvector $ver failed in $dir"
        "${SUDO[@]}" make -C "$dir" -s install PG_CONFIG="$PG_CONFIG" >/dev/null ||
            die "make install of pgvector $ver failed in $dir"
        have="$(pgvector_version)"
        { [ -n "$have" ] && dpkg --compare-versions "$have" ge "$PGVECTOR_MIN"; } ||
            die "pgvector installed but vector.control reports '${have:-nothing}'"
        say "pgvector $have installed ($((SECONDS - start)) s)"
    fi
}

# ---------------------------------------------------------------------------------------------
# start / stop

abs_dir() { [ -n "${1:-}" ] || { usage >&2; exit 2; }; realpath -m -- "$1"; }

# Runs a command as the cluster owner: postgres when root (PostgreSQL refuses to run as root).
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

cluster_port() { sed -n 4p "$1/data/postmaster.pid" 2>/dev/null; }

is_running() { [ -f "$1/data/PG_VERSION" ] && as_owner "$PG_BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

psql_url() {   # URL, then SQL
    PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -X -q -w -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"
}

ensure_extensions() {
    local port="$1" base="postgres://postgres@127.0.0.1:$1"
    psql_url "$base/postgres" "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null ||
        die "CREATE EXTENSION vector failed on port $port (run '$0 install' first?)"
    if [ -z "$(psql_url "$base/postgres" "SELECT 1 FROM pg_database WHERE datname = 'mmsearch'")" ]; then
        psql_url "$base/postgres" "CREATE DATABASE mmsearch" >/dev/null || die "CREATE DATABASE mmsearch failed on port $port"
    fi
    psql_url "$base/mmsearch" "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null ||
        die "CREATE EXTENSION vector failed in database mmsearch on port $port"
}

# Closes the descriptors above 2 that this (sub)shell inherited.
close_inherited_fds() {
    local fd n
    for fd in /proc/$BASHPID/fd/*; do
        n="${fd##*/}"
        [[ "$n" =~ ^[0-9]+$ ]] && ((n > 2)) && eval "exec $n>&-" 2>/dev/null || true
    done
}

cmd_start() {
    local dir port="${2:-}"
    dir="$(abs_dir "${1:-}")"
    [ -x "$PG_BIN/pg_ctl" ] || die "$PG_BIN/pg_ctl not found: run '$0 install' first"
    [ -z "$port" ] || [[ "$port" =~ ^[0-9]+$ && "$port" -ge 1 && "$port" -le 65535 ]] || die "bad port '$port'"
    # The socket is DIR/.s.PGSQL.PORT; Unix socket paths are limited to 107 bytes.
    ((${#dir} + 18 <= 107)) || die "DIR '$dir' is too long for a Unix socket path (max ~89 characters)"

    if is_running "$dir"; then
        local running
        running="$(cluster_port "$dir")"
        [ -z "$port" ] || [ "$port" = "$running" ] || die "a cluster already runs in $dir on port $running, not $port"
        ensure_extensions "$running"
        echo "postgres://postgres@127.0.0.1:$running/postgres"
        return 0
    fi

    if [ -d "$dir" ] && [ ! -e "$dir/$MARKER" ] && [ -n "$(ls -A "$dir")" ]; then
        die "$dir is neither empty nor a cluster made by this script"
    fi
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "no 'postgres' user: run '$0 install' first"
    fi
    local created=""
    [ -d "$dir" ] || created=1
    mkdir -p "$dir" || die "could not create $dir"
    touch "$dir/$MARKER"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir" || die "could not chown $dir to postgres"
        if ! as_owner test -w "$dir" -a -x "$dir"; then
            [ -z "$created" ] || rm -rf -- "$dir"
            die "user postgres cannot reach $dir (a parent folder is closed to it; use e.g. a folder under /tmp)"
        fi
    fi

    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
            >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed in $dir/data"; }
        # Throw-away cluster: durability is not wanted, speed is.
        printf "\ninclude_if_exists 'mmsearch.conf'\n" | as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
    fi

    local tries=0 log="$dir/postgres.log" sockdir="${dir//\'/\'\'}"
    [ -n "$port" ] || port=$((20000 + RANDOM % 20000))
    while :; do
        if [ -z "${2:-}" ] && port_in_use "$port"; then port=$((port + 1)); continue; fi
        as_owner tee "$dir/data/mmsearch.conf" >/dev/null <<EOF
# Written by mmsearch Scripts/setup-postgres.sh start
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockdir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = ${MMSEARCH_PG_SHARED_BUFFERS:-128MB}
EOF
        # In a subshell that first closes every descriptor it inherited beyond 0-2: the server
        # lives on with what pg_ctl hands it, and a caller waiting for a pipe (or, like
        # Foundation's Process, a descriptor watching its child) to close would wait forever.
        if (close_inherited_fds; as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$log" -w -t 60 start >/dev/null 2>&1); then break; fi
        tries=$((tries + 1))
        if [ -z "${2:-}" ] && ((tries < 10)) && grep -q 'could not bind\|Address already in use' "$log" 2>/dev/null; then
            port=$((port + 1)); continue
        fi
        tail -n 20 "$log" >&2 2>/dev/null || true
        die "pg_ctl start failed for $dir/data on port $port (log: $log)"
    done
    ensure_extensions "$port"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
}

cmd_stop() {
    local dir
    dir="$(abs_dir "${1:-}")"
    [ -e "$dir" ] || return 0
    [ -e "$dir/$MARKER" ] || die "$dir was not made by '$0 start'; not removing it"
    if is_running "$dir"; then
        as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ||
            die "pg_ctl stop failed for $dir/data"
    fi
    rm -rf -- "$dir" || die "could not remove $dir"
}

case "${1:-install}" in
    install) [ $# -le 1 ] || { usage >&2; exit 2; }; cmd_install ;;
    start)   { [ $# -ge 2 ] && [ $# -le 3 ]; } || { usage >&2; exit 2; }; cmd_start "$2" "${3:-}" ;;
    stop)    [ $# -eq 2 ] || { usage >&2; exit 2; }; cmd_stop "$2" ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
esac
