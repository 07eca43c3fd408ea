#!/bin/sh
# cross.sh - zoek-index --dictionaries and zoek-search --cross: without
# dictionaries --cross is an error (exit 2) and nothing else changes; a bad
# dictionary directory leaves the index as it was; tiny handmade FreeDict
# files make an English query find the Dutch article, marked as translated;
# 'none' removes them.  With Debian's dict-freedict-* packages installed,
# the real dictionaries find the story in all three languages.
. tests/cli/lib.sh
expect_status 0 "$ZI" -q -d "$T/idx" corpus
S() { "$ZS" -d "$T/idx" "$@"; }
snap() { S --format trec -n 100 smuggling chips Exportkontrollen >"$1"; "$ZI" -d "$T/idx" --stats | grep -v '^file' >>"$1"; }
snap "$T/before"

# no dictionaries: --cross says how to get them, exit 2
expect_status 2 "$ZS" -d "$T/idx" --cross smuggling
grep -q "zoek-index -d DIR --dictionaries /usr/share/dictd" "$T/err" && grep -q "dict-freedict-eng-deu" "$T/err" && ok || bad "--cross without dictionaries: $(cat "$T/err")"
[ -s "$T/out" ] && bad "--cross without dictionaries printed hits" || ok

# bad directories: exit 2, the index as it was
mkdir "$T/empty"
expect_status 2 "$ZI" -d "$T/idx" --dictionaries "$T/empty"
grep -q "$T/empty" "$T/err" && ok || bad "empty dictionary dir: $(cat "$T/err")"
expect_status 2 "$ZI" -d "$T/idx" --dictionaries "$T/nonexistent"
mkdir "$T/broken"
printf 'smuggling\tA\tzz\n' >"$T/broken/freedict-eng-nld.index"
printf 'smuggling\nsmokkel\n' >"$T/broken/freedict-eng-nld.dict"
expect_status 2 "$ZI" -d "$T/idx" --dictionaries "$T/broken"
grep -q "freedict-eng-nld" "$T/err" && ok || bad "broken dictionary: $(cat "$T/err")"
snap "$T/after"
cmp -s "$T/before" "$T/after" && ok || bad "a failed --dictionaries changed the index"
# usage: not with --delete, --rebuild, --check, --stats
expect_status 2 "$ZI" -d "$T/idx" --dictionaries "$T/empty" --delete x
grep -q "^usage:" "$T/err" && ok || bad "--dictionaries --delete: $(cat "$T/err")"
expect_status 2 "$ZI" -d "$T/idx" --dictionaries "$T/empty" --check

# a one-entry dictionary by hand: dictd index "head TAB offset TAB length"
# in base64 digits (entries under 64 bytes: one digit each)
digits=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/
mkdict() { # NAME HEAD TRANSLATIONS
    printf '%s /x/\n%s\n' "$2" "$3" >"$T/dict/freedict-$1.dict"
    len=$(wc -c <"$T/dict/freedict-$1.dict")
    printf '%s\tA\t%s\n' "$2" "$(printf %s "$digits" | cut -c$((len + 1)))" >"$T/dict/freedict-$1.index"
}
mkdir "$T/dict"
mkdict eng-nld smuggling smokkel
mkdict eng-deu smuggling Schmuggel
expect_status 0 "$ZI" -d "$T/idx" --dictionaries "$T/dict"
grep -q "compiled 2 dictionaries from $T/dict into $T/idx" "$T/err" && ok || bad "--dictionaries summary: $(cat "$T/err")"
"$ZI" -d "$T/idx" --stats | grep -q "^dictionaries 2 " && ok || bad "--stats does not show the dictionaries"
expect_status 0 "$ZI" -d "$T/idx" --check

# without --cross: as before
S --format trec -n 100 smuggling chips Exportkontrollen >"$T/plain"
n=$(wc -l <"$T/plain")
head -n "$n" "$T/before" | cmp -s - "$T/plain" && ok || bad "dictionaries changed a search without --cross"
S --docs --format trec smuggling | awk '{print $3}' >"$T/ids"
[ "$(cat "$T/ids")" = corpus/004_18072c729355d2a5.txt ] && ok || bad "smuggling without --cross: $(cat "$T/ids")"
# with it: the Dutch article (smokkel) too, with its language, translated
S --docs --format trec --cross --lang en smuggling | awk '{print $3}' | sort >"$T/ids"
printf 'corpus/000_9e95c98d56739b24.txt\ncorpus/004_18072c729355d2a5.txt\n' | cmp -s - "$T/ids" && ok || bad "smuggling --cross: $(cat "$T/ids")"
S --docs --cross --explain --format json smuggling >"$T/j"
grep '"doc":"corpus/000_9e95c98d56739b24.txt"' "$T/j" | grep '"lang":"nl"' | grep -q '"term":"smokkel","lang":"nl","translated":true' && ok || bad "--cross --explain JSON: $(cat "$T/j")"
S --docs --cross --explain smuggling >"$T/t"
grep -q "term=smokkel lang=nl .*translated" "$T/t" && ok || bad "--cross --explain text: $(cat "$T/t")"
# still there after an incremental run
printf 'Smokkel van chips via Singapore.\n' >"$T/new.txt"
expect_status 0 "$ZI" -q -d "$T/idx" "$T/new.txt"
S --docs --format trec --cross --lang en smuggling | grep -q "$T/new.txt" && ok || bad "--cross after an incremental run"

# none removes them: --cross is an error again
expect_status 0 "$ZI" -d "$T/idx" --dictionaries none
expect_status 2 "$ZS" -d "$T/idx" --cross smuggling
"$ZI" -d "$T/idx" --stats | grep -q "^dictionaries" && bad "--stats still shows dictionaries" || ok

# Debian's FreeDict dictionaries, when installed
D=/usr/share/dictd
if [ -r "$D/freedict-eng-deu.index" ] && [ -r "$D/freedict-eng-nld.index" ]; then
    expect_status 0 "$ZI" -q -d "$T/idx2" --dictionaries "$D" corpus
    "$ZS" -d "$T/idx2" --docs --format json --cross -n 5 "export controls chips" | grep -o '"lang":"[a-z]*"' | sort -u | tr -d '\n' >"$T/langs"
    [ "$(cat "$T/langs")" = '"lang":"de""lang":"en""lang":"nl"' ] && ok || bad "export controls chips --cross: languages $(cat "$T/langs")"
else
    echo "(skipped: real dictionaries, dict-freedict-eng-deu/-eng-nld not installed)"
fi
finish
