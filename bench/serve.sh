#!/bin/sh
# bench/serve.sh: fwhub's update answers and downloads against nginx serving static files, one run.
# Needs wrk and nginx (Debian: wrk, nginx-light). Env: FWHUB (binary), BENCH_SECONDS (10),
# BENCH_CONNECTIONS (64), BENCH_THREADS (server threads and nginx workers: the core count).
set -eu
FWHUB=${FWHUB:-${BUILD:-build}/fwhub}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
CORES=${BENCH_THREADS:-$(nproc)}
for tool in wrk nginx curl; do
    command -v "$tool" >/dev/null || { echo "bench/serve.sh: $tool is missing (apt-get install wrk nginx-light curl)" >&2; exit 1; }
done
dir=$(mktemp -d /tmp/fwhub-bench-serve.XXXXXX)
FW_PID=
NG_PID=
cleanup() {
    [ -n "$FW_PID" ] && kill "$FW_PID" 2>/dev/null || true
    [ -n "$NG_PID" ] && kill "$NG_PID" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# the repository: one model, a 1.2 MB image, one targeted device
R=$dir/repo
mkdir -p "$R" "$dir/in"
head -c 1200000 /dev/urandom >"$dir/in/EVSE_10_2_0.bin"
head -c 1200000 /dev/urandom >"$dir/in/EVSE_10_3_1_custom.bin"
printf 'mac,serial,model,customer\nAB:CD:EF:12:34:56,S-1,EVSE,Bench\n' >"$dir/in/devices.csv"
"$FWHUB" --repo "$R" release add --model EVSE --version 10.2.0 --firmware "$dir/in/EVSE_10_2_0.bin" \
    --changelog "stable release" >/dev/null
"$FWHUB" --repo "$R" devices import "$dir/in/devices.csv" >/dev/null
"$FWHUB" --repo "$R" target create --mac AB:CD:EF:12:34:56 --issue T-1 --version 10.3.1-custom \
    --model EVSE --firmware "$dir/in/EVSE_10_3_1_custom.bin" --days 365 --changelog "relay fix" \
    --fix "relay timing" --fix "sensor calibration" >/dev/null

# images signed in both runs: the signed run differs only by the answers' signatures
"$FWHUB" keygen --out "$dir/keys" --repo "$R" >/dev/null
"$FWHUB" --repo "$R" sign --key "$dir/keys/private.pem" >/dev/null

# fwhub_start [OPTION...]: fwhub serve on a free port; sets FW, TARGETED, GENERAL
fwhub_start() {
    "$FWHUB" serve --repo "$R" --listen 127.0.0.1:0 --threads "$CORES" "$@" 2>"$dir/fwhub.log" &
    FW_PID=$!
    i=0
    port=
    while [ -z "$port" ] && [ $i -lt 100 ]; do
        sleep 0.05
        port=$(sed -n 's/.* info listening 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$dir/fwhub.log" | head -n 1)
        i=$((i + 1))
    done
    [ -n "$port" ] || { cat "$dir/fwhub.log" >&2; exit 1; }
    FW=http://127.0.0.1:$port
    TARGETED="$FW/api/v1/devices/AB:CD:EF:12:34:56/update?model=EVSE&version=10.0.0"
    GENERAL="$FW/api/v1/devices/11:22:33:44:55:66/update?model=EVSE&version=10.0.0"
}

fwhub_stop() {
    kill "$FW_PID"
    wait "$FW_PID" || true
    FW_PID=
}

fwhub_start

# nginx serves a static JSON file of the same size as the targeted answer, and the same image
curl -s "$TARGETED" >"$R/answer.json"
size=$(wc -c <"$R/answer.json" | tr -d ' ')
np=$((20000 + $$ % 10000))
cat >"$dir/nginx.conf" <<CONF
worker_processes $CORES;
pid $dir/nginx.pid;
error_log $dir/nginx.err;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000000;
    types { application/json json; application/octet-stream bin; }
    server { listen 127.0.0.1:$np reuseport; root $R; }
}
CONF
chmod -R a+rX "$dir" # nginx workers run as nobody when started by root
nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' 2>"$dir/nginx.start" &
NG_PID=$!
curl -s -o /dev/null --retry 20 --retry-connrefused --retry-delay 0 "http://127.0.0.1:$np/answer.json" ||
    { cat "$dir/nginx.start" "$dir/nginx.err" >&2; exit 1; }
NG=http://127.0.0.1:$np
for u in "$NG/answer.json" "$NG/firmware/EVSE/EVSE_10_2_0.bin" "$FW/firmware/EVSE/EVSE_10_2_0.bin"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$u")
    [ "$code" = 200 ] || { echo "bench/serve.sh: $u answers $code, not 200" >&2; exit 1; }
done

# cpu_ticks PID: user + system CPU of a process, in clock ticks
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# bench NAME URL [PID]: one wrk run; prints a row and keeps requests/s and bytes/s in $RPS, $BPS;
# with PID also the server's CPU time per request in $CPU (us): steadier than req/s when the
# machine is shared
bench() {
    c0=$([ -n "${3:-}" ] && cpu_ticks "$3" || echo 0)
    wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$2" >"$dir/wrk.out" 2>&1
    c1=$([ -n "${3:-}" ] && cpu_ticks "$3" || echo 0)
    nreq=$(awk '/requests in/{print $1}' "$dir/wrk.out")
    CPU=$(awk -v c=$((c1 - c0)) -v n="$nreq" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", c * 1e6 / hz / n }')
    RPS=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$dir/wrk.out")
    tr=$(sed -n 's/^Transfer\/sec: *\([0-9.]*[KMG]*B\).*/\1/p' "$dir/wrk.out")
    BPS=$(printf '%s' "$tr" | awk '{v=$0+0; if ($0 ~ /GB/) v*=1024^3; else if ($0 ~ /MB/) v*=1024^2; else if ($0 ~ /KB/) v*=1024; print v}')
    p50=$(awk '/Latency Distribution/{f=1} f && $1=="50%"{print $2; exit}' "$dir/wrk.out")
    p99=$(awk '/Latency Distribution/{f=1} f && $1=="99%"{print $2; exit}' "$dir/wrk.out")
    printf '%-34s %12s req/s %10s/s   p50 %-9s p99 %-9s' "$1" "$RPS" "$tr" "$p50" "$p99"
    if [ -n "${3:-}" ]; then printf ' %6s us CPU/req\n' "$CPU"; else echo; fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "== fwhub serve vs nginx: $CORES server threads, wrk -t2 -c$CONNS -d${SECS}s, $(nproc) cores =="
echo "update answer: $size bytes of JSON; image: 1200000 bytes"
bench "fwhub update (targeted MAC)" "$TARGETED" "$FW_PID"
t_rps=$RPS
t_cpu=$CPU
bench "fwhub update (general MAC)" "$GENERAL" "$FW_PID"
g_rps=$RPS
g_cpu=$CPU
# targeted answers with 4x the connections: each still waits for its record's commit, but
# more records share a commit, so the rate grows with the number of clients waiting
metric() { curl -s "$FW/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
r0=$(metric fwhub_audit_records_written_total)
k0=$(metric fwhub_store_commits_total)
c_saved=$CONNS
CONNS=$((CONNS * 4))
bench "fwhub update (targeted MAC), -c$CONNS" "$TARGETED" "$FW_PID"
t4_rps=$RPS
CONNS=$c_saved
r1=$(metric fwhub_audit_records_written_total)
k1=$(metric fwhub_store_commits_total)
echo "targeted answers at -c$((CONNS * 4)) / -c$CONNS: $(ratio "$t4_rps" "$t_rps")x;" \
    "$(awk -v r=$((r1 - r0)) -v k=$((k1 - k0)) 'BEGIN { printf "%.0f", r / (k ? k : 1) }') records per commit" \
    "at -c$((CONNS * 4)); targeted at -c$((CONNS * 4)) / general at -c$CONNS: $(ratio "$t4_rps" "$g_rps")x"
bench "nginx static JSON ($size B)" "$NG/answer.json"
n_rps=$RPS
bench "fwhub image 1.2 MB" "$FW/firmware/EVSE/EVSE_10_2_0.bin"
f_bps=$BPS
bench "nginx image 1.2 MB" "$NG/firmware/EVSE/EVSE_10_2_0.bin"
n_bps=$BPS
echo "ratio targeted/general answers: $(ratio "$t_rps" "$g_rps")x (each targeted answer waits for" \
    "its audit record's commit, synchronous=FULL; general answers are batched)"
echo "ratio fwhub/nginx: targeted answers $(ratio "$t_rps" "$n_rps")x, general answers" \
    "$(ratio "$g_rps" "$n_rps")x (aim >= 1.2); downloads $(ratio "$f_bps" "$n_bps")x (aim >= 0.9)"

# the same answers signed (--signing-key): prepared once per snapshot and half-period
fwhub_stop
fwhub_start --signing-key "$dir/keys/private.pem"
curl -s "$TARGETED" | grep -q '"answer_signature"' || { echo "bench/serve.sh: no signed answer" >&2; exit 1; }
ssize=$(curl -s "$TARGETED" | wc -c | tr -d ' ')
echo "signed answers (--signing-key): $ssize bytes for the targeted one"
bench "fwhub update (targeted MAC), signed" "$TARGETED" "$FW_PID"
ts_rps=$RPS
ts_cpu=$CPU
bench "fwhub update (general MAC), signed" "$GENERAL" "$FW_PID"
gs_rps=$RPS
gs_cpu=$CPU
echo "ratio signed/unsigned: targeted answers $(ratio "$ts_rps" "$t_rps")x, general answers" \
    "$(ratio "$gs_rps" "$g_rps")x (aim: near 1); signed/nginx: targeted $(ratio "$ts_rps" "$n_rps")x," \
    "general $(ratio "$gs_rps" "$n_rps")x"
echo "server CPU per answer signed/unsigned: targeted $(ratio "$ts_cpu" "$t_cpu")x," \
    "general $(ratio "$gs_cpu" "$g_cpu")x"
