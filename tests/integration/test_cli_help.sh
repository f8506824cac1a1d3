#!/bin/sh
# test_cli_help.sh: --help on every command, --version, and usage errors of the dispatch.
. "$(dirname "$0")/lib.sh"

for cmd in "" "target" "target create" "target list" "target show" "target remove" \
    "release" "release add" "release list" "devices" "devices import" "devices list" \
    "validate" "cleanup"; do
    # shellcheck disable=SC2086 # cmd is split into command and subcommand on purpose
    run "$FWHUB" $cmd --help
    expect_rc "fwhub $cmd --help exits 0" 0
    expect_in "fwhub $cmd --help prints usage to stdout" "$OUT" "Usage: fwhub $cmd"
    expect_eq "fwhub $cmd --help prints nothing to stderr" "$ERR" ""
    # shellcheck disable=SC2086
    run "$FWHUB" $cmd -h
    expect_rc "fwhub $cmd -h exits 0" 0
done

run "$FWHUB" target create --mac zz --help
expect_rc "--help wins over other options" 0
run "$FWHUB" help target
expect_rc "fwhub help target exits 0" 0
expect_in "and prints the target usage" "$OUT" "Usage: fwhub target"

run "$FWHUB" --version
expect_rc "--version exits 0" 0
expect_in "--version names fwhub" "$OUT" "fwhub "

run "$FWHUB"
expect_rc "no command exits 2" 2
expect_in "saying it is missing" "$ERR" "fwhub: missing command"
run "$FWHUB" frobnicate
expect_rc "an unknown command exits 2" 2
expect_in "naming it" "$ERR" "fwhub: frobnicate: unknown command"
expect_in "with a hint" "$ERR" "fwhub --help"
run "$FWHUB" target
expect_rc "a group without subcommand exits 2" 2
run "$FWHUB" target frobnicate
expect_rc "an unknown subcommand exits 2" 2
expect_in "naming it" "$ERR" "frobnicate"
run "$FWHUB" --bogus validate
expect_rc "an unknown global option exits 2" 2
run "$FWHUB" --repo
expect_rc "--repo without a directory exits 2" 2
run "$FWHUB" --repo "" validate
expect_rc "an empty --repo exits 2" 2

done_testing
