#!/bin/sh
# test_admin_api.sh: the admin API (/api/v1/admin/) and the pages' sessions and CSRF checks,
# with curl against `fwhub serve --admin-token-file`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

R=$TMP/repo
make_repo "$R" || { fail "build the repository"; done_testing; exit 1; }
A=/api/v1/admin
TOK=alice-token-0123456789abcdef
AUTH="Authorization: Bearer $TOK"

# jpy JSON EXPR: evaluates a Python expression over the parsed JSON j.
jpy() {
    printf '%s' "$1" | python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"
}

# --- off without a token file -------------------------------------------------------------
serve_start "$R" || { fail "server starts"; done_testing; exit 1; }
get "$BASE$A/targets" -H "$AUTH"
expect_eq "without --admin-token-file: the admin API answers 404" "$CODE" 404
expect_in "and says how to turn it on" "$BODY" "--admin-token-file"
get "$BASE/admin/targets"
expect_eq "without --admin-token-file: the admin pages answer 404" "$CODE" 404
serve_stop

# --- the token file ---------------------------------------------------------------------------
printf '# admins\nalice %s\nbob bob-token-0123456789abcdef\n' "$TOK" >"$TMP/tokens"
chmod 644 "$TMP/tokens"
run "$FWHUB" serve --repo "$R" --listen 127.0.0.1:0 --admin-token-file "$TMP/tokens"
expect_rc "a token file readable by others: serve refuses to start" 1
expect_in "and says why" "$ERR" "readable or writable by others"
printf 'alice short\n' >"$TMP/bad"
chmod 600 "$TMP/bad"
run "$FWHUB" serve --repo "$R" --listen 127.0.0.1:0 --admin-token-file "$TMP/bad"
expect_rc "a token of 5 characters: serve refuses to start" 1
expect_in "and names file and line" "$ERR" "bad:1:"
chmod 600 "$TMP/tokens"
run "$FWHUB" serve --help
expect_in "--help explains --admin-token-file" "$OUT" "--admin-token-file F"
expect_in "--help explains --max-upload" "$OUT" "--max-upload SIZE"

serve_start "$R" --admin-token-file "$TMP/tokens" --max-upload 64K ||
    { fail "server starts with tokens"; done_testing; exit 1; }

# --- refusals ---------------------------------------------------------------------------------
CODE=$(curl -s -o "$TMP/h" -D "$TMP/hdr" -w '%{http_code}' "$BASE$A/targets")
expect_eq "no token: 401" "$CODE" 401
expect_in "with WWW-Authenticate: Bearer" "$(cat "$TMP/hdr")" "www-authenticate: Bearer"
get "$BASE$A/targets" -H "Authorization: Bearer alice-token-0123456789abcdeX"
expect_eq "a wrong token: 401" "$CODE" 401
expect_in "a JSON error" "$BODY" "not an admin token"
get "$BASE$A/report" -H "Authorization: Basic YWxpY2U6eA=="
expect_eq "not a bearer token: 401" "$CODE" 401
get "$BASE$A/audit?event=admin.refused" -H "$AUTH"
expect_eq "the audit listing answers" "$CODE" 200
expect_eq "each refusal is audited as admin.refused" "$(jpy "$BODY" 'len(j["records"])')" 3
expect_eq "with why" "$(jpy "$BODY" '",".join(r["result"] for r in j["records"])')" \
    "no_token,wrong_token,no_token"
expect_eq "and the path" "$(jpy "$BODY" 'j["records"][0]["detail"]')" "GET $A/targets"

