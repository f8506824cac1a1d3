#!/bin/sh
# test_device_signed.sh: fwhub serve --signing-key with fwhub-device: signed answers accepted,
# another device's, an unknown key's, an expired (replayed) and a downgrading answer refused and
# reported; key rotation; GET /api/v1/keys; --require-signed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

DEVICE=$(dirname "$FWHUB")/fwhub-device
NET_PID=
trap 'serve_kill; [ -n "$NET_PID" ] && kill "$NET_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

R=$TMP/repo
K=$TMP/keys
O=$TMP/other
A=AB:CD:EF:12:34:56
B=11:22:33:44:55:66
make_repo "$R" || { fail "build the repository"; done_testing; exit 1; }
"$FWHUB" keygen --out "$K" --repo "$R" >/dev/null &&
    "$FWHUB" keygen --out "$O" >/dev/null &&
    "$FWHUB" sign --key "$K/private.pem" --repo "$R" >/dev/null ||
    { fail "keys and signatures"; done_testing; exit 1; }
KID=$(openssl pkey -pubin -in "$K/public.pem" -outform DER | sha256sum | cut -c1-64)
OID=$(openssl pkey -pubin -in "$O/public.pem" -outform DER | sha256sum | cut -c1-64)

# device SERVER MAC VERSION STATE [OPTION...]: fwhub-device for model EVSE; pins $K unless
# --key is given.
device() {
    server=$1 mac=$2 version=$3 state=$4
    shift 4
    case " $* " in *" --key "*) ;; *) set -- --key "$K/public.pem" "$@" ;; esac
    run "$DEVICE" --server "$server" --mac "$mac" --model EVSE --version "$version" \
        --state "$TMP/$state" --timeout 5 "$@"
}

. "$(dirname "$0")/netfault_lib.sh"
# replay PORT FILE [KEY=VALUE...]: netfault.py in front of the server on PORT, answering
# update requests with FILE (and KEY set to VALUE); its address in NET.
replay() { netfault replay "$@"; }

U=/api/v1/devices
DB=$R/.fwhub/fwhub.db
statuses() { sqlite3 "$DB" "SELECT mac || ' ' || status FROM status_reports ORDER BY rowid" | tr '\n' ';'; }

# wrong keys and options: a clear error, no server ---------------------------------------------
run "$FWHUB" serve --repo "$R" --listen 127.0.0.1:0 --answer-ttl 5
expect_rc "--answer-ttl below a minute: usage error" 2
expect_in "... naming the range" "$ERR" "--answer-ttl: expected a whole number from 60 to 2592000"
run "$FWHUB" serve --repo "$R" --listen 127.0.0.1:0 --signing-key "$K/public.pem"
expect_rc "a public key as --signing-key: no start" 1
expect_in "... naming the option, the file and what was expected" "$ERR" \
    "start_failed $R --signing-key: $K/public.pem: expected an unencrypted PEM private key"
run "$FWHUB" serve --repo "$R" --listen 127.0.0.1:0 --trusted-key "$TMP/nope.pem"
expect_rc "a missing --trusted-key: no start" 1
expect_in "... naming it" "$ERR" "--trusted-key: cannot read $TMP/nope.pem"

serve_start "$R" --signing-key "$K/private.pem" --trusted-key "$O/public.pem" ||
    { fail "server starts"; done_testing; exit 1; }

# the answer and its signature -------------------------------------------------------------------
get "$BASE$U/$A/update?model=EVSE&version=10.2.0"
printf '%s' "$BODY" >"$TMP/targeted.json"
P=$(jget "$BODY" .answer_signature.payload)
expect_eq "the signed answer's key is the signing key" "$(jget "$BODY" .answer_signature.key_id)" "$KID"
expect_in "a targeted payload binds the MAC" "$P" "\"kind\":\"targeted\",\"mac\":\"$A\",\"model\":\"EVSE\""
expect_in "... and names the image by sha256 and size" "$P" \
    "\"sha256\":\"$(jget "$BODY" .sha256)\",\"size\":150000,\"version\":\"10.3.1-custom\"}"
expect_not_in "... but not its URL or token" "$P" "token"
exp=$(printf '%s' "$P" | python3 -c 'import json,sys; print(json.load(sys.stdin)["expires"])')
left=$((exp - $(date +%s)))
if [ "$left" -gt 43000 ] && [ "$left" -le 86400 ]; then
    pass "it expires within --answer-ttl (a day), after half of it at least"
else
    fail "it expires within --answer-ttl (a day), after half of it at least" "expires in ${left}s"
