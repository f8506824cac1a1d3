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
echo "== signed answers and --require-signed on the same $N targets (bench/signed.c) =="
"$BUILD/bench/signed" "$dir/repo"
rm -rf "$dir/repo"
echo
echo "== the device library's download check and signature, beside openssl dgst (bench/verify.c) =="
head -c 1200000 /dev/urandom >"$dir/image-1.2MB.bin"
head -c 67108864 /dev/urandom >"$dir/image-64MB.bin"
"$BUILD/bench/verify" "$dir/image-1.2MB.bin" "$dir/image-64MB.bin" | tee "$dir/verify.out"
# best_us CMD...: the best of 3 wall times of CMD, in microseconds
best_us() {
    best=
    for round in 1 2 3; do
        t0=$(date +%s%N)
        "$@" >/dev/null
        t=$((($(date +%s%N) - t0) / 1000))
        if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    done
    echo "$best"
}
start=$(best_us openssl dgst -sha256 /dev/null) # the cost of starting openssl, to subtract
for f in "$dir/image-1.2MB.bin" "$dir/image-64MB.bin"; do
    openssl dgst -sha256 "$f" >/dev/null # warm the page cache like the library's run
    us=$(best_us openssl dgst -sha256 "$f")
    size=$(wc -c <"$f" | tr -d ' ')
    awk -v f="${f##*/}" -v s="$size" -v us="$us" -v st="$start" 'BEGIN {
        h = us - st; if (h < 1) h = 1
        printf "openssl dgst -sha256 %-17s %9d bytes   %8.2f ms (%6.0f MB/s) without its %.2f ms start\n",
            f, s, h / 1000, s / h, st / 1000 }'
    lib=$(awk -v f="${f##*/}" '$3 == f { print $6 }' "$dir/verify.out")
    awk -v f="${f##*/}" -v lib="$lib" -v h="$us" -v st="$start" 'BEGIN {
        h = h - st; if (h < 1) h = 1
        printf "ratio fwdev/openssl (hashing time, lower is faster) %-17s %.2fx\n", f, lib * 1000 / h }'
done
echo
echo "== serving: update answers and downloads, fwhub beside nginx (bench/serve.sh) =="
FWHUB=${FWHUB:-$BUILD/fwhub} sh bench/serve.sh
echo
echo "== event store: SQLite beside PostgreSQL, one and two writer processes (bench/store_pg.sh) =="
BUILD=$BUILD sh bench/store_pg.sh