# --- list and show --------------------------------------------------------------------------
get "$BASE$A/targets" -H "$AUTH"
expect_eq "list: 200" "$CODE" 200
expect_eq "list: the target of make_repo" "$(jpy "$BODY" 'j["targets"][0]["mac"]')" AB:CD:EF:12:34:56
expect_eq "list: its customer" "$(jpy "$BODY" 'j["targets"][0]["customer"]')" "Jane Secretname"
expect_eq "list: its state" "$(jpy "$BODY" 'j["targets"][0]["state"]')" active
get "$BASE$A/targets/ab-cd-ef-12-34-56" -H "$AUTH"
expect_eq "show (any MAC spelling): 200" "$CODE" 200
expect_eq "show: the ticket" "$(jpy "$BODY" 'j["target"]["ticket"]')" TICKET-SECRET-9
expect_eq "show: the audit history holds the CLI's target.created" \
    "$(jpy "$BODY" '[r["actor"][:4] for r in j["audit"] if r["event"] == "target.created"]')" "['cli:']"
i=0
while [ $i -lt 510 ]; do
    printf 'url = "%s/api/v1/devices/AB:CD:EF:12:34:56/update?model=EVSE&version=10.2.0"\noutput = "/dev/null"\n' "$BASE"
    i=$((i + 1))
done >"$TMP/checkins"
curl -s -K "$TMP/checkins"
get "$BASE$A/targets/AB:CD:EF:12:34:56" -H "$AUTH"
expect_eq "after 510 check-ins the target shows its newest 500 audit records" \
    "$(jpy "$BODY" 'len(j["audit"])')" 500
expect_eq "and counts them all" "$(jpy "$BODY" 'j["audit_total"] >= 511')" True
expect_eq "the newest last" "$(jpy "$BODY" 'j["audit"][-1]["event"]')" target.answered
get "$BASE$A/targets/02:00:00:00:00:01" -H "$AUTH"
expect_eq "show of a MAC without a target: 404" "$CODE" 404
get "$BASE$A/targets/nonsense" -H "$AUTH"
expect_eq "show of a bad MAC: 400" "$CODE" 400
expect_eq "naming the field" "$(jpy "$BODY" 'j["error"]["field"]')" mac

# --- create with an upload --------------------------------------------------------------------
head -c 40000 /dev/urandom >"$TMP/fix.bin"
create() {
    CODE=$(curl -s -o "$TMP/.body" -w '%{http_code}' -H "$AUTH" "$@" "$BASE$A/targets")
    BODY=$(cat "$TMP/.body")
}
create -F mac=11-22-33-44-55-66 -F issue=HD-77 -F version=10.3.5-fix -F model=EVSE \
    -F firmware=@"$TMP/fix.bin" --form-string 'changelog=<script>alert(1)</script> relay' \
    -F fix=one -F fix=two -F days=10
expect_eq "create with an image upload: 201" "$CODE" 201
expect_eq "create: the canonical MAC" "$(jpy "$BODY" 'j["created"]["mac"]')" 11:22:33:44:55:66
expect_eq "create: the image's sha256" "$(jpy "$BODY" 'j["created"]["sha256"]')" "$(sha256sum "$TMP/fix.bin" | cut -d' ' -f1)"
expect_eq "create: the image is in the repository" \
    "$(sha256sum "$R/targeted/firmware/11_22_33_44_55_66/fix.bin" | cut -d' ' -f1)" \
    "$(sha256sum "$TMP/fix.bin" | cut -d' ' -f1)"
T=$(cat "$R/targeted/11_22_33_44_55_66.json")
expect_in "create: the target file has the ticket" "$T" '"issue_ticket": "HD-77"'
expect_in "create: each fix item" "$T" '"two"'
expect_in "create: serial from devices.csv, as the CLI does" "$T" '"device_serial": "SER-SECRET-2"'
expect_eq "create: no upload left behind" "$(ls "$R/.fwhub" | grep -c upload)" 0
get "$BASE/api/v1/devices/11:22:33:44:55:66/update?model=EVSE&version=10.2.0"
expect_eq "the device API offers the new target at once" "$(jget "$BODY" .kind)" targeted
expect_eq "with its version" "$(jget "$BODY" .version)" 10.3.5-fix
get "$BASE$A/audit?mac=11:22:33:44:55:66&event=target.created" -H "$AUTH"
expect_eq "create is audited with the admin's identity" "$(jpy "$BODY" 'j["records"][0]["actor"]')" admin:alice
expect_eq "and the client" "$(jpy "$BODY" 'j["records"][0]["client_addr"]')" 127.0.0.1

