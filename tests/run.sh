#!/bin/sh
# run.sh - runs every test: unit binaries, fuzz replays, CLI scripts,
# TEST_JOBS at a time (default: the number of cores).  Prints a line per
# test as it ends, the output of each failed test, then one summary line
# "N passed, N failed".
B=${B:-build}
JOBS=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
R=$(mktemp -d "${TMPDIR:-/tmp}/zoek-run-XXXXXX") || exit 1
trap 'rm -rf "$R"' EXIT INT TERM
# One test per line: name, then the command.  The long ones (the unit tests
# of corrupt indexes and failed allocations, the CLI scripts) go first, so
# that the short ones fill the gaps at the end.
{
    for t in "$B"/tests/test_*; do
        [ -x "$t" ] && echo "unit/$(basename "$t") $t"
    done
    for s in tests/cli/*.sh; do
        [ "$(basename "$s")" = lib.sh ] && continue
        [ -f "$s" ] || continue
        echo "cli/$(basename "$s" .sh) env B=$B sh $s"
    done
    for r in "$B"/replay/fuzz_*; do
        [ -x "$r" ] || continue
        n=$(basename "$r")
        echo "replay/$n $r tests/fuzz/corpus/${n#fuzz_}"
    done
} >"$R/list"
# Each test's output goes to R/<n>.out, its status to R/<n>.rc.
export R
xargs -P "$JOBS" -L 1 sh -c '
    name=$1
    shift
    f=$R/$(echo "$name" | tr / _)
    t0=$(date +%s)
    if "$@" >"$f.out" 2>&1; then rc=0; else rc=$?; fi
    echo "$rc" >"$f.rc"
    s=$(($(date +%s) - t0))
    if [ "$rc" -eq 0 ]; then printf "ok   %s (%d s)\n" "$name" "$s"
    else printf "FAIL %s (%d s, exit %d)\n" "$name" "$s" "$rc"; fi
' run <"$R/list"
passed=0
failed=0
failures=""
while read -r name cmd; do
    f=$R/$(echo "$name" | tr / _)
    if [ "$(cat "$f.rc" 2>/dev/null)" = 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures="$failures $name"
        printf '\nFAIL %s: %s\n' "$name" "$cmd"
        sed 's/^/    /' "$f.out" 2>/dev/null
    fi
done <"$R/list"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failed:$failures"; exit 1; }
