#!/bin/sh
# man.sh - the manual pages: well-formed (groff without warnings), of this
# version, naming every option of --help and no option --help lacks, zoek(3)
# naming every function of zoek.h, and its EXAMPLE compiles and runs.
. tests/cli/lib.sh
CC=${CC:-cc}
version=$(sed -n 's/^#define ZOEK_VERSION_STRING "\(.*\)"/\1/p' include/zoek.h)
for m in man/zoek-index.1 man/zoek-search.1 man/zoek.3; do
    head -1 "$m" | grep -q "\"zoek $version\"" && ok || bad "$m is not of version $version: $(head -1 "$m")"
    if command -v groff >/dev/null 2>&1; then
        w=$(groff -man -Tutf8 -ww -z "$m" 2>&1)
        [ -z "$w" ] && ok || bad "$m: $w"
    elif command -v mandoc >/dev/null 2>&1; then
        mandoc -Tlint -Wwarning "$m" >"$T/lint" 2>&1 && ok || bad "$m: $(cat "$T/lint")"
    fi
done
command -v groff >/dev/null 2>&1 || command -v mandoc >/dev/null 2>&1 || echo "(skipped: page syntax, neither groff nor mandoc here)"

# options: --help and the page name the same long options
for tool in zoek-index zoek-search; do
    "$B/$tool" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u >"$T/help"
    sed -n '/^\.SH OPTIONS/,/^\.SH /p' "man/$tool.1" | grep -o -- '\\-\\-[a-z][a-z0-9-]*' |
        sed 's/\\//g' | sort -u >"$T/man"
    missing=$(comm -23 "$T/help" "$T/man" | tr '\n' ' ')
    [ -z "$missing" ] && ok || bad "$tool.1 lacks options of --help: $missing"
    extra=$(comm -13 "$T/help" "$T/man" | grep -v -- '--colour' | tr '\n' ' ')
    [ -z "$extra" ] && ok || bad "$tool.1 has options --help lacks: $extra"
done

# zoek(3) names every public function, and only those
grep -o 'ZOEK_API [^(]*(' include/zoek.h | grep -o 'zoek_[a-z_]*($' | tr -d '(' | sort -u >"$T/api"
grep -o 'zoek_[a-z_]*(' man/zoek.3 | tr -d '(' | sort -u >"$T/man3"
missing=$(comm -23 "$T/api" "$T/man3" | tr '\n' ' ')
[ -z "$missing" ] && ok || bad "zoek.3 lacks: $missing"
extra=$(comm -13 "$T/api" "$T/man3" | tr '\n' ' ')
[ -z "$extra" ] && ok || bad "zoek.3 names functions zoek.h lacks: $extra"

# the EXAMPLE of zoek(3) is a working program
sed -n '/^\.SH EXAMPLE/,/^\.EE/p' man/zoek.3 | sed '1,2d;$d' |
    sed 's/\\en/\\n/g; s/\\-/-/g; s/\\(:a/ä/g; s/\\(:u/ü/g' >"$T/ex.c"
mkdir "$T/run"
if $CC -Iinclude "$T/ex.c" -o "$T/ex" "$B/libzoek.a" -lstemmer -llmdb -lz -lutf8proc -lm -pthread $LDFLAGS 2>"$T/cc"; then ok
else bad "zoek.3 EXAMPLE does not build: $(cat "$T/cc")"; fi
(cd "$T/run" && "$T/ex") >"$T/out" 2>&1 && ok || bad "zoek.3 EXAMPLE failed: $(cat "$T/out")"
grep -q "^1 de-1 #0 [0-9.]* .*Chips.*China" "$T/out" && ok || bad "zoek.3 EXAMPLE output: $(cat "$T/out")"
finish
