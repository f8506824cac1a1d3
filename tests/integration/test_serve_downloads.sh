#!/bin/sh
# test_serve_downloads.sh: general and targeted downloads: tokens, Range, HEAD, ETag, path escapes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

R=$TMP/repo
make_repo "$R" || { fail "build the repository"; done_testing; exit 1; }
head -c 1000 /dev/urandom >"$TMP/in/other.bin"
"$FWHUB" --repo "$R" target create --mac 11:22:33:44:55:66 --issue T-2 --version 10.3.2-other \
    --model EVSE --firmware "$TMP/in/other.bin" --changelog other >/dev/null ||
    fail "second target created"
serve_start "$R" || { fail "server starts"; done_testing; exit 1; }
U=/api/v1/devices

get "$BASE$U/AB:CD:EF:12:34:56/update?model=EVSE&version=10.2.0"
URL=$(jget "$BODY" .url)
PATH_A=${URL%%\?*}
REL_A=${URL#"$BASE"}
TOK_A=${URL#*\?token=}
get "$BASE$U/11:22:33:44:55:66/update?model=EVSE&version=10.2.0"
URL_B=$(jget "$BODY" .url)
TOK_B=${URL_B#*\?token=}

curl -s -o "$TMP/fix.bin" -w '%{http_code}' "$URL" >"$TMP/code"
expect_eq "targeted download with its token: 200" "$(cat "$TMP/code")" 200
expect_eq "targeted download: the image" "$(sha256sum <"$TMP/fix.bin" | cut -d' ' -f1)" \
    "$(sha256sum <"$TMP/in/EVSE_10_3_1_custom.bin" | cut -d' ' -f1)"

get "$BASE/targeted/firmware/AB_CD_EF_12_34_56/missing.bin"
MISSING_CODE=$CODE
MISSING_BODY=$BODY
expect_eq "missing targeted file: 404" "$MISSING_CODE" 404
get "$PATH_A"
expect_eq "no token: 404" "$CODE" 404
expect_eq "no token: the same body as a missing file" "$BODY" "$MISSING_BODY"
get "$PATH_A?token=$TOK_B"
expect_eq "another device's token: 404" "$CODE" 404
expect_eq "another device's token: same body" "$BODY" "$MISSING_BODY"
get "$PATH_A?token=$(printf '%s' "$TOK_A" | sed 's/.$/A/;s/A$/B/')"
expect_eq "tampered token: 404" "$CODE" 404
EXP=${TOK_A%%.*}
get "$PATH_A?token=$((EXP + 86400)).${TOK_A#*.}"
expect_eq "token with a later expiry written in: 404" "$CODE" 404
get "$BASE/targeted/firmware/11_22_33_44_55_66/EVSE_10_3_1_custom.bin?token=$TOK_A"
expect_eq "token used on another device's folder: 404" "$CODE" 404
get "$BASE/targeted/firmware/ab-cd-ef-12-34-56/EVSE_10_3_1_custom.bin?token=$TOK_A"
expect_eq "MAC folder spelled otherwise: 404" "$CODE" 404
LOG=$(cat "$SERVE_LOG")
expect_in "refusals are logged as download_refused" "$LOG" "download_refused"
expect_not_in "tokens are not logged" "$LOG" "$TOK_A"

# Range, HEAD, ETag on a general image
G=$BASE/firmware/EVSE/EVSE_10_2_0.bin
get "$G" -r 0-9
expect_eq "Range: 206" "$CODE" 206
expect_eq "Range: 10 bytes" "$(curl -s -r 0-9 "$G" | wc -c | tr -d ' ')" 10
H=$(curl -s -D - -o /dev/null -r 0-1,100-101 "$G" | tr -d '\r')
expect_in "two ranges: 206" "$H" "HTTP/1.1 206"
expect_in "two ranges: multipart/byteranges" "$H" "multipart/byteranges"
get "$G" -r 400000-500000
expect_eq "range beyond the end: 416" "$CODE" 416
H=$(curl -s -I "$G" | tr -d '\r')
expect_in "HEAD: 200" "$H" "HTTP/1.1 200"
expect_in "HEAD: Content-Length" "$(printf '%s' "$H" | tr 'A-Z' 'a-z')" "content-length: 300000"
expect_in "HEAD: Last-Modified" "$(printf '%s' "$H" | tr 'A-Z' 'a-z')" "last-modified:"
ETAG=$(printf '%s\n' "$H" | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
get "$G" -H "If-None-Match: $ETAG"
expect_eq "If-None-Match: 304" "$CODE" 304
get "$G"
expect_eq "general download: 200" "$CODE" 200
expect_eq "general download: whole file" "$(curl -s "$G" | wc -c | tr -d ' ')" 300000
H=$(curl -s -D - -o /dev/null -r 0-9 "$URL" | tr -d '\r')
expect_in "Range on a targeted image: 206" "$H" "HTTP/1.1 206"

# the rest of RFC 9110's conditions and ranges, as fwhub's own sender answers them
F=$TMP/in/EVSE_10_2_0.bin
LM=$(printf '%s\n' "$(curl -s -I "$G" | tr -d '\r')" | sed -n 's/^[Ll]ast-[Mm]odified: //p')
get "$G" -H "If-Modified-Since: $LM"
expect_eq "If-Modified-Since the Last-Modified: 304" "$CODE" 304
get "$G" -H "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT"
expect_eq "If-Modified-Since long ago: 200" "$CODE" 200
get "$G" -H "If-None-Match: \"other\", $ETAG"
expect_eq "If-None-Match with a list: 304" "$CODE" 304
get "$G" -H "If-None-Match: W/$ETAG"
expect_eq "If-None-Match, weak: 304" "$CODE" 304
get "$G" -H 'If-None-Match: "other"' -H "If-Modified-Since: $LM"
expect_eq "If-None-Match that misses wins over If-Modified-Since: 200" "$CODE" 200
get "$G" -r 0-9 -H "If-Range: $ETAG"
expect_eq "If-Range with the ETag: 206" "$CODE" 206
CODE=$(curl -s -o "$TMP/ir" -w '%{http_code}' -r 0-9 -H 'If-Range: "stale"' "$G")
expect_eq "If-Range with another ETag: 200, the whole file" \
    "$CODE/$(wc -c <"$TMP/ir" | tr -d ' ')" "200/$(wc -c <"$F" | tr -d ' ')"
get "$G" -r 0-9 -H "If-Range: $LM"
expect_eq "If-Range with the date: 206" "$CODE" 206
expect_eq "suffix range: the last 100 bytes" "$(curl -s -r -100 "$G" | od -An -tx1 | tr -d ' \n')" \
    "$(tail -c 100 "$F" | od -An -tx1 | tr -d ' \n')"
H=$(curl -s -D - -o /dev/null -r 299990- "$G" | tr -d '\r' | tr 'A-Z' 'a-z')
expect_in "open range: Content-Range" "$H" "content-range: bytes 299990-299999/300000"
expect_in "open range: Content-Length" "$H" "content-length: 10"
H=$(curl -s -D - -o /dev/null -r 400000-500000 "$G" | tr -d '\r' | tr 'A-Z' 'a-z')
expect_in "416: Content-Range names the size" "$H" "content-range: bytes */300000"
get "$G" -H 'Range: bytes=9-1'
expect_eq "a range that ends before it starts: ignored, 200" "$CODE" 200
get "$G" -H 'Range: pages=1-2'
expect_eq "another unit: ignored, 200" "$CODE" 200
get "$G" -H "Range: bytes=$(seq -s, 0 16 | sed 's/\([0-9]*\)/\1-\1/g')"
expect_eq "17 ranges: ignored, 200" "$CODE" 200
H=$(curl -s -I -r 0-9 "$G" | tr -d '\r' | tr 'A-Z' 'a-z')
expect_in "HEAD with a range: 206" "$H" "206"
expect_in "HEAD with a range: its length" "$H" "content-length: 10"
get "$G" -X POST
expect_eq "POST on an image: 405" "$CODE" 405
: >"$R/firmware/EVSE/empty.bin"
CODE=$(curl -s -o "$TMP/e" -w '%{http_code}' "$BASE/firmware/EVSE/empty.bin")
expect_eq "an empty file: 200, no bytes" "$CODE/$(wc -c <"$TMP/e" | tr -d ' ')" "200/0"
# large ranges at a slow pace: the sender waits for the socket between text and file parts
curl -s --limit-rate 400k -D "$TMP/mp.h" -o "$TMP/mp" -r 0-99999,150000-,10-20 "$G"
expect_eq "slow multipart: every part right" "$(python3 - "$TMP/mp.h" "$TMP/mp" "$F" <<'PY'
import re, sys
head = open(sys.argv[1], "rb").read().decode()
body = open(sys.argv[2], "rb").read()
data = open(sys.argv[3], "rb").read()
b = re.search(r"boundary=(\S+)", head).group(1).encode()
length = int(re.search(r"(?i)content-length: (\d+)", head).group(1))
parts = body.split(b"--" + b)[1:-1]
ok = len(body) == length and len(parts) == 3
for p in parts:
    h, _, payload = p.partition(b"\r\n\r\n")
    a, z, size = map(int, re.search(rb"bytes (\d+)-(\d+)/(\d+)", h).groups())
    ok = ok and size == len(data) and payload[:-2] == data[a:z + 1] and payload.endswith(b"\r\n")
print("yes" if ok else "no")
PY
)" yes
sent() {
    curl -s "$BASE/metrics" | sed -n 's/^fwhub_http_response_bytes_total{route="firmware"} //p'
}
BEFORE=$(sent)
curl -s -o /dev/null "$G"
AFTER=$(sent)
expect_eq "bytes sent without a copy are counted" "$((AFTER - BEFORE))" 300000

# nothing outside the repository, nor outside the served folders
echo "secret" >"$TMP/outside.bin"
ln -s "$TMP/outside.bin" "$R/firmware/EVSE/link_out.bin"
ln -s ../../targeted/firmware/AB_CD_EF_12_34_56/EVSE_10_3_1_custom.bin "$R/firmware/EVSE/link_in.bin"
for p in /firmware/../manifest.json /firmware/EVSE/../../manifest.json /firmware/%2e%2e/manifest.json \
    /firmware/EVSE/%2E%2E/%2E%2E/devices.csv /firmware/EVSE%2f..%2f..%2fdevices.csv \
    /firmware/EVSE/link_out.bin /firmware/EVSE/link_in.bin /firmware/EVSE/ /firmware/EVSE \
    /firmware/./EVSE/EVSE_10_2_0.bin /firmware//EVSE/EVSE_10_2_0.bin \
    "/targeted/firmware/AB_CD_EF_12_34_56/../../AB_CD_EF_12_34_56.json?token=$TOK_A" \
    /targeted/AB_CD_EF_12_34_56.json /devices.csv /.fwhub/token.key "/firmware/EVSE/%00x"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$BASE$p")
    expect_eq "escape $p: 404" "$code" 404
done

serve_stop
expect_eq "exit 0" "$SERVE_RC" 0

# the secret is kept: a token issued before a restart still works after it
serve_start "$R" || fail "server restarts"
get "$BASE$REL_A"
expect_eq "token still valid after a restart" "$CODE" 200
serve_stop
# ... and not after its expiry
FWHUB_NOW=@$((EXP + 1)) serve_start "$R" || fail "server starts later"
get "$BASE$REL_A"
expect_eq "expired token: 404" "$CODE" 404
expect_in "expired token logged" "$(cat "$SERVE_LOG")" "reason=expired"
serve_stop

# the repository's key is 32 random bytes used whole: one whose last byte is a line feed (one
# start in 128) was cut when read back, so tokens died with a restart
printf '0123456789abcdef0123456789abcd\r\n' >"$R/.fwhub/token.key"
serve_start "$R" || fail "server starts with a key ending in CR LF"
get "$BASE$U/AB:CD:EF:12:34:56/update?model=EVSE&version=10.2.0"
URL=$(jget "$BODY" .url)
TOK=${URL#*\?token=}
P=${URL%%\?*}
P=/${P#*://*/}
expect_eq "the token is the HMAC with every byte of the key, CR LF included" "${TOK#*.}" \
    "$(python3 -c '
import base64, hashlib, hmac, sys
key = open(sys.argv[1], "rb").read()
msg = ("AB:CD:EF:12:34:56\n%s\n%s" % (sys.argv[2], sys.argv[3])).encode()
print(base64.urlsafe_b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode().rstrip("="))' \
        "$R/.fwhub/token.key" "$P" "${TOK%%.*}")"
serve_stop

done_testing
