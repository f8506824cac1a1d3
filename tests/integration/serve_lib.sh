# serve_lib.sh: starts and stops `fwhub serve` for the test_serve_*.sh tests; source after lib.sh.
SERVE_PID=
SERVE_N=0

serve_kill() {
    [ -n "$SERVE_PID" ] && kill -KILL "$SERVE_PID" 2>/dev/null
    SERVE_PID=
}
trap 'serve_kill; rm -rf "$TMP"' EXIT

# serve_start REPO [OPTION...]: starts the server on a free port (--listen 127.0.0.1:0, the
# port is read from its "listening" log line) and waits for /healthz. Sets BASE, SERVE_PID,
# SERVE_LOG. Extra environment (FWHUB_NOW) is passed by the caller: VAR=x serve_start ...
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
    BASE=http://127.0.0.1:$port
    if [ -z "$port" ] || ! curl -sf -o /dev/null --retry 20 --retry-connrefused --retry-delay 0 "$BASE/healthz"; then
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
