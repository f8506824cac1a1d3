#!/bin/sh
# test_portal.sh: the customer portal with curl: the form, the fix, the general release, one
# neutral page for unknown / wrong / nothing, escaping, feedback, audit records, rate limit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

R=$TMP/repo
XSS_MAC=22:22:33:44:55:01 # a fix whose texts carry markup
NONE_MAC=22:22:33:44:55:02 # known, no model: nothing to offer
make_repo "$R" || { fail "build the repository"; done_testing; exit 1; }
printf 'mac,serial,model,customer\n%s,SER-XSS,EVSE,Eve\n%s,SER-NONE,,Nobody\n' \
    "$XSS_MAC" "$NONE_MAC" >"$TMP/in/more.csv"
head -c 1000 /dev/urandom >"$TMP/in/xss.bin"
run "$FWHUB" --repo "$R" devices import "$TMP/in/more.csv"
expect_rc "more devices imported" 0
run "$FWHUB" --repo "$R" target create --mac "$XSS_MAC" --issue T-1 --version 10.3.2-x \
    --model EVSE --firmware "$TMP/in/xss.bin" --days 10 \
    --changelog '<script>alert("changelog")</script> & more' \
    --fix '<img src=x onerror=alert(1)>' --support-contact 'help@example.com'
expect_rc "a target with markup in its texts" 0

# post PATH FORM [CURL-OPTION...]: POST an url-encoded form; body in $BODY, status in
# $CODE, headers in $HEAD
post() {
    path=$1
    form=$2
    shift 2
    CODE=$(curl -s -o "$TMP/.body" -D "$TMP/.head" -w '%{http_code}' --data "$form" "$@" \
        "$BASE$path")
    BODY=$(cat "$TMP/.body")
    HEAD=$(tr -d '\r' <"$TMP/.head")
}

# records EVENT: how many audit records of EVENT are committed
records() {
    "$FWHUB" --repo "$R" audit --event "$1" --json | grep -c "\"event\":\"$1\""
}

# last_record EVENT: the newest record of EVENT, as JSON
last_record() {
    "$FWHUB" --repo "$R" audit --event "$1" --json | grep "\"event\":\"$1\"" | tail -n 1 |
        sed 's/,$//'
}

serve_start "$R" --portal-rate 0 || { fail "server starts"; done_testing; exit 1; }

# ---- the form ----
get "$BASE/" -D "$TMP/.head"
HEAD=$(tr -d '\r' <"$TMP/.head")
expect_eq "form: 200" "$CODE" 200
expect_in "form: posts to /lookup" "$BODY" 'action="/lookup"'
expect_in "form: a labelled MAC field" "$BODY" '<label for="mac">'
expect_in "form: named mac" "$BODY" 'name="mac"'
expect_in "form: named serial" "$BODY" 'name="serial"'
expect_in "form: HTML" "$HEAD" 'content-type: text/html; charset=utf-8'
expect_in "form: CSP without scripts" "$HEAD" "content-security-policy: default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
expect_in "form: nosniff" "$HEAD" 'x-content-type-options: nosniff'
expect_not_in "form: no script element" "$BODY" '<script'
CODE=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -I "$BASE/")
expect_eq "form: HEAD 200 without a body" "$CODE" "200 0"
get "$BASE/" -X DELETE -D "$TMP/.head"
expect_eq "form: DELETE 405" "$CODE" 405
expect_in "form: 405 names what is allowed" "$(tr -d '\r' <"$TMP/.head")" 'allow: GET, HEAD'
get "$BASE/lookup" -D "$TMP/.head"
expect_eq "lookup: GET 405" "$CODE" 405
expect_in "lookup: only POST" "$(tr -d '\r' <"$TMP/.head")" 'allow: POST'
CODE=$(curl -s -o /dev/null -w '%{http_code}' -I "$BASE/lookup")
expect_eq "lookup: HEAD 405" "$CODE" 405
get "$BASE/feedback"
expect_eq "feedback: GET 405" "$CODE" 405
get "$BASE/nothing"
expect_eq "other paths stay 404" "$CODE" 404

