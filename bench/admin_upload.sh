#!/bin/sh
# bench/admin_upload.sh: creating targets through the admin API with a large image upload:
# time per create, the server's memory before and after, and /healthz latency meanwhile.
# Env: FWHUB (binary), UPLOAD_MIB (30). Uses the integration tests' helpers; run from the
# repository: `make && sh bench/admin_upload.sh`.
FWHUB=${FWHUB:-${BUILD:-build}/fwhub}
export FWHUB
MIB=${UPLOAD_MIB:-30}
. tests/integration/lib.sh
. tests/integration/serve_lib.sh
TOKEN=bench-token-0123456789abcdef
make_repo "$TMP/r" >/dev/null || { echo "make_repo failed" >&2; exit 1; }
printf 'bench %s\n' "$TOKEN" >"$TMP/tok"
chmod 600 "$TMP/tok"
serve_start "$TMP/r" --admin-token-file "$TMP/tok" --max-upload "$((MIB + 1))M" || exit 1
head -c $((MIB * 1048576)) /dev/urandom >"$TMP/big.bin"
create() {
    curl -s -o /dev/null -w "create, $MIB MiB image: %{http_code} in %{time_total} s\n" \
        -H "Authorization: Bearer $TOKEN" -F mac=11:22:33:44:55:66 -F issue=BENCH \
        -F version="10.3.$1" -F model=EVSE -F replace=on -F firmware=@"$TMP/big.bin" \
        "$BASE/api/v1/admin/targets"
}
echo "server RSS before: $(vm_kb "$SERVE_PID" VmRSS) kB"
for i in 5 6 7; do create $i; done
probe_start "$BASE/healthz"
create 8
probe_stop
echo "/healthz meanwhile: $PROBE_N requests, $PROBE_BAD not 200, p50 $PROBE_P50 ms, max $PROBE_MAX ms"
echo "server RSS after: $(vm_kb "$SERVE_PID" VmRSS) kB, peak $(vm_kb "$SERVE_PID" VmHWM) kB"
serve_stop
