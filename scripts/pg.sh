#!/bin/sh
# pg.sh: a throw-away PostgreSQL cluster for tests, in a folder, on a loopback port, run as an
# unprivileged user.
#   pg.sh start DIR [PORT] initializes DIR (if empty) and starts the server on PORT (a free
#                          one when omitted or 0); prints its URL
#   pg.sh stop DIR         stops it (fast shutdown); nothing to do when it is not running
#   pg.sh restart DIR      stops and starts it again on the same port
#   pg.sh kill DIR         stops it at once (immediate shutdown: crash recovery at start)
set -eu
usage="usage: pg.sh start DIR [PORT] | stop DIR | restart DIR | kill DIR"
cmd=${1:?$usage}
dir=${2:?$usage}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "pg.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }

# as root, the cluster belongs to the unprivileged user postgres (PostgreSQL refuses root)
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# a free TCP port on the loopback (the kernel's choice; a race with another program taking it
# before the server does is possible, and fails the start visibly)
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_server() { # port
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
        -o "-p $1 -k $dir -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null ||
        { tail -n 20 "$dir/server.log" >&2; exit 1; }
}

running() {
    as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1
}

case $cmd in
start)
    port=${3:-0}
    [ "$port" != 0 ] || port=$(free_port)
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        # the test's own temporary parent is usually 0700: postgres must be able to enter it
        chmod o+x "$(dirname "$dir")"
        chown postgres "$dir"
    fi
    chmod 700 "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
        as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust --no-sync -E UTF8 \
            >"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; exit 1; }
    fi
    echo "$port" >"$dir/fwhub.port"
    start_server "$port"
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    [ -f "$dir/PG_VERSION" ] || exit 0
    ! running || as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    ;;
kill)
    ! running || as_owner "$bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null
    ;;
restart)
    port=$(cat "$dir/fwhub.port")
    ! running || as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    start_server "$port"
    ;;
*)
    echo "pg.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
