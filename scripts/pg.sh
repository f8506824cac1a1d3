#!/bin/sh
# pg.sh: a throw-away PostgreSQL cluster for tests, in a folder, on a loopback port, run as an
# unprivileged user.
#   pg.sh start DIR PORT   initializes DIR (if empty) and starts the server; prints its URL
#   pg.sh stop DIR         stops it (fast shutdown)
#   pg.sh restart DIR      stops and starts it again on the same port
set -eu
cmd=${1:?usage: pg.sh start DIR PORT | stop DIR | restart DIR}
dir=${2:?usage: pg.sh start DIR PORT | stop DIR | restart DIR}
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

case $cmd in
start)
    port=${3:?usage: pg.sh start DIR PORT}
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
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    ;;
restart)
    port=$(cat "$dir/fwhub.port")
    as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
    ;;
*)
    echo "pg.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
