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

done_testing
