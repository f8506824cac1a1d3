#!/bin/sh
# test_serve_pg.sh: `fwhub serve --db postgresql://...`: a targeted answer leaves exactly one
# committed record, the command line reads the same store, and while the database is away a
# targeted answer fails closed (503) while acknowledged events wait and are committed after.
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
run "$FWHUB" audit verify --db "$PG_URL"
expect_rc "audit verify passes at the end" 0
done_testing