create -F mac=11:22:33:44:55:66 -F issue=HD-78 -F version=10.3.6-fix -F model=EVSE \
    -F firmware=@"$TMP/fix.bin"
expect_eq "create over an existing target: 409" "$CODE" 409
expect_in "pointing to replace" "$BODY" "--replace"
create -F mac=11:22:33:44:55:66 -F version=10.3.6-fix -F model=EVSE -F firmware=@"$TMP/fix.bin"
expect_eq "create without issue: 400" "$CODE" 400
expect_eq "naming the field" "$(jpy "$BODY" 'j["error"]["field"]')" issue
create -F mac=11:22:33:44:55:66 -F issue=X -F version=10.3.6-fix -F model=NOPE \
    -F firmware=@"$TMP/fix.bin" -F replace=on
expect_eq "create for an unknown model: 400" "$CODE" 400
expect_eq "naming the model" "$(jpy "$BODY" 'j["error"]["field"]')" model
create -F mac=11:22:33:44:55:66 -F issue=X -F version=10.3.6-fix -F model=EVSE
expect_eq "create without an image: 400" "$CODE" 400
expect_eq "naming firmware" "$(jpy "$BODY" 'j["error"]["field"]')" firmware
create -F mac=11:22:33:44:55:66 -F colour=blue -F firmware=@"$TMP/fix.bin"
expect_eq "an unknown field: 400" "$CODE" 400
expect_in "naming it" "$BODY" "colour: unknown field"

# --- uploads: size and form -------------------------------------------------------------------
head -c 100000 /dev/urandom >"$TMP/big.bin"
create -F mac=11:22:33:44:55:66 -F issue=X -F version=10.3.7 -F model=EVSE -F firmware=@"$TMP/big.bin"
expect_eq "an image over --max-upload (64K): 413" "$CODE" 413
expect_in "naming the limit" "$BODY" "upload limit of 65536 bytes"
head -c 400000 /dev/urandom >"$TMP/huge.bin"
create -F mac=11:22:33:44:55:66 -F firmware=@"$TMP/huge.bin"
expect_eq "a body far over the limit: 413 before it is read" "$CODE" 413
create -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary 'garbage'
expect_eq "a body without the boundary: 400" "$CODE" 400
expect_in "naming the problem" "$BODY" "no opening boundary"
printf -- '--XyZ\r\nContent-Disposition: form-data; name="firmware"; filename="f.bin"\r\n\r\ncut sho' >"$TMP/cut"
create -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary @"$TMP/cut"
expect_eq "a cut body: 400" "$CODE" 400
expect_in "naming the part and field" "$BODY" 'part 1 (field \"firmware\")'
create -H 'Content-Type: application/json' --data-binary '{}'
expect_eq "not multipart: 400" "$CODE" 400
expect_in "saying what is expected" "$BODY" "expected multipart/form-data"
get "$BASE/api/v1/devices/AB:CD:EF:12:34:56/status" --data-binary @"$TMP/big.bin"
expect_eq "a device status body over 16 KiB is still 413 with uploads on" "$CODE" 413
get "$BASE/healthz" --data-binary @"$TMP/big.bin"
expect_eq "any device-side body over 16 KiB: 413" "$CODE" 413