# ---- a fix, in another MAC spelling, serial in lower case ----
N0=$(records portal.lookup)
post /lookup 'mac=ab-cd-ef-12-34-56&serial=ser-secret-1'
expect_eq "fix: 200" "$CODE" 200
expect_in "fix: no-store" "$HEAD" 'cache-control: no-store'
expect_in "fix: CSP" "$HEAD" "frame-ancestors 'none'"
expect_in "fix: version" "$BODY" 'Version 10.3.1-custom'
expect_in "fix: changelog" "$BODY" 'relay fix'
expect_in "fix: fix description" "$BODY" '<li>relay timing</li>'
expect_in "fix: installation steps" "$BODY" 'How to install it'
expect_in "fix: verification steps" "$BODY" 'How to check that it worked'
expect_in "fix: support contact" "$BODY" 'support@example.com'
expect_in "fix: expiry and days left" "$BODY" 'offered until 2030-01-01 ('
expect_in "fix: the stable version to go back to" "$BODY" 'stable firmware 10.3.0'
expect_in "fix: link to the stable image" "$BODY" 'href="/firmware/EVSE/EVSE_10_3_0.bin"'
expect_in "fix: feedback form" "$BODY" 'action="/feedback"'
expect_not_in "fix: no customer name" "$BODY" 'Jane Secretname'
expect_not_in "fix: no ticket" "$BODY" 'TICKET-SECRET-9'
expect_eq "fix: one portal.lookup record, committed before the answer" "$(records portal.lookup)" $((N0 + 1))
REC=$(last_record portal.lookup)
expect_eq "fix: audited result" "$(jget "$REC" .result)" fix
expect_eq "fix: audited actor" "$(jget "$REC" .actor)" portal
expect_eq "fix: audited client" "$(jget "$REC" .client_addr)" 127.0.0.1
expect_eq "fix: audited device" "$(jget "$REC" .subject_mac)" AB:CD:EF:12:34:56
expect_eq "fix: audited version" "$(jget "$REC" .target_version)" 10.3.1-custom

LINK=$(printf '%s' "$BODY" | sed -n 's/.*id="download" download href="\([^"]*\)".*/\1/p' | sed 's/&amp;/\&/g')
expect_in "fix: the download is a token link" "$LINK" '/targeted/firmware/AB_CD_EF_12_34_56/EVSE_10_3_1_custom.bin?token='
CODE=$(curl -s -o "$TMP/fix.bin" -w '%{http_code}' "$BASE$LINK")
expect_eq "fix: the token link downloads" "$CODE" 200
WANT=$(sed -n 's/.*"checksum": *"sha256:\([0-9a-f]*\)".*/\1/p' "$R/targeted/AB_CD_EF_12_34_56.json")
expect_eq "fix: the file's sha256 is the catalog's" "$(sha256sum "$TMP/fix.bin" | cut -d' ' -f1)" "$WANT"
expect_in "fix: the page shows that checksum" "$BODY" "$WANT"
CODE=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/targeted/firmware/AB_CD_EF_12_34_56/EVSE_10_3_1_custom.bin")
expect_eq "fix: without the token the image is a 404" "$CODE" 404

for m in AB:CD:EF:12:34:56 abcdef123456 AB_CD_EF_12_34_56 ABCD.EF12.3456 '%20ab:cd:ef:12:34:56%20'; do
    post /lookup "mac=$m&serial=SER-SECRET-1"
    expect_in "fix for the spelling $m" "$BODY" 'Version 10.3.1-custom'
done

# ---- a general release ----
post /lookup 'mac=11%3A22%3A33%3A44%3A55%3A66&serial=SER-SECRET-2'
expect_eq "general: 200" "$CODE" 200
expect_in "general: the newest release" "$BODY" 'Version 10.3.0'
expect_in "general: link to the general image" "$BODY" 'href="/firmware/EVSE/EVSE_10_3_0.bin"'
expect_not_in "general: no token" "$BODY" 'token='
expect_eq "general: audited" "$(jget "$(last_record portal.lookup)" .result)" general

# ---- one neutral page ----
N0=$(records portal.lookup)
post /lookup 'mac=AB:CD:EF:12:34:57&serial=SER-SECRET-1'
UNKNOWN="$CODE $BODY"
expect_eq "unknown MAC: audited" "$(jget "$(last_record portal.lookup)" .result)" unknown_mac
post /lookup 'mac=AB:CD:EF:12:34:56&serial=SER-SECRET-2'
WRONG="$CODE $BODY"
expect_eq "wrong serial: audited" "$(jget "$(last_record portal.lookup)" .result)" wrong_serial
post /lookup "mac=$NONE_MAC&serial=SER-NONE"
NOTHING="$CODE $BODY"
expect_eq "no update: audited" "$(jget "$(last_record portal.lookup)" .result)" no_update
expect_eq "unknown MAC and wrong serial: the same status and page" "$UNKNOWN" "$WRONG"
expect_eq "no update: the same status and page" "$NOTHING" "$WRONG"
expect_in "neutral page: 200 and its text" "$WRONG" "200 "
expect_in "neutral page: says nothing was found" "$WRONG" 'No update found'
expect_not_in "neutral page: does not repeat the MAC" "$WRONG" 'AB:CD:EF'
expect_eq "neutral pages: one record each" "$(records portal.lookup)" $((N0 + 3))

