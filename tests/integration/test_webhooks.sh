#!/bin/sh
# test_webhooks.sh: `fwhub serve --webhooks`: signed deliveries to a receiver on 127.0.0.1,
# one per event, retried after failures, kept across a restart, each attempt audited.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

unset FWHUB_DB
R=$TMP/repo
DB=$R/.fwhub/fwhub.db
U=/api/v1/devices
A=AB:CD:EF:12:34:56
B=11:22:33:44:55:66
RECV=$(dirname "$0")/webhook_receiver.py
make_repo "$R" || { fail "build the repository"; done_testing; exit 1; }
printf 'test-secret-0123456789abcdef\n' >"$TMP/secret"
printf 'another-secret-0123456789abcdef\n' >"$TMP/wrong"

RECV_PIDS=
# receiver_start NAME SECRET: a receiver logging into $TMP/NAME.log; sets RPORT
receiver_start() {
    rm -f "$TMP/$1.port"
    python3 "$RECV" --secret-file "$2" --port-file "$TMP/$1.port" --log "$TMP/$1.log" \
        --fail-while "$TMP/$1.fail" &
    RECV_PIDS="$RECV_PIDS $!"
    i=0
    while [ ! -s "$TMP/$1.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    RPORT=$(cat "$TMP/$1.port")
}
OTHER_PID=
trap 'serve_kill; for p in $RECV_PIDS $OTHER_PID; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

# hooks FILE URL EVENTS: a config with one hook
hooks() {
    printf '[{"url": "%s", "events": %s, "secret_file": "secret"}]\n' "$2" "$3" >"$1"
}

# deliveries LOG FILTER: lines of the receiver's log for which the python FILTER on r holds
deliveries() {
    [ -e "$1" ] || { echo 0; return; }
    python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    n += bool(eval(sys.argv[2]))
print(n)' "$1" "$2"
}

# wait_deliveries LOG FILTER N: until N lines match (60 s at most); prints the count
wait_deliveries() {
    i=0
    while [ "$(deliveries "$1" "$2")" -lt "$3" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    deliveries "$1" "$2"
}

# field LOG EVENT PATH: a value of the last delivery of EVENT's body, like .details.status
field() {
    python3 -c '
import json, sys
last = None
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["event"] == sys.argv[2] and r["answered"] == 200:
        last = r
v = last and last["body"]
for k in sys.argv[3].strip(".").split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("null" if v is None else v)' "$1" "$2" "$3"
}

sql() { sqlite3 "$DB" "$1"; }

case $FWHUB in /*) ;; *) FWHUB=$(pwd)/$FWHUB ;; esac

# a wrong config is refused with the file, the place and what was expected ------------------
cd "$TMP" || exit 1
hooks "$TMP/bad.json" "ftp://127.0.0.1/x" '["*"]'
run "$FWHUB" serve --repo "$R" --listen 127.0.0.1:0 --webhooks "$TMP/bad.json"
expect_rc "config: an ftp URL: exit 1" 1
expect_in "config: the URL named" "$ERR" 'bad.json:1:3: [0].url: expected a URL starting with http:// or https://'
hooks "$TMP/bad.json" "http://127.0.0.1/x" '["target.made"]'
run "$FWHUB" serve --repo "$R" --listen 127.0.0.1:0 --webhooks "$TMP/bad.json"
expect_in "config: an unknown event named" "$ERR" '[0].events[0]: "target.made" is not an event'
printf '[{"url": "http://127.0.0.1/x", "events": ["*"], "secret_file": "nope"}]' >"$TMP/bad.json"
run "$FWHUB" serve --repo "$R" --listen 127.0.0.1:0 --webhooks "$TMP/bad.json"
expect_in "config: a missing secret file named" "$ERR" '[0].secret_file: cannot read'
printf '[{"url": "http://127.0.0.1/x", "events": ["*"], "secret_file": "secret", "tls": 1}]' >"$TMP/bad.json"
run "$FWHUB" serve --repo "$R" --listen 127.0.0.1:0 --webhooks "$TMP/bad.json"
expect_in "config: an unknown key named" "$ERR" '[0].tls: unknown key'
cd - >/dev/null || exit 1

receiver_start ok "$TMP/secret"
hooks "$TMP/hooks.json" "http://127.0.0.1:$RPORT/hook" '["*"]'
LOG=$TMP/ok.log
serve_start "$R" --webhooks "$TMP/hooks.json" || { fail "server starts"; done_testing; exit 1; }

# target.created (and target.expiring: it expires in 3 days) ----------------------------------
"$FWHUB" --repo "$R" target create --mac $B --issue T-77 --version 10.3.2-custom --model EVSE \
    --firmware "$TMP/in/EVSE_10_3_1_custom.bin" --days 3 --fix "meter drift" >/dev/null
n=$(wait_deliveries "$LOG" 'r["event"] == "target.created" and r["answered"] == 200' 1)
expect_eq "target created: one delivery" "$n" 1
expect_eq "target created: the signature verifies" \
    "$(deliveries "$LOG" 'r["event"] == "target.created" and r["signature_ok"]')" 1
expect_eq "target created: body: event, MAC, model, version, ticket, customer" \
    "$(field "$LOG" target.created .event) $(field "$LOG" target.created .mac) $(field "$LOG" target.created .model) $(field "$LOG" target.created .version) $(field "$LOG" target.created .ticket) $(field "$LOG" target.created .customer)" \
    "target.created $B EVSE 10.3.2-custom T-77 Joe Hiddenname"
expect_eq "target created: the delivery id in the body and X-Fwhub-Delivery" \
    "$(deliveries "$LOG" 'r["event"] == "target.created" and r["body"]["id"] == r["delivery"] and len(r["delivery"]) > 16')" 1
expect_eq "target created: application/json" \
    "$(deliveries "$LOG" 'r["content_type"] == "application/json"')" "$(deliveries "$LOG" 'True')"
expect_eq "target created: the target there at start is not announced" \
    "$(deliveries "$LOG" 'r["event"] == "target.created" and r["body"]["mac"] == "'$A'"')" 0
n=$(wait_deliveries "$LOG" 'r["event"] == "target.expiring"' 1)
expect_eq "target expiring within 7 days: one delivery" "$n" 1
expect_eq "target expiring: its expiry" "$(field "$LOG" target.expiring .version)" 10.3.2-custom

# target.first_answered once, target.downloaded each time --------------------------------------
get "$BASE$U/$A/update?model=EVSE&version=10.2.0"
URL=$(jget "$BODY" .url)
get "$BASE$U/$A/update?model=EVSE&version=10.2.0"
curl -s -o /dev/null "$URL"
n=$(wait_deliveries "$LOG" 'r["event"] == "target.downloaded"' 1)
expect_eq "first answer: one delivery for two answers" \
    "$(wait_deliveries "$LOG" 'r["event"] == "target.first_answered"' 1)" 1
expect_eq "first answer: the device's fix" \
    "$(field "$LOG" target.first_answered .mac) $(field "$LOG" target.first_answered .version) $(field "$LOG" target.first_answered .ticket)" \
    "$A 10.3.1-custom TICKET-SECRET-9"
expect_eq "downloaded: one delivery" "$n" 1

# device.failure, fix.confirmed ------------------------------------------------------------------
get "$BASE$U/$B/status" -X POST -d '{"version":"10.2.0","status":"InstallationFailed","detail":"flash error 7"}'
n=$(wait_deliveries "$LOG" 'r["event"] == "device.failure"' 1)
expect_eq "failure report: one device.failure" "$n" 1
expect_eq "device.failure: status and detail" \
    "$(field "$LOG" device.failure .details.status) / $(field "$LOG" device.failure .details.detail)" \
    "InstallationFailed / flash error 7"
get "$BASE$U/$A/status" -X POST -d '{"version":"10.3.1-custom","status":"Installed"}'
sleep 0.5
expect_eq "Installed alone confirms nothing" "$(deliveries "$LOG" 'r["event"] == "fix.confirmed"')" 0
get "$BASE$U/$A/update?model=EVSE&version=10.3.1-custom"
n=$(wait_deliveries "$LOG" 'r["event"] == "fix.confirmed"' 1)
expect_eq "Installed, then a check-in running the fix: fix.confirmed" "$n" 1
get "$BASE$U/$A/update?model=EVSE&version=10.3.1-custom"
sleep 0.5
expect_eq "fix.confirmed only once" "$(deliveries "$LOG" 'r["event"] == "fix.confirmed"')" 1

# retries: the receiver answers 500 until it recovers ----------------------------------------------
touch "$TMP/ok.fail"
get "$BASE$U/$B/status" -X POST -d '{"version":"10.2.0","status":"DownloadFailed","detail":"retry me"}'
n=$(wait_deliveries "$LOG" 'r["event"] == "device.failure" and r["answered"] == 500' 2)
expect_eq "receiver failing: attempted again after a 500" "$([ "$n" -ge 2 ] && echo yes)" yes
rm -f "$TMP/ok.fail"
n=$(wait_deliveries "$LOG" 'r["event"] == "device.failure" and r["answered"] == 200 and r["body"]["details"]["detail"] == "retry me"' 1)
expect_eq "receiver back: delivered" "$n" 1
expect_eq "retried: the same delivery id each attempt" \
    "$(python3 -c '
import json, sys
ids = {json.loads(l)["delivery"] for l in open(sys.argv[1]) if "retry me" in l}
print(len(ids))' "$LOG")" 1
sleep 0.3
expect_eq "retries: each failed attempt audited (webhook.failed, retry)" \
    "$(sql "SELECT count(*) >= 2 FROM audit WHERE event = 'webhook.failed' AND result = 'retry' AND detail LIKE '%HTTP 500%'")" 1

# a restart with a delivery pending ------------------------------------------------------------------
touch "$TMP/ok.fail"
get "$BASE$U/$B/status" -X POST -d '{"version":"10.2.0","status":"InvalidSignature","detail":"pending across restart"}'
n=$(wait_deliveries "$LOG" '"pending across restart" in json.dumps(r)' 1)
serve_stop
expect_eq "server 1 stops cleanly: exit 0" "$SERVE_RC" 0
expect_eq "restart: stopped with one delivery pending" "$(ls "$R/.fwhub/webhooks/spool" | grep -c '\.json$')" 1
rm -f "$TMP/ok.fail"
before=$(deliveries "$LOG" 'r["event"] == "target.created"')
serve_start "$R" --webhooks "$TMP/hooks.json" || fail "server starts again"
n=$(wait_deliveries "$LOG" '"pending across restart" in json.dumps(r) and r["answered"] == 200' 1)
expect_eq "restart: the pending delivery is delivered" "$n" 1
sleep 0.5
expect_eq "restart: the spool is empty" "$(ls "$R/.fwhub/webhooks/spool" | grep -c '\.json$')" 0
expect_eq "restart: known targets are not announced again" \
    "$(deliveries "$LOG" 'r["event"] == "target.created"')" "$before"
expect_eq "restart: no second first_answered" \
    "$(get "$BASE$U/$A/update?model=EVSE&version=10.2.0"; sleep 0.5; deliveries "$LOG" 'r["event"] == "target.first_answered"')" 1

# kill -9 with a delivery pending ---------------------------------------------------------------------
touch "$TMP/ok.fail"
get "$BASE$U/$B/status" -X POST -d '{"version":"10.2.0","status":"InstallVerificationFailed","detail":"pending across kill"}'
n=$(wait_deliveries "$LOG" '"pending across kill" in json.dumps(r)' 1)
kill -KILL "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=
rm -f "$TMP/ok.fail"
serve_start "$R" --webhooks "$TMP/hooks.json" || fail "server starts after kill -9"
n=$(wait_deliveries "$LOG" '"pending across kill" in json.dumps(r) and r["answered"] == 200' 1)
expect_eq "kill -9: the pending delivery is delivered after the restart" "$n" 1

# reports come from the store: another instance's, and those made while this one was down ---------
W_PID=$SERVE_PID W_BASE=$BASE
serve_start "$R" || fail "a second instance without webhooks starts on the same store"
OTHER_PID=$SERVE_PID O_BASE=$BASE
SERVE_PID=$W_PID BASE=$W_BASE
get "$O_BASE$U/$B/status" -X POST -d '{"version":"10.2.0","status":"DownloadFailed","detail":"told the other"}'
expect_eq "a failure reported to the other instance: 202" "$CODE" 202
n=$(wait_deliveries "$LOG" '"told the other" in json.dumps(r) and r["answered"] == 200' 1)
expect_eq "is delivered by the instance with webhooks, which reads the committed reports" "$n" 1
expect_eq "with the address it came from" "$(field "$LOG" device.failure .details.client)" 127.0.0.1
# a fix installed and run on a device that talks only to the other instance is confirmed too:
# the Installed report from the store, the check-in from the shared inventory
get "$O_BASE$U/$B/status" -X POST -d '{"version":"10.3.2-custom","status":"Installed"}'
get "$O_BASE$U/$B/update?model=EVSE&version=10.3.2-custom"
n=$(wait_deliveries "$LOG" 'r["event"] == "fix.confirmed" and r["body"]["mac"] == "'$B'"' 1)
expect_eq "a fix confirmed through the other instance: fix.confirmed" "$n" 1
expect_eq "fix.confirmed: the version it runs" \
    "$(field "$LOG" fix.confirmed .mac) $(field "$LOG" fix.confirmed .version)" "$B 10.3.2-custom"
serve_stop
get "$O_BASE$U/$B/status" -X POST -d '{"version":"10.2.0","status":"InstallationFailed","detail":"while it was down"}'
expect_eq "a failure reported while the webhook instance is stopped: 202" "$CODE" 202
sleep 0.3
serve_start "$R" --webhooks "$TMP/hooks.json" || fail "the webhook instance starts again"
n=$(wait_deliveries "$LOG" '"while it was down" in json.dumps(r) and r["answered"] == 200' 1)
expect_eq "is delivered once it is back" "$n" 1
expect_eq "and no earlier failure a second time" \
    "$(deliveries "$LOG" '"told the other" in json.dumps(r) and r["answered"] == 200')" 1
kill -TERM "$OTHER_PID"
wait "$OTHER_PID"
expect_eq "the other instance stops cleanly" "$?" 0
OTHER_PID=

# a second instance with --webhooks stands by, and takes over when the first dies ----------------
W_PID=$SERVE_PID W_BASE=$BASE
serve_start "$R" --webhooks "$TMP/hooks.json" || fail "a standby instance starts"
OTHER_PID=$SERVE_PID O_BASE=$BASE O_LOG=$SERVE_LOG
SERVE_PID=$W_PID BASE=$W_BASE
expect_in "the second instance stands by" "$(cat "$O_LOG")" "webhooks_standby"
get "$O_BASE/metrics"
expect_in "its metrics say it does not deliver" "$BODY" "fwhub_webhook_active 0"
get "$BASE/metrics"
expect_in "the first one's say it does" "$BODY" "fwhub_webhook_active 1"
get "$O_BASE$U/$B/status" -X POST -d '{"version":"10.2.0","status":"DownloadFailed","detail":"two deliverers?"}'
n=$(wait_deliveries "$LOG" '"two deliverers?" in json.dumps(r)' 1)
sleep 1.5
expect_eq "a failure is delivered once, not by each instance" \
    "$(deliveries "$LOG" '"two deliverers?" in json.dumps(r)')" 1
kill -KILL "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=$OTHER_PID BASE=$O_BASE SERVE_LOG=$O_LOG
OTHER_PID=
get "$BASE$U/$B/status" -X POST -d '{"version":"10.2.0","status":"InstallationFailed","detail":"after the takeover"}'
n=$(wait_deliveries "$LOG" '"after the takeover" in json.dumps(r) and r["answered"] == 200' 1)
expect_eq "kill -9 of the delivering instance: the standby takes over and delivers" "$n" 1
expect_in "and says so in its log" "$(cat "$SERVE_LOG")" "webhooks_active"
expect_eq "nothing delivered before is delivered again" \
    "$(deliveries "$LOG" '"two deliverers?" in json.dumps(r)') $(deliveries "$LOG" '"told the other" in json.dumps(r)')" "1 1"

# every delivery audited; the chain holds; metrics --------------------------------------------------
ok=$(deliveries "$LOG" 'r["answered"] == 200')
i=0
while [ "$(sql "SELECT count(*) FROM audit WHERE event = 'webhook.delivered'")" -lt "$ok" ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
expect_eq "audit: one webhook.delivered per delivery" \
    "$(sql "SELECT count(*) FROM audit WHERE event = 'webhook.delivered'")" "$ok"
run "$FWHUB" --repo "$R" audit --event 'webhook.*'
expect_in "fwhub audit lists webhook records" "$OUT" "webhook.delivered"
run "$FWHUB" --repo "$R" audit verify
expect_rc "audit verify passes" 0
get "$BASE/metrics"
expect_in "metrics: delivered attempts" "$BODY" 'fwhub_webhook_attempts_total{result="delivered"}'
expect_in "metrics: nothing pending" "$BODY" 'fwhub_webhook_pending 0'
serve_stop
expect_eq "server 2 stops cleanly: exit 0" "$SERVE_RC" 0

# a receiver with another secret sees a signature that does not match ------------------------------
receiver_start wrong "$TMP/wrong"
hooks "$TMP/hooks2.json" "http://127.0.0.1:$RPORT/hook" '["device.failure"]'
serve_start "$R" --webhooks "$TMP/hooks2.json" || fail "server starts with the second hook"
get "$BASE$U/$B/status" -X POST -d '{"version":"10.2.0","status":"InstallationFailed"}'
n=$(wait_deliveries "$TMP/wrong.log" 'not r["signature_ok"]' 1)
expect_eq "wrong secret: the receiver detects the mismatch" "$([ "$n" -ge 1 ] && echo yes)" yes
expect_eq "wrong secret: nothing accepted" "$(deliveries "$TMP/wrong.log" 'r["signature_ok"]')" 0
sleep 0.3
expect_eq "wrong secret: the refusal is audited (HTTP 401)" \
    "$(sql "SELECT count(*) >= 1 FROM audit WHERE event = 'webhook.failed' AND detail LIKE '%HTTP 401%'")" 1
serve_stop
expect_eq "server 3 stops cleanly: exit 0" "$SERVE_RC" 0
expect_eq "SIGTERM with a delivery pending: exit 0" "$SERVE_RC" 0

# given up after 24 h; a URL no hook has any more; a spool file fwhub did not write --------------
SP=$R/.fwhub/webhooks/spool
hooks "$TMP/hooks3.json" "http://127.0.0.1:9/closed" '["*"]'
old=$(($(date +%s) - 25 * 3600))
printf '{"v":1,"id":"0000000000001-00000000000000aa","url":"http://127.0.0.1:9/closed","event":"device.failure","mac":"%s","version":"10.2.0","created":%s,"attempts":40,"body":"{}"}' \
    "$B" "$old" >"$SP/0000000000001-00000000000000aa.json"
printf 'not json' >"$SP/0000000000002-00000000000000bb.json"
serve_start "$R" --webhooks "$TMP/hooks3.json" || fail "server starts with the third config"
i=0
while [ "$(sql "SELECT count(*) FROM audit WHERE event = 'webhook.failed' AND result IN ('gave_up', 'no_hook')")" -lt 2 ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
expect_eq "older than 24 h and failing: given up, audited" \
    "$(sql "SELECT subject_mac, detail LIKE '%0000000000001-00000000000000aa%' FROM audit WHERE event = 'webhook.failed' AND result = 'gave_up'")" "$B|1"
expect_eq "a delivery to a URL no hook has: dropped, audited" \
    "$(sql "SELECT count(*) FROM audit WHERE event = 'webhook.failed' AND result = 'no_hook'")" 1
expect_eq "the spool keeps only the file it cannot read" "$(ls "$SP")" "0000000000002-00000000000000bb.json"
expect_in "the unreadable spool file is logged" "$(cat "$SERVE_LOG")" "webhook_spool_bad"
serve_stop
expect_eq "server 4 stops cleanly: exit 0" "$SERVE_RC" 0
run "$FWHUB" --repo "$R" audit verify
expect_rc "audit verify passes at the end" 0
done_testing
