#!/bin/sh
# lint.sh - cppcheck and clang-tidy on the library and the CLIs (indexer/,
# searcher/, with include/zoek.h); findings listed in tests/lint/*.supp
# (with their reasons) are accepted, anything else fails.  Ends with one
# line "N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
B=${B:-build}
mkdir -p "$B/lint"
INC="-Iinclude -Iindexer -Isearcher -I$B/gen" # gen: made by make lint
failed=0
passed=0

# cppcheck: bugs, style, performance, portability
if cppcheck --enable=warning,style,performance,portability --std=c99 \
    --quiet --inline-suppr --error-exitcode=1 -D_GNU_SOURCE $INC \
    --suppressions-list=tests/lint/cppcheck.supp \
    --template='{file}:{line}: {severity} {id}: {message}' \
    indexer searcher >"$B/lint/cppcheck.txt" 2>&1
then
    passed=$((passed + 1))
    echo "ok   cppcheck"
else
    failed=$((failed + 1))
    echo "FAIL cppcheck"
    sed 's/^/    /' "$B/lint/cppcheck.txt"
fi

# clang-tidy: the static analyzer and bug-prone patterns (.clang-tidy)
ls indexer/*.c searcher/*.c |
    xargs -P "$(nproc 2>/dev/null || echo 2)" -I{} sh -c \
        'clang-tidy --quiet "$1" -- -std=c99 -D_GNU_SOURCE '"$INC"' \
             >"'"$B"'/lint/tidy.$(echo "$1" | tr / _).txt" 2>/dev/null' sh {}
# a file it cannot compile is a finding too ([clang-diagnostic-error])
cat "$B"/lint/tidy.*.txt | grep -E ': (warning|error): ' | sed "s|^$(pwd)/||" |
    sort -u >"$B/lint/tidy.txt"
: >"$B/lint/tidy-left.txt"
while IFS= read -r line; do
    check=$(echo "$line" | sed -n 's/.*\[\([^]]*\)\]$/\1/p')
    file=${line%%:*}
    if grep -v '^#' tests/lint/clang-tidy.supp | grep -qx "$check $file"; then
        continue
    fi
    echo "$line" >>"$B/lint/tidy-left.txt"
done <"$B/lint/tidy.txt"
if [ -s "$B/lint/tidy-left.txt" ]; then
    failed=$((failed + 1))
    echo "FAIL clang-tidy"
    sed 's/^/    /' "$B/lint/tidy-left.txt"
else
    passed=$((passed + 1))
    echo "ok   clang-tidy ($(wc -l <"$B/lint/tidy.txt") findings, all listed in tests/lint/clang-tidy.supp)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
