#!/bin/sh
# test_serve_pg.sh: `fwhub serve --db postgresql://...`: a targeted answer leaves exactly one
# committed record, the command line reads the same store, and while the database is away a
# targeted answer fails closed (503) while acknowledged events wait and are committed after;
# webhooks read their failure reports and Installed reports back from PostgreSQL.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
. "$(dirname "$0")/pg_lib.sh"

R=$TMP/repo
U=/api/v1/devices
A=AB:CD:EF:12:34:56
B=11:22:33:44:55:66
pg_start
export FWHUB_DB=$PG_URL # the command line's change records go there too
make_repo "$R" || { fail "build the repository"; done_testing; exit 1; }
# a password in the URL (the throw-away cluster trusts local connections and ignores it)
PW_URL=$(printf '%s' "$PG_URL" | sed 's|://postgres@|://postgres:s3cret-pw@|')
serve_start "$R" --db "$PW_URL" || { fail "server starts"; done_testing; exit 1; }
expect_in "the log names the database" "$(cat "$SERVE_LOG")" "recording events into postgresql://postgres:***@"
audits() { pg_sql "SELECT count(*) FROM audit WHERE event = '$1'"; }

expect_eq "the command line's changes are in PostgreSQL" "$(audits target.created)" 1
get "$BASE$U/$A/update?model=EVSE&version=10.2.0" -A "evse-agent/2.1"
n=$(audits target.answered)
expect_eq "targeted answer: 200" "$CODE" 200
expect_eq "targeted answer: exactly one target.answered is committed when it arrives" "$n" 1
expect_eq "target.answered: actor, client, user agent, version" \
    "$(pg_sql "SELECT actor, client_addr, user_agent, target_version FROM audit
               WHERE event = 'target.answered'")" \
    "device:$A|127.0.0.1|evse-agent/2.1|10.3.1-custom"
URL=$(jget "$BODY" .url)
CODE=$(curl -s -o /dev/null -w '%{http_code}' "$URL")
expect_eq "targeted download: 200" "$CODE" 200
expect_eq "targeted download: target.downloaded is committed" "$(audits target.downloaded)" 1
get "$BASE$U/$A/status" -X POST -d '{"version":"10.3.1-custom","status":"Installed"}'
expect_eq "status report: 202" "$CODE" 202

# bytes that are not UTF-8 (PostgreSQL refuses them in text) become '?', in the record and its hash
get "$BASE$U/$A/update?model=EVSE&version=10.2.0" -A "$(printf 'odd-\377\376-agent')"
expect_eq "a User-Agent that is not UTF-8: still answered" "$CODE" 200
expect_eq "and recorded with '?' for each stray byte" \
    "$(pg_sql "SELECT user_agent FROM audit WHERE user_agent LIKE 'odd-%'")" "odd-??-agent"

# the characters of an array literal pass as they are (a group's rows are sent as arrays)
get "$BASE$U/$A/update?model=EVSE&version=10.2.0" -A 'q"uote\back,{x} NULL'
expect_eq "quotes, backslashes, braces and commas are kept" \
    "$(pg_sql "SELECT user_agent FROM audit WHERE user_agent LIKE 'q%'")" 'q"uote\back,{x} NULL'

run "$FWHUB" audit --db "$PG_URL" --event 'target.*'
expect_rc "audit --db postgresql:// exits 0" 0
expect_in "and lists the server's record" "$OUT" "target.answered"
run "$FWHUB" audit verify --db "$PG_URL"
expect_rc "audit verify --db postgresql:// passes" 0
expect_in "and counts the records (four of the command line, four of the server)" "$OUT" "8 records"
run "$FWHUB" report --db "$PG_URL" --json
expect_rc "report --db postgresql:// exits 0" 0

