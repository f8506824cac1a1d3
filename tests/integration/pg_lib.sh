# pg_lib.sh: a throw-away PostgreSQL cluster for one test (scripts/pg.sh), in $TMP/pg on a free
# loopback port, always stopped at exit. Source after lib.sh (and serve_lib.sh, when used).
PG_SH=$(cd "$(dirname "$0")/../.." && pwd)/scripts/pg.sh
PG_DIR=$TMP/pg
PG_URL=

pg_cleanup() {
    command -v serve_kill >/dev/null 2>&1 && serve_kill
    [ -z "$PG_URL" ] || sh "$PG_SH" stop "$PG_DIR" >/dev/null 2>&1 ||
        sh "$PG_SH" kill "$PG_DIR" >/dev/null 2>&1
    rm -rf "$TMP"
}
trap 'pg_cleanup' EXIT
trap 'exit 1' INT TERM HUP

# pg_start: starts the cluster and sets PG_URL; bails out when PostgreSQL cannot start.
pg_start() {
    PG_URL=$(sh "$PG_SH" start "$PG_DIR" 2>"$TMP/pg.err") || {
        echo "Bail out! PostgreSQL did not start: $(cat "$TMP/pg.err")"
        exit 1
    }
}

# pg_restart: stops (fast) and starts it again on the same port.
pg_restart() {
    sh "$PG_SH" restart "$PG_DIR"
}

# pg_sql SQL: one value (psql -At) from the cluster's database.
pg_sql() {
    psql "$PG_URL" -Atq -v ON_ERROR_STOP=1 -c "$1"
}
