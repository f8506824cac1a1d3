#!/bin/sh
# test_store_pg.sh: the event store's unit tests (tests/unit/test_store.c) against PostgreSQL:
# a throw-away cluster, FWHUB_TEST_DB naming it; each cmocka test is one TAP line here.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
BUILD=${BUILD:-$(dirname "$FWHUB")}

pg_start
FWHUB_TEST_DB=$PG_URL CMOCKA_MESSAGE_OUTPUT=TAP "$BUILD/tests/test_store" >"$TMP/unit.log" 2>&1
rc=$?
while IFS= read -r line; do
    case $line in
    "ok "*) pass "postgresql: ${line#ok * - }" ;;
    "not ok "*) fail "postgresql: ${line#not ok * - }" "$(grep -v '^ok ' "$TMP/unit.log" | head -n 20)" ;;
    esac
done <"$TMP/unit.log"
[ "$rc" -eq 0 ] || fail "test_store on PostgreSQL exited with status $rc" "$(tail -n 20 "$TMP/unit.log")"
expect_eq "every store test ran on PostgreSQL" "$(grep -c '^ok ' "$TMP/unit.log")" 27
done_testing