# ---- escaping ----
post /lookup "mac=$XSS_MAC&serial=SER-XSS"
expect_in "markup: the fix is shown" "$BODY" 'Version 10.3.2-x'
expect_in "markup: the changelog as text" "$BODY" '&lt;script&gt;alert(&quot;changelog&quot;)&lt;/script&gt; &amp; more'
expect_not_in "markup: no script element" "$BODY" '<script'
expect_in "markup: the fix description as text" "$BODY" '&lt;img src=x onerror=alert(1)&gt;'
expect_not_in "markup: no img element" "$BODY" '<img'
post /lookup 'mac=%22%3E%3Cscript%3Ex&serial=%3Cb%3E'
expect_eq "a bad MAC: 400" "$CODE" 400
expect_in "a bad MAC: says what is wrong" "$BODY" 'The MAC address is not valid'
expect_in "a bad MAC: typed text shown escaped" "$BODY" 'value="&quot;&gt;&lt;script&gt;x"'
expect_not_in "a bad MAC: no script element" "$BODY" '<script'
post /lookup 'mac=AB:CD:EF:12:34:56&serial=+'
expect_eq "an empty serial: 400" "$CODE" 400
expect_in "an empty serial: says so" "$BODY" 'enter the serial number'

# ---- bad requests ----
post /lookup '{"mac":"AB:CD:EF:12:34:56"}' -H 'Content-Type: application/json'
expect_eq "JSON body: 415" "$CODE" 415
post /lookup "mac=AB:CD:EF:12:34:56&serial=$(head -c 9000 /dev/zero | tr '\0' 'x')"
expect_eq "a body over 8 KiB: 413" "$CODE" 413
post /lookup 'mac=AB:CD:EF:12:34:56&mac=11:22:33:44:55:66&serial=SER-SECRET-1'
expect_eq "a field twice: 400" "$CODE" 400
expect_in "a field twice: names it" "$BODY" '"mac"'
post /lookup "mac=AB:CD:EF:12:34:56&serial=$(head -c 200 /dev/zero | tr '\0' 'x')"
expect_eq "a serial too long: 400" "$CODE" 400
post /lookup 'mac=AB:CD:EF:12:34:56&serial=%FF%FE'
expect_eq "a serial that is not UTF-8: 400" "$CODE" 400
post /lookup 'mac=AB:CD:EF:12:34:56&serial=%ZZ'
expect_eq "a broken escape: 400" "$CODE" 400

# ---- feedback ----
N0=$(records portal.feedback)
post /feedback 'mac=ab-cd-ef-12-34-56&serial=SER-SECRET-1&solved=no&comment=still+trips+%3Cb%3Eat+16+A%3C%2Fb%3E'
expect_eq "feedback: 200" "$CODE" 200
expect_in "feedback: thanks" "$BODY" 'Thank you'
expect_in "feedback: not solved names support" "$BODY" 'support@example.com'
expect_eq "feedback: one record, committed before the answer" "$(records portal.feedback)" $((N0 + 1))
REC=$(last_record portal.feedback)
expect_eq "feedback: result" "$(jget "$REC" .result)" not_solved
expect_eq "feedback: the comment" "$(jget "$REC" .detail)" 'still trips <b>at 16 A</b>'
expect_eq "feedback: the fix" "$(jget "$REC" .target_version)" 10.3.1-custom
expect_eq "feedback: the device" "$(jget "$REC" .subject_mac)" AB:CD:EF:12:34:56
run "$FWHUB" --repo "$R" report --json
expect_in "report: feedback counted" "$OUT" '"not_solved": 1'
expect_in "report: a follow-up for a fix that did not help" "$OUT" '"kind": "fix_not_solved"'
run "$FWHUB" --repo "$R" report
expect_in "report text: a feedback column" "$OUT" 'SOLVED/NOT'
expect_in "report text: the follow-up" "$OUT" 'did not solve the problem'
post /feedback 'mac=ab-cd-ef-12-34-56&serial=SER-SECRET-1&solved=yes&comment='
expect_eq "feedback yes: 200" "$CODE" 200
expect_eq "feedback yes: result" "$(jget "$(last_record portal.feedback)" .result)" solved
post /feedback 'mac=ab-cd-ef-12-34-56&serial=WRONG&solved=yes&comment=x'
expect_eq "feedback with a wrong serial: the neutral page" "$CODE $BODY" "$WRONG"
expect_eq "feedback with a wrong serial: no feedback record" "$(records portal.feedback)" $((N0 + 2))
expect_eq "feedback with a wrong serial: audited as a lookup" "$(jget "$(last_record portal.lookup)" .detail)" via=feedback
post /feedback 'mac=11:22:33:44:55:66&serial=SER-SECRET-2&solved=yes'
expect_eq "feedback without a fix: the neutral page" "$CODE $BODY" "$WRONG"
post /feedback 'mac=ab-cd-ef-12-34-56&serial=SER-SECRET-1&solved=maybe'
expect_eq "feedback without yes or no: 400" "$CODE" 400
post /feedback "mac=ab-cd-ef-12-34-56&serial=SER-SECRET-1&solved=no&comment=$(head -c 1001 /dev/zero | tr '\0' 'x')"
expect_eq "feedback with a comment over 1000 bytes: 400" "$CODE" 400
expect_eq "refused feedback: no record" "$(records portal.feedback)" $((N0 + 2))

