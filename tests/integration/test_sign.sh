#!/bin/sh
# test_sign.sh: fwhub keygen, sign and verify; openssl accepts what fwhub signed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

R=$TMP/repo
K=$TMP/keys
make_repo "$R" || { fail "build the repository"; done_testing; exit 1; }
GEN=$R/firmware/EVSE/EVSE_10_3_0.bin
FIX=$R/targeted/firmware/AB_CD_EF_12_34_56/EVSE_10_3_1_custom.bin
TARGET=$R/targeted/AB_CD_EF_12_34_56.json

# openssl_ok DESC PUB IMAGE: `openssl dgst -sha256 -verify` accepts IMAGE.sig
openssl_ok() {
    run openssl dgst -sha256 -verify "$2" -signature "$3.sig" "$3"
    expect_rc "$1" 0
}

# keygen -------------------------------------------------------------------------------------------
run "$FWHUB" keygen --out "$K" --repo "$R"
expect_rc "keygen exits 0" 0
ID=$(printf '%s\n' "$OUT" | sed -n 's/^key id *//p')
DER_SHA=$(openssl pkey -pubin -in "$K/public.pem" -outform DER | sha256sum | cut -d' ' -f1)
expect_eq "the key id is the SHA-256 of the public key's DER form" "$ID" "$DER_SHA"
expect_in "the default type is ECDSA P-256" "$OUT" "type     ecdsa-p256"
expect_eq "the private key has mode 0600" "$(stat -c %a "$K/private.pem")" 600
expect_in "the private key is PEM" "$(cat "$K/private.pem")" "-----BEGIN PRIVATE KEY-----"
expect_eq "--repo trusts the public key as keys/<id>.pem" "$(cat "$R/keys/$ID.pem")" "$(cat "$K/public.pem")"
run "$FWHUB" keygen --out "$K"
expect_rc "keygen never overwrites a key" 1
expect_in "... and says why" "$ERR" "private.pem exists already"
run "$FWHUB" keygen --type rsa --out "$TMP/rsa"
expect_rc "an unknown key type is a usage error" 2
run "$FWHUB" keygen
expect_rc "--out is required" 2

# sign ---------------------------------------------------------------------------------------------
run "$FWHUB" verify --repo "$R"
expect_rc "verify of an unsigned repository exits 1" 1
expect_in "... naming each image" "$OUT" "MISSING  firmware/EVSE/EVSE_10_3_0.bin: not signed"

run "$FWHUB" sign --key "$K/private.pem" --repo "$R"
expect_rc "sign exits 0" 0
expect_in "it signs the two releases and the targeted image" "$OUT" \
    "3 signed, 0 already signed, 0 skipped, 0 failed"
openssl_ok "openssl dgst -sha256 -verify accepts a release's .sig" "$K/public.pem" "$GEN"
openssl_ok "... and the targeted image's" "$K/public.pem" "$FIX"
M=$(cat "$R/manifest.json")
expect_eq "manifest.json records key_id for both releases" "$(printf '%s' "$M" | grep -c "\"key_id\": \"$ID\"")" 2
expect_in "... and the base64 signature" "$M" '"signature": "M'
expect_eq "the manifest's signature is the .sig file" \
    "$(python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))
print(m["hardware_models"]["EVSE"]["firmware_versions"][1]["signature"])' "$R/manifest.json")" \
    "$(base64 -w0 "$GEN.sig")"
T=$(cat "$TARGET")
expect_in "the target's security object says signed" "$T" '"signed": true'
expect_in "... beside the checksum" "$T" "\"checksum\": \"sha256:$(sha256sum "$FIX" | cut -d' ' -f1)\","
expect_in "... with the key id" "$T" "\"key_id\": \"$ID\""
expect_in "keys keep their order" "$(sed -n '/"security"/,/}/p' "$TARGET" | tr -d ' \n')" \
    '"security":{"signed":true,"checksum":'
run "$FWHUB" validate --repo "$R"
expect_rc "the signed repository validates" 0

