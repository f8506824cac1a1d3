#!/bin/sh
# test_cli_target.sh: fwhub target create|list|show|remove on a repository built here.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"

R=$TMP/repo
make_repo "$R"
image "$TMP/src/fix.bin" 1216348
FIXSHA=$(sha "$TMP/src/fix.bin")
J=$R/targeted/$MAC1F.json
export FWHUB_NOW=2024-09-25T12:00:00Z

# create (MAC in another spelling) ------------------------------------------------------
fw target create --mac ab-cd-ef-12-34-56 --issue SUPPORT-2024-789 --version 10.2.1-custom \
    --model $V2 --firmware "$TMP/src/fix.bin" --expires 2024-12-25 \
    --fix "Custom relay timing" --fix "Temperature calibration" \
    --support-contact support@example.com
expect_rc "create exits 0" 0
expect_in "create names the file it wrote" "$OUT" "targeted/$MAC1F.json"
expect_file "create writes targeted/<MAC>.json" "$J"
expect_file "create copies the image" "$R/targeted/firmware/$MAC1F/fix.bin"
expect_eq "the copied image is the same bytes" "$(sha "$R/targeted/firmware/$MAC1F/fix.bin")" \
    "$FIXSHA"
T=$(cat "$J")
expect_in "mac_address in colon form" "$T" '"mac_address": "AB:CD:EF:12:34:56"'
expect_in "serial defaults to devices.csv's" "$T" '"device_serial": "EVSE-2024-001234"'
expect_in "customer defaults to devices.csv's" "$T" '"customer_name": "John Doe"'
expect_in "created_date is now" "$T" '"created_date": "2024-09-25T12:00:00Z"'
expect_in "url is the repository path" "$T" \
    "\"url\": \"/targeted/firmware/$MAC1F/fix.bin\""
