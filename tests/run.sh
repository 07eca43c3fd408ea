#!/bin/sh
# run.sh - runs every test: unit binaries, fuzz replays, CLI scripts.
# Ends with one summary line "N passed, N failed".
B=${B:-build}
passed=0
failed=0
failures=""
run() {  # name, command...
    name=$1
    shift
    if out=$("$@" 2>&1); then
        passed=$((passed + 1))
        printf 'ok   %s\n' "$name"
    else
        failed=$((failed + 1))
        failures="$failures $name"
        printf 'FAIL %s\n%s\n' "$name" "$out" | sed 's/^/    /;1s/^    //'
    fi
}
for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    run "unit/$(basename "$t")" "$t"
done
for r in "$B"/replay/fuzz_*; do
    [ -x "$r" ] || continue
    n=$(basename "$r")
    run "replay/$n" "$r" "tests/fuzz/corpus/${n#fuzz_}"
done
for s in tests/cli/*.sh; do
    [ "$(basename "$s")" = lib.sh ] && continue
    [ -f "$s" ] || continue
    run "cli/$(basename "$s" .sh)" env B="$B" sh "$s"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failed:$failures"; exit 1; }
