#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the store tests and print the URL to use.
#
#   eval "$(bash .ci/postgres.sh)"     # sets DEMANDCAST_TEST_POSTGRES_URL
#
# Idempotent: installs Debian's `postgresql` only when no server binaries are found,
# creates the cluster only once, reuses a server that is already running. The server
# is private to the tests (own data dir, port 54329, loopback only, trust auth) and
# never touches the system cluster. The export line also goes to $ENV_FILE.
# Logs go to stderr; stdout carries only the export line.
set -euo pipefail

PORT="${DEMANDCAST_PG_PORT:-54329}"
ROOT="${DEMANDCAST_PG_ROOT:-/tmp/demandcast-pg}"
DATA="$ROOT/data"
ENV_FILE="$ROOT/env"
DB="demandcast_test"
ROLE="demandcast"

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
        echo "$dir"
    fi
}

BINDIR="$(find_bindir)"
if [ -z "$BINDIR" ]; then
    log "no PostgreSQL server found: installing Debian's postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    BINDIR="$(find_bindir)"
    if [ -z "$BINDIR" ]; then
        log "postgresql installed but no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
        exit 1
    fi
fi

# PostgreSQL refuses to run as root: run its tools as the `postgres` user then.
if [ "$(id -u)" = 0 ]; then
    as_pg() { runuser -u postgres -- "$@"; }
    OWNER="postgres"
else
    as_pg() { "$@"; }
    OWNER="$(id -un)"
fi

mkdir -p "$ROOT"
chmod 755 "$ROOT"
if [ "$(id -u)" = 0 ]; then chown postgres: "$ROOT"; fi

if [ ! -s "$DATA/PG_VERSION" ]; then
    log "creating cluster in $DATA"
    as_pg "$BINDIR/initdb" -D "$DATA" -U "$OWNER" --auth=trust --encoding=UTF8 \
        --no-locale >"$ROOT/initdb.log" 2>&1 || { cat "$ROOT/initdb.log" >&2; exit 1; }
fi

# Ask the server itself: after a killed session, a stale postmaster.pid whose pid was
# reused by another process makes `pg_ctl status` report a server that is not there.
if "$BINDIR/pg_isready" -q -h "$ROOT" -p "$PORT" >/dev/null 2>&1; then
    log "server already running on port $PORT"
else
    if [ -f "$DATA/postmaster.pid" ]; then
        log "removing stale $DATA/postmaster.pid"
        rm -f "$DATA/postmaster.pid"
    fi
    log "starting server on 127.0.0.1:$PORT"
    # fsync off: a test server whose data may be lost; it makes the tests faster.
    as_pg "$BINDIR/pg_ctl" -D "$DATA" -l "$ROOT/server.log" -w -t 60 \
        -o "-p $PORT -k $ROOT -c listen_addresses=127.0.0.1 -c fsync=off" start >&2 \
        || { tail -n 20 "$ROOT/server.log" >&2; exit 1; }
fi

psql_admin() { as_pg "$BINDIR/psql" -h "$ROOT" -p "$PORT" -U "$OWNER" -d postgres -v ON_ERROR_STOP=1 -tAq "$@"; }

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
    psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD '$ROLE'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
    psql_admin -c "CREATE DATABASE $DB OWNER $ROLE"
fi

LINE="export DEMANDCAST_TEST_POSTGRES_URL=postgresql+psycopg://$ROLE:$ROLE@127.0.0.1:$PORT/$DB"
echo "$LINE" >"$ENV_FILE"
echo "$LINE"
