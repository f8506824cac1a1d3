# serve_lib.sh: starts and stops `fwhub serve` for the test_serve_*.sh tests; source after lib.sh.
SERVE_PID=
SERVE_N=0

PROBE_PID=

serve_kill() {
    [ -n "$PROBE_PID" ] && kill -TERM "$PROBE_PID" 2>/dev/null
    [ -n "$SERVE_PID" ] && kill -KILL "$SERVE_PID" 2>/dev/null
    SERVE_PID=
}
trap 'serve_kill; rm -rf "$TMP"' EXIT

# serve_start REPO [OPTION...]: starts the server on a free port (--listen 127.0.0.1:0, the
# port is read from its "listening" log line) and waits for /healthz. Sets BASE, PORT,
# SERVE_PID, SERVE_LOG. Extra environment (FWHUB_NOW) is passed by the caller: VAR=x
# serve_start ... With --tls-cert, set SERVE_SCHEME=https and SERVE_CACERT=FILE first.
serve_start() {
    repo=$1
    shift
    SERVE_N=$((SERVE_N + 1))
    SERVE_LOG=$TMP/serve.$SERVE_N.log
    "$FWHUB" serve --repo "$repo" --listen 127.0.0.1:0 --threads 2 --poll-interval 1 "$@" \
        2>"$SERVE_LOG" &
    SERVE_PID=$!
    port=
    i=0
    while [ $i -lt 100 ] && [ -z "$port" ]; do
        port=$(sed -n 's/.* info listening 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$SERVE_LOG" 2>/dev/null | head -n 1)
        [ -n "$port" ] || sleep 0.05
        i=$((i + 1))
    done
    PORT=$port
    BASE=${SERVE_SCHEME:-http}://127.0.0.1:$port
    if [ -z "$port" ] || ! curl -sf -o /dev/null --retry 20 --retry-connrefused --retry-delay 0 \
        ${SERVE_CACERT:+--cacert "$SERVE_CACERT"} "$BASE/healthz"; then
        echo "# server did not start:"
        sed 's/^/#   /' "$SERVE_LOG"
        return 1
    fi
}

# serve_stop: SIGTERM, then waits; the exit status is in SERVE_RC.
serve_stop() {
    kill -TERM "$SERVE_PID"
    wait "$SERVE_PID"
    SERVE_RC=$?
    SERVE_PID=
}

# get URL [CURL-OPTION...]: body in $BODY, status in $CODE.
get() {
    url=$1
    shift
    CODE=$(curl -s -o "$TMP/.body" -w '%{http_code}' "$@" "$url")
    BODY=$(cat "$TMP/.body")
}

# jget JSON PATH: a value out of JSON, PATH like .rollback.version (python3).
jget() {
    printf '%s' "$1" | python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].strip(".").split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("null" if v is None else v)' "$2"
}

# make_repo DIR: two EVSE releases (10.2.0, 10.3.0), two known devices, and a targeted fix
# 10.3.1-custom for AB:CD:EF:12:34:56 expiring 2030-01-01 with auto-rollback.
make_repo() {
    r=$1
    mkdir -p "$r" "$TMP/in"
    head -c 300000 /dev/urandom >"$TMP/in/EVSE_10_2_0.bin"
    head -c 200000 /dev/urandom >"$TMP/in/EVSE_10_3_0.bin"
    head -c 150000 /dev/urandom >"$TMP/in/EVSE_10_3_1_custom.bin"
    printf 'mac,serial,model,customer\nAB:CD:EF:12:34:56,SER-SECRET-1,EVSE,Jane Secretname\n11:22:33:44:55:66,SER-SECRET-2,EVSE,Joe Hiddenname\n' >"$TMP/in/devices.csv"
    "$FWHUB" --repo "$r" release add --model EVSE --version 10.2.0 \
        --firmware "$TMP/in/EVSE_10_2_0.bin" --changelog "stable" >/dev/null &&
    "$FWHUB" --repo "$r" release add --model EVSE --version 10.3.0 \
        --firmware "$TMP/in/EVSE_10_3_0.bin" --changelog "newer" >/dev/null &&
    "$FWHUB" --repo "$r" devices import "$TMP/in/devices.csv" >/dev/null &&
    "$FWHUB" --repo "$r" target create --mac AB:CD:EF:12:34:56 --issue TICKET-SECRET-9 \
        --version 10.3.1-custom --model EVSE --firmware "$TMP/in/EVSE_10_3_1_custom.bin" \
        --expires 2030-01-01 --auto-rollback --fix "relay timing" --changelog "relay fix" \
        --support-contact support@example.com >/dev/null
}

# The load client (tests/tools/fwload.c), built beside fwhub.
FWLOAD=${FWLOAD:-$(dirname "$FWHUB")/tools/fwload}

# kv KEY: the value of KEY in fwload's key=value output ($OUT of the last run).
kv() {
    printf '%s\n' "$OUT" | sed -n "s/^$1=//p" | head -n 1
}

# vm_kb PID FIELD: VmHWM (peak) or VmRSS of a process, in kB.
vm_kb() {
    sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"
}

# probe_start URL [CURL-OPTION...]: a well-behaved client in the background, one request
# every 0.1 s, each on a new connection; probe_stop ends it and sets PROBE_N, PROBE_BAD
# (answers other than 200, and failures), PROBE_P50, PROBE_P99, PROBE_MAX (milliseconds).
probe_start() {
    PROBE_FILE=$TMP/probe.$$.$SERVE_N
    : >"$PROBE_FILE"
    (
        trap 'exit 0' TERM
        while :; do
            curl -s -o /dev/null -m 10 -w '%{http_code} %{time_total}\n' "$@" >>"$PROBE_FILE"
            sleep 0.1
        done
    ) &
    PROBE_PID=$!
}

probe_stop() {
    kill -TERM "$PROBE_PID" 2>/dev/null
    wait "$PROBE_PID" 2>/dev/null
    PROBE_PID=
    PROBE_N=$(wc -l <"$PROBE_FILE" | tr -d ' ')
    PROBE_BAD=$(awk '$1 != 200' "$PROBE_FILE" | wc -l | tr -d ' ')
    set -- $(awk '{print $2 * 1000}' "$PROBE_FILE" | sort -n | awk '
        { v[NR] = $1 }
        END { if (NR == 0) { print "0 0 0"; exit }
              printf "%.1f %.1f %.1f\n", v[int((NR + 1) / 2)], v[int((NR * 99 + 99) / 100)],
                  v[NR] }')
    PROBE_P50=$1
    PROBE_P99=$2
    PROBE_MAX=$3
}
