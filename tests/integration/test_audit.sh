#!/bin/sh
# test_audit.sh: the command line's changes land in the audit trail; audit, audit verify, report.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"

unset FWHUB_DB
export FWHUB_NOW=2024-09-25T12:00:00Z
R=$TMP/repo
DB=$R/.fwhub/fwhub.db
ME=$(id -un)
make_repo "$R"
image "$TMP/src/fix.bin" 50000
image "$TMP/src/fix2.bin" 60000

# records: count "event" members of `fwhub audit --json` with the given arguments
records() {
    fw audit --json "$@"
    printf '%s\n' "$OUT" | grep -c '"event":'
}

# the repository as make_repo left it ------------------------------------------------------
expect_file "the store is created in REPO/.fwhub/" "$DB"
expect_eq ".fwhub/ is the owner's only" "$(stat -c %a "$R/.fwhub")" 700
expect_eq "the database file too" "$(stat -c %a "$DB")" 600
expect_eq "release add and devices import are recorded" "$(records)" 4
fw audit --json --event release.added
expect_in "release.added names the version" "$OUT" '"target_version":"10.2.0"'
expect_in "the actor is cli:<user>" "$OUT" "\"actor\":\"cli:$ME\""
expect_in "the category is admin" "$OUT" '"category":"admin"'
expect_in "the time is now" "$OUT" '"time":"2024-09-25T12:00:00Z"'
expect_in "the first record starts the chain" "$OUT" \
    '"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000"'

# target create, --replace, remove, cleanup ----------------------------------------------
fw target create --mac $MAC1 --issue SUPPORT-1 --version 10.2.1-custom --model $V2 \
    --firmware "$TMP/src/fix.bin" --expires 2024-12-25
expect_rc "target create exits 0" 0
fw audit --json --event target.created
expect_in "target create records target.created" "$OUT" '"event":"target.created"'
expect_in "with the device" "$OUT" "\"subject_mac\":\"$MAC1\""
expect_in "and the fix's version" "$OUT" '"target_version":"10.2.1-custom"'
expect_in "and the ticket in the detail" "$OUT" "SUPPORT-1"

fw target create --mac $MAC1 --issue SUPPORT-2 --version 10.2.2-custom --model $V2 \
    --firmware "$TMP/src/fix2.bin" --expires 2024-12-25 --replace
expect_rc "target create --replace exits 0" 0
fw audit --json --event target.replaced
expect_in "--replace records target.replaced" "$OUT" '"target_version":"10.2.2-custom"'
expect_in "naming the archive" "$OUT" "targeted/archive/"

fw target remove $MAC1
expect_rc "target remove exits 0" 0
fw audit --json --event target.archived
expect_in "target remove records target.archived" "$OUT" "target remove"

fw target create --mac $MAC2 --issue SUPPORT-3 --version 11.1.1-fix --model $V3 \
    --firmware "$TMP/src/fix.bin" --expires 2024-10-01
expect_rc "a second target" 0
FWHUB_NOW=2024-11-01T00:00:00Z fw cleanup --expired
expect_rc "cleanup exits 0" 0
fw audit --json --mac $MAC2 --event target.archived
expect_in "cleanup records target.archived for each target" "$OUT" '"detail":"cleanup: expired'
expect_in "at the cleanup's time" "$OUT" '"time":"2024-11-01T00:00:00Z"'
FWHUB_NOW=2024-11-01T00:00:00Z fw cleanup --expired --dry-run
expect_eq "a dry run records nothing" "$(records --event target.archived)" 2

# listing and filters ----------------------------------------------------------------------
expect_eq "nine records in all" "$(records)" 9
expect_eq "--mac selects a device (any spelling)" "$(records --mac 24-0a-c4-3b-91-0c)" 2
expect_eq "--event takes a pattern" "$(records --event 'target.*')" 5
expect_eq "--since an ISO time" "$(records --since 2024-10-15)" 1
expect_eq "--since in the future: none" "$(records --since 2099-01-01)" 0
fw audit --json --since 2099-01-01
expect_eq "an empty result is an empty array" "$OUT" "[]"
FWHUB_NOW=2024-11-01T12:00:00Z fw audit --json --since 1d
expect_eq "--since takes an age" "$(printf '%s\n' "$OUT" | grep -c '"event":')" 1
fw audit --event target.frobnicated
expect_rc "an unknown event is a usage error" 2
expect_in "saying so" "$ERR" "not an audit event"
fw audit --since yesterday
expect_rc "a bad --since is a usage error" 2
fw audit
expect_rc "the table exits 0" 0
expect_in "the table has a header" "$OUT" "EVENT"
expect_in "and the records" "$OUT" "target.replaced"
run "$FWHUB" audit --db "sqlite:$DB"
expect_in "--db sqlite:PATH reads the same store" "$OUT" "target.replaced"
run "$FWHUB" audit --db postgresql://fwhub@127.0.0.1:1/fwhub
expect_rc "a PostgreSQL server that is not there is an error" 1
expect_in "naming the connection" "$ERR" "cannot connect"