fi
printf '%s' "$P" >"$TMP/payload"
jget "$BODY" .answer_signature.signature | base64 -d >"$TMP/payload.sig"
run openssl dgst -sha256 -verify "$K/public.pem" -signature "$TMP/payload.sig" "$TMP/payload"
expect_eq "openssl verifies the payload's signature by hand" "$OUT" "Verified OK"

get "$BASE$U/$B/update?model=EVSE&version=10.2.0"
printf '%s' "$BODY" >"$TMP/general.json"
P=$(jget "$BODY" .answer_signature.payload)
expect_in "a general payload binds the model" "$P" "\"kind\":\"general\",\"model\":\"EVSE\""
expect_not_in "... and no MAC" "$P" "mac"
get "$BASE$U/$B/update?model=EVSE&version=10.3.0"
expect_not_in "a 'none' answer is not signed" "$BODY" "answer_signature"

# GET /api/v1/keys --------------------------------------------------------------------------------
get "$BASE/api/v1/keys"
expect_eq "/api/v1/keys: 200" "$CODE" 200
printf '%s' "$BODY" >"$TMP/keys.json"
K1=$(python3 - "$TMP/keys.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(d["answers_signed"], d["answer_ttl"],
      " ".join(k["key_id"][:8] + "=" + ",".join(k["use"]) + "/" + k["alg"] for k in d["keys"]))
PY
)
expect_eq "... lists the signing key (answers, images) and the trusted one" "$K1" \
    "True 86400 $(echo "$KID" | cut -c1-8)=answers,images/ecdsa-p256 $(echo "$OID" | cut -c1-8)=trusted/ecdsa-p256"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["keys"][0]["pem"], end="")' \
    "$TMP/keys.json" >"$TMP/listed.pem"
if cmp -s "$TMP/listed.pem" "$K/public.pem"; then
    pass "... with the PEM fwhub keygen wrote"
else
    fail "... with the PEM fwhub keygen wrote" "$(cat "$TMP/listed.pem")"
fi

# accepted ----------------------------------------------------------------------------------------
device "$BASE" $B 10.2.0 s1
expect_rc "a signed general answer is accepted (no --allow-unsigned)" 0
expect_in "... as signed" "$OUT" "check: general 10.3.0, 200000 bytes, answer signed, expires $exp"
expect_in "... and installed" "$OUT" "report: Installed"
device "$BASE" $A 10.2.0 s2
expect_rc "a signed targeted answer is accepted" 0
expect_in "... as signed" "$OUT" "check: targeted 10.3.1-custom, 150000 bytes, answer signed"

# refused -----------------------------------------------------------------------------------------
replay "$PORT" "$TMP/targeted.json"
device "$NET" $B 10.2.0 s3
expect_rc "$A's targeted answer given to $B is refused" 1
expect_in "... by the MAC in its signed part" "$OUT" \
    "check: InvalidSignature: the signed answer is for MAC $A, not $B"
expect_in "... and reported" "$OUT" "report: InvalidSignature"
expect_eq "... nothing is installed" "$(ls "$TMP/s3")" ""
netfault_stop

replay "$PORT" "$TMP/general.json"
device "$NET" $B 10.4.0 s4
expect_rc "an old signed answer offering a downgrade is refused" 1
expect_in "... as a downgrade" "$OUT" \
    "check: InstallationFailed: 10.3.0 is not above the running 10.4.0; only a signed rollback"
expect_in "... and reported" "$OUT" "report: InstallationFailed"
netfault_stop

replay "$PORT" "$TMP/general.json" version=10.9.0
device "$NET" $B 10.2.0 s11
expect_rc "a signed answer whose unsigned version was changed is refused" 1
expect_in "... as InvalidSignature" "$OUT" \
    "check: InvalidSignature: the answer's version differs from its signed part"
expect_in "... and reported" "$OUT" "report: InvalidSignature"
netfault_stop

device "$BASE" $B 10.2.0 s5 --key "$O/public.pem"
expect_rc "an answer signed by a key the device does not pin is refused" 1
expect_in "... naming the key" "$OUT" \
    "check: InvalidSignature: the answer is signed by key $(echo "$KID" | cut -c1-16)..., which is not pinned"
expect_in "... and reported" "$OUT" "report: InvalidSignature"