# --- releases, audit filters, report ----------------------------------------------------------
get "$BASE$A/releases" -H "$AUTH"
expect_eq "releases: 200" "$CODE" 200
expect_eq "releases per model, newest first" "$(jpy "$BODY" 'j["models"][0]["model"] + " " + j["models"][0]["releases"][0]["version"]')" "EVSE 10.3.0"
get "$BASE$A/audit?since=yesterday" -H "$AUTH"
expect_eq "audit with a bad since: 400" "$CODE" 400
expect_eq "naming since" "$(jpy "$BODY" 'j["error"]["field"]')" since
get "$BASE$A/report" -H "$AUTH"
expect_eq "report: 200" "$CODE" 200
printf '%s' "$BODY" >"$TMP/api_report.json"
"$FWHUB" --repo "$R" report --json >"$TMP/cli_report.json"
expect_eq "report: the same document as fwhub report --json (but its time)" \
    "$(python3 -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for d in (a, b): d.pop("generated")
print("same" if a == b else "differ:\n" + json.dumps(a) + "\n" + json.dumps(b))' "$TMP/api_report.json" "$TMP/cli_report.json")" same
get "$BASE$A/report" -H "$AUTH" -X POST
expect_eq "report with POST: 405" "$CODE" 405

# --- archive ----------------------------------------------------------------------------------
get "$BASE$A/targets/11:22:33:44:55:66/archive" -H "$AUTH" -X POST
expect_eq "archive: 200" "$CODE" 200
expect_in "archive: names the folder" "$(jpy "$BODY" 'j["archived"]["folder"]')" "targeted/archive/"
expect_eq "the target file is gone" "$([ -e "$R/targeted/11_22_33_44_55_66.json" ] && echo there || echo gone)" gone
get "$BASE/api/v1/devices/11:22:33:44:55:66/update?model=EVSE&version=10.2.0"
expect_eq "the device API no longer offers it" "$(jget "$BODY" .kind)" general
get "$BASE$A/targets/11:22:33:44:55:66" -H "$AUTH" -X DELETE
expect_eq "archive again: 404" "$CODE" 404
get "$BASE$A/audit?mac=11:22:33:44:55:66&event=target.archived" -H "$AUTH"
expect_eq "archive is audited with the admin's identity" "$(jpy "$BODY" 'j["records"][0]["actor"]')" admin:alice

# --- pages: session cookie and CSRF -------------------------------------------------------------
CODE=$(curl -s -o /dev/null -D "$TMP/hdr" -w '%{http_code}' "$BASE/admin/targets")
expect_eq "a page without a session: 303" "$CODE" 303
expect_in "to the sign-in page" "$(cat "$TMP/hdr")" "location: /admin/signin"
get "$BASE/admin/signin" -d token=wrong-token-0123456789abcd
expect_eq "sign-in with a wrong token: 401" "$CODE" 401
CODE=$(curl -s -o /dev/null -D "$TMP/hdr" -w '%{http_code}' -d "token=$TOK" "$BASE/admin/signin")
expect_eq "sign-in: 303" "$CODE" 303
SC=$(grep -i '^set-cookie:' "$TMP/hdr" | tr -d '\r')
expect_in "the session cookie is HttpOnly" "$SC" "; HttpOnly"
expect_in "the session cookie is SameSite=Strict" "$SC" "; SameSite=Strict"
expect_in "the session cookie is for /admin only" "$SC" "; Path=/admin"
expect_in "the session cookie expires after 12 hours" "$SC" "; Max-Age=43200"
expect_not_in "no Secure flag over plain HTTP" "$SC" "Secure"
SID=$(printf '%s' "$SC" | sed -n 's/.*fwhub_admin=\([0-9a-f]*\);.*/\1/p')
expect_eq "the session id is 256 random bits (64 hex digits)" "${#SID}" 64
CK="Cookie: fwhub_admin=$SID"
CODE=$(curl -s -o "$TMP/page" -D "$TMP/hdr" -w '%{http_code}' -H "$CK" "$BASE/admin/targets")
expect_eq "the targets page with the session: 200" "$CODE" 200
H=$(cat "$TMP/hdr")
expect_in "pages carry a Content-Security-Policy" "$H" "content-security-policy: default-src 'none'"
expect_in "pages carry nosniff" "$H" "x-content-type-options: nosniff"
expect_in "pages are not cached" "$H" "cache-control: no-store"
CSRF=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$TMP/page" | head -n 1)
expect_eq "every form carries the session's CSRF token" "${#CSRF}" 64
get "$BASE/admin/targets/AB:CD:EF:12:34:56/archive" -H "$CK" -X POST
expect_eq "archive without the CSRF token: 403" "$CODE" 403
get "$BASE/admin/targets/AB:CD:EF:12:34:56/archive" -H "$CK" -d "csrf=$(printf '%064d' 0)"
expect_eq "archive with a wrong CSRF token: 403" "$CODE" 403
CODE=$(curl -s -o /dev/null -w '%{http_code}' -H "$CK" -F mac=11:22:33:44:55:66 -F issue=X \
    -F version=10.3.8 -F model=EVSE -F firmware=@"$TMP/fix.bin" "$BASE/admin/targets")
