#!/bin/sh
# test_fuzz_corpus.sh: every fuzz target, built without libFuzzer (build/fuzz-replay/), replays
# its whole seed corpus, crashes found by fuzzing included (tests/fuzz/corpus/<target>/): each
# input must pass the target's checks, under AddressSanitizer and UBSan with SAN=1.
. "$(dirname "$0")/lib.sh"

n=0
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    short=${name#fuzz_}
    bin=$BUILD/fuzz-replay/$name
    n=$((n + 1))
    if [ ! -x "$bin" ]; then
        fail "$name replays its corpus" "$bin is not built (make all)"
        continue
    fi
    count=$(ls tests/fuzz/corpus/"$short" 2>/dev/null | wc -l)
    if [ "$count" -eq 0 ]; then
        fail "$name replays its corpus" "tests/fuzz/corpus/$short/ is empty"
        continue
    fi
    if out=$("$bin" tests/fuzz/corpus/"$short" 2>&1) && echo "$out" | grep -q "^replayed $count inputs$"; then
        pass "$name replays its $count corpus inputs"
    else
        fail "$name replays its corpus" "$(echo "$out" | tail -n 5)"
    fi
done
[ "$n" -gt 0 ] || fail "fuzz targets found" "no tests/fuzz/fuzz_*.c"
done_testing
