#!/bin/sh
# memcheck.sh: runs a program of the build under valgrind's memcheck, for `make valgrind` and
# test_valgrind.sh. It is called through a symlink named for the program (fwhub,
# fwhub-device) in a folder that stands in for the build folder; VG_REAL is the real build
# folder, VG_LOGS the folder of reports (one per process, <pid>.log). Any memory error, or
# a block definitely or indirectly lost at the exit, makes the exit status 99; h2o 2.2.5's
# own remains are suppressed (h2o.supp says why).
self=$(readlink -f "$0")
here=$(dirname "$self")
mkdir -p "${VG_LOGS:?VG_LOGS must name a folder for the reports}"
exec valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --error-exitcode=99 \
    --suppressions="$here/h2o.supp" --log-file="$VG_LOGS/%p.log" \
    "${VG_REAL:?VG_REAL must name the build folder}/$(basename "$0")" "$@"
