#!/bin/sh
# bench/store_pg.sh: audit records per second into the event store, SQLite beside PostgreSQL
# (a throw-away cluster of scripts/pg.sh on this machine), with one writer process and with
# two at once (two fwhub instances on one database), in the same run; prints ratios.
#   sync:   16 threads, each waiting for its record's commit (targeted answers)
#   queued: 4 threads appending without waiting (status reports, refused tokens)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
N=${BENCH_STORE_EVENTS:-10000}
dir=$(mktemp -d /tmp/fwhub-bench-store.XXXXXX)
trap 'sh scripts/pg.sh stop "$dir/pg" >/dev/null 2>&1; rm -rf "$dir"' EXIT
url=$(sh scripts/pg.sh start "$dir/pg")

field() { # NAME FILE...: the sum of NAME=value over the files
    name=$1
    shift
    cat "$@" | sed -n "s/.*$name=\([0-9.]*\).*/\1/p" | awk '{ s += $1 } END { printf "%.0f", s }'
}

now() { date +%s.%N; }

# one DB THREADS MODE: one process; prints its rate
one() {
    "$BUILD/bench/store" --db "$1" "$N" "$2" "$3" >"$dir/o1"
    field rate "$dir/o1"
}

# two DB THREADS MODE: two processes at once, N events each; prints records / wall time
two() {
    t0=$(now)
    "$BUILD/bench/store" --db "$1" "$N" "$2" "$3" >"$dir/o1" &
    p1=$!
    "$BUILD/bench/store" --db "$1" "$N" "$2" "$3" >"$dir/o2" &
    p2=$!
    wait $p1
    wait $p2
    t1=$(now)
    awk -v r="$(field records "$dir/o1" "$dir/o2")" -v a="$t0" -v b="$t1" \
        'BEGIN { printf "%.0f", r / (b - a) }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

printf '%-8s %-26s %12s %12s\n' mode store "1 process" "2 processes"
for m in "16 sync" "4 queued"; do
    set -- $m
    rm -f "$dir/s.db"*
    sq1=$(one "sqlite:$dir/s.db" "$1" "$2")
    sq2=$(two "sqlite:$dir/s.db" "$1" "$2")
    pg1=$(one "$url" "$1" "$2")
    pg2=$(two "$url" "$1" "$2")
    printf '%-8s %-26s %12s %12s  records/s\n' "$2" "SQLite (WAL, FULL)" "$sq1" "$sq2"
    printf '%-8s %-26s %12s %12s  records/s\n' "$2" "PostgreSQL (local, fsync)" "$pg1" "$pg2"
    echo "$2: PostgreSQL/SQLite $(ratio "$pg1" "$sq1") (1 process), $(ratio "$pg2" "$sq2") (2 processes);" \
        "PostgreSQL 2 processes/1 process $(ratio "$pg2" "$pg1")"
done
echo "$N records per process and run, $(nproc) cores; the cluster keeps fsync=on as SQLite keeps synchronous=FULL"