expect_eq "create through the page without the CSRF token: 403" "$CODE" 403
expect_eq "nothing was written" "$([ -e "$R/targeted/11_22_33_44_55_66.json" ] && echo there || echo none)" none
get "$BASE$A/audit?event=admin.refused" -H "$AUTH"
expect_eq "CSRF refusals are audited with the session's identity" \
    "$(jpy "$BODY" '[r["actor"] for r in j["records"] if r["result"] == "csrf"]')" \
    "['admin:alice', 'admin:alice', 'admin:alice']"
CODE=$(curl -s -o /dev/null -D "$TMP/hdr" -w '%{http_code}' -H "$CK" -F "csrf=$CSRF" \
    -F mac=11:22:33:44:55:66 -F issue=PAGE-1 -F version=10.3.8 -F model=EVSE \
    -F firmware=@"$TMP/fix.bin" "$BASE/admin/targets")
expect_eq "create through the page with the CSRF token: 303" "$CODE" 303
expect_in "to the new target's page" "$(cat "$TMP/hdr")" "location: /admin/targets/11:22:33:44:55:66"
get "$BASE/admin/audit?mac=&event=target.created&since=" -H "$CK"
expect_eq "the audit page with an empty filter field: 200" "$CODE" 200
expect_in "lists the admin's target.created" "$BODY" "admin:alice"
expect_not_in "and only target.created" "$BODY" "admin.refused"
get "$BASE/admin/audit?since=soon" -H "$CK"
expect_eq "the audit page with a bad since: 400" "$CODE" 400
expect_in "saying what is wrong" "$BODY" "since:"
CODE=$(curl -s -o /dev/null -D "$TMP/hdr" -w '%{http_code}' -H "$CK" -d "csrf=$CSRF" "$BASE/admin/signout")
expect_eq "sign-out: 303" "$CODE" 303
expect_in "clears the cookie" "$(cat "$TMP/hdr")" "fwhub_admin=; Path=/admin; Max-Age=0"
CODE=$(curl -s -o /dev/null -w '%{http_code}' -H "$CK" "$BASE/admin/targets")
expect_eq "the session ends with sign-out" "$CODE" 303
get "$BASE$A/audit?event=admin.signed_in" -H "$AUTH"
expect_eq "sign-in is audited with the admin's identity" \
    "$(jpy "$BODY" '",".join(r["actor"] + ":" + r["client_addr"] for r in j["records"])')" \
    "admin:alice:127.0.0.1"
get "$BASE$A/audit?event=admin.signed_out" -H "$AUTH"
expect_eq "sign-out is audited too" "$(jpy "$BODY" '",".join(r["actor"] for r in j["records"])')" \
    admin:alice

# --- guessing tokens: after FAILS_BURST (10) wrong ones an address is answered 429 ----------------
# (two wrong tokens came from this address above: one to the API, one to the sign-in page)
n=0
CODE=401
while [ "$CODE" = 401 ] && [ $n -lt 20 ]; do
    CODE=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer guess-$n-0123456789abcdef" \
        "$BASE$A/targets")
    n=$((n + 1))