expect_in "file_size is human-readable as in the seed" "$T" '"file_size": "1.16 MB"'
expect_in "hardware_version from the model" "$T" '"hardware_version": "V2 GEN2"'
expect_in "checksum is sha256 of the image" "$T" "\"checksum\": \"sha256:$FIXSHA\""
expect_in "size_bytes is the image size" "$T" '"size_bytes": 1216348'
expect_in "not signed yet" "$T" '"signed": false'
expect_in "rollback defaults to the newest release below" "$T" '"stable_version": "10.2.0"'
expect_in "fix_description holds each --fix" "$T" '"Temperature calibration"'
expect_in "expiry is normalized" "$T" '"expiry_date": "2024-12-25T00:00:00Z"'
expect_in "auto_rollback false by default" "$T" '"auto_rollback": false'
expect_not_in "a known device needs no allow_unknown_device" "$T" allow_unknown_device
expect_in "indented by 2 like the seed" "$T" '
  "customer_info": {
    "mac_address"'
order="$(line_of "$J" '"customer_info"') $(line_of "$J" '"devices"') \
$(line_of "$J" '"instructions"') $(line_of "$J" '"expiry_date"') $(line_of "$J" '"auto_rollback"')"
sorted=$(echo "$order" | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')
expect_eq "keys in the seed's order" "$order" "$sorted"
expect_eq "security after rollback_info" \
    "$([ "$(line_of "$J" '"rollback_info"')" -lt "$(line_of "$J" '"security"')" ] && echo yes)" yes

# validate, expiry, list ------------------------------------------------------------------
fw validate --check-expiry
expect_rc "validate --check-expiry exits 0 after create" 0
FWHUB_NOW=2025-01-01T00:00:00Z fw validate --check-expiry
expect_rc "validate --check-expiry exits 1 past the expiry" 1
expect_in "the finding names file and field" "$OUT" "targeted/$MAC1F.json:"
expect_in "the finding names expiry_date" "$OUT" "expiry_date"
FWHUB_NOW=2025-01-01T00:00:00Z fw validate
expect_rc "validate without --check-expiry ignores the expiry" 0

fw target list
expect_rc "target list exits 0" 0
expect_in "target list shows the active target" "$OUT" "$MAC1"
expect_in "target list shows its state" "$OUT" "active"
FWHUB_NOW=2024-12-20T00:00:00Z fw target list --active
expect_in "a target expiring within 7 days is listed as expiring" "$OUT" "expiring"
FWHUB_NOW=2025-01-01T00:00:00Z fw target list --active
expect_not_in "an expired target is not --active" "$OUT" "$MAC1"
FWHUB_NOW=2025-01-01T00:00:00Z fw target list --expired
expect_in "an expired target is --expired" "$OUT" "$MAC1"
fw target list --json
expect_in "target list --json has the MAC" "$OUT" "\"mac\": \"$MAC1\""
expect_in "target list --json has the state" "$OUT" '"state": "active"'
fw target list --active --all
expect_rc "target list --active --all is a usage error" 2

# show ----------------------------------------------------------------------------------------
fw target show abcdef123456
expect_rc "target show accepts any MAC spelling" 0
expect_in "target show shows the ticket" "$OUT" "SUPPORT-2024-789"
expect_in "target show shows the rollback" "$OUT" "10.2.0"
fw target show $MAC1F --json
expect_in "target show --json has the checksum" "$OUT" "sha256:$FIXSHA"
expect_in "target show --json has the file" "$OUT" "\"file\": \"targeted/$MAC1F.json\""
fw target show 02:00:00:00:00:01
expect_rc "target show of a MAC without target exits 1" 1
expect_in "and says so" "$ERR" "no target"
fw target show nonsense
expect_rc "target show of a bad MAC exits 2" 2

# replace -------------------------------------------------------------------------------------
image "$TMP/src/fix2.bin" 50000
BEFORE=$(sha "$J")
fw target create --mac $MAC1 --issue SUPPORT-2024-790 --version 10.2.2-custom --model $V2 \
    --firmware "$TMP/src/fix2.bin"
expect_rc "create over an existing target exits 1" 1
expect_in "and points to --replace" "$ERR" "--replace"
expect_eq "the existing target is untouched" "$(sha "$J")" "$BEFORE"
fw target create --mac $MAC1 --issue SUPPORT-2024-790 --version 10.2.2-custom --model $V2 \
    --firmware "$TMP/src/fix2.bin" --replace --auto-rollback --rollback-version 10.1.0 --days 60
expect_rc "create --replace exits 0" 0
T=$(cat "$J")
expect_in "the new version is written" "$T" '"latest_version": "10.2.2-custom"'
expect_in "--auto-rollback is written" "$T" '"auto_rollback": true'
expect_in "--rollback-version is written" "$T" '"stable_version": "10.1.0"'
expect_in "--days counts from now" "$T" '"expiry_date": "2024-11-24T12:00:00Z"'
expect_no_file "the old image is not left beside the new one" "$R/targeted/firmware/$MAC1F/fix.bin"
OLD=$(find "$R/targeted/archive" -name "$MAC1F.json" | head -n 1)
expect_in "the replaced target is archived" "$OLD" "targeted/archive/"
expect_eq "the archived target is the old one" "$(sha "$OLD")" "$BEFORE"
expect_file "the archived image is kept" "$(dirname "$OLD")/firmware/$MAC1F/fix.bin"
fw validate --check-expiry
expect_rc "validate exits 0 after --replace" 0

# --force for a device that devices.csv does not know --------------------------------------
fw target create --mac 02:11:22:33:44:55 --issue T-1 --version 11.2.0-rc1 --model $V3 \
    --firmware "$TMP/src/fix2.bin"
expect_rc "an unknown MAC without --force exits 2" 2
expect_in "and names --mac" "$ERR" "--mac"
expect_in "and mentions --force" "$ERR" "--force"
expect_no_file "nothing is written for it" "$R/targeted/02_11_22_33_44_55.json"
fw target create --mac 02:11:22:33:44:55 --issue T-1 --version 11.2.0-rc1 --model $V3 \
    --firmware "$TMP/src/fix2.bin" --force
expect_rc "--force without --serial exits 2" 2
expect_in "and names --serial" "$ERR" "--serial"
fw target create --mac 02:11:22:33:44:55 --issue T-1 --version 11.2.0-rc1 --model $V3 \
    --firmware "$TMP/src/fix2.bin" --force --serial SN-0001 --customer "Lab bench"
expect_rc "--force with --serial exits 0" 0
expect_in "--force writes allow_unknown_device" "$(cat "$R/targeted/02_11_22_33_44_55.json")" \
    '"allow_unknown_device": true'
fw validate --check-expiry
expect_rc "validate accepts the forced target" 0

# bad options: exit 2, name the option, write nothing ----------------------------------------
ok_args="--issue T-2 --version 10.3.0-x --model $V2 --firmware $TMP/src/fix2.bin"
fw target create --mac zz:zz $ok_args
expect_rc "a bad --mac exits 2" 2
expect_in "and names --mac" "$ERR" "fwhub: --mac:"
fw target create --mac 00:00:00:00:00:00 $ok_args
expect_rc "the all-zero MAC exits 2" 2
fw target create --mac 24:0A:C4:12:7F:30 --issue T-2 --version 1..2 --model $V2 \
    --firmware "$TMP/src/fix2.bin"
expect_rc "a bad --version exits 2" 2
expect_in "and names --version" "$ERR" "fwhub: --version:"
fw target create --mac $MAC2 --issue T-2 --version 11.2.0-x --model $V3 \
    --firmware "$TMP/src/fix2.bin" --expires 2024-13-01
expect_rc "a bad --expires exits 2" 2
expect_in "and names --expires" "$ERR" "fwhub: --expires:"
fw target create --mac $MAC2 --issue T-2 --version 11.2.0-x --model $V3 \
    --firmware "$TMP/src/fix2.bin" --expires 2024-01-01
expect_rc "an --expires in the past exits 2" 2
fw target create --mac $MAC2 --issue T-2 --version 11.2.0-x --model $V3 \
    --firmware "$TMP/src/fix2.bin" --days 0
expect_rc "--days 0 exits 2" 2
expect_in "and names --days" "$ERR" "fwhub: --days:"
fw target create --mac $MAC2 --issue T-2 --version 11.2.0-x --model $V3 \
    --firmware "$TMP/src/fix2.bin" --days 12abc
expect_rc "--days that is not a number exits 2" 2
fw target create --mac $MAC2 --issue T-2 --version 11.2.0-x --model $V3 \
    --firmware "$TMP/src/fix2.bin" --days 5 --expires 2030-01-01
expect_rc "--days with --expires exits 2" 2
fw target create --mac $MAC2 --issue T-2 --version 11.2.0-x --model NO_SUCH_MODEL \
    --firmware "$TMP/src/fix2.bin"
expect_rc "an unknown --model exits 2" 2
expect_in "and names --model" "$ERR" "fwhub: --model:"
fw target create --mac $MAC2 --issue T-2 --version 11.2.0-x --model $V3 \
    --firmware "$TMP/src/fix2.bin" --rollback-version 9.9.9
expect_rc "a --rollback-version that is no release exits 2" 2
expect_in "and names --rollback-version" "$ERR" "fwhub: --rollback-version:"
fw target create --mac $MAC2 --issue T-2 --version 11.0.0-x --model $V3 \
    --firmware "$TMP/src/fix2.bin"
expect_rc "a fix with no release below it to roll back to exits 2" 2
fw target create --mac $MAC2 --issue T-2 --version 11.2.0-x --model $V2 \
    --firmware "$TMP/src/fix2.bin"
expect_rc "a model other than devices.csv's exits 2" 2
fw target create --mac $MAC2 --version 11.2.0-x --model $V3 --firmware "$TMP/src/fix2.bin"
expect_rc "a missing --issue exits 2" 2
expect_in "and names --issue" "$ERR" "--issue"
fw target create --mac $MAC2 --issue T-2 --version 11.2.0-x --model $V3 \
    --firmware "$TMP/src/none.bin"
expect_rc "a --firmware that does not exist exits 1" 1
expect_in "and names the file" "$ERR" "none.bin"
fw target create --mac $MAC2 --issue T-2 --version 11.2.0-x --model $V3 --firmware x.bin --bogus
expect_rc "an unknown option exits 2" 2
expect_in "and names it" "$ERR" "--bogus"
expect_in "with a hint" "$ERR" "fwhub target create --help"
expect_no_file "no failed create wrote a target" "$R/targeted/$MAC2F.json"
expect_no_file "no failed create left an image folder" "$R/targeted/firmware/$MAC2F"

# remove --------------------------------------------------------------------------------------
fw target remove ab:cd:ef:12:34:56
expect_rc "target remove exits 0" 0
expect_no_file "remove moves the JSON away" "$J"
expect_no_file "remove moves the image folder away" "$R/targeted/firmware/$MAC1F"
n=$(find "$R/targeted/archive" -name fix2.bin | wc -l)
expect_eq "the archive holds the removed image" "$n" 1
fw target list --all
expect_not_in "a removed target is no longer listed" "$OUT" "$MAC1"
fw target remove $MAC1
expect_rc "removing it again exits 1" 1
expect_in "and says there is nothing" "$ERR" "nothing to archive"
fw validate --check-expiry
expect_rc "the repository stays valid" 0

# the default changelog is public: it must not carry the ticket ---------------------------------
image "$TMP/src/fix3.bin" 4000
fw target create --mac $MAC1 --issue SUPPORT-SECRET-4242 --version 10.2.1-c3 --model $V2 \
    --firmware "$TMP/src/fix3.bin"
expect_rc "create without --changelog exits 0" 0
fw target show $MAC1 --json
expect_in "the target keeps its ticket" "$OUT" "SUPPORT-SECRET-4242"
changelog=$(printf '%s' "$OUT" | grep '"changelog"')
expect_in "a default changelog is written" "$changelog" "TARGETED FIX"
expect_not_in "the default changelog does not name the ticket" "$changelog" "SUPPORT-SECRET"

done_testing
