#!/bin/sh
# test_store_pg.sh: the event store's unit tests (tests/unit/test_store.c) against PostgreSQL:
# a throw-away cluster, FWHUB_TEST_DB naming it; each cmocka test is one TAP line here.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
BUILD=${BUILD:-$(dirname "$FWHUB")}

CUT_PID=
serve_kill() { [ -z "$CUT_PID" ] || kill "$CUT_PID" 2>/dev/null; }

pg_start
# pgcut.py loses the answer to the first COMMIT that passes it (the commit in doubt that did
# commit)
: >"$TMP/cut.out"
python3 "$(dirname "$0")/pgcut.py" "$(cat "$PG_DIR/fwhub.port")" >"$TMP/cut.out" 2>&1 &
CUT_PID=$!
i=0
while ! grep -q '^port ' "$TMP/cut.out" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
export FWHUB_TEST_DB_CUT="postgresql://postgres@127.0.0.1:$(sed -n 's/^port //p' "$TMP/cut.out")/postgres"
FWHUB_TEST_DB=$PG_URL CMOCKA_MESSAGE_OUTPUT=TAP "$BUILD/tests/test_store" >"$TMP/unit.log" 2>&1
rc=$?
while IFS= read -r line; do
    case $line in
    "ok "*) pass "postgresql: ${line#ok * - }" ;;
    "not ok "*) fail "postgresql: ${line#not ok * - }" "$(grep -v '^ok ' "$TMP/unit.log" | head -n 20)" ;;
    esac
done <"$TMP/unit.log"
[ "$rc" -eq 0 ] || fail "test_store on PostgreSQL exited with status $rc" "$(tail -n 20 "$TMP/unit.log")"
# every T(...) of test_store.c's list runs on PostgreSQL (on SQLite all but the last four)
expect_eq "every store test ran on PostgreSQL" "$(grep -c '^ok ' "$TMP/unit.log")" \
    "$(grep -c '^        T(' "$(dirname "$0")/../unit/test_store.c")"
done_testing
