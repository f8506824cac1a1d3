#!/bin/sh
# test_cli_validate.sh: fwhub validate: the seed's example, JSON output, FILE arguments,
# broken files, exit statuses.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"

# The seed document's example, byte for byte.
SEED=$(dirname "$0")/../fixtures/AB_CD_EF_12_34_56.json
R=$TMP/seed
mkdir -p "$R/targeted" "$R/firmware/$V2"
image "$R/firmware/$V2/EVSE_10_2_0.bin" 100000
cat >"$R/manifest.json" <<EOF
{
  "hardware_models": {
    "$V2": {
      "firmware_versions": [
        {
          "version": "10.2.0",
          "url": "https://demirciberkan.github.io/firmware/$V2/EVSE_10_2_0.bin",
          "description": "stable",
          "release_date": "2024-09-01",
          "file_size": "0.10 MB"
        }
      ]
    }
  }
}
EOF
printf 'mac,serial,model,customer\n%s,EVSE-2024-001234,%s,John Doe\n' "$MAC1" "$V2" \
    >"$R/devices.csv"

# The seed's example, byte for byte ---------------------------------------------------------
if [ -f "$SEED" ]; then
    cp "$SEED" "$R/targeted/$MAC1F.json"
    fw validate --check-expiry
    expect_rc "the seed's example fails validate --check-expiry" 1
    expect_in "placeholder checksum at line 30" "$OUT" \
        "targeted/$MAC1F.json:30:9: devices[0].security.checksum:"
    expect_in "missing image at line 13" "$OUT" "targeted/$MAC1F.json:13:7: devices[0].url:"
    expect_in "expiry passed at line 49" "$OUT" "targeted/$MAC1F.json:49:3: expiry_date:"
    expect_eq "and nothing else" "$(printf '%s\n' "$OUT" | wc -l)" 3
    expect_in "a summary on stderr" "$ERR" "3 errors"

    fw validate
    expect_rc "without --check-expiry the two other problems remain" 1
    expect_not_in "and the expiry is not one of them" "$OUT" "expiry_date"

    fw validate --check-expiry --json
    expect_rc "--json keeps the exit status" 1
    expect_in "--json has the file" "$OUT" "\"file\": \"targeted/$MAC1F.json\""
    expect_in "--json has the line" "$OUT" '"line": 30'
    expect_in "--json has the column" "$OUT" '"column": 9'
    expect_in "--json has the path" "$OUT" '"path": "devices[0].security.checksum"'
    expect_in "--json has the severity" "$OUT" '"severity": "error"'
    expect_in "--json has the message" "$OUT" '"message": "expected'
    expect_eq "--json prints only JSON" "$(printf '%s' "$OUT" | head -c 1)" "["
else
    fail "the seed document is at $SEED"
fi

# FILE arguments ---------------------------------------------------------------------------
fw validate manifest.json
expect_rc "validate FILE counts only that file (relative to the repo)" 0
expect_not_in "and shows only its findings" "$OUT" "targeted/"
fw validate "$R/manifest.json"
expect_rc "an absolute FILE inside the repo works" 0
fw validate "targeted/$MAC1F.json"
expect_rc "a FILE with errors exits 1" 1
expect_in "and its findings are shown" "$OUT" "devices[0].url"
cd "$R/targeted" && run "$FWHUB" --repo .. validate "$MAC1F.json"
cd - >/dev/null
expect_rc "a FILE relative to the current directory works" 1
expect_in "and names the file from the repository" "$OUT" "targeted/$MAC1F.json:30:9"
fw validate targeted
expect_rc "a folder selects the files below it" 1
fw validate no-such-file.json
expect_rc "a FILE that does not exist is a usage error" 2
expect_in "naming it" "$ERR" "no-such-file.json"
echo '{}' >"$TMP/outside.json"
fw validate "$TMP/outside.json"
expect_rc "a FILE outside the repository is a usage error" 2
expect_in "saying so" "$ERR" "not inside the repository"

# Broken files are findings, not crashes ----------------------------------------------------
R=$TMP/broken
make_repo "$R"
mkdir -p "$R/targeted"
fw validate
expect_rc "a fresh repository validates" 0
expect_in "and says so" "$OUT" "no problems found"
printf '{\n  "customer_info": {\n    "mac_address": "AB:CD:EF:12:34:56",\n' \
    >"$R/targeted/$MAC1F.json"
fw validate
expect_rc "a truncated target exits 1" 1
expect_in "naming the file with line and column" "$OUT" "targeted/$MAC1F.json:"
expect_in "as invalid JSON" "$OUT" "invalid JSON"
printf '{"customer_info": {}, "customer_info": {}}\n' >"$R/targeted/$MAC1F.json"
fw validate "targeted/$MAC1F.json"
expect_rc "duplicate keys exit 1" 1
expect_in "naming the file" "$OUT" "targeted/$MAC1F.json:1:"
printf '[1, 2]\n' >"$R/targeted/$MAC1F.json"
fw validate "targeted/$MAC1F.json"
expect_rc "a target that is not an object exits 1" 1
rm "$R/targeted/$MAC1F.json"
echo 'not json' >"$R/manifest.json"
fw validate
expect_rc "a broken manifest.json exits 1" 1
expect_in "naming manifest.json" "$OUT" "manifest.json:1:"

# Usage ---------------------------------------------------------------------------------------
fw validate --bogus
expect_rc "an unknown option exits 2" 2
expect_in "naming it" "$ERR" "--bogus"
run "$FWHUB" --repo "$TMP/no-such-repo" validate
expect_rc "a repository that does not exist exits 1" 1
expect_in "naming it" "$ERR" "no-such-repo"
cd "$TMP/seed" && run "$FWHUB" validate manifest.json
cd - >/dev/null
expect_rc "the repository defaults to the current directory" 0
FWHUB_REPO=$TMP/seed run "$FWHUB" validate manifest.json
expect_rc "FWHUB_REPO names the repository" 0

done_testing
