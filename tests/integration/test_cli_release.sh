#!/bin/sh
# test_cli_release.sh: fwhub release add|list: manifest.json and firmware/<MODEL>/.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"

R=$TMP/repo
mkdir -p "$R"
image "$TMP/src/EVSE_10_2_0.bin" 120000
SHA=$(sha "$TMP/src/EVSE_10_2_0.bin")
export FWHUB_NOW=2024-09-01T10:00:00Z

# add into an empty repository ------------------------------------------------------------------
fw release add --model $V2 --version 10.2.0 --firmware "$TMP/src/EVSE_10_2_0.bin" \
    --changelog "Faster reconnect"
expect_rc "release add exits 0" 0
expect_file "it creates manifest.json" "$R/manifest.json"
expect_file "it copies the image into firmware/<MODEL>/" "$R/firmware/$V2/EVSE_10_2_0.bin"
expect_eq "the copy has the same bytes" "$(sha "$R/firmware/$V2/EVSE_10_2_0.bin")" "$SHA"
M=$(cat "$R/manifest.json")
expect_in "under hardware_models.<MODEL>.firmware_versions" "$M" '"firmware_versions": ['
expect_in "with the version" "$M" '"version": "10.2.0"'
expect_in "with the url" "$M" "\"url\": \"/firmware/$V2/EVSE_10_2_0.bin\""
expect_in "with the description" "$M" '"description": "Faster reconnect"'
expect_in "with release_date defaulting to now" "$M" '"release_date": "2024-09-01T10:00:00Z"'
expect_in "with a human-readable file_size" "$M" '"file_size": "117.19 KB"'
expect_in "with sha256" "$M" "\"sha256\": \"$SHA\""
expect_in "with size_bytes" "$M" '"size_bytes": 120000'

fw release list
expect_rc "release list exits 0" 0
expect_in "release list shows the model" "$OUT" "$V2"
expect_in "release list shows the version" "$OUT" "10.2.0"
fw release list --json
expect_in "release list --json has the version" "$OUT" '"version": "10.2.0"'
expect_in "release list --json has the sha256" "$OUT" "\"sha256\": \"$SHA\""

# duplicates ------------------------------------------------------------------------------------
BEFORE=$(sha "$R/manifest.json")
image "$TMP/src/other.bin" 5000
fw release add --model $V2 --version 10.2.0 --firmware "$TMP/src/other.bin"
expect_rc "a duplicate version exits 1" 1
expect_in "naming the model and version" "$ERR" "$V2 10.2.0 is already a release"
expect_eq "manifest.json is unchanged" "$(sha "$R/manifest.json")" "$BEFORE"
expect_no_file "the image is not copied" "$R/firmware/$V2/other.bin"
fw release add --model $V2 --version 10.2.0+build7 --firmware "$TMP/src/other.bin"
expect_rc "a version equal but for build metadata is a duplicate too" 1
image "$TMP/src2/EVSE_10_2_0.bin" 7000
fw release add --model $V2 --version 10.2.1 --firmware "$TMP/src2/EVSE_10_2_0.bin"
expect_rc "another image under an existing name exits 1" 1
expect_in "naming the file" "$ERR" "firmware/$V2/EVSE_10_2_0.bin"
expect_eq "the existing image is untouched" "$(sha "$R/firmware/$V2/EVSE_10_2_0.bin")" "$SHA"

# an existing manifest keeps its keys and their order -----------------------------------------
R=$TMP/legacy
mkdir -p "$R/firmware/$V2"
cp "$TMP/src/EVSE_10_2_0.bin" "$R/firmware/$V2/EVSE_10_2_0.bin"
cat >"$R/manifest.json" <<JSON
{
    "last_updated": "2024-09-01",
    "hardware_models": {
        "$V2": {
            "name": "EVSE Parker V2 Gen2",
            "firmware_versions": [
                {"version": "10.2.0", "url": "https://example.github.io/firmware/$V2/EVSE_10_2_0.bin",
                 "description": "old", "release_date": "2024-09-01", "file_size": "0.1 MB"}
            ]
        }
    }
}
JSON
image "$TMP/src/v3.bin" 64000
fw release add --model $V3 --version 11.0.0 --firmware "$TMP/src/v3.bin" --release-date 2024-06-20
expect_rc "release add of a new model exits 0" 0
F=$R/manifest.json
expect_in "last_updated is kept" "$(cat "$F")" '"last_updated": "2024-09-01"'
expect_in "the model's name is kept" "$(cat "$F")" '"name": "EVSE Parker V2 Gen2"'
expect_in "the CDN url is kept as written" "$(cat "$F")" "https://example.github.io/firmware"
expect_eq "last_updated stays first" "$(line_of "$F" last_updated)" 2
first=$(line_of "$F" "\"$V2\"")
second=$(line_of "$F" "\"$V3\"")
expect_eq "the new model comes after the existing one" "$([ "$first" -lt "$second" ] && echo yes)" yes
expect_in "--release-date is written" "$(cat "$F")" '"release_date": "2024-06-20"'
image "$TMP/src/v2b.bin" 64000
fw release add --model $V2 --version 10.3.0 --firmware "$TMP/src/v2b.bin"
expect_rc "release add to an existing model exits 0" 0
fw release list --model $V2
expect_in "release list --model shows that model" "$OUT" "10.3.0"
expect_not_in "and not the others" "$OUT" "11.0.0"
fw release list --model NOPE
expect_rc "release list of an unknown model exits 2" 2
fw validate
expect_rc "the repository validates after release add" 0

# usage and failures ------------------------------------------------------------------------------
fw release add --model $V3 --version 1..0 --firmware "$TMP/src/v3.bin"
expect_rc "a bad --version exits 2" 2
expect_in "naming --version" "$ERR" "fwhub: --version:"
fw release add --model $V3 --version 11.2.0 --firmware "$TMP/src/v3.bin" --release-date 2024-02-30
expect_rc "a bad --release-date exits 2" 2
expect_in "naming --release-date" "$ERR" "fwhub: --release-date:"
fw release add --model "../x" --version 11.2.0 --firmware "$TMP/src/v3.bin"
expect_rc "a model name that is no safe path exits 2" 2
fw release add --model $V3 --version 11.2.0
expect_rc "a missing --firmware exits 2" 2
expect_in "naming --firmware" "$ERR" "--firmware"
fw release add --model $V3 --version 11.2.0 --firmware "$TMP/src/none.bin"
expect_rc "a --firmware that does not exist exits 1" 1
expect_in "naming the file" "$ERR" "none.bin"
echo '{"hardware_models": ' >"$R/manifest.json"
fw release add --model $V3 --version 11.2.0 --firmware "$TMP/src/v3.bin"
expect_rc "a broken manifest.json exits 1" 1
expect_in "naming it with a line" "$ERR" "manifest.json:"
fw release frobnicate
expect_rc "an unknown subcommand exits 2" 2

done_testing
