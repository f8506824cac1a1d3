#!/bin/sh
# test_serve_reload.sh: targets added, changed and broken while clients keep asking; SIGHUP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

R=$TMP/repo
make_repo "$R" || { fail "build the repository"; done_testing; exit 1; }
serve_start "$R" || { fail "server starts"; done_testing; exit 1; }
Q="/api/v1/devices/11:22:33:44:55:66/update?model=EVSE&version=10.2.0"

# wait_kind KIND VERSION: polls until the second device is offered KIND VERSION (10 s at most)
wait_kind() {
    i=0
    while [ $i -lt 100 ]; do
        get "$BASE$Q"
        [ "$(jget "$BODY" .kind) $(jget "$BODY" .version)" = "$1 $2" ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# clients that keep asking during every change; each status code goes to a file
: >"$TMP/codes"
(
    while [ ! -f "$TMP/stop" ]; do
        curl -s -o /dev/null -w '%{http_code}\n' "$BASE$Q" >>"$TMP/codes"
        curl -s -o /dev/null -w '%{http_code}\n' \
            "$BASE/api/v1/devices/AB:CD:EF:12:34:56/update?model=EVSE&version=10.2.0" >>"$TMP/codes"
    done
) &
LOOP=$!

get "$BASE$Q"
expect_eq "before: general" "$(jget "$BODY" .kind)" general

head -c 2000 /dev/urandom >"$TMP/in/b1.bin"
"$FWHUB" --repo "$R" target create --mac 11:22:33:44:55:66 --issue T-2 --version 10.3.2-b1 \
    --model EVSE --firmware "$TMP/in/b1.bin" --changelog b1 >/dev/null
wait_kind targeted 10.3.2-b1
expect_eq "a target added on disk is picked up" "$?" 0

head -c 2000 /dev/urandom >"$TMP/in/b2.bin"
"$FWHUB" --repo "$R" target create --mac 11:22:33:44:55:66 --issue T-2 --version 10.3.3-b2 \
    --model EVSE --firmware "$TMP/in/b2.bin" --changelog b2 --replace >/dev/null
wait_kind targeted 10.3.3-b2
expect_eq "a changed target is picked up" "$?" 0

cp "$R/targeted/11_22_33_44_55_66.json" "$TMP/good.json"
printf '{"devices": [' >"$R/targeted/11_22_33_44_55_66.json"
i=0
while [ $i -lt 50 ] && ! grep -q reload_failed "$SERVE_LOG"; do sleep 0.1; i=$((i + 1)); done
expect_in "a broken target: reload_failed logged" "$(cat "$SERVE_LOG")" "reload_failed"
expect_in "a broken target: the problem is named" "$(cat "$SERVE_LOG")" \
    "catalog_problem targeted/11_22_33_44_55_66.json"
get "$BASE$Q"
expect_eq "a broken target: the old snapshot still answers" \
    "$(jget "$BODY" .kind) $(jget "$BODY" .version)" "targeted 10.3.3-b2"
kill -HUP "$SERVE_PID"
sleep 0.5
expect_eq "SIGHUP with the broken file: two failures logged" \
    "$(grep -c reload_failed "$SERVE_LOG")" 2
get "$BASE$Q"
expect_eq "after SIGHUP: still the old snapshot" "$(jget "$BODY" .version)" 10.3.3-b2

rm "$R/targeted/11_22_33_44_55_66.json"
wait_kind general 10.3.0
expect_eq "a removed target: back to the general release" "$?" 0
cp "$TMP/good.json" "$R/targeted/11_22_33_44_55_66.json"
kill -HUP "$SERVE_PID"
wait_kind targeted 10.3.3-b2
expect_eq "SIGHUP reloads" "$?" 0

touch "$TMP/stop"
wait "$LOOP"
N=$(wc -l <"$TMP/codes" | tr -d ' ')
BAD=$(grep -vc '^200$' "$TMP/codes")
[ "$N" -gt 20 ] && pass "clients kept asking during the reloads ($N requests)" ||
    fail "clients kept asking" "only $N requests"
expect_eq "every request during the reloads answered 200" "$BAD" 0

get "$BASE/metrics"
expect_in "metrics: failed reloads counted" "$BODY" 'fwhub_catalog_reloads_total{result="failed"} 2'
serve_stop
expect_eq "exit 0" "$SERVE_RC" 0
done_testing
