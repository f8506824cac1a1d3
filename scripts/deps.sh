#!/bin/sh
# deps.sh: installs the Debian packages fwhub needs to build and test, when missing.
set -eu
PKGS="build-essential pkg-config libjansson-dev libssl-dev libsqlite3-dev libcmocka-dev libh2o-evloop-dev libcurl4-openssl-dev libpq-dev postgresql curl sqlite3 python3 openssl chromium valgrind"
# `deps.sh bench` adds what the benchmarks compare against
[ "${1:-}" = bench ] && PKGS="$PKGS wrk nginx-light"
# `deps.sh fuzz` adds clang and its libFuzzer runtime, for `make fuzz` only
FUZZ_PKGS="clang libclang-rt-14-dev"
[ "${1:-}" = fuzz ] && PKGS="$PKGS $FUZZ_PKGS"
missing=""
for p in $PKGS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
# Node.js and npm drive the browser tests; either may come from Debian or be on the machine
command -v node >/dev/null || missing="$missing nodejs"
command -v npm >/dev/null || missing="$missing npm"
if [ -n "$missing" ]; then
    echo "deps: installing$missing"
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "deps: need root to install$missing" >&2; exit 1; }
        SUDO=sudo
    else
        SUDO=
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# playwright-core for the browser tests, at the version package-lock.json pins (it drives
# Debian's chromium; it downloads no browser)
cd "$(dirname "$0")/../tests/browser"
if ! cmp -s package-lock.json node_modules/.fwhub-installed-lock 2>/dev/null; then
    echo "deps: npm ci in tests/browser"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    cp package-lock.json node_modules/.fwhub-installed-lock
fi
