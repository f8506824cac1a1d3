#!/bin/sh
# test_serve_api.sh: the update and status endpoints, /manifest.json, /healthz, /metrics.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

R=$TMP/repo
make_repo "$R" || { fail "build the repository"; done_testing; exit 1; }
serve_start "$R" || { fail "server starts"; done_testing; exit 1; }
U=/api/v1/devices

get "$BASE/healthz"
expect_eq "healthz answers 200" "$CODE" 200

for m in AB:CD:EF:12:34:56 ab-cd-ef-12-34-56 abcdef123456 AB_CD_EF_12_34_56 ABCD.EF12.3456 \
    ab%3Acd%3Aef%3A12%3A34%3A56; do
    get "$BASE$U/$m/update?model=EVSE&version=10.2.0"
    expect_eq "$m: 200" "$CODE" 200
    expect_eq "$m: targeted" "$(jget "$BODY" .kind)" targeted
    expect_eq "$m: canonical MAC" "$(jget "$BODY" .mac)" AB:CD:EF:12:34:56
done
T=$BODY
expect_eq "targeted: the fix's version" "$(jget "$T" .version)" 10.3.1-custom
expect_in "targeted: URL with a token" "$(jget "$T" .url)" "/targeted/firmware/AB_CD_EF_12_34_56/EVSE_10_3_1_custom.bin?token="
expect_eq "targeted: size" "$(jget "$T" .size)" 150000
expect_eq "targeted: sha256" "$(jget "$T" .sha256)" "$(sha256sum "$TMP/in/EVSE_10_3_1_custom.bin" | cut -d' ' -f1)"
expect_eq "targeted: rollback version" "$(jget "$T" .rollback.version)" 10.3.0
expect_in "targeted: rollback URL" "$(jget "$T" .rollback.url)" "$BASE/firmware/EVSE/"
expect_eq "targeted: expiry" "$(jget "$T" .expires_at)" 2030-01-01T00:00:00Z
expect_eq "targeted: support contact" "$(jget "$T" .instructions.support_contact)" support@example.com
expect_in "targeted: fix description" "$T" '"fix_description":["relay timing"]'

get "$BASE$U/11:22:33:44:55:66/update?model=EVSE&version=10.2.0"
expect_eq "another device: general" "$(jget "$BODY" .kind)" general
expect_eq "another device: newest release" "$(jget "$BODY" .version)" 10.3.0
expect_eq "another device: absolute URL" "$(jget "$BODY" .url)" "$BASE/firmware/EVSE/EVSE_10_3_0.bin"
expect_not_in "general URL has no token" "$BODY" "token="
get "$BASE$U/11:22:33:44:55:66/update?model=EVSE&version=10.3.0"
expect_eq "up to date: none" "$(jget "$BODY" .kind)" none
get "$BASE$U/11:22:33:44:55:66/update?model=EVSE&version=11.0.0"
expect_eq "newer than every release: none, no downgrade" "$(jget "$BODY" .kind)" none
get "$BASE$U/AB:CD:EF:12:34:56/update?model=EVSE&version=10.3.1-custom"
expect_eq "running the fix: none" "$(jget "$BODY" .kind)" none
get "$BASE$U/AB:CD:EF:12:34:56/update?model=OTHER&version=1.0.0"
expect_eq "unknown model: none" "$(jget "$BODY" .kind)" none

get "$BASE$U/AB:CD:EF:12:34:5/update?model=EVSE&version=10.2.0"
expect_eq "short MAC: 400" "$CODE" 400
expect_eq "short MAC: field mac" "$(jget "$BODY" .error.field)" mac
get "$BASE$U/00:00:00:00:00:00/update?model=EVSE&version=10.2.0"
expect_eq "all-zero MAC: field mac" "$(jget "$BODY" .error.field)" mac
get "$BASE$U/AB:CD:EF:12:34:56/update?version=10.2.0"
expect_eq "missing model: 400" "$CODE" 400
expect_eq "missing model: field model" "$(jget "$BODY" .error.field)" model
get "$BASE$U/AB:CD:EF:12:34:56/update?model=EV%20SE&version=10.2.0"
expect_eq "bad model: field model" "$(jget "$BODY" .error.field)" model
get "$BASE$U/AB:CD:EF:12:34:56/update?model=EVSE"
expect_eq "missing version: field version" "$(jget "$BODY" .error.field)" version
get "$BASE$U/AB:CD:EF:12:34:56/update?model=EVSE&version=ten"
expect_eq "bad version: 400" "$CODE" 400
expect_eq "bad version: field version" "$(jget "$BODY" .error.field)" version
get "$BASE$U/AB:CD:EF:12:34:56/update?model=EVSE&version=10.2.0" -X POST
expect_eq "POST on update: 405" "$CODE" 405

