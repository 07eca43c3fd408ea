#!/bin/sh
# valgrind.sh - runs CLI tests (names given, e.g. "corpus badjsonl") with
# both tools under valgrind's memcheck: any invalid access, use of an
# uninitialised value or definitely lost block fails the run.  Ends with
# one summary line "N passed, N failed".
B=${B:-build}
V="$B/valgrind"
rm -rf "$V"
mkdir -p "$V/logs" || exit 2
here=$(pwd)
for tool in zoek-index zoek-search; do
    cat >"$V/$tool" <<WRAP
#!/bin/sh
exec valgrind --quiet --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite --show-leak-kinds=definite \\
    --log-file="$here/$V/logs/$tool.%p.log" "$here/$B/$tool" "\$@"
WRAP
    chmod +x "$V/$tool"
done
# the tests run TEST_JOBS at a time (default: the number of cores)
JOBS=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
export V
printf '%s\n' "$@" | xargs -P "$JOBS" -I{} sh -c '
    t=$1
    start=$(date +%s)
    if B="$V" sh "tests/cli/$t.sh" >"$V/$t.out" 2>&1; then
        echo 0 >"$V/$t.rc"
        printf "ok   valgrind/%s (%s s)\n" "$t" $(($(date +%s) - start))
    else
        echo 1 >"$V/$t.rc"
        printf "FAIL valgrind/%s\n" "$t"
    fi
' run {}
passed=0
failed=0
for t in "$@"; do
    if [ "$(cat "$V/$t.rc" 2>/dev/null)" = 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        printf '\nFAIL valgrind/%s:\n' "$t"
        sed 's/^/    /' "$V/$t.out" | tail -20
    fi
done
# every process's report, also of runs whose exit status a test accepted
bad=$(grep -l "ERROR SUMMARY: [1-9]" "$V"/logs/*.log 2>/dev/null)
nlogs=$(ls "$V"/logs | wc -l)
if [ -n "$bad" ]; then
    failed=$((failed + 1))
    echo "FAIL valgrind: errors in $(echo "$bad" | wc -l) of $nlogs processes"
    for f in $(echo "$bad" | head -3); do sed 's/^/    /' "$f" | head -40; done
else
    echo "ok   valgrind: no errors in $nlogs processes"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
