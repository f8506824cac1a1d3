#!/bin/sh
# test_cli_example.sh: examples/repo is valid, shows what it promises, and is what
# scripts/make-example.sh generates.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd)
R=$TMP/example
cp -R "$TOP/examples/repo" "$R"
export FWHUB_NOW=2025-06-01T00:00:00Z

run "$FWHUB" --repo "$R" validate
expect_rc "examples/repo validates" 0
run "$FWHUB" --repo "$R" validate --check-expiry
expect_rc "with --check-expiry the expired fix is an error" 1
expect_in "naming that fix" "$OUT" "targeted/24_0A_C4_3B_91_0C.json"
expect_not_in "and not the active one" "$OUT" "AB_CD_EF_12_34_56"

run "$FWHUB" --repo "$R" release list
expect_in "two models: EVSEPARKER_V2_GEN2" "$OUT" "EVSEPARKER_V2_GEN2"
expect_in "two models: EVSEPARKER_V3" "$OUT" "EVSEPARKER_V3"
run "$FWHUB" --repo "$R" target list --all
expect_in "an active fix" "$OUT" "AB:CD:EF:12:34:56"
expect_in "an expired fix" "$OUT" "expired"
expect_in "with auto_rollback" "$(cat "$R/targeted/24_0A_C4_3B_91_0C.json")" \
    '"auto_rollback": true'
run "$FWHUB" --repo "$R" devices list
expect_in "known devices" "$OUT" "EVSE3-2024-000117"

if command -v openssl >/dev/null 2>&1; then
    run env FWHUB="$FWHUB" "$TOP/scripts/make-example.sh" "$TMP/generated"
    expect_rc "make-example.sh runs" 0
    if diff -r "$TOP/examples/repo" "$TMP/generated" >"$TMP/diff" 2>&1; then
        pass "examples/repo is what make-example.sh generates"
    else
        fail "examples/repo is what make-example.sh generates" "$(head -n 20 "$TMP/diff")"
    fi
else
    pass "# SKIP make-example.sh needs openssl"
fi

# make run: the demo tours the command line, then serves until stopped; here on a free port
env FWHUB="$FWHUB" FWHUB_DEMO_LISTEN=127.0.0.1:0 "$TOP/scripts/demo.sh" >"$TMP/demo.out" 2>&1 &
demo=$!
port=
for _ in $(seq 1 600); do # up to 60 s: slow under valgrind (make valgrind)
    port=$(sed -n 's/.* info listening 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$TMP/demo.out")
    [ -n "$port" ] && break
    sleep 0.1
done
expect_in "the demo shows the targets" "$(cat "$TMP/demo.out")" "AB:CD:EF:12:34:56"
if [ -n "$port" ]; then
    answer=$(curl -s "http://127.0.0.1:$port/api/v1/devices/AB:CD:EF:12:34:56/update?model=EVSEPARKER_V2_GEN2&version=10.2.0")
    expect_in "the demo server offers the demo's targeted fix" "$answer" '"kind":"targeted"'
    expect_in "signed, with the demo's key" "$answer" '"signature":'
    tok=$(sed -n 's/.*(token \([0-9a-f]*\))$/\1/p' "$TMP/demo.out")
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
        "http://127.0.0.1:$port/api/v1/admin/report")
    expect_eq "the admin API answers the token the demo printed" "$code" 200
    code=$(curl -s -o "$TMP/portal.html" -w '%{http_code}' \
        --data 'mac=AB:CD:EF:12:34:56&serial=EVSE-2024-001234' "http://127.0.0.1:$port/lookup")
    expect_eq "the portal answers the MAC and serial the demo printed" "$code" 200
    expect_in "with the fix" "$(cat "$TMP/portal.html")" "10.2.1-custom"
else
    fail "the demo server starts" "$(tail -n 20 "$TMP/demo.out")"
fi
kill -TERM "$demo" 2>/dev/null
wait "$demo"
expect_eq "the demo server stops on SIGTERM with status 0" "$?" 0

done_testing
