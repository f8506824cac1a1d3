#!/bin/sh
# test_device.sh: fwhub-device against a real fwhub serve: installs, refusals, resumed downloads.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

DEVICE=$(dirname "$FWHUB")/fwhub-device
NET_PID=
trap 'serve_kill; [ -n "$NET_PID" ] && kill "$NET_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

R=$TMP/repo
K=$TMP/keys
make_repo "$R" || { fail "build the repository"; done_testing; exit 1; }
"$FWHUB" keygen --out "$K" --repo "$R" >/dev/null &&
    "$FWHUB" sign --key "$K/private.pem" --repo "$R" >/dev/null ||
    { fail "sign the repository"; done_testing; exit 1; }
GEN=$R/firmware/EVSE/EVSE_10_3_0.bin
FIX=$R/targeted/firmware/AB_CD_EF_12_34_56/EVSE_10_3_1_custom.bin
serve_start "$R" || { fail "server starts"; done_testing; exit 1; }

# device SERVER MAC VERSION STATE [OPTION...]: fwhub-device for model EVSE, pinning $K.
device() {
    server=$1 mac=$2 version=$3 state=$4
    shift 4
    run "$DEVICE" --server "$server" --mac "$mac" --model EVSE --version "$version" \
        --key "$K/public.pem" --state "$TMP/$state" --timeout 2 "$@"
}

. "$(dirname "$0")/netfault_lib.sh"

same_file() { # DESC A B
    if cmp -s "$2" "$3"; then pass "$1"; else fail "$1" "$2 differs from $3"; fi
}

# installs ----------------------------------------------------------------------------------------
device "$BASE" 11:22:33:44:55:66 10.2.0 s1 --allow-unsigned
expect_rc "a general release installs" 0
expect_in "check names it" "$OUT" "check: general 10.3.0, 200000 bytes, answer unsigned"
expect_in "the image's signature is verified" "$OUT" "verify: signature ok"
expect_in "Installed is reported" "$OUT" "report: Installed"
same_file "installed.bin is the release" "$TMP/s1/installed.bin" "$GEN"
expect_eq "the state holds the new version" "$(cat "$TMP/s1/version")" 10.3.0

run "$DEVICE" --server "$BASE" --mac 11:22:33:44:55:66 --model EVSE --key "$K/public.pem" \
    --state "$TMP/s1" --allow-unsigned
expect_rc "asked again (version from the state): exit 0" 0
expect_in "... no update" "$OUT" "check: no update for EVSE 10.3.0"

device "$BASE" ab-cd-ef-12-34-56 10.2.0 s2 --allow-unsigned
expect_rc "the targeted fix installs" 0
expect_in "check names the targeted fix" "$OUT" "check: targeted 10.3.1-custom"
same_file "installed.bin is the fix" "$TMP/s2/installed.bin" "$FIX"

get "$BASE/metrics"
expect_in "/metrics counts the Installed reports" "$BODY" 'fwhub_status_reports_total{status="Installed"} 2'
expect_in "/metrics counts the steps before" "$BODY" 'fwhub_status_reports_total{status="SignatureVerified"} 2'

# refusals ----------------------------------------------------------------------------------------
device "$BASE" 11:22:33:44:55:66 10.2.0 s3
expect_rc "without --allow-unsigned an unsigned answer is refused" 1
expect_in "... as InvalidSignature" "$OUT" "check: InvalidSignature: the answer is not signed"
expect_in "... and reported" "$OUT" "report: InvalidSignature"
expect_eq "... nothing is installed" "$(ls "$TMP/s3")" ""

"$FWHUB" keygen --out "$TMP/other" >/dev/null
run "$DEVICE" --server "$BASE" --mac 11:22:33:44:55:66 --model EVSE --version 10.2.0 \
    --key "$TMP/other/public.pem" --state "$TMP/s4" --allow-unsigned
