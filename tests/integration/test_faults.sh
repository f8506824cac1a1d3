#!/bin/sh
# test_faults.sh: every write, fsync, close, rename and mkdir that fwhub's commands make in a
# repository is made to fail in turn (ENOSPC or EIO, through the LD_PRELOAD shim
# build/fault.so); each time the command must exit 1 naming the file and the system error,
# leave no temporary file, leave every file of the repository as it was, and the repository
# must still validate.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"

FAULT_SO=${FAULT_SO:-build/fault.so}
case $FAULT_SO in /*) ;; *) FAULT_SO=$(pwd)/$FAULT_SO ;; esac
if [ ! -f "$FAULT_SO" ]; then
    echo "ok 1 - fault injection # SKIP $FAULT_SO is not built (make build/fault.so)"
    echo "1..1"
    exit 0
fi
# An ASan binary wants its runtime first among the loaded libraries: preload it before the shim.
PRELOAD=$FAULT_SO
ASAN_LIB=$(ldd "$FWHUB" 2>/dev/null | awk '/libasan/ { print $3 }')
[ -n "$ASAN_LIB" ] && PRELOAD="$ASAN_LIB $FAULT_SO"

export FWHUB_NOW=2024-09-25T12:00:00Z
# the event store stays outside the repository: faults aimed at the repository miss it, and
# the before/after comparison sees only the catalog
mkdir -p "$TMP/db"
export FWHUB_DB="$TMP/db/fwhub.db"
OPS="write pwrite fsync fdatasync close rename link mkdir"
R=$TMP/r # the repository under test, rebuilt from a base copy before every run

# Base repositories -------------------------------------------------------------------------
make_repo "$TMP/plain"
image "$TMP/src/fix.bin" 100000
image "$TMP/src/fix2.bin" 90000
image "$TMP/src/v2_10_3_0.bin" 80000
cat >"$TMP/src/more.csv" <<EOF
mac,serial,model,customer
24:0A:C4:12:7F:30,EVSE-2024-002210,$V2,Parkhaus Nord GmbH
$MAC1,EVSE-2024-001234,$V2,John Doe (moved)
EOF
cp -a "$TMP/plain" "$TMP/targeted"
"$FWHUB" --repo "$TMP/targeted" target create --mac $MAC1 --issue T-1 --version 10.2.1-custom \
    --model $V2 --firmware "$TMP/src/fix.bin" --expires 2024-12-25 >/dev/null || {
    echo "Bail out! target create failed on the base repository"
    exit 1
}

# Helpers -----------------------------------------------------------------------------------
# snapshot DIR: every file and symlink with its content hash (the event store aside).
# Directories are left out: an empty one left behind (targeted/firmware/) is harmless.
snapshot() {
    (cd "$1" && find . -path ./.fwhub -prune -o -type f -print | LC_ALL=C sort |
        while read -r f; do echo "$(sha256sum <"$f" | cut -c1-64) $f"; done
        find . -path ./.fwhub -prune -o -type l -printf '%p -> %l\n' | LC_ALL=C sort)
}

strerror_of() {
    case $1 in ENOSPC) echo "No space left on device" ;; EIO) echo "Input/output error" ;; esac
}

# the name a message should show for a faulted path: a temporary ".NAME.tmp.XXXXXX" is NAME
shown_name() {
    b=$(basename "$1")
    case $b in .*.tmp.*) b=${b#.} && b=${b%.tmp.*} ;; esac
    echo "$b"
}

# faulted CMD...: fwhub on $R under the shim with the rules in $FAULT (none when empty), like
# `run`; the calls it made go to $TMP/calls
faulted() {
    rm -f "$TMP/calls"
    env FWHUB_FAULT="$FAULT" FWHUB_FAULT_LOG="$TMP/calls" LD_PRELOAD="$PRELOAD" \
        "$FWHUB" --repo "$R" "$@" >"$TMP/.out" 2>"$TMP/.err"
    RC=$?
    OUT=$(cat "$TMP/.out")
    ERR=$(cat "$TMP/.err")
}

# count OP: how many calls of OP the run without faults made inside $R
count() {
    awk -v op="$1" -v r="$R" '$1 == op && (index($2, r "/") == 1 || $2 == r)' "$TMP/calls.all" |
        wc -l
}

# try_point BASE LABEL OP N ERRNO CMD...: one fault point, one TAP line
try_point() {
    p_base=$1 p_label=$2 p_op=$3 p_n=$4 p_e=$5
    shift 5
    rm -rf "$R"
    cp -a "$p_base" "$R"
    before=$(snapshot "$R")
    FAULT="$p_op:$p_e:$p_n:$R" faulted "$@"
    FAULT=
    where=$(awk '/ FAULT$/ { print $2 }' "$TMP/calls" | head -n 1)
    what="$p_label: $p_op #$p_n ($(echo "${where:-?}" | sed "s|^$R|REPO|; s|\.tmp\.[^/]*$|.tmp.*|")) $p_e"
    why=""
    [ -n "$where" ] || why="$why; the fault was not reached"
    [ "$RC" -eq 1 ] || why="$why; exit status $RC, expected 1"
    msg=$(strerror_of "$p_e")
    case $ERR in *"$msg"*) ;; *) why="$why; stderr lacks \"$msg\"" ;; esac
    name=$(shown_name "${where:-?}")
    case $ERR in *"$name"*) ;; *) why="$why; stderr does not name $name" ;; esac
    tmps=$(find "$R" -name '.*.tmp.*' | sed "s|^$R|REPO|")
    [ -z "$tmps" ] || why="$why; temporary files left: $tmps"
    after=$(snapshot "$R")
    [ "$before" = "$after" ] ||
        why="$why; files changed: $(diff_lines "$before" "$after")"
    "$FWHUB" --repo "$R" validate >"$TMP/.v" 2>&1 ||
        why="$why; validate fails afterwards: $(head -n 3 "$TMP/.v" | tr '\n' ' ')"
    if [ -z "$why" ]; then
        pass "$what"
    else
        fail "$what" "${why#; }" "stderr: $ERR"
    fi
}

# diff_lines A B: the lines that differ between two snapshots, on one line
diff_lines() {
    printf '%s\n' "$1" >"$TMP/.a"
    printf '%s\n' "$2" >"$TMP/.b"
    diff "$TMP/.a" "$TMP/.b" | sed -n 's/^\([<>]\) [0-9a-f]* */\1 /p' | sed "s|\./||" |
        tr '\n' ' '
}

