# netfault_lib.sh: netfault.py (a misbehaving server or proxy) for the device tests.
# Source it after lib.sh; the test's exit trap kills $NET_PID.
NET_N=0
NET_PID=

# netfault MODE ARGS...: starts netfault.py; its address in NET.
netfault() {
    NET_N=$((NET_N + 1))
    : >"$TMP/net.$NET_N.out"
    python3 "$(dirname "$0")/netfault.py" "$@" >"$TMP/net.$NET_N.out" 2>"$TMP/net.err" &
    NET_PID=$!
    port=
    i=0
    while [ $i -lt 100 ] && [ -z "$port" ]; do
        port=$(sed -n 's/^port //p' "$TMP/net.$NET_N.out")
        [ -n "$port" ] || sleep 0.05
        i=$((i + 1))
    done
    NET=http://127.0.0.1:$port
}

netfault_stop() {
    kill "$NET_PID" 2>/dev/null
    wait "$NET_PID" 2>/dev/null
    NET_PID=
}
