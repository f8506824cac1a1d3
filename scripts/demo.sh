#!/bin/sh
# demo.sh: what `make run` shows until the server exists: the fwhub command line on a
# copy of examples/repo (the copy is thrown away afterwards).
set -eu
cd "$(dirname "$0")/.."
FWHUB=${FWHUB:-build/fwhub}
REPO=$(mktemp -d "${TMPDIR:-/tmp}/fwhub-demo.XXXXXX")
trap 'rm -rf "$REPO"' EXIT
cp -R examples/repo/. "$REPO"

# step ARGS...: shows the command, runs it on the copy, and shows a failing status.
step() {
    printf '\n$ fwhub %s\n' "$*"
    rc=0
    "$FWHUB" --repo "$REPO" "$@" || rc=$?
    [ "$rc" -eq 0 ] || printf '(exit status %s)\n' "$rc"
}

echo "fwhub demo on a copy of examples/repo"
step release list
step target list --all
step target show AB:CD:EF:12:34:56
step validate --check-expiry
step cleanup --expired --dry-run