# ---- a store that cannot commit: no page without its record ----
DB=$R/.fwhub/fwhub.db
sqlite3 "$DB" "CREATE TRIGGER refuse BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'test refuses'); END"
N0=$(records portal.lookup)
post /lookup 'mac=AB:CD:EF:12:34:56&serial=SER-SECRET-1'
expect_eq "commit failed: 503" "$CODE" 503
expect_in "commit failed: Retry-After: 1" "$HEAD" 'retry-after: 1'
expect_in "commit failed: a page saying to try again" "$BODY" 'Please try again'
expect_not_in "commit failed: nothing of the fix" "$BODY" '10.3.1-custom'
post /feedback 'mac=AB:CD:EF:12:34:56&serial=SER-SECRET-1&solved=yes'
expect_eq "commit failed: feedback 503 too" "$CODE" 503
sqlite3 "$DB" "DROP TRIGGER refuse"
expect_eq "commit failed: no record" "$(records portal.lookup)" "$N0"
post /lookup 'mac=AB:CD:EF:12:34:56&serial=SER-SECRET-1'
expect_eq "the store works again: the fix" "$CODE" 200

get "$BASE/metrics"
expect_in "metrics: lookups by result" "$BODY" 'fwhub_portal_lookups_total{result="fix"}'
expect_in "metrics: feedback" "$BODY" 'fwhub_portal_feedback_total{result="not_solved"} 1'
run "$FWHUB" --repo "$R" audit verify
expect_rc "the audit chain holds" 0
serve_stop

# ---- the rate limit: 10 a minute per client address ----
serve_start "$R" || { fail "server starts"; done_testing; exit 1; }
N0=$(records portal.lookup)
i=0
codes=
same=yes
for last in 50 51 52 53 54 55 56 57 58 59; do
    # a walk over MACs around the known one; the known one with a wrong serial among them
    post /lookup "mac=AB:CD:EF:12:34:$last&serial=SER-GUESS"
    codes="$codes$CODE "
    [ "$CODE $BODY" = "$WRONG" ] || same=no
done
expect_eq "flood: the first 10 lookups answered" "$codes" "200 200 200 200 200 200 200 200 200 200 "
expect_eq "flood: known and unknown MACs answered alike" "$same" yes
post /lookup 'mac=AB:CD:EF:12:34:60&serial=SER-GUESS'
expect_eq "flood: the 11th is 429" "$CODE" 429
RETRY=$(printf '%s\n' "$HEAD" | sed -n 's/^retry-after: *\([0-9][0-9]*\)$/\1/p')
if [ -n "$RETRY" ] && [ "$RETRY" -ge 1 ] && [ "$RETRY" -le 60 ]; then
    pass "flood: Retry-After in seconds ($RETRY)"
else
    fail "flood: Retry-After in seconds" "headers: $HEAD"
fi
LIMITED="$CODE $BODY"
post /lookup 'mac=AB:CD:EF:12:34:56&serial=SER-SECRET-1'
expect_eq "flood: even the right serial waits, with the same page" "$CODE $BODY" "$LIMITED"
post /feedback 'mac=ab-cd-ef-12-34-56&serial=SER-SECRET-1&solved=yes'
expect_eq "flood: feedback shares the limit" "$CODE" 429
expect_eq "flood: 10 lookups and one rate_limited record" "$(records portal.lookup)" $((N0 + 11))
expect_eq "flood: the refusal is audited" "$(jget "$(last_record portal.lookup)" .result)" rate_limited
post /lookup 'mac=AB:CD:EF:12:34:56&serial=SER-SECRET-1' --interface 127.0.0.2
expect_eq "another client address is not limited" "$CODE" 200
expect_in "another client address gets its fix" "$BODY" 'Version 10.3.1-custom'
expect_eq "another client address: audited with its address" "$(jget "$(last_record portal.lookup)" .client_addr)" 127.0.0.2
get "$BASE/metrics"
expect_in "metrics: refusals counted" "$BODY" 'fwhub_portal_lookups_total{result="rate_limited"} 3'
get "$BASE/healthz"
expect_eq "the device API is not limited" "$CODE" 200
serve_stop
expect_eq "server stops cleanly" "$SERVE_RC" 0

done_testing