# the database goes away ----------------------------------------------------------------------
sh "$PG_SH" stop "$PG_DIR"
get "$BASE$U/$B/update?model=EVSE&version=10.2.0"
expect_eq "database away: a general answer is still given" "$CODE" 200
get "$BASE$U/$A/status" -X POST -d '{"version":"10.3.1-custom","status":"Installed","detail":"while away"}'
expect_eq "database away: a status report is acknowledged (queued)" "$CODE" 202
get "$BASE$U/$A/update?model=EVSE&version=10.2.0" -m 30
expect_eq "database away: a targeted answer fails closed with 503" "$CODE" 503
get "$BASE/metrics"
expect_in "metrics: the database is down" "$BODY" "fwhub_store_database_up 0"
sh "$PG_SH" restart "$PG_DIR"
i=0
while [ "$(pg_sql "SELECT count(*) FROM status_reports WHERE detail = 'while away'" 2>/dev/null)" != 1 ] &&
    [ $i -lt 200 ]; do
    sleep 0.1
    i=$((i + 1))
done
expect_eq "database back: the acknowledged status report is committed" \
    "$(pg_sql "SELECT count(*) FROM status_reports WHERE detail = 'while away'")" 1
get "$BASE$U/$A/update?model=EVSE&version=10.2.0"
expect_eq "database back: targeted answers again" "$CODE" 200
expect_eq "the answer refused with 503 left no record; the later one did" \
    "$(audits target.answered)" 4
get "$BASE/metrics"
expect_in "metrics: up again" "$BODY" "fwhub_store_database_up 1"
expect_not_in "metrics: reconnected" "$BODY" "fwhub_store_reconnects_total 0"
serve_stop
expect_eq "the server stops cleanly" "$SERVE_RC" 0
expect_not_in "the password never reaches the log" "$(cat "$SERVE_LOG")" "s3cret-pw"

# webhooks on PostgreSQL: a device failure and a fix confirmed, read back from the database -----
printf 'pg-hook-secret-0123456789\n' >"$TMP/secret"
rm -f "$TMP/hook.port"
python3 "$(dirname "$0")/webhook_receiver.py" --secret-file "$TMP/secret" \
    --port-file "$TMP/hook.port" --log "$TMP/hook.log" --fail-while "$TMP/hook.fail" &
RECV=$!
i=0
while [ ! -s "$TMP/hook.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
printf '[{"url": "http://127.0.0.1:%s/hook", "events": ["device.failure", "fix.confirmed"], "secret_file": "secret"}]\n' \
    "$(cat "$TMP/hook.port")" >"$TMP/hooks.json"
serve_start "$R" --db "$PG_URL" --webhooks "$TMP/hooks.json" ||
    { fail "server starts with webhooks"; kill "$RECV"; done_testing; exit 1; }
get "$BASE$U/$B/status" -X POST -d '{"version":"10.2.0","status":"InstallationFailed","detail":"pg hook"}'
hooks() { # FILTER: deliveries accepted (200) for which the python FILTER on r holds
    python3 -c '
import json, sys
n = 0
try:
    for line in open(sys.argv[1]):
        r = json.loads(line)
        n += r["answered"] == 200 and bool(eval(sys.argv[2]))
except FileNotFoundError:
    pass
print(n)' "$TMP/hook.log" "$1"
}
i=0
while [ "$(hooks '"pg hook" in json.dumps(r)')" -lt 1 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "webhooks on PostgreSQL: the failure report is delivered" "$(hooks '"pg hook" in json.dumps(r)')" 1
# A reports Installed for its fix (its reports from before this first start with webhooks
# are not announced), then checks in running it
get "$BASE$U/$A/status" -X POST -d '{"version":"10.3.1-custom","status":"Installed"}'
sleep 0.5
get "$BASE$U/$A/update?model=EVSE&version=10.3.1-custom"
i=0
while [ "$(hooks 'r["event"] == "fix.confirmed"')" -lt 1 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "webhooks on PostgreSQL: fix.confirmed" "$(hooks 'r["event"] == "fix.confirmed"')" 1
serve_stop
kill "$RECV" 2>/dev/null
expect_eq "the server with webhooks stops cleanly" "$SERVE_RC" 0
run "$FWHUB" audit verify --db "$PG_URL"
expect_rc "audit verify passes at the end" 0
done_testing
