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
echo "== signed answers and --require-signed on the same $N targets (bench/signed.c) =="
"$BUILD/bench/signed" "$dir/repo"
rm -rf "$dir/repo"
echo
echo "== the device library's download check and signature, beside openssl dgst (bench/verify.c) =="
head -c 1200000 /dev/urandom >"$dir/image-1.2MB.bin"
head -c 67108864 /dev/urandom >"$dir/image-64MB.bin"
"$BUILD/bench/verify" "$dir/image-1.2MB.bin" "$dir/image-64MB.bin"
for f in "$dir/image-1.2MB.bin" "$dir/image-64MB.bin"; do
    openssl dgst -sha256 "$f" >/dev/null # warm the page cache like the library's run
    best=
    for round in 1 2 3; do
        t0=$(date +%s%N)
        openssl dgst -sha256 "$f" >/dev/null
        t=$((($(date +%s%N) - t0) / 1000))
        [ -z "$best" ] || [ "$t" -lt "$best" ] && best=$t
    done
    size=$(wc -c <"$f" | tr -d ' ')
    awk -v f="$f" -v s="$size" -v us="$best" 'BEGIN {
        printf "openssl dgst -sha256 %-28s %9d bytes   %8.2f ms (%6.0f MB/s), best of 3, process start included\n",
            substr(f, length(f) - 15), s, us / 1000, s / us }'
done
echo
echo "== serving: update answers and downloads, fwhub beside nginx (bench/serve.sh) =="
FWHUB=${FWHUB:-$BUILD/fwhub} sh bench/serve.sh
