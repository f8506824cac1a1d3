#!/bin/sh
# run.sh: runs every test (unit, integration, browser) and ends with one line "N passed, N failed".
# Each test program speaks TAP ("ok ..." / "not ok ..."); a program that dies without
# finishing its plan counts as one failure.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FWHUB=${FWHUB:-$BUILD/fwhub}
export FWHUB BUILD
FWHUB=$(cd "$(dirname "$FWHUB")" && pwd)/$(basename "$FWHUB")
LOG=$BUILD/test-logs
mkdir -p "$LOG"
passed=0
failed=0

tally() { # name logfile status
    p=$(grep -c '^ok ' "$2")
    f=$(grep -c '^not ok ' "$2")
    plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$2" | head -n 1)
    if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $1 exited with status $3" >>"$2"
    elif [ -n "$plan" ] && [ $((p + f)) -lt "$plan" ]; then
        f=$((f + plan - p - f))
        echo "not ok - $1 ran $((p)) of $plan planned tests" >>"$2"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        echo "FAIL $1 ($p passed, $f failed)"
        grep -E '^(not ok|#)' "$2" | head -n 40 | sed 's/^/    /'
    else
        echo "ok   $1 ($p passed)"
    fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.d) continue ;; esac
    name=unit/$(basename "$t")
    CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$LOG/$(basename "$t").log" 2>&1
    tally "$name" "$LOG/$(basename "$t").log" $?
done

for t in tests/integration/test_*.sh; do
    [ -f "$t" ] || continue
    name=integration/$(basename "$t" .sh)
    timeout 600 sh "$t" >"$LOG/$(basename "$t").log" 2>&1
    tally "$name" "$LOG/$(basename "$t").log" $?
done

# browser tests: Debian's chromium driven by playwright-core (tests/browser/lib.mjs)
for t in tests/browser/test_*.mjs; do
    [ -f "$t" ] || continue
    name=browser/$(basename "$t" .mjs)
    timeout 600 node "$t" >"$LOG/$(basename "$t").log" 2>&1
    tally "$name" "$LOG/$(basename "$t").log" $?
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
