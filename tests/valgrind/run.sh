#!/bin/sh
# run.sh [TEST...]: the integration suite (or the tests named, e.g. test_device) with every
# fwhub and fwhub-device process under valgrind (`make valgrind`). Prints each test's TAP
# tally, then how many processes ran and which reports hold errors
# (build/valgrind/logs/<pid>.log); fails when any does, or any test fails. The
# hostile-client test (10,000 connections, slowloris, floods) is left out: valgrind runs
# fwhub 20-50 times slower, so its loads would measure valgrind.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
OUT=$BUILD/valgrind
rm -rf "$OUT"
mkdir -p "$OUT/logs" "$OUT/tap" "$OUT/bin"
# a stand-in for the build folder: the programs through memcheck.sh, the tools as they are
for p in fwhub fwhub-device; do
    ln -s "$(pwd)/tests/valgrind/memcheck.sh" "$OUT/bin/$p"
done
ln -s "$(pwd)/$BUILD/tools" "$OUT/bin/tools"
VG_REAL=$(pwd)/$BUILD
VG_LOGS=$(pwd)/$OUT/logs
FWHUB=$(pwd)/$OUT/bin/fwhub
export VG_REAL VG_LOGS FWHUB BUILD
tests=${*:-$(ls tests/integration/test_*.sh)}
start=$(date +%s)
failed_tests=0
for t in $tests; do
    name=$(basename "$t" .sh)
    case $name in test_serve_hostile | test_valgrind) continue ;; esac
    t0=$(date +%s)
    timeout 3600 sh "tests/integration/$name.sh" >"$OUT/tap/$name.log" 2>&1
    rc=$?
    p=$(grep -c '^ok ' "$OUT/tap/$name.log")
    f=$(grep -c '^not ok ' "$OUT/tap/$name.log")
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    [ "$f" -gt 0 ] && failed_tests=$((failed_tests + 1))
    printf '%-4s %-28s %4s passed %3s failed %5ss\n' "$([ "$f" -eq 0 ] && echo ok || echo FAIL)" \
        "$name" "$p" "$f" "$(($(date +%s) - t0))"
done
procs=$(ls "$OUT/logs" | wc -l)
# a report without a summary is a process killed before its exit (a test's SIGKILL)
bad=$(grep -l 'ERROR SUMMARY' "$OUT"/logs/*.log 2>/dev/null | xargs -r grep -L 'ERROR SUMMARY: 0 errors')
unfinished=$(grep -L 'ERROR SUMMARY' "$OUT"/logs/*.log 2>/dev/null | wc -l)
nbad=$(printf '%s' "$bad" | grep -c . || true)
echo "valgrind: $procs processes, $nbad with errors, $unfinished killed before their exit" \
    "(not checked), $failed_tests tests failed, $(($(date +%s) - start))s"
for f in $bad; do
    echo "== $f"
    grep -E 'definitely lost in|indirectly lost in|Invalid|uninitialised|ERROR SUMMARY' "$f" |
        head -n 10
done
[ "$nbad" -eq 0 ] && [ "$failed_tests" -eq 0 ]
