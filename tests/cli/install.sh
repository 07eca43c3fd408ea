#!/bin/sh
# install.sh - make install/uninstall with PREFIX, DESTDIR and the *DIR
# variables; the installed CLIs, man pages and library; an outside program
# (tests/example/example.c) built with pkg-config against the shared
# library, against libzoek.a, and fully static; the soname.
. tests/cli/lib.sh
CC=${CC:-cc}
MAKE=${MAKE:-make}
version=$(sed -n 's/^#define ZOEK_VERSION_STRING "\(.*\)"/\1/p' include/zoek.h)
P="$T/prefix"
inst() { $MAKE -s --no-print-directory B="$B" "$@" >"$T/make" 2>&1 || bad "make $*: $(cat "$T/make")"; }

inst install PREFIX="$P"
for f in bin/zoek-index bin/zoek-search lib/libzoek.a "lib/libzoek.so.$version" \
         include/zoek.h lib/pkgconfig/zoek.pc share/man/man1/zoek-index.1 \
         share/man/man1/zoek-search.1 share/man/man3/zoek.3; do
    [ -f "$P/$f" ] && ok || bad "not installed: $f"
done
[ -x "$P/bin/zoek-index" ] && [ -x "$P/bin/zoek-search" ] && ok || bad "CLIs not executable"
[ "$(readlink "$P/lib/libzoek.so.0")" = "libzoek.so.$version" ] && ok || bad "libzoek.so.0 -> $(readlink "$P/lib/libzoek.so.0")"
[ "$(readlink "$P/lib/libzoek.so")" = "libzoek.so.0" ] && ok || bad "libzoek.so -> $(readlink "$P/lib/libzoek.so")"
if command -v readelf >/dev/null 2>&1; then
    readelf -d "$P/lib/libzoek.so.$version" | grep -q "SONAME.*\[libzoek\.so\.0\]" && ok || bad "soname: $(readelf -d "$P/lib/libzoek.so.$version" | grep SONAME)"
else
    echo "(skipped: soname check, no readelf)"
fi
# the man pages carry this version; man finds them under the prefix
for m in share/man/man1/zoek-index.1 share/man/man1/zoek-search.1 share/man/man3/zoek.3; do
    head -1 "$P/$m" | grep -q "\"zoek $version\"" && ok || bad "$m: $(head -1 "$P/$m")"
done
if command -v man >/dev/null 2>&1; then
    for page in zoek-index zoek-search "3 zoek"; do
        MANPATH="$P/share/man" man -w $page 2>/dev/null | grep -q "^$P/share/man/" && ok || bad "man -w $page does not find the installed page"
    done
fi

# the installed CLIs work
[ "$("$P/bin/zoek-search" --version)" = "zoek-search $version" ] && ok || bad "installed zoek-search --version"
expect_status 0 "$P/bin/zoek-index" -q -d "$T/idx" corpus
expect_status 0 "$P/bin/zoek-search" -d "$T/idx" --docs --format trec "Handelsbeschränkung"
grep -q 002_47b9ff81cac2cd9d "$T/out" && ok || bad "installed zoek-search: $(cat "$T/out")"

# pkg-config: version, flags; zoek.pc names its dependencies' .pc files
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
[ "$(pkg-config --modversion zoek)" = "$version" ] && ok || bad "pkg-config --modversion: $(pkg-config --modversion zoek 2>&1)"
pkg-config --cflags zoek | grep -q -- "-I$P/include" && ok || bad "cflags: $(pkg-config --cflags zoek)"
pkg-config --libs zoek | grep -q -- "-L$P/lib -lzoek" && ok || bad "libs: $(pkg-config --libs zoek)"
pkg-config --print-requires-private zoek | tr '\n' ' ' | grep -q "lmdb zlib libutf8proc" && ok || bad "Requires.private: $(pkg-config --print-requires-private zoek)"
static=$(pkg-config --static --libs zoek)
for l in -lstemmer -llmdb -lz -lutf8proc -lm -pthread; do
    case " $static " in *" $l "*) ok ;; *) bad "pkg-config --static --libs lacks $l: $static" ;; esac
done

run_example() {  # BINARY NAME [ENV...]
    bin=$1
    name=$2
    shift 2
    rm -rf "$T/ex-idx"
    if env "$@" "$bin" "$T/ex-idx" >"$T/ex.out" 2>"$T/ex.err" &&
        grep -q "^query: chips China (3 hits)" "$T/ex.out" &&
        grep -q "^query: chips China (2 hits)" "$T/ex.out"; then ok
    else bad "$name example: $(cat "$T/ex.out" "$T/ex.err")"; fi
}
# the shared library: links libzoek.so.0, runs from the prefix
# shellcheck disable=SC2046
if $CC tests/example/example.c -o "$T/ex-shared" $(pkg-config --cflags --libs zoek) $LDFLAGS 2>"$T/cc"; then ok
else bad "example does not build with pkg-config: $(cat "$T/cc")"; fi
if command -v readelf >/dev/null 2>&1; then
    readelf -d "$T/ex-shared" | grep -q "NEEDED.*\[libzoek\.so\.0\]" && ok || bad "example does not need libzoek.so.0"
