#!/bin/sh
# test_faults_store.sh: the audit store (SQLite) fails under the command line and under
# `fwhub serve`: writes and syncs of the database and its WAL fail with ENOSPC or EIO
# (LD_PRELOAD shim build/fault.so). A command that cannot commit its audit record exits 1
# naming the database and the record; a one-off failure is absorbed by the store's retry;
# the server answers 503 to targeted accesses while the disk is "full", never an answer
# whose record was not committed, logs audit_failed naming the database, keeps running and
# recovers once the fault stops; `fwhub audit verify` passes after every case.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

FAULT_SO=${FAULT_SO:-build/fault.so}
case $FAULT_SO in /*) ;; *) FAULT_SO=$(pwd)/$FAULT_SO ;; esac
if [ ! -f "$FAULT_SO" ]; then
    echo "ok 1 - store fault injection # SKIP $FAULT_SO is not built (make build/fault.so)"
    echo "1..1"
    exit 0
fi
PRELOAD=$FAULT_SO
ASAN_LIB=$(ldd "$FWHUB" 2>/dev/null | awk '/libasan/ { print $3 }')
[ -n "$ASAN_LIB" ] && PRELOAD="$ASAN_LIB $FAULT_SO"

unset FWHUB_DB
BASE_REPO=$TMP/base
make_repo "$BASE_REPO" || { fail "build the repository"; done_testing; exit 1; }
R=$TMP/r
DB=$R/.fwhub/fwhub.db
head -c 50000 /dev/urandom >"$TMP/in/other.bin"
printf 'mac,serial,model,customer\n24:0A:C4:12:7F:30,SER-3,EVSE,Third Customer\n' >"$TMP/in/more.csv"

audits() { sqlite3 "$DB" "SELECT count(*) FROM audit"; }

# cli_case LABEL FAULT CMD...: CMD on a fresh copy under the rule FAULT (fault.so's syntax)
cli_case() {
    label=$1 rule=$2
    shift 2
    rm -rf "$R"
    cp -a "$BASE_REPO" "$R"
    before=$(audits)
    FWHUB_FAULT=$rule LD_PRELOAD=$PRELOAD "$FWHUB" --repo "$R" "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    after=$(audits)
    err=$(cat "$TMP/err")
    why=""
    case $rule in
    *:1+:*) # the disk stays full: the command fails and says which record was lost where
        [ "$rc" -eq 1 ] || why="$why; exit status $rc, expected 1"
        [ "$after" = "$before" ] || why="$why; $after records after, $before before"
        case $err in *"audit record"*"$DB"*) ;; *) why="$why; stderr does not name the record and $DB" ;; esac
        case $err in *"disk is full"* | *"disk I/O error"*) ;; *) why="$why; stderr lacks the cause" ;; esac
        ;;
    *) # one failed call: the store's retry commits the record
        [ "$rc" -eq 0 ] || why="$why; exit status $rc, expected 0"
        [ "$after" = $((before + 1)) ] || why="$why; $after records after, $before before"
        ;;
    esac
    "$FWHUB" --repo "$R" audit verify >/dev/null 2>"$TMP/verify" ||
        why="$why; audit verify: $(cat "$TMP/verify")"
    if [ -z "$why" ]; then
        pass "$label under $rule: exit $rc, $((after - before)) record(s), chain intact"
    else
        fail "$label under $rule" "${why#; }" "stderr: $err"
    fi
}

MAC3=11:22:33:44:55:66 # known, without a target
for rule in pwrite:ENOSPC:1+:fwhub.db-wal pwrite:EIO:1+:fwhub.db fdatasync:EIO:1+:fwhub.db-wal \
    fdatasync:ENOSPC:1+:fwhub.db pwrite:ENOSPC:1:fwhub.db-wal fdatasync:EIO:1:fwhub.db-wal; do
    cli_case "target create" "$rule" target create --mac $MAC3 --issue T-7 --version 10.3.2-c \
        --model EVSE --firmware "$TMP/in/other.bin" --expires 2030-01-01
    cli_case "target remove" "$rule" target remove AB:CD:EF:12:34:56
    cli_case "release add" "$rule" release add --model EVSE --version 10.4.0 \
        --firmware "$TMP/in/other.bin"
    cli_case "devices import" "$rule" devices import "$TMP/in/more.csv"
done

# the server: the disk is full while $TMP/full exists --------------------------------------
U=/api/v1/devices
A=AB:CD:EF:12:34:56
FULL=$TMP/full

# serve_case RULES: one server session under RULES, the fault switched on and off
serve_case() {
    rules=$1
    rm -rf "$R"
    cp -a "$BASE_REPO" "$R"
    rm -f "$FULL"
    # only the server runs under the shim: a wrapper sets it up for fwhub alone (curl and
    # sed in serve_start must not run with libasan preloaded: under SAN=1 that hung)
    printf '#!/bin/sh\nFWHUB_FAULT=%s FWHUB_FAULT_WHILE=%s LD_PRELOAD="%s" exec %s "$@"\n' \
        "$rules" "$FULL" "$PRELOAD" "$FWHUB" >"$TMP/fwhub-faulty"
    chmod +x "$TMP/fwhub-faulty"
    real=$FWHUB
    FWHUB=$TMP/fwhub-faulty
    serve_start "$R"
    started=$?
    FWHUB=$real
    [ "$started" -eq 0 ] || {
        fail "[$rules] server starts"
        return
    }
    get "$BASE$U/$A/update?model=EVSE&version=10.2.0"
    url=$(jget "$BODY" .url)
    n0=$(audits)
    expect_eq "[$rules] before the fault: targeted answer 200" "$CODE" 200

    : >"$FULL"
    H=$(curl -s -D - -o "$TMP/busy" "$BASE$U/$A/update?model=EVSE&version=10.2.0" | tr -d '\r')
    expect_in "[$rules] disk full: targeted answer 503" "$H" "HTTP/1.1 503"
    expect_in "[$rules] disk full: Retry-After" "$H" "retry-after: 1"
    expect_not_in "[$rules] disk full: no fix in the body" "$(cat "$TMP/busy")" "10.3.1-custom"
    CODE=$(curl -s -o "$TMP/img" -w '%{http_code}' "$url")
    expect_eq "[$rules] disk full: targeted download 503" "$CODE" 503
    expect_in "[$rules] disk full: no image, the busy message" "$(cat "$TMP/img")" "busy; try again"
    get "$BASE/healthz"
    expect_eq "[$rules] disk full: the server keeps running" "$CODE" 200
    get "$BASE$U/11:22:33:44:55:66/update?model=EVSE&version=10.2.0"
    expect_eq "[$rules] disk full: general answers go on (batched, not audited)" "$CODE" 200
    log=$(cat "$SERVE_LOG")
    expect_in "[$rules] disk full: audit_failed logged" "$log" "error audit_failed"
    expect_in "[$rules] disk full: the log names the database" "$log" "$DB"
    expect_eq "[$rules] disk full: no record for refused accesses" "$(audits)" "$n0"

    rm -f "$FULL"
    get "$BASE$U/$A/update?model=EVSE&version=10.2.0"
    expect_eq "[$rules] space back: targeted answer 200" "$CODE" 200
    url=$(jget "$BODY" .url)
    CODE=$(curl -s -o "$TMP/img" -w '%{http_code}' "$url")
    expect_eq "[$rules] space back: targeted download 200" "$CODE" 200
    expect_eq "[$rules] space back: both recorded" "$(audits)" $((n0 + 2))
    serve_stop
    expect_eq "[$rules] SIGTERM: exit 0" "$SERVE_RC" 0
    run "$FWHUB" --repo "$R" audit verify
    expect_rc "[$rules] audit verify passes" 0
    answered=$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE event = 'target.answered'")
    expect_eq "[$rules] every 200 targeted answer has its record, no more" "$answered" 2
}

serve_case "pwrite:ENOSPC:1+:fwhub.db,fdatasync:ENOSPC:1+:fwhub.db"
serve_case "fdatasync:EIO:1+:fwhub.db-wal"
done_testing
