#!/bin/sh
# example.sh - builds tests/example/example.c against the shared library
# and runs it: the public API end to end.
. tests/cli/lib.sh
CC=${CC:-cc}
if $CC -Iinclude tests/example/example.c -L"$B" -lzoek -Wl,-rpath,"$PWD/$B" \
    $LDFLAGS -o "$T/example" 2>"$T/cc"; then ok; else bad "example does not build: $(cat "$T/cc")"; fi
if "$T/example" "$T/idx" >"$T/out" 2>"$T/err"; then ok; else bad "example failed: $(cat "$T/err")"; fi
grep -q "^query: chips China (3 hits)" "$T/out" && ok || bad "first search: $(cat "$T/out")"
grep -q "^query: chips China (2 hits)" "$T/out" && ok || bad "after delete: $(cat "$T/out")"
grep "^[0-9]\. de-1" "$T/out" | wc -l | grep -q "^1$" && ok || bad "de-1 should appear once (before the delete)"
finish
