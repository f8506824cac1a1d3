#!/bin/sh
# bench/run.sh: every benchmark, each beside its baseline in the same run.
set -eu
BUILD=${BUILD:-build}
N=${BENCH_TARGETS:-100000}
dir=$(mktemp -d /tmp/fwhub-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
echo "== catalog load: $N targets (bench/catalog.c) =="
"$BUILD/bench/catalog" "$N" "$dir/repo"
echo
echo "== serving: update answers and downloads, fwhub beside nginx (bench/serve.sh) =="
FWHUB=${FWHUB:-$BUILD/fwhub} sh bench/serve.sh
echo
echo "== event store: SQLite beside PostgreSQL, one and two writer processes (bench/store_pg.sh) =="
BUILD=$BUILD sh bench/store_pg.sh
