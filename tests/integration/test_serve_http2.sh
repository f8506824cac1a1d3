#!/bin/sh
# test_serve_http2.sh: HTTP/2 in clear text (prior knowledge, Upgrade) and over TLS (ALPN),
# with update answers and downloads (whole, ranges, HEAD) on each.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

R=$TMP/repo
make_repo "$R" || { fail "build the repository"; done_testing; exit 1; }
U=/api/v1/devices
G=/firmware/EVSE/EVSE_10_2_0.bin
sum() { sha256sum <"$1" | cut -d' ' -f1; }
SUM_G=$(sum "$TMP/in/EVSE_10_2_0.bin")
SUM_T=$(sum "$TMP/in/EVSE_10_3_1_custom.bin")

# downloads NAME CURL-OPTION...: update answer, targeted and general image, a range, two
# ranges and HEAD, all with the given options; checks the HTTP version is 2 throughout
downloads() {
    name=$1
    shift
    v=$(curl -s -o /dev/null -w '%{http_version}' "$@" "$BASE/healthz")
    expect_eq "$name: HTTP/2" "$v" 2
    get "$BASE$U/AB:CD:EF:12:34:56/update?model=EVSE&version=10.2.0" "$@"
    expect_eq "$name: update answer 200" "$CODE" 200
    expect_eq "$name: targeted" "$(jget "$BODY" .kind)" targeted
    url=$(jget "$BODY" .url)
    expect_in "$name: the URL has the scheme of the request" "$url" "$BASE/targeted/"
    curl -s -o "$TMP/t.bin" "$@" "$url"
    expect_eq "$name: targeted image, every byte" "$(sum "$TMP/t.bin")" "$SUM_T"
    curl -s -o "$TMP/g.bin" -w '%{http_version}' "$@" "$BASE$G" >"$TMP/v"
    expect_eq "$name: general image, every byte" "$(sum "$TMP/g.bin")" "$SUM_G"
    expect_eq "$name: general image over HTTP/2" "$(cat "$TMP/v")" 2
    curl -s -o "$TMP/r.bin" -r 1000-1099 "$@" "$BASE$G"
    dd if="$TMP/in/EVSE_10_2_0.bin" of="$TMP/r.want" bs=100 skip=10 count=1 2>/dev/null
    expect_eq "$name: a range" "$(sum "$TMP/r.bin")" "$(sum "$TMP/r.want")"
    H=$(curl -s -D - -o "$TMP/mp" -r 0-1,100-101 "$@" "$BASE$G" | tr -d '\r' | tr 'A-Z' 'a-z')
    expect_in "$name: two ranges: 206" "$H" "http/2 206"
    expect_in "$name: two ranges: multipart" "$H" "multipart/byteranges"
    expect_eq "$name: two ranges: Content-Length is the body" \
        "$(printf '%s\n' "$H" | sed -n 's/^content-length: //p')" "$(wc -c <"$TMP/mp" | tr -d ' ')"
    H=$(curl -s -I "$@" "$BASE$G" | tr -d '\r' | tr 'A-Z' 'a-z')
    expect_in "$name: HEAD: Content-Length" "$H" "content-length: 300000"
}

serve_start "$R" || { fail "server starts"; done_testing; exit 1; }
downloads "h2c with prior knowledge" --http2-prior-knowledge
v=$(curl -s -o /dev/null -w '%{http_version}' --http2 "$BASE/healthz")
expect_eq "h2c by Upgrade: HTTP/2" "$v" 2
v=$(curl -s -o /dev/null -w '%{http_version}' "$BASE/healthz")
expect_eq "plain curl: HTTP/1.1" "$v" 1.1
serve_stop
expect_eq "h2c: clean exit" "$SERVE_RC" 0

# TLS with a throw-away self-signed certificate for 127.0.0.1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -subj /CN=localhost \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
    fail "openssl makes a certificate"
SERVE_SCHEME=https SERVE_CACERT=$TMP/cert.pem serve_start "$R" --tls-cert "$TMP/cert.pem" \
    --tls-key "$TMP/key.pem" --request-timeout 2 ||
    { fail "TLS server starts"; done_testing; exit 1; }
expect_in "TLS: logged as https" "$(cat "$SERVE_LOG")" "https://127.0.0.1:$PORT"
downloads "TLS with ALPN" --cacert "$TMP/cert.pem"
v=$(curl -s -o "$TMP/g1.bin" -w '%{http_version}' --http1.1 --cacert "$TMP/cert.pem" "$BASE$G")
expect_eq "TLS, HTTP/1.1 asked: HTTP/1.1" "$v" 1.1
expect_eq "TLS, HTTP/1.1: every byte" "$(sum "$TMP/g1.bin")" "$SUM_G"
curl -s -o /dev/null "$BASE/healthz"
expect_eq "TLS: a client that does not trust the certificate fails" "$?" 60
get "http://127.0.0.1:$PORT/healthz"
expect_eq "TLS: clear text on the TLS port gets no answer" "$CODE" 000
run "$FWLOAD" idle -c 20 --seconds 10 "127.0.0.1:$PORT"
expect_eq "TLS: connections without a handshake are closed" "$(kv closed_after_n)" 20
expect_eq "TLS: ... after the 2 s timeout" \
    "$(awk -v a="$(kv closed_after_max_s)" 'BEGIN { print (a >= 1.5 && a <= 4) ? "yes" : a }')" yes
serve_stop
expect_eq "TLS: clean exit" "$SERVE_RC" 0
done_testing