fi
run_example "$T/ex-shared" shared LD_LIBRARY_PATH="$P/lib"
# libzoek.a with the system libraries shared: Libs.private is complete
# shellcheck disable=SC2046
if $CC tests/example/example.c -o "$T/ex-static" $(pkg-config --cflags zoek) \
    $(echo "$static" | sed 's/-lzoek/-l:libzoek.a/') $LDFLAGS 2>"$T/cc"; then ok
else bad "example does not build with libzoek.a: $(cat "$T/cc")"; fi
if command -v readelf >/dev/null 2>&1; then
    readelf -d "$T/ex-static" | grep -q "libzoek" && bad "static example needs libzoek.so" || ok
fi
run_example "$T/ex-static" static
# fully static, where the system has static libraries
printf 'int main(void) { return 0; }\n' >"$T/t.c"
if case "$LDFLAGS" in *sanitize*) false ;; *) true ;; esac &&
    $CC -static "$T/t.c" -o "$T/t" 2>/dev/null && "$T/t"; then
    # shellcheck disable=SC2046
    if $CC -static tests/example/example.c -o "$T/ex-full" $(pkg-config --static --cflags --libs zoek) 2>"$T/cc"; then ok
    else bad "example does not build with -static: $(cat "$T/cc")"; fi
    run_example "$T/ex-full" "fully static"
else
    echo "(skipped: fully static link, no static C library or a sanitizer build)"
fi

# uninstall leaves no file behind
inst uninstall PREFIX="$P"
left=$(find "$P" ! -type d)
[ -z "$left" ] && ok || bad "left after uninstall: $left"

# DESTDIR: staged under DESTDIR, the .pc names the real prefix
inst install PREFIX=/usr/local DESTDIR="$T/stage"
for f in bin/zoek-search lib/libzoek.a include/zoek.h lib/pkgconfig/zoek.pc \
         share/man/man1/zoek-search.1 share/man/man3/zoek.3; do
    [ -f "$T/stage/usr/local/$f" ] && ok || bad "DESTDIR: not staged: $f"
done
grep -qx "prefix=/usr/local" "$T/stage/usr/local/lib/pkgconfig/zoek.pc" && ok || bad "DESTDIR leaked into zoek.pc: $(head -1 "$T/stage/usr/local/lib/pkgconfig/zoek.pc")"
grep -q "$T" "$T/stage/usr/local/lib/pkgconfig/zoek.pc" && bad "DESTDIR in zoek.pc" || ok
inst uninstall PREFIX=/usr/local DESTDIR="$T/stage"
[ -z "$(find "$T/stage" ! -type d)" ] && ok || bad "DESTDIR uninstall left: $(find "$T/stage" ! -type d)"

# BINDIR, LIBDIR, INCLUDEDIR, MANDIR
Q="$T/q"
inst install PREFIX="$Q" BINDIR="$Q/b" LIBDIR="$Q/lib64" INCLUDEDIR="$Q/inc" MANDIR="$Q/m"
for f in b/zoek-index b/zoek-search lib64/libzoek.a lib64/libzoek.so lib64/libzoek.so.0 \
         lib64/pkgconfig/zoek.pc inc/zoek.h m/man1/zoek-index.1 m/man3/zoek.3; do
    [ -e "$Q/$f" ] && ok || bad "*DIR: not installed: $f"
done
PKG_CONFIG_PATH="$Q/lib64/pkgconfig" pkg-config --cflags --libs zoek >"$T/flags"
grep -q -- "-I$Q/inc" "$T/flags" && grep -q -- "-L$Q/lib64" "$T/flags" && ok || bad "*DIR flags: $(cat "$T/flags")"
grep -qx 'libdir=${prefix}/lib64' "$Q/lib64/pkgconfig/zoek.pc" && ok || bad "libdir not relative to prefix: $(grep libdir= "$Q/lib64/pkgconfig/zoek.pc")"
# shellcheck disable=SC2046
$CC tests/example/example.c -o "$T/ex-q" $(cat "$T/flags") $LDFLAGS 2>"$T/cc" && ok || bad "example with *DIR: $(cat "$T/cc")"
run_example "$T/ex-q" "*DIR" LD_LIBRARY_PATH="$Q/lib64"
inst uninstall PREFIX="$Q" BINDIR="$Q/b" LIBDIR="$Q/lib64" INCLUDEDIR="$Q/inc" MANDIR="$Q/m"
[ -z "$(find "$Q" ! -type d)" ] && ok || bad "*DIR uninstall left: $(find "$Q" ! -type d)"
finish