# scenario BASE LABEL CMD...: runs CMD once to find its calls, then fails each in turn
scenario() {
    base=$1 label=$2
    shift 2
    rm -rf "$R"
    cp -a "$base" "$R"
    FAULT=
    faulted "$@"
    if [ "$RC" -ne 0 ]; then
        fail "$label: runs without faults" "exit status $RC" "stderr: $ERR"
        return
    fi
    pass "$label: runs without faults"
    mv "$TMP/calls" "$TMP/calls.all"
    k=0
    for op in $OPS; do
        total=$(count "$op")
        n=1
        while [ "$n" -le "$total" ]; do
            k=$((k + 1))
            e=ENOSPC
            [ $((k % 2)) -eq 0 ] && e=EIO
            try_point "$base" "$label" "$op" "$n" "$e" "$@"
            n=$((n + 1))
        done
    done
    # a full disk stays full: every write from the first on, every fsync from the first on
    [ "$(count write)" -gt 0 ] && try_point "$base" "$label" write 1+ ENOSPC "$@"
    [ "$(count fsync)" -gt 0 ] && try_point "$base" "$label" fsync 1+ EIO "$@"
}

# The commands ------------------------------------------------------------------------------
scenario "$TMP/plain" "target create" target create --mac $MAC1 --issue T-1 \
    --version 10.2.1-custom --model $V2 --firmware "$TMP/src/fix.bin" --expires 2024-12-25
scenario "$TMP/targeted" "target create --replace" target create --mac $MAC1 --issue T-2 \
    --version 10.2.2-custom --model $V2 --firmware "$TMP/src/fix2.bin" --replace
scenario "$TMP/targeted" "target remove" target remove $MAC1
export FWHUB_NOW=2025-01-10T00:00:00Z # the target has expired
scenario "$TMP/targeted" "cleanup --expired" cleanup --expired
export FWHUB_NOW=2024-09-25T12:00:00Z
scenario "$TMP/plain" "release add" release add --model $V2 --version 10.3.0 \
    --firmware "$TMP/src/v2_10_3_0.bin" --release-date 2024-09-20
scenario "$TMP/plain" "devices import" devices import "$TMP/src/more.csv"

done_testing
