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
echo "== event store: committed audit records per second, group commit vs one transaction per event (bench/store.c) =="
"$BUILD/bench/store" "${BENCH_STORE_EVENTS:-20000}" "$dir"
echo
echo "== serving: update answers and downloads, fwhub beside nginx (bench/serve.sh) =="
FWHUB=${FWHUB:-$BUILD/fwhub} sh bench/serve.sh
