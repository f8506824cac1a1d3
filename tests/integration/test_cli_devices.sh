#!/bin/sh
# test_cli_devices.sh: fwhub devices import|list: merging into devices.csv, refusing errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"

R=$TMP/repo
mkdir -p "$R"

cat >"$TMP/first.csv" <<EOF
serial,mac,model,customer
EVSE-2024-001234,ab-cd-ef-12-34-56,$V2,John Doe
EVSE-2024-002210,24:0A:C4:12:7F:30,$V2,"Parkhaus Nord, Level 2"
EOF
fw devices import "$TMP/first.csv"
expect_rc "import into a repository without devices.csv exits 0" 0
expect_in "it says how many were added" "$OUT" "2 added"
expect_file "devices.csv is created" "$R/devices.csv"
D=$(cat "$R/devices.csv")
expect_in "with a header" "$D" "mac,serial,model,customer"
expect_in "MACs in colon form" "$D" "AB:CD:EF:12:34:56,EVSE-2024-001234,$V2,John Doe"
expect_in "a comma inside a field is quoted" "$D" '"Parkhaus Nord, Level 2"'

cat >"$TMP/second.csv" <<EOF
mac,serial
AB:CD:EF:12:34:56,EVSE-2024-009999
30:AE:A4:07:0D:64,EVSE-2023-000871
EOF
fw devices import "$TMP/second.csv"
expect_rc "a second import exits 0" 0
expect_in "it counts added and replaced rows" "$OUT" "1 added, 1 replaced"
D=$(cat "$R/devices.csv")
expect_eq "devices.csv has three devices" "$(grep -c ':' "$R/devices.csv")" 3
expect_in "the known MAC's row is replaced" "$D" "AB:CD:EF:12:34:56,EVSE-2024-009999"
expect_not_in "its old serial is gone" "$D" "EVSE-2024-001234"
expect_in "rows not in the import are kept" "$D" "24:0A:C4:12:7F:30,EVSE-2024-002210"
expect_in "the new MAC is added" "$D" "30:AE:A4:07:0D:64,EVSE-2023-000871"

# a file with errors is refused whole -------------------------------------------------------------
BEFORE=$(sha "$R/devices.csv")
cat >"$TMP/bad.csv" <<EOF
mac,serial,model,customer
24:0A:C4:3B:91:0C,EVSE3-2024-000117,$V3,Maria Rossi
not-a-mac,EVSE3-2024-000342,$V3,Ayse Demir
24:0A:C4:3B:91:D5,,$V3,Nobody
EOF
fw devices import "$TMP/bad.csv"
expect_rc "a CSV with errors exits 1" 1
expect_in "naming the file and the bad MAC's line" "$ERR" "bad.csv:3:"
expect_in "naming the line of the empty serial" "$ERR" "bad.csv:4:"
expect_in "saying nothing was imported" "$ERR" "nothing was imported"
expect_eq "devices.csv is unchanged" "$(sha "$R/devices.csv")" "$BEFORE"
printf 'serial,model\nX,Y\n' >"$TMP/nomac.csv"
fw devices import "$TMP/nomac.csv"
expect_rc "a CSV without a mac column exits 1" 1
expect_eq "devices.csv is still unchanged" "$(sha "$R/devices.csv")" "$BEFORE"

# list ------------------------------------------------------------------------------------------
fw devices list
expect_rc "devices list exits 0" 0
expect_in "devices list shows a MAC" "$OUT" "30:AE:A4:07:0D:64"
expect_in "devices list shows a customer" "$OUT" "Parkhaus Nord, Level 2"
fw devices list --json
expect_in "devices list --json has the mac" "$OUT" '"mac": "AB:CD:EF:12:34:56"'
expect_in "devices list --json has the serial" "$OUT" '"serial": "EVSE-2024-009999"'
expect_in "devices list --json keeps the comma" "$OUT" '"customer": "Parkhaus Nord, Level 2"'
fw validate devices.csv
expect_rc "the merged devices.csv validates" 0

# usage -----------------------------------------------------------------------------------------
fw devices import
expect_rc "import without FILE exits 2" 2
expect_in "saying what is missing" "$ERR" "FILE.csv"
fw devices import "$TMP/none.csv"
expect_rc "import of a missing file exits 1" 1
expect_in "naming it" "$ERR" "none.csv"
fw devices import "$TMP/first.csv" "$TMP/second.csv"
expect_rc "two files exit 2" 2
fw devices list extra
expect_rc "list with an argument exits 2" 2
mkdir -p "$TMP/empty"
run "$FWHUB" --repo "$TMP/empty" devices list
expect_rc "list in a repository without devices.csv exits 0" 0

done_testing
