#!/bin/sh
# readme.sh - README.md stays true: every zoek-index and zoek-search command
# line in it runs (in a copy of the repository's corpus, with the files the
# examples name), the searches in the three languages find their articles,
# every query of the syntax table finds something, and the C program of
# "The library" builds and runs.
. tests/cli/lib.sh
CC=${CC:-cc}
Babs=$(cd "$B" && pwd)
R=$PWD/README.md
W="$T/work"
mkdir -p "$W"
cp -r corpus "$W/corpus"
ln -s "$Babs" "$W/build"
python3 tests/gen_corpus.py 50 3 | gzip >"$W/articles.jsonl.gz"
python3 tests/gen_corpus.py 20 4 1000 >"$W/feed.jsonl"

# the command lines of the README, comments dropped
sed -n 's/^    \(\(build\/zoek-\|cat \|printf \).*\)$/\1/p' "$R" |
    sed 's/   *# .*$//' >"$T/lines"
grep -c . "$T/lines" | grep -qv '^0$' && ok || bad "no command lines found in README.md"
runline() {  # LINE: runs it in $W, expects exit 0
    if (cd "$W" && sh -c "$1") >"$T/out" 2>"$T/err"; then ok; else
        bad "README line failed: $1: $(cat "$T/err")"
    fi
}
# dictionaries (Debian's dict-freedict-* packages) for the --cross lines
havedict=0
[ -r /usr/share/dictd/freedict-eng-deu.index ] && [ -r /usr/share/dictd/freedict-eng-nld.index ] && havedict=1
[ $havedict = 1 ] || { echo "(skipped: the README's --dictionaries and --cross lines, dict-freedict-* not installed)"; sed -i '/--dictionaries\|--cross/d' "$T/lines"; }
# indexing and maintenance, in the README's order
grep '^\(build/zoek-index\|cat \)' "$T/lines" >"$T/index-lines"
[ "$(wc -l <"$T/index-lines")" -ge 8 ] && ok || bad "README indexing lines: $(cat "$T/index-lines")"
grep -v -- '--dictionaries' "$T/index-lines" >"$T/index-first"
while IFS= read -r line; do runline "$line"; done <"$T/index-first"

# searches on an index of corpus/ made as the README says first
rm -rf "$W/news.idx"
runline "$(head -1 "$T/index-lines")"
grep '^\(build/zoek-search\|printf \)' "$T/lines" >"$T/search-lines"
[ "$(wc -l <"$T/search-lines")" -ge 7 ] && ok || bad "README search lines: $(cat "$T/search-lines")"
grep -v -- '--cross' "$T/search-lines" >"$T/plain-lines"
while IFS= read -r line; do runline "$line"; done <"$T/plain-lines"
# the --cross lines, once the dictionaries are compiled in as the README says
if [ $havedict = 1 ]; then
    runline "$(grep -- '--dictionaries' "$T/index-lines" | head -1)"
    grep -- '--cross' "$T/search-lines" >"$T/cross-lines"
    [ -s "$T/cross-lines" ] && ok || bad "README has no --cross example"
    while IFS= read -r line; do runline "$line"; done <"$T/cross-lines"
    line=$(grep -F -- '"export controls chips"' "$T/cross-lines" | head -1)
    (cd "$W" && sh -c "$line --format json") | grep -o '"lang":"[a-z]*"' | sort -u | tr -d '\n' >"$T/langs"
    [ "$(cat "$T/langs")" = '"lang":"de""lang":"en""lang":"nl"' ] && ok || bad "README cross example: languages $(cat "$T/langs")"
fi
# the three languages find their articles first
first() {  # LINE-SUBSTRING WANT: the first hit of that README line
    line=$(grep -F -- "$1" "$T/search-lines" | head -1)
    [ -n "$line" ] || { bad "README lacks the example '$1'"; return; }
    got=$(cd "$W" && sh -c "$line --color never" | awk 'NR == 1 {print $3}')
    [ "$got" = "$2" ] && ok || bad "README example '$1': first hit '$got', expected '$2'"
}
first '"smokkel van chips naar Maleisië"' corpus/000_9e95c98d56739b24.txt
first '"Exportbeschränkungen Singapur"' corpus/001_9e15ff6d8f2c95c5.txt
first '"Nvidia GPU smuggling"' corpus/004_18072c729355d2a5.txt
# the spelling claims of the README
for pair in Handelsbeschränkung:002_47b9ff81cac2cd9d Handelsbeschraenkungen:002_47b9ff81cac2cd9d \
            Maleisie:000_9e95c98d56739b24; do
    q=${pair%%:*}
    grep -q "\`$q\`" "$R" || bad "README no longer mentions $q"
    (cd "$W" && build/zoek-search -d news.idx --docs --fields id -n 1 "$q") | grep -q "${pair#*:}" && ok || bad "README claim: $q does not find ${pair#*:}"
done
# every query of the syntax table finds something
sed -n '/^Query syntax:/,/^Text that is not valid/p' "$R" | grep '^| `' |
    sed 's/^| \([^|]*\) |.*/\1/' | grep -o '`[^`]*`' | tr -d '`' | grep -v '^a OR b$' >"$T/syntax"
[ "$(wc -l <"$T/syntax")" -ge 6 ] && ok || bad "README syntax table: $(cat "$T/syntax")"
while IFS= read -r q; do
    (cd "$W" && build/zoek-search -d news.idx --docs -n 1 "$q") >/dev/null 2>&1 && ok || bad "README syntax example '$q' finds nothing"
done <"$T/syntax"

# the library program: builds as the README says and runs
sed -n '/^```c$/,/^```$/p' "$R" | sed '1d;$d' >"$T/news.c"
mkdir "$T/lib"
if $CC -Iinclude "$T/news.c" -o "$T/news" "$B/libzoek.a" -lstemmer -llmdb -lz -lutf8proc -lm -pthread $LDFLAGS 2>"$T/cc"; then ok
else bad "README program does not build: $(cat "$T/cc")"; fi
(cd "$T/lib" && "$T/news") >"$T/out" 2>&1 && ok || bad "README program failed: $(cat "$T/out")"
grep -q "^1 de-1 #0 [0-9.]* .*Exportbeschränkungen" "$T/out" && ok || bad "README program output: $(cat "$T/out")"
[ "$(sed -n '/^```c$/,/^```$/p' "$R" | wc -l)" -le 32 ] && ok || bad "the README program grew long"
finish