S=$U/AB:CD:EF:12:34:56/status
get "$BASE$S" -X POST -d '{"version":"10.3.1-custom","status":"Installed","detail":"ok"}'
expect_eq "status report: 202" "$CODE" 202
for st in Idle DownloadScheduled Downloading DownloadPaused Downloaded DownloadFailed \
    SignatureVerified InvalidSignature InstallScheduled Installing InstallRebooting Installed \
    InstallationFailed InstallVerificationFailed RolledBack; do
    get "$BASE$S" -X POST -d "{\"version\":\"10.2.0\",\"status\":\"$st\"}"
    [ "$CODE" = 202 ] || fail "status $st accepted" "got $CODE: $BODY"
done
pass "every OCPP status name and RolledBack accepted"
get "$BASE$S" -X POST -d '{"version":"10.2.0","status":"Exploded"}'
expect_eq "unknown status: 400" "$CODE" 400
expect_eq "unknown status: field status" "$(jget "$BODY" .error.field)" status
get "$BASE$S" -X POST -d '{"status":"Idle"}'
expect_eq "status without version: field version" "$(jget "$BODY" .error.field)" version
get "$BASE$S" -X POST -d '{"version":"10.2.0","status":"Idle","extra":1}'
expect_eq "unknown member: 400" "$CODE" 400
get "$BASE$S" -X POST -d 'not json'
expect_eq "not JSON: 400" "$CODE" 400
head -c 5000 /dev/zero | tr '\0' ' ' >"$TMP/big.json"
get "$BASE$S" -X POST --data-binary @"$TMP/big.json"
case $CODE in 413 | 400) pass "body over 4 KiB refused ($CODE)" ;; *) fail "body over 4 KiB refused" "got $CODE" ;; esac
get "$BASE/api/v1/devices/bad/status" -X POST -d '{"version":"10.2.0","status":"Idle"}'
expect_eq "status with a bad MAC: field mac" "$(jget "$BODY" .error.field)" mac
get "$BASE$S"
expect_eq "GET on status: 405" "$CODE" 405

get "$BASE/manifest.json"
M=$BODY
expect_eq "manifest: 200" "$CODE" 200
expect_eq "manifest: releases of EVSE" "$(printf '%s' "$M" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["hardware_models"]["EVSE"]["firmware_versions"]))')" 2
expect_in "manifest: sha256" "$M" '"sha256"'
expect_in "manifest: size_bytes" "$M" '"size_bytes": 300000'
expect_not_in "manifest: no mac_specific" "$M" mac_specific
expect_not_in "manifest: no targeted MAC" "$M" AB_CD_EF
ETAG=$(curl -s -D - -o /dev/null "$BASE/manifest.json" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
get "$BASE/manifest.json" -H "If-None-Match: $ETAG"
expect_eq "manifest: If-None-Match gives 304" "$CODE" 304

get "$BASE/metrics"
expect_in "metrics: requests by route and status" "$BODY" 'fwhub_http_requests_total{route="update",status="200"}'
expect_in "metrics: latency histogram" "$BODY" 'fwhub_http_request_duration_seconds_bucket{route="update",le="+Inf"}'
expect_in "metrics: answers by kind" "$BODY" 'fwhub_update_answers_total{kind="targeted"}'
expect_in "metrics: targets by state" "$BODY" 'fwhub_catalog_targets{state="active"} 1'
expect_in "metrics: status reports" "$BODY" 'fwhub_status_reports_total{status="Installed"} 2'
get "$BASE/nothing"
expect_eq "unknown path: 404" "$CODE" 404

# the secret fields, in every answer the server gave
ALL="$T$M$BODY"
for p in "$U/AB:CD:EF:12:34:56/update?model=EVSE&version=10.2.0" /manifest.json /metrics \
    "$U/AB:CD:EF:12:34:56/update?model=EVSE&version=10.3.1-custom"; do
    get "$BASE$p"
    ALL="$ALL$BODY"
done
for secret in "Jane Secretname" SER-SECRET-1 TICKET-SECRET-9 customer_info customer_name \
    device_serial issue_ticket; do
    expect_not_in "no $secret in any answer" "$ALL" "$secret"
done

serve_stop
expect_eq "SIGTERM: exit 0" "$SERVE_RC" 0

# an expired fix: forward to a newer general release, or back to stable when running it
FWHUB_NOW=2031-01-01T00:00:00Z serve_start "$R" || fail "server starts with FWHUB_NOW"
get "$BASE$U/AB:CD:EF:12:34:56/update?model=EVSE&version=10.2.0"
expect_eq "expired fix, device on 10.2.0: general" "$(jget "$BODY" .kind)" general
expect_eq "expired fix, device on 10.2.0: 10.3.0" "$(jget "$BODY" .version)" 10.3.0
get "$BASE$U/AB:CD:EF:12:34:56/update?model=EVSE&version=10.3.1-custom"
expect_eq "expired fix, device running it: rollback" "$(jget "$BODY" .kind)" rollback
expect_eq "expired fix, device running it: to the stable 10.3.0" "$(jget "$BODY" .version)" 10.3.0
expect_eq "rollback: URL of the stable image" "$(jget "$BODY" .url)" "$BASE/firmware/EVSE/EVSE_10_3_0.bin"
get "$BASE/metrics"
expect_in "metrics: the target counts as expired" "$BODY" 'fwhub_catalog_targets{state="expired"} 1'
serve_stop

done_testing
