#!/bin/sh
# fwhub.sh: runs fwhub under valgrind's memcheck, for `make valgrind` and test_valgrind.sh.
# VG_FWHUB names the binary (build/fwhub), VG_LOGS the folder of reports (one per process,
# <pid>.log). Any memory error, or a block definitely or indirectly lost at the exit,
# makes the exit status 99; h2o 2.2.5's own remains are suppressed (h2o.supp says why).
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "${VG_LOGS:?VG_LOGS must name a folder for the reports}"
exec valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=no \
    --suppressions="$here/h2o.supp" --log-file="$VG_LOGS/%p.log" \
    "${VG_FWHUB:?VG_FWHUB must name the fwhub binary}" "$@"
