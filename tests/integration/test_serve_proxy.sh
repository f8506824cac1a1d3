#!/bin/sh
# test_serve_proxy.sh: `fwhub serve --trusted-proxy`: behind a trusted proxy the client is the
# one X-Forwarded-For names, in audit records and in the portal's per-client rate limit; a
# header a client wrote itself chooses nothing, and without the option the header is ignored.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

unset FWHUB_DB
R=$TMP/repo
DB=$R/.fwhub/fwhub.db
A=AB:CD:EF:12:34:56
make_repo "$R" || { fail "build the repository"; done_testing; exit 1; }
sql() { sqlite3 "$DB" "$1"; }
# client_of XFF: the client address of the targeted answer's audit record asked with that
# X-Forwarded-For (the record is committed before the answer)
client_of() {
    tag=proxy-test-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
    curl -s -o /dev/null -A "$tag" -H "X-Forwarded-For: $1" \
        "$BASE/api/v1/devices/$A/update?model=EVSE&version=10.2.0"
    sql "SELECT client_addr FROM audit WHERE user_agent = '$tag'"
}

run "$FWHUB" serve --repo "$R" --trusted-proxy nginx.local
expect_rc "a proxy named by host name: usage error" 2
expect_in "naming the value and what is expected" "$ERR" \
    "--trusted-proxy: nginx.local: expected a numeric IPv4 or IPv6 address"
run "$FWHUB" serve --help
expect_in "--help explains --trusted-proxy" "$OUT" "--trusted-proxy ADDR[/BITS]"

# without --trusted-proxy the header is the client's own words: ignored ---------------------------
serve_start "$R" || { fail "server starts"; done_testing; exit 1; }
expect_eq "no trusted proxy: the connection's address is the client" \
    "$(client_of 198.51.100.23)" 127.0.0.1
serve_stop

# behind a trusted proxy ---------------------------------------------------------------------------
serve_start "$R" --trusted-proxy 127.0.0.1 --trusted-proxy 10.0.0.0/8 --portal-rate 3 ||
    { fail "server starts with trusted proxies"; done_testing; exit 1; }
expect_eq "trusted proxy: the address X-Forwarded-For names" "$(client_of 198.51.100.23)" \
    198.51.100.23
expect_eq "an entry the client wrote in front chooses nothing" \
    "$(client_of '1.2.3.4, 198.51.100.24')" 198.51.100.24
expect_eq "a chain of trusted proxies is walked to the client" \
    "$(client_of '198.51.100.25, 10.1.2.3')" 198.51.100.25
expect_eq "IPv6, written canonically" "$(client_of '2001:DB8:0:0::7')" 2001:db8::7
expect_eq "an entry that is not an address: the proxy's own" "$(client_of 'unknown')" 127.0.0.1
long=$(python3 -c 'print("1.2.3.4, " * 250 + "198.51.100.26, 10.9.9.9")')
expect_eq "a header longer than fwhub keeps (2.3 KB): the right end counts" "$(client_of "$long")" \
    198.51.100.26
expect_eq "no header: the proxy's address" \
    "$(curl -s -o /dev/null -A proxy-test-none "$BASE/api/v1/devices/$A/update?model=EVSE&version=10.2.0"
        sql "SELECT client_addr FROM audit WHERE user_agent = 'proxy-test-none'")" 127.0.0.1

# the portal's rate limit counts each client behind the proxy apart (3 a minute here)
lookup() {
    curl -s -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: $1" \
        --data 'mac=02:00:00:00:00:01&serial=nope' "$BASE/lookup"
}
codes=
for i in 1 2 3 4; do codes="$codes $(lookup 198.51.100.40)"; done
expect_eq "one client behind the proxy: limited after 3 lookups" "$codes" " 200 200 200 429"
expect_eq "another client behind the same proxy: not limited by the first" \
    "$(lookup 198.51.100.41)" 200
expect_eq "the refusal is recorded with the client's address" \
    "$(sql "SELECT client_addr FROM audit WHERE event = 'portal.lookup' AND result = 'rate_limited'")" \
    198.51.100.40
serve_stop
expect_eq "the server stops cleanly" "$SERVE_RC" 0
done_testing