expect_rc "an image signed by a key that is not pinned is refused" 1
expect_in "... as InvalidSignature" "$OUT" "verify: InvalidSignature: the image is signed by key"
expect_eq "... nothing is installed" "$(ls "$TMP/s4")" ""

cp "$GEN" "$TMP/gen.bin"
printf 'X' | dd of="$GEN" bs=1 seek=100000 conv=notrunc 2>/dev/null
device "$BASE" 11:22:33:44:55:66 10.2.0 s5 --allow-unsigned
expect_rc "a tampered image is refused" 1
expect_in "... as InvalidSignature" "$OUT" "download: InvalidSignature: the image's sha256 is"
expect_in "... and reported" "$OUT" "report: InvalidSignature"
expect_eq "... not installed, the download dropped" "$(ls "$TMP/s5")" ""
cp "$TMP/gen.bin" "$GEN"

get "$BASE/metrics"
expect_in "/metrics counts the InvalidSignature reports" "$BODY" \
    'fwhub_status_reports_total{status="InvalidSignature"} 3'

serve_stop
FWHUB_NOW=2031-01-01T00:00:00Z serve_start "$R" || { fail "server starts in 2031"; done_testing; exit 1; }
device "$BASE" AB:CD:EF:12:34:56 10.3.1-custom s6 --allow-unsigned
expect_rc "an unsigned rollback (a downgrade) is refused" 1
expect_in "... naming the versions" "$OUT" \
    "check: InstallationFailed: a rollback from 10.3.1-custom to 10.3.0 is refused: the answer is not"
serve_stop
serve_start "$R" || { fail "server restarts"; done_testing; exit 1; }

# interrupted downloads -------------------------------------------------------------------------
PORT=${BASE##*:}
netfault cut "$PORT" 100000
device "$NET" 11:22:33:44:55:66 10.2.0 s7 --allow-unsigned
expect_rc "a download cut in the middle completes" 0
expect_in "... resuming with Range" "$OUT" "download: 200000 bytes in 2 requests, resumed at byte"
same_file "... into the right image" "$TMP/s7/installed.bin" "$GEN"
netfault_stop

netfault cut "$PORT" 100000
device "$NET" 11:22:33:44:55:66 10.2.0 s8 --allow-unsigned --attempts 1
expect_rc "a cut with no tries left fails" 1
expect_in "... as DownloadFailed" "$OUT" "download: DownloadFailed:"
size=$(stat -c %s "$TMP/s8/download.part" 2>/dev/null || echo 0)
if [ "$size" -gt 0 ] && [ "$size" -lt 200000 ]; then
    pass "... keeping the bytes it has"
else
    fail "... keeping the bytes it has" "download.part has $size bytes"
fi
netfault_stop
device "$BASE" 11:22:33:44:55:66 10.2.0 s8 --allow-unsigned
expect_rc "the next run completes it" 0
expect_in "... from where it stopped" "$OUT" "resumed at byte $size"
same_file "... into the right image" "$TMP/s8/installed.bin" "$GEN"

netfault stall "$PORT" 100000
device "$NET" 11:22:33:44:55:66 10.2.0 s9 --allow-unsigned --attempts 1
expect_rc "a server that stalls times out" 1
expect_in "... as DownloadFailed" "$OUT" "download: DownloadFailed:"
expect_in "... naming the timeout" "$OUT" "seconds"
if [ -s "$TMP/s9/download.part" ]; then
    pass "... and the device keeps its state"
else
    fail "... and the device keeps its state" "no download.part in $TMP/s9"
fi
device "$NET" 11:22:33:44:55:66 10.2.0 s9 --allow-unsigned
expect_rc "... which the next run resumes" 0
netfault_stop

netfault overlong 1000 5000
device "$NET" 11:22:33:44:55:66 1.0.0 s10 --allow-unsigned
expect_rc "a server sending more bytes than announced is refused" 1
expect_in "... as DownloadFailed" "$OUT" "download: DownloadFailed:"
expect_in "... naming it" "$OUT" "more than the announced 1000 bytes"
netfault_stop

done_testing
