#!/bin/sh
# run.sh: runs each libFuzzer binary given for FUZZ_SECONDS (default 10) over a copy of its
# seed corpus in tests/fuzz/corpus/<name>/; prints executions and crashes per target and
# fails when any target crashed. Crashing inputs are kept in build/fuzz/crashes/<name>/.
set -u
cd "$(dirname "$0")/../.."
SECS=${FUZZ_SECONDS:-10}
OUT=build/fuzz
failed=0

for bin in "$@"; do
    name=$(basename "$bin")
    short=${name#fuzz_}
    work=$OUT/work/$short
    crashes=$OUT/crashes/$short
    log=$OUT/logs/$name.log
    rm -rf "$work" "$crashes"
    mkdir -p "$work" "$crashes" "$OUT/logs"
    cp tests/fuzz/corpus/"$short"/* "$work"/ 2>/dev/null
    dict=
    case $short in
    jv | target | manifest) dict=-dict=tests/fuzz/json.dict ;;
    status | answer) dict=-dict=tests/fuzz/device.dict ;;
    devreq | httpcond) dict=-dict=tests/fuzz/$short.dict ;;
    esac
    # -timeout: an input taking over 10 s counts as a hang; -rss_limit_mb bounds memory
    nice "$bin" $dict -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$work" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    if [ "$rc" -eq 0 ]; then
        printf 'ok   %-14s %4ss %10s runs  cov %-5s  0 crashes\n' "$name" "$SECS" "${execs:-?}" \
            "${cov:-?}"
    else
        failed=$((failed + 1))
        printf 'FAIL %-14s %4ss %10s runs  cov %-5s  crashed (status %s), see %s\n' "$name" \
            "$SECS" "${execs:-?}" "${cov:-?}" "$rc" "$log"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz check failed|.*runtime error)' "$log" | head -n 5 |
            sed 's/^/    /'
        ls "$crashes" | sed 's/^/    input: /' | tail -n 3
    fi
done
[ "$failed" -eq 0 ]
