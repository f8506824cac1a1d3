# cli_lib.sh: small repositories for the command-line tests. Source it after lib.sh.

V2=EVSEPARKER_V2_GEN2
V3=EVSEPARKER_V3
MAC1=AB:CD:EF:12:34:56 # known, V2, serial EVSE-2024-001234, John Doe
MAC1F=AB_CD_EF_12_34_56
MAC2=24:0A:C4:3B:91:0C # known, V3
MAC2F=24_0A_C4_3B_91_0C

# image FILE BYTES: a file of random bytes.
image() {
    mkdir -p "$(dirname "$1")"
    head -c "$2" /dev/urandom >"$1"
}

# sha FILE: its sha256 in hex.
sha() {
    sha256sum "$1" | cut -d' ' -f1
}

# fw ARGS...: fwhub on the repository $R (stdout, stderr and status as `run` keeps them).
fw() {
    run "$FWHUB" --repo "$R" "$@"
}

# make_repo DIR: models V2 (10.1.0, 10.2.0) and V3 (11.1.0), and two known devices.
make_repo() {
    mkdir -p "$1"
    image "$TMP/src/v2_10_1_0.bin" 70000
    image "$TMP/src/v2_10_2_0.bin" 90000
    image "$TMP/src/v3_11_1_0.bin" 110000
    "$FWHUB" --repo "$1" release add --model $V2 --version 10.1.0 \
        --firmware "$TMP/src/v2_10_1_0.bin" --release-date 2024-04-02 >/dev/null &&
        "$FWHUB" --repo "$1" release add --model $V2 --version 10.2.0 \
            --firmware "$TMP/src/v2_10_2_0.bin" --release-date 2024-09-01 >/dev/null &&
        "$FWHUB" --repo "$1" release add --model $V3 --version 11.1.0 \
            --firmware "$TMP/src/v3_11_1_0.bin" --release-date 2024-11-05 >/dev/null || {
        echo "Bail out! make_repo: release add failed"
        exit 1
    }
    cat >"$TMP/src/devices.csv" <<EOF
mac,serial,model,customer
$MAC1,EVSE-2024-001234,$V2,John Doe
$MAC2,EVSE3-2024-000117,$V3,Maria Rossi
EOF
    "$FWHUB" --repo "$1" devices import "$TMP/src/devices.csv" >/dev/null || {
        echo "Bail out! make_repo: devices import failed"
        exit 1
    }
}

# line_of FILE TEXT: the number of the first line of FILE holding TEXT (0 when none).
line_of() {
    n=$(grep -nF -- "$2" "$1" | head -n 1 | cut -d: -f1)
    echo "${n:-0}"
}

# expect_file DESC PATH / expect_no_file DESC PATH
expect_file() {
    if [ -e "$2" ]; then pass "$1"; else fail "$1" "missing: $2"; fi
}
expect_no_file() {
    if [ -e "$2" ]; then fail "$1" "still there: $2"; else pass "$1"; fi
}
