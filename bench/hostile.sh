#!/bin/sh
# bench/hostile.sh: fwhub serve under hostile clients: load held, peak memory, and the latency a
# well-behaved client sees meanwhile. Each scenario gets a fresh server (its own peak RSS).
# Env: FWHUB (binary), FWLOAD (the load client), HOSTILE_CONNECTIONS (10000), HOSTILE_SECONDS
# (30), BENCH_THREADS (server threads: the core count). Prints a Markdown table.
set -eu
FWHUB=${FWHUB:-${BUILD:-build}/fwhub}
FWLOAD=${FWLOAD:-$(dirname "$FWHUB")/tools/fwload}
CONNS=${HOSTILE_CONNECTIONS:-10000}
SECS=${HOSTILE_SECONDS:-30}
CORES=${BENCH_THREADS:-$(nproc)}
for f in "$FWHUB" "$FWLOAD"; do
    [ -x "$f" ] || { echo "bench/hostile.sh: $f is missing (make)" >&2; exit 1; }
done
dir=$(mktemp -d /tmp/fwhub-bench-hostile.XXXXXX)
FW_PID=
PROBE_PID=
cleanup() {
    [ -n "$PROBE_PID" ] && kill "$PROBE_PID" 2>/dev/null || true
    [ -n "$FW_PID" ] && kill "$FW_PID" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# the repository: one model, a 1.2 MB image, 1000 known devices in the middle of the walk
R=$dir/repo
mkdir -p "$R" "$dir/in"
head -c 1200000 /dev/urandom >"$dir/in/EVSE_10_2_0.bin"
"$FWHUB" --repo "$R" release add --model EVSE --version 10.2.0 \
    --firmware "$dir/in/EVSE_10_2_0.bin" --changelog "stable release" >/dev/null
awk 'BEGIN { print "mac,serial,model,customer"
    for (i = 0; i < 1000; i++)
        printf "02:00:00:00:%02X:%02X,S-%d,EVSE,C %d\n", 16 + int(i / 256), i % 256, i, i }' \
    >"$dir/in/devices.csv"
"$FWHUB" --repo "$R" devices import "$dir/in/devices.csv" >/dev/null

start_server() {
    "$FWHUB" serve --repo "$R" --listen 127.0.0.1:0 --threads "$CORES" 2>"$dir/fwhub.log" &
    FW_PID=$!
    port=
    i=0
    while [ -z "$port" ] && [ $i -lt 100 ]; do
        sleep 0.05
        port=$(sed -n 's/.* info listening 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$dir/fwhub.log" |
            head -n 1)
        i=$((i + 1))
    done
    [ -n "$port" ] || { cat "$dir/fwhub.log" >&2; exit 1; }
    ADDR=127.0.0.1:$port
    GOOD="http://$ADDR/api/v1/devices/11:22:33:44:55:66/update?model=EVSE&version=10.0.0"
    curl -s -o /dev/null --retry 20 --retry-connrefused --retry-delay 0 "$GOOD"
}

stop_server() {
    HWM=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$FW_PID/status")
    RSS=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$FW_PID/status")
    kill -TERM "$FW_PID"
    wait "$FW_PID" || true
    FW_PID=
}

probe_start() {
    : >"$dir/probe"
    (
        trap 'exit 0' TERM
        while :; do
            curl -s -o /dev/null -m 10 -w '%{http_code} %{time_total}\n' "$GOOD" >>"$dir/probe"
            sleep 0.1
        done
    ) &
    PROBE_PID=$!
}

# probe_stop: "N requests, B not 200, p50/p99/max ms"
probe_stop() {
    kill -TERM "$PROBE_PID" 2>/dev/null || true
    wait "$PROBE_PID" 2>/dev/null || true
    PROBE_PID=
    bad=$(awk '$1 != 200' "$dir/probe" | wc -l | tr -d ' ')
    PROBE=$(awk '{print $2 * 1000}' "$dir/probe" | sort -n | awk -v bad="$bad" '
        { v[NR] = $1 }
        END { printf "%d (%d not 200), %.1f / %.1f / %.1f", NR, bad, v[int((NR + 1) / 2)],
                     v[int((NR * 99 + 99) / 100)], v[NR] }')
}

kv() { sed -n "s/^$1=//p" "$dir/load" | head -n 1; }

# scenario NAME FWLOAD-ARGUMENTS...: one row: what was held, the peak RSS, the probe
scenario() {
    name=$1
    shift
    start_server
    base=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$FW_PID/status")
    probe_start
    "$FWLOAD" "$@" "$ADDR" >"$dir/load"
    probe_stop
    held=$(describe "$@")
    stop_server
    printf '| %s | `fwload %s` | %s | %s MB (idle %s MB) | %s |\n' "$name" "$*" "$held" \
        "$((HWM / 1024))" "$((base / 1024))" "$PROBE"
}

# describe MODE ...: what the load client saw, in a few words
describe() {
    case "$1" in
    hold) printf '%s open at most, %s at the end, %s answers (%s), %s closed by the server' \
        "$(kv open_max)" "$(kv open_end)" "$(kv answers)" \
        "$(grep '^status_' "$dir/load" | sed 's/^status_//' | tr '\n' ' ' | sed 's/ $//')" \
        "$(kv server_closes)" ;;
    slow | idle) printf '%s of %s closed by the server after p50 %s s, max %s s' \
        "$(kv closed_after_n)" "$(kv connections)" "$(kv closed_after_p50_s)" \
        "$(kv closed_after_max_s)" ;;
    walk) printf '%s answers in %s s (%s), body %s..%s bytes; %s' \
        "$(kv answers)" "$(kv elapsed_s)" \
        "$(grep '^status_' "$dir/load" | sed 's/^status_//' | tr '\n' ' ' | sed 's/ $//')" \
        "$(kv body_min)" "$(kv body_max)" \
        "$(printf 'p50/p99 known %s/%s us, unknown %s/%s us' "$(kv known_p50_us)" \
            "$(kv known_p99_us)" "$(kv unknown_p50_us)" "$(kv unknown_p99_us)")" ;;
    esac
}

echo "fwhub serve, $CORES loops, $(nproc) cores, default timeouts" \
    "(--request-timeout 10, --send-timeout 60);"
echo "well-behaved client: curl every 0.1 s on a new connection" \
    "(requests, failures, p50 / p99 / max ms)"
echo
echo "| scenario | load | held | peak RSS | well-behaved client |"
echo "| --- | --- | --- | --- | --- |"
scenario "keep-alive" hold -c "$CONNS" --seconds "$SECS" --pause 1000 --path /healthz
scenario "slowloris" slow -c 2000 --pause 1000 --seconds 60
scenario "idle" idle -c 2000 --seconds 60
scenario "idle after one request" idle --after-one -c 2000 --seconds 60
scenario "20 KB heads" hold -c 500 --seconds 10 --pause 0 --header-bytes 20000
scenario "500 KB heads" hold -c 500 --seconds 10 --pause 0 --header-bytes 500000
scenario "300 KB heads, never ended" slow -c 2000 --header-bytes 300000 --seconds 60
scenario "10 KB URLs" hold -c 500 --seconds 10 --pause 0 --path-bytes 10000
scenario "100 KB bodies" hold -c 500 --seconds 10 --pause 0 --post-bytes 100000 \
    --path /api/v1/devices/020000000001/status
scenario "MAC walk" walk -c 64 --count 1000000 --mac 020000000000 --known-from 020000001000 \
    --known-count 1000 --query 'model=EVSE&version=10.0.0' --seconds 120
