#!/bin/sh
# test_serve_crash.sh: `kill -9` of `fwhub serve` while clients ask for targeted answers and
# download targeted images: after a restart every answer a client saw with status 200 has
# its committed audit record, and `fwhub audit verify` passes. Several rounds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

unset FWHUB_DB
R=$TMP/repo
DB=$R/.fwhub/fwhub.db
U=/api/v1/devices
A=AB:CD:EF:12:34:56
B=11:22:33:44:55:66
ROUNDS=${CRASH_ROUNDS:-3}
CLIENTS=4
make_repo "$R" || { fail "build the repository"; done_testing; exit 1; }
"$FWHUB" --repo "$R" target create --mac $B --issue T-2 --version 10.3.2-custom --model EVSE \
    --firmware "$TMP/in/EVSE_10_3_1_custom.bin" --days 30 --fix "meter drift" >/dev/null ||
    { fail "second target"; done_testing; exit 1; }
SEEN=$TMP/seen
: >"$SEEN"

# client N MAC: asks for MAC's update and downloads the image it is given, until $TMP/stop
# exists (2000 rounds at most); appends "answered MAC" or "downloaded MAC" to its own file
# for every response whose status was 200 (a cut-off download counts too: its headers
# came, so its record had been committed)
client() {
    out=$TMP/client.$1
    i=0
    while [ ! -e "$TMP/stop" ] && [ $i -lt 2000 ]; do
        i=$((i + 1))
        code=$(curl -s -m 5 -o "$out.body" -w '%{http_code}' "$BASE$U/$2/update?model=EVSE&version=10.2.0")
        [ "$code" = 200 ] || continue
        echo "answered $2" >>"$out"
        url=$(grep -o '"url":"[^"]*"' "$out.body" | head -n 1 | cut -d'"' -f4)
        [ -n "$url" ] || continue
        code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$url")
        [ "$code" = 200 ] && echo "downloaded $2" >>"$out"
    done
    return 0
}

# recorded EVENT MAC: committed audit records of EVENT for MAC
recorded() {
    sqlite3 "$DB" "SELECT count(*) FROM audit WHERE event = '$1' AND subject_mac = '$2'"
}

round=1
while [ $round -le "$ROUNDS" ]; do
    serve_start "$R" || { fail "round $round: server starts"; break; }
    rm -f "$TMP/stop"
    pids=
    c=1
    while [ $c -le $CLIENTS ]; do
        : >"$TMP/client.$c"
        if [ $((c % 2)) = 1 ]; then mac=$A; else mac=$B; fi
        client $c $mac &
        pids="$pids $!"
        c=$((c + 1))
    done
    # let the clients get going, then kill the server in the middle of their requests
    i=0
    while [ "$(cat "$TMP"/client.[0-9]* | grep -c downloaded)" -lt 20 ] && [ $i -lt 200 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    sleep 0.$((3 + round))
    kill -KILL "$SERVE_PID"
    wait "$SERVE_PID" 2>/dev/null
    SERVE_PID=
    touch "$TMP/stop"
    for p in $pids; do wait "$p"; done
    cat "$TMP"/client.[0-9]* >>"$SEEN"
    n=$(wc -l <"$SEEN" | tr -d ' ')

    serve_start "$R" || { fail "round $round: server starts again after kill -9"; break; }
    for mac in $A $B; do
        a=$(grep -c "answered $mac" "$SEEN")
        d=$(grep -c "downloaded $mac" "$SEEN")
        ra=$(recorded target.answered $mac)
        rd=$(recorded target.downloaded $mac)
        if [ "$ra" -ge "$a" ] && [ "$rd" -ge "$d" ] && [ "$a" -gt 0 ] && [ "$d" -gt 0 ]; then
            pass "round $round, $mac: every 200 the clients saw has its record ($a answers: $ra records, $d downloads: $rd records)"
        else
            fail "round $round, $mac: a 200 without its record" \
                "answers seen $a, target.answered $ra; downloads seen $d, target.downloaded $rd"
        fi
    done
    run "$FWHUB" --repo "$R" audit verify
    expect_rc "round $round: audit verify passes after kill -9 ($n responses so far)" 0
    get "$BASE$U/$A/update?model=EVSE&version=10.2.0"
    expect_eq "round $round: the restarted server answers" "$CODE" 200
    serve_stop
    round=$((round + 1))
done
expect_eq "integrity of the database after the kills" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
done_testing
