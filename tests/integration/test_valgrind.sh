#!/bin/sh
# test_valgrind.sh: the main commands and one `fwhub serve` session (device answers, a
# targeted download over HTTP/1.1 and HTTP/2, a status report, metrics, SIGTERM) under
# valgrind's memcheck: no memory error and no block definitely or indirectly lost at the
# exit (h2o 2.2.5's own remains aside, tests/valgrind/h2o.supp). `make valgrind` runs the
# whole integration suite the same way.
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null; then
    echo "ok 1 - valgrind # SKIP valgrind is not installed (scripts/deps.sh installs it)"
    echo "1..1"
    exit 0
fi
if ldd "$FWHUB" 2>/dev/null | grep -q libasan; then
    echo "ok 1 - valgrind # SKIP $FWHUB is built with AddressSanitizer (SAN=1)"
    echo "1..1"
    exit 0
fi
VG_REAL=$(cd "$(dirname "$FWHUB")" && pwd)
VG_LOGS=$TMP/vg
export VG_REAL VG_LOGS
mkdir -p "$TMP/bin"
ln -s "$(cd "$(dirname "$0")/../valgrind" && pwd)/memcheck.sh" "$TMP/bin/$(basename "$FWHUB")"
FWHUB=$TMP/bin/$(basename "$FWHUB")
. "$(dirname "$0")/serve_lib.sh"
. "$(dirname "$0")/cli_lib.sh"

# clean LABEL: the reports written since the last call show no error; one TAP line
clean() {
    bad=""
    n=0
    for f in "$VG_LOGS"/*.log; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        grep -q 'ERROR SUMMARY: 0 errors' "$f" || bad="$bad $f"
    done
    if [ "$n" -gt 0 ] && [ -z "$bad" ]; then
        pass "$1: $n process(es), no memory error, nothing lost"
    else
        fail "$1: $n report(s)" "$(for f in $bad; do grep -E 'lost in|Invalid|uninit|ERROR SUMMARY' "$f" | head -n 8; done)"
    fi
    mkdir -p "$TMP/seen"
    mv "$VG_LOGS"/*.log "$TMP/seen/" 2>/dev/null
}

# the command line -------------------------------------------------------------------------
R=$TMP/repo
make_repo "$R"
clean "release add, devices import"
image "$TMP/src/fix.bin" 50000
"$FWHUB" --repo "$R" target create --mac $MAC1 --issue T-1 --version 10.2.1-custom --model $V2 \
    --firmware "$TMP/src/fix.bin" --expires 2030-01-01 >/dev/null
expect_eq "target create under valgrind: exit 0" "$?" 0
for args in "target list --all" "target show $MAC1 --json" "release list" "devices list" \
    "validate" "audit" "audit verify" "report" "target create --mac nonsense"; do
    "$FWHUB" --repo "$R" $args >/dev/null 2>&1
done
"$FWHUB" --repo "$R" keygen --out "$TMP/keys" >/dev/null 2>&1
"$FWHUB" --repo "$R" sign --key "$TMP/keys/private.pem" >/dev/null 2>&1
"$FWHUB" --repo "$R" target remove $MAC1 >/dev/null 2>&1
clean "target create/list/show/remove, validate, audit, report, keygen, sign, a refused argument"

# one serve session ----------------------------------------------------------------------
. "$(dirname "$0")/serve_lib.sh"
S=$TMP/serve
make_repo "$S" >/dev/null 2>&1 || fail "serve repository"
serve_start "$S" || { fail "server starts under valgrind"; done_testing; exit 1; }
U=/api/v1/devices
get "$BASE$U/AB:CD:EF:12:34:56/update?model=EVSE&version=10.2.0"
expect_eq "targeted answer" "$CODE" 200
URL=$(jget "$BODY" .url)
get "$URL"
expect_eq "targeted download, HTTP/1.1" "$CODE" 200
get "$URL" --http2-prior-knowledge -r 100-199
expect_eq "targeted range, HTTP/2" "$CODE" 206
get "$BASE$U/11:22:33:44:55:66/update?model=EVSE&version=10.2.0"
expect_eq "general answer" "$CODE" 200
get "$BASE$U/AB:CD:EF:12:34:56/status" -X POST -d '{"version":"10.3.1-custom","status":"Installed"}'
expect_eq "status report" "$CODE" 202
get "$BASE$U/zz/update?model=EVSE&version=1"
expect_eq "bad MAC" "$CODE" 400
get "$BASE/metrics"
expect_eq "metrics" "$CODE" 200
serve_stop
expect_eq "SIGTERM: exit 0 (99 would be valgrind's)" "$SERVE_RC" 0
clean "serve: answers, downloads, status, metrics, SIGTERM"
done_testing