get "$BASE/metrics"
expect_in "/metrics: signed answers prepared" "$BODY" "fwhub_signed_answers 2"
expect_in "/metrics: their expiry" "$BODY" "fwhub_signed_answers_expire_time $exp"
serve_stop
expect_eq "the refusals reached the server as status reports" "$(statuses | sed 's/[^;]*Installed;//g; s/[^;]*\(Downloading\|Downloaded\|SignatureVerified\|Installing\);//g')" \
    "$B InvalidSignature;$B InstallationFailed;$B InvalidSignature;$B InvalidSignature;"
D=$(sqlite3 "$DB" "SELECT detail FROM status_reports WHERE status = 'InvalidSignature' ORDER BY rowid LIMIT 1")
expect_eq "... each with its reason" "$D" "the signed answer is for MAC $A, not $B"

# a key rotation: the server signs with the new key -----------------------------------------------
serve_start "$R" --signing-key "$O/private.pem" --trusted-key "$K/public.pem" \
    --trusted-key "$O/public.pem" || { fail "server starts with the new key"; done_testing; exit 1; }
get "$BASE/api/v1/keys"
K2=$(printf '%s' "$BODY" | python3 -c 'import json, sys
print(" ".join(k["key_id"][:8] + "=" + ",".join(k["use"]) for k in json.load(sys.stdin)["keys"]))')
expect_eq "/api/v1/keys after the rotation: the new key signs, the old one is still trusted" "$K2" \
    "$(echo "$OID" | cut -c1-8)=answers,trusted $(echo "$KID" | cut -c1-8)=trusted,images"
device "$BASE" $B 10.2.0 s6
expect_rc "a device pinning only the old key refuses the new key's answers" 1
expect_in "... as InvalidSignature" "$OUT" "check: InvalidSignature: the answer is signed by key $(echo "$OID" | cut -c1-16)"
device "$BASE" $B 10.2.0 s7 --key "$K/public.pem" --key "$O/public.pem"
expect_rc "a device pinning both keys accepts them (answer: new key, image: old key)" 0
serve_stop

# renewal: a new half-period signs again -------------------------------------------------------
serve_start "$R" --signing-key "$K/private.pem" --answer-ttl 60 || { fail "server starts"; done_testing; exit 1; }
get "$BASE$U/$B/update?model=EVSE&version=10.2.0"
e1=$(jget "$(jget "$BODY" .answer_signature.payload)" .expires)
left=$((e1 - $(date +%s)))
if [ "$left" -gt 30 ] && [ "$left" -le 60 ]; then
    pass "--answer-ttl 60: the answer expires within 60 s, after 30 s at least"
else
    fail "--answer-ttl 60: the answer expires within 60 s, after 30 s at least" "in ${left}s"
fi
wait_s=$((e1 - 30 + 1 - $(date +%s))) # into the next half-period (up to 30 s)
[ "$wait_s" -gt 0 ] && sleep "$wait_s"
get "$BASE$U/$B/update?model=EVSE&version=10.2.0"
e2=$(jget "$(jget "$BODY" .answer_signature.payload)" .expires)
expect_eq "in the next half-period the answer is signed again, expiring 30 s later" "$e2" $((e1 + 30))
expect_in "... logged" "$(cat "$SERVE_LOG")" "answers_renewed"
get "$BASE/metrics"
expect_in "... from a fresh table" "$BODY" "fwhub_signed_answers_expire_time $e2"
device "$BASE" $B 10.2.0 s10
expect_rc "... which a device accepts" 0
serve_stop
expect_eq "... and the server stops cleanly" "$SERVE_RC" 0

# a replay after the answer's expiry --------------------------------------------------------------
past=$(($(date +%s) - 3 * 86400))
FWHUB_NOW=@$past serve_start "$R" --signing-key "$K/private.pem" ||
    { fail "server starts three days ago"; done_testing; exit 1; }
get "$BASE$U/$A/update?model=EVSE&version=10.2.0"
printf '%s' "$BODY" >"$TMP/old.json"
serve_stop
serve_start "$R" --signing-key "$K/private.pem" || { fail "server starts today"; done_testing; exit 1; }
replay "$PORT" "$TMP/old.json"
device "$NET" $A 10.2.0 s8
expect_rc "an answer signed three days ago, replayed today, is refused" 1
expect_in "... as expired" "$OUT" "check: InvalidSignature: the signed answer expired"
expect_in "... naming a replay" "$OUT" "seconds ago (a replay?)"
expect_in "... and reported" "$OUT" "report: InvalidSignature"
netfault_stop
device "$BASE" $A 10.2.0 s8
expect_rc "the same device takes today's answer" 0
serve_stop
D=$(sqlite3 "$DB" "SELECT status || ': ' || detail FROM status_reports WHERE mac = '$A' AND status = 'InvalidSignature' ORDER BY rowid DESC LIMIT 1")
expect_in "... and the server has the expired answer's report" "$D" "InvalidSignature: the signed answer expired"

# a signed rollback -------------------------------------------------------------------------------
FWHUB_NOW=2031-01-01T00:00:00Z serve_start "$R" --signing-key "$K/private.pem" ||
    { fail "server starts in 2031"; done_testing; exit 1; }
get "$BASE$U/$A/update?model=EVSE&version=10.3.1-custom"
expect_in "an expired fix's rollback answer is signed, binding the MAC" \
    "$(jget "$BODY" .answer_signature.payload)" "\"expires\":1925078400,\"kind\":\"rollback\",\"mac\":\"$A\""
device "$BASE" $A 10.3.1-custom s9
expect_rc "the signed rollback (a lower version) is installed" 0
expect_in "... and reported as RolledBack" "$OUT" "report: RolledBack"
expect_eq "... to the stable release" "$(cat "$TMP/s9/version")" 10.3.0
serve_stop

# --require-signed --------------------------------------------------------------------------------
head -c 100000 /dev/urandom >"$TMP/in/EVSE_10_4_0.bin"
"$FWHUB" --repo "$R" release add --model EVSE --version 10.4.0 --firmware "$TMP/in/EVSE_10_4_0.bin" \
    --changelog "unsigned" >/dev/null || fail "release add 10.4.0"
serve_start "$R" --require-signed || { fail "server starts with --require-signed"; done_testing; exit 1; }
get "$BASE$U/$B/update?model=EVSE&version=10.2.0"
expect_eq "--require-signed: the unsigned 10.4.0 is not offered, the signed 10.3.0 is" \
    "$(jget "$BODY" .version)" 10.3.0
expect_in "... the log says so" "$(cat "$SERVE_LOG")" "image_withheld EVSE version 10.4.0 is not offered: it is not signed"
expect_in "... with a summary" "$(cat "$SERVE_LOG")" "require_signed $R 1 images withheld (1 releases, 0 targeted), 3 offered"
get "$BASE/metrics"
expect_in "... and /metrics" "$BODY" 'fwhub_images_withheld{kind="release"} 1'
get "$BASE/manifest.json"
expect_not_in "... nor in /manifest.json" "$BODY" "10.4.0"
"$FWHUB" sign --key "$K/private.pem" --repo "$R" >/dev/null || fail "sign 10.4.0"
kill -HUP "$SERVE_PID"
i=0
while [ $i -lt 100 ] && [ "$(jget "$(curl -s "$BASE$U/$B/update?model=EVSE&version=10.2.0")" .version)" != 10.4.0 ]; do
    sleep 0.1
    i=$((i + 1))
done
get "$BASE$U/$B/update?model=EVSE&version=10.2.0"
expect_eq "once signed (and reloaded), 10.4.0 is offered" "$(jget "$BODY" .version)" 10.4.0
expect_in "... verifying only the new signature" "$(cat "$SERVE_LOG")" \
    "0 images withheld (0 releases, 0 targeted), 4 offered; 1 signatures verified, 3 known from the last load"
rm "$R/keys/$KID.pem"
kill -HUP "$SERVE_PID"
i=0
while [ $i -lt 100 ] && [ "$(jget "$(curl -s "$BASE$U/$B/update?model=EVSE&version=10.2.0")" .kind)" != none ]; do
    sleep 0.1
    i=$((i + 1))
done
get "$BASE$U/$B/update?model=EVSE&version=10.2.0"
expect_eq "a key removed from REPO/keys: its images are withheld at the next reload" "$(jget "$BODY" .kind)" none
get "$BASE/metrics"
expect_in "... all of them" "$BODY" 'fwhub_images_withheld{kind="release"} 3'
expect_in "... the targeted one too" "$BODY" 'fwhub_images_withheld{kind="targeted"} 1'
serve_stop

echo "not a key" >"$R/keys/broken.pem"
serve_start "$R" || { fail "a broken REPO/keys file does not stop a server that checks no images"; done_testing; exit 1; }
expect_in "a broken REPO/keys file: a server without --require-signed serves, and warns" \
    "$(cat "$SERVE_LOG")" "keys_unreadable $R/keys not listed in /api/v1/keys: "
serve_stop
run "$FWHUB" serve --repo "$R" --listen 127.0.0.1:0 --require-signed
expect_rc "... with --require-signed it does not start" 1
expect_in "... naming the file" "$ERR" "broken.pem"

done_testing