# verify ------------------------------------------------------------------------------------
fw audit verify
expect_rc "audit verify exits 0 on an intact chain" 0
expect_in "and says how many records" "$OUT" "9 records"

# the canonical form by hand, as docs/audit.md shows it
SQL="SELECT 'v:1:1' || char(10)"
for col in id time actor client_addr user_agent category event subject_mac target_version \
    result detail prev_hash; do
    SQL="$SQL || '$col:' || length(CAST($col AS BLOB)) || ':' || $col || char(10)"
done
if command -v sqlite3 >/dev/null 2>&1; then
    BYHAND=$(sqlite3 "$DB" "$SQL FROM audit WHERE id = 6" | head -c -1 | sha256sum | cut -d' ' -f1)
    expect_eq "the hash can be recomputed by hand" "$BYHAND" \
        "$(sqlite3 "$DB" "SELECT hash FROM audit WHERE id = 6")"
    sqlite3 "$DB" "UPDATE audit SET result='x' WHERE id=2"
    fw audit verify
    expect_rc "audit verify exits 1 after a record was changed" 1
    expect_in "naming record 2" "$ERR" "record 2"
    expect_in "with the alert name" "$ERR" "audit.broken"
    fw audit verify --json
    expect_in "--json names it too" "$OUT" '"bad_id": 2'
    sqlite3 "$DB" "UPDATE audit SET result='ok' WHERE id=2; DELETE FROM audit WHERE id=5"
    fw audit verify
    expect_rc "audit verify exits 1 after a record was removed" 1
    expect_in "naming record 5 as missing" "$ERR" "record 5 is missing"
else
    fail "the sqlite3 command is installed (scripts/deps.sh installs it)"
fi

# a change whose record cannot be written stays, and says so -----------------------------
fw target create --mac $MAC1 --issue SUPPORT-4 --version 10.2.3-custom --model $V2 \
    --firmware "$TMP/src/fix.bin" --expires 2024-12-25
FWHUB_DB=postgresql://nowhere/fwhub fw target remove $MAC1
expect_rc "a failed audit record makes the command fail" 1
expect_in "saying the change stands" "$ERR" "the change was made and stays"
expect_no_file "the target was archived all the same" "$R/targeted/$MAC1F.json"

# no database yet ---------------------------------------------------------------------------
mkdir -p "$TMP/empty"
run "$FWHUB" --repo "$TMP/empty" audit
expect_rc "audit without a database exits 0" 0
expect_in "saying there is none" "$ERR" "no audit trail"
run "$FWHUB" --repo "$TMP/empty" audit verify
expect_rc "verify without a database exits 0" 0
expect_no_file "reading creates no database" "$TMP/empty/.fwhub"

# report ---------------------------------------------------------------------------------------
fw target create --mac $MAC1 --issue SUPPORT-5 --version 10.2.4-custom --model $V2 \
    --firmware "$TMP/src/fix.bin" --expires 2024-12-25
fw report
expect_rc "report exits 0" 0
expect_in "report lists the target" "$OUT" "$MAC1"
expect_in "and the releases" "$OUT" "11.1.0"
fw report --json
expect_rc "report --json exits 0" 0
expect_in "report --json has the target's state" "$OUT" '"state": "active"'
expect_in "and its answers" "$OUT" '"answers": 0'
run "$FWHUB" --repo "$TMP/empty" report --json
expect_rc "report without a database exits 0" 0
expect_in "with nothing to report" "$OUT" '"targets": []'

for cmd in "audit" "audit verify" "report"; do
    # shellcheck disable=SC2086 # cmd is split into command and subcommand on purpose
    run "$FWHUB" $cmd --help
    expect_rc "fwhub $cmd --help exits 0" 0
    expect_in "fwhub $cmd --help prints usage" "$OUT" "Usage: fwhub $cmd"
done

done_testing