run "$FWHUB" sign --key "$K/private.pem" --repo "$R"
expect_rc "signing again exits 0" 0
expect_in "... and signs nothing twice" "$OUT" "0 signed, 3 already signed"
rm "$GEN.sig"
run "$FWHUB" sign --key "$K/private.pem" --repo "$R"
expect_in "a lost .sig is written again from the manifest" "$OUT" \
    "wrote firmware/EVSE/EVSE_10_3_0.bin.sig from the catalog's signature"
openssl_ok "... and still verifies" "$K/public.pem" "$GEN"

# verify -------------------------------------------------------------------------------------------
run "$FWHUB" verify --repo "$R"
expect_rc "verify exits 0" 0
expect_in "... with a line per image" "$OUT" \
    "ok       targeted/firmware/AB_CD_EF_12_34_56/EVSE_10_3_1_custom.bin: key ${ID%"${ID#????????????????}"}"
expect_in "... and a count" "$OUT" "3 valid, 0 skipped, 0 bad or missing"

cp "$GEN" "$TMP/gen.bin"
printf 'X' | dd of="$GEN" bs=1 seek=1000 conv=notrunc 2>/dev/null
run "$FWHUB" verify --repo "$R"
expect_rc "a tampered image: verify exits 1" 1
expect_in "... naming it" "$OUT" "BAD      firmware/EVSE/EVSE_10_3_0.bin: the image's sha256 is"
expect_in "... and where the catalog names it" "$OUT" "(manifest.json: hardware_models.EVSE.firmware_versions[1])"
expect_in "... the others pass" "$OUT" "ok       firmware/EVSE/EVSE_10_2_0.bin"
run "$FWHUB" sign --key "$K/private.pem" --repo "$R"
expect_rc "sign refuses to sign a tampered image" 1
expect_in "... naming it" "$OUT" "BAD      firmware/EVSE/EVSE_10_3_0.bin"
cp "$TMP/gen.bin" "$GEN"

"$FWHUB" keygen --out "$TMP/other" >/dev/null
cp "$GEN.sig" "$TMP/gen.sig"
openssl dgst -sha256 -sign "$TMP/other/private.pem" -out "$GEN.sig" "$GEN"
run "$FWHUB" verify --repo "$R"
expect_rc "a valid checksum with a .sig by another key: verify exits 1" 1
expect_in "... naming the .sig" "$OUT" "firmware/EVSE/EVSE_10_3_0.bin.sig does not verify with a trusted key"
cp "$TMP/gen.sig" "$GEN.sig"

# key rotation ------------------------------------------------------------------------------------
run "$FWHUB" keygen --type ed25519 --out "$TMP/k2" --repo "$R"
expect_rc "an Ed25519 key" 0
ID2=$(printf '%s\n' "$OUT" | sed -n 's/^key id *//p')
run "$FWHUB" verify --repo "$R"
expect_rc "with two trusted keys the old signatures stay valid" 0
rm "$R/keys/$ID.pem"
run "$FWHUB" verify --repo "$R"
expect_rc "once the old key is removed, verify exits 1" 1
expect_in "... saying its key is not trusted" "$OUT" "key $ID is not trusted"
run "$FWHUB" sign --key "$K/private.pem" --repo "$R"
expect_rc "the removed key cannot sign" 1
expect_in "... and is told so" "$ERR" "is not trusted by"
run "$FWHUB" sign --key "$TMP/k2/private.pem" --repo "$R"
expect_rc "the new key signs again what the old one signed" 0
expect_in "... all three" "$OUT" "3 signed, 0 already signed"
run "$FWHUB" verify --repo "$R"
expect_rc "verify exits 0 after the rotation" 0
openssl dgst -sha256 -binary "$GEN" >"$TMP/gen.sha256"
run openssl pkeyutl -verify -pubin -inkey "$TMP/k2/public.pem" -rawin -in "$TMP/gen.sha256" \
    -sigfile "$GEN.sig"
expect_rc "openssl pkeyutl accepts the Ed25519 signature of the image's SHA-256" 0
run "$FWHUB" verify --repo "$R" --key "$K/public.pem"
expect_rc "verify --key with only the old key exits 1" 1
run "$FWHUB" verify --repo "$R" --key "$TMP/k2/public.pem"
expect_rc "verify --key with the new key exits 0" 0
expect_in "... naming it" "$OUT" "key ${ID2%"${ID2#????????????????}"}"

done_testing