done
expect_eq "wrong tokens are refused 401 until the tenth, then 429" "$n $CODE" "9 429"
CODE=$(curl -s -o "$TMP/.body" -D "$TMP/hdr" -w '%{http_code}' -H "$AUTH" "$BASE$A/targets")
expect_eq "then even the right token waits: 429 (a guess cannot be confirmed)" "$CODE" 429
RA=$(tr -d '\r' <"$TMP/hdr" | sed -n 's/^retry-after: //p')
[ -n "$RA" ] && [ "$RA" -ge 1 ] && [ "$RA" -le 6 ] && pass "with Retry-After: $RA (one more try a 6 s)" ||
    fail "with Retry-After between 1 and 6" "got: $RA"
expect_in "and a JSON error saying why" "$(cat "$TMP/.body")" "too many wrong admin tokens"
CODE=$(curl -s -o "$TMP/.body" -w '%{http_code}' -d "token=$TOK" "$BASE/admin/signin")
expect_eq "the sign-in page waits too: 429" "$CODE" 429
expect_in "showing the sign-in form with the reason" "$(cat "$TMP/.body")" "try again in"
expect_in "the server log says once that the address is throttled" "$(cat "$SERVE_LOG")" \
    "admin_throttled"
sleep 6
get "$BASE$A/targets" -H "$AUTH"
expect_eq "six seconds later one more attempt is allowed: the right token works" "$CODE" 200

serve_stop
expect_eq "the server stops cleanly" "$SERVE_RC" 0

# --- a slow upload over 64 KiB is not cut as a head that never ends ----------------------------
serve_start "$R" --admin-token-file "$TMP/tokens" --max-upload 1M ||
    { fail "server starts with --max-upload 1M"; done_testing; exit 1; }
head -c 300000 /dev/urandom >"$TMP/slow.bin"
create --limit-rate 150K -F mac=AB:CD:EF:12:34:56 -F issue=SLOW-1 -F version=10.3.9-slow \
    -F model=EVSE -F replace=on -F firmware=@"$TMP/slow.bin"
expect_eq "a 300 KB upload at 150 KB/s: 201" "$CODE" 201
expect_eq "replacing the old target, archived" "$(jpy "$BODY" 'j["created"]["replaced_into"][:17]')" targeted/archive/
serve_stop

# --- over TLS: the Secure cookie, and an upload over HTTP/2 --------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -subj /CN=localhost \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
    fail "openssl makes a certificate"
SERVE_SCHEME=https SERVE_CACERT=$TMP/cert.pem serve_start "$R" --tls-cert "$TMP/cert.pem" \
    --tls-key "$TMP/key.pem" --admin-token-file "$TMP/tokens" ||
    { fail "TLS server starts"; done_testing; exit 1; }
CODE=$(curl -s -o /dev/null -D "$TMP/hdr" -w '%{http_code}' --cacert "$TMP/cert.pem" \
    -d "token=$TOK" "$BASE/admin/signin")
expect_eq "sign-in over TLS: 303" "$CODE" 303
expect_in "over TLS the session cookie is Secure" "$(grep -i '^set-cookie:' "$TMP/hdr")" "; Secure"
CODE=$(curl -s -o "$TMP/.body" -w '%{http_code} %{http_version}' --cacert "$TMP/cert.pem" --http2 \
    -H "$AUTH" -F mac=11:22:33:44:55:66 -F issue=H2-1 -F version=10.3.9-h2 -F model=EVSE -F replace=on \
    -F firmware=@"$TMP/fix.bin" "$BASE$A/targets")
expect_eq "create with an upload over HTTP/2 and TLS: 201" "$CODE" "201 2"
serve_stop
run "$FWHUB" --repo "$R" audit verify
expect_rc "the audit chain verifies after the admin's changes" 0
done_testing
