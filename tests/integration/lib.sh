# lib.sh: helpers for integration tests written in sh; they print TAP.
# Source it, then call `ok`, `expect_*`, and end with `done_testing`.
set -u
: "${FWHUB:?FWHUB must name the fwhub binary}"
TN=0
TFAIL=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fwhub-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

pass() { TN=$((TN + 1)); echo "ok $TN - $1"; }
fail() { TN=$((TN + 1)); TFAIL=$((TFAIL + 1)); echo "not ok $TN - $1"; shift; for l in "$@"; do echo "# $l"; done; }

# run CMD...: runs fwhub's command with output in $OUT / $ERR and status in $RC
run() {
    "$@" >"$TMP/.out" 2>"$TMP/.err"
    RC=$?
    OUT=$(cat "$TMP/.out")
    ERR=$(cat "$TMP/.err")
}

# expect_rc DESC CODE: the last run exited with CODE
expect_rc() {
    if [ "$RC" -eq "$2" ]; then pass "$1"; else fail "$1" "exit status $RC, expected $2" "stdout: $OUT" "stderr: $ERR"; fi
}

# expect_in DESC TEXT NEEDLE: TEXT contains NEEDLE (fixed string)
expect_in() {
    if printf '%s' "$2" | grep -qF -- "$3"; then pass "$1"; else fail "$1" "missing: $3" "in: $2"; fi
}

# expect_not_in DESC TEXT NEEDLE
expect_not_in() {
    if printf '%s' "$2" | grep -qF -- "$3"; then fail "$1" "unexpected: $3" "in: $2"; else pass "$1"; fi
}

# expect_eq DESC GOT WANT
expect_eq() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got: $2" "want: $3"; fi
}

done_testing() {
    echo "1..$TN"
    [ "$TFAIL" -eq 0 ]
}
