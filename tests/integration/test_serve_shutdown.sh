#!/bin/sh
# test_serve_shutdown.sh: SIGTERM with a slow download in flight: it completes, exit status 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

R=$TMP/repo
make_repo "$R" || { fail "build the repository"; done_testing; exit 1; }
# bigger than the socket buffers, so the server is still sending when it is told to stop
head -c 24000000 /dev/urandom >"$R/firmware/EVSE/big.bin"
serve_start "$R" || { fail "server starts"; done_testing; exit 1; }

curl -s --limit-rate 8M -o "$TMP/big.out" -w '%{http_code}' "$BASE/firmware/EVSE/big.bin" \
    >"$TMP/code" &
DL=$!
sleep 1
kill -TERM "$SERVE_PID"
sleep 0.5
code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$BASE/healthz")
expect_eq "no new connections after SIGTERM" "$code" 000
expect_eq "still running while the download goes on" "$(kill -0 "$SERVE_PID" 2>/dev/null && echo yes)" yes
wait "$DL"
wait "$SERVE_PID"
RC=$?
SERVE_PID=
expect_eq "the download in flight completed: 200" "$(cat "$TMP/code")" 200
expect_eq "the download in flight completed: every byte" \
    "$(sha256sum <"$TMP/big.out" | cut -d' ' -f1)" \
    "$(sha256sum <"$R/firmware/EVSE/big.bin" | cut -d' ' -f1)"
expect_eq "exit status 0" "$RC" 0
expect_in "shutdown logged" "$(cat "$SERVE_LOG")" "info stopped"
done_testing
