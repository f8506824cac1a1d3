#!/bin/sh
# test_cli_cleanup.sh: fwhub cleanup: expired and superseded targets go to targeted/archive/.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"

R=$TMP/repo
make_repo "$R"
image "$TMP/src/fix1.bin" 40000
image "$TMP/src/fix2.bin" 50000
export FWHUB_NOW=2024-10-01T00:00:00Z

# MAC1: V2 10.2.1-custom until 2024-12-25; MAC2: V3 11.1.1-x until 2025-06-01.
fw target create --mac $MAC1 --issue T-1 --version 10.2.1-custom --model $V2 \
    --firmware "$TMP/src/fix1.bin" --expires 2024-12-25
expect_rc "create the first target" 0
fw target create --mac $MAC2 --issue T-2 --version 11.1.1-x --model $V3 \
    --firmware "$TMP/src/fix2.bin" --expires 2025-06-01 --auto-rollback
expect_rc "create the second target" 0

fw cleanup
expect_rc "cleanup with nothing to do exits 0" 0
expect_in "and says so" "$OUT" "nothing to clean up"

# expired -------------------------------------------------------------------------------------
export FWHUB_NOW=2025-01-10T00:00:00Z
fw validate --check-expiry
expect_rc "past the first expiry validate --check-expiry exits 1" 1
fw cleanup --expired --dry-run
expect_rc "cleanup --dry-run exits 0" 0
expect_in "it names the expired target" "$OUT" "$MAC1"
expect_in "and what it would do" "$OUT" "would archive"
expect_not_in "but not the active one" "$OUT" "$MAC2"
expect_file "--dry-run changes nothing" "$R/targeted/$MAC1F.json"
fw cleanup --expired
expect_rc "cleanup --expired exits 0" 0
expect_in "one line for the target, saying what it did" "$OUT" "$MAC1  expired 2024-12-25T00:00:00Z: archived"
expect_no_file "the expired target's JSON is gone" "$R/targeted/$MAC1F.json"
expect_no_file "its image folder is gone" "$R/targeted/firmware/$MAC1F"
expect_file "the archive holds the JSON" "$R/targeted/archive/20250110T000000Z/$MAC1F.json"
expect_file "the archive holds the image" \
    "$R/targeted/archive/20250110T000000Z/firmware/$MAC1F/fix1.bin"
expect_file "the active target stays" "$R/targeted/$MAC2F.json"
fw target list --active
expect_not_in "target list --active no longer shows it" "$OUT" "$MAC1"
expect_in "but still the other" "$OUT" "$MAC2"
fw validate --check-expiry
expect_rc "validate --check-expiry exits 0 again" 0

# superseded ---------------------------------------------------------------------------------
image "$TMP/src/v3_11_1_1.bin" 60000
fw release add --model $V3 --version 11.1.1 --firmware "$TMP/src/v3_11_1_1.bin"
expect_rc "a general release at the fix's base version" 0
fw target list --all
expect_in "makes the target superseded" "$OUT" "superseded"
fw cleanup --expired
expect_in "cleanup --expired leaves a superseded target that has not expired" "$OUT" \
    "nothing to clean up"
expect_file "it is still there" "$R/targeted/$MAC2F.json"
fw cleanup --superseded
expect_rc "cleanup --superseded exits 0" 0
expect_in "it names the release that supersedes" "$OUT" "superseded by $V3 11.1.1"
expect_no_file "the superseded target is archived" "$R/targeted/$MAC2F.json"
n=$(find "$R/targeted/archive" -name "$MAC2F.json" | wc -l)
expect_eq "into the archive" "$n" 1

# archive folders never collide --------------------------------------------------------------
fw target create --mac $MAC1 --issue T-3 --version 10.2.5-y --model $V2 \
    --firmware "$TMP/src/fix1.bin" --expires 2025-01-20
fw target remove $MAC1
expect_rc "a second archive of the same MAC in the same second" 0
expect_file "goes into a folder of its own" "$R/targeted/archive/20250110T000000Z-2/$MAC1F.json"

fw cleanup --bogus
expect_rc "an unknown option exits 2" 2
fw cleanup extra
expect_rc "an argument exits 2" 2

done_testing
