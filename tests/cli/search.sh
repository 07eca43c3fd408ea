#!/bin/sh
# search.sh - zoek-search options: --color (auto on a terminal, NO_COLOR,
# TERM=dumb), queries from standard input with a header per query, paging
# with --offset, --lang, --fields, --explain in text and JSON, --plain.
. tests/cli/lib.sh
expect_status 0 "$ZI" -q -d "$T/idx" corpus
S() { "$ZS" -d "$T/idx" "$@"; }

# the index: -d, else $ZOEK_INDEX, else ./.zoek (with a hint when missing)
ZOEK_INDEX="$T/idx" "$ZS" --format trec chips >"$T/a" && S --format trec chips | cmp -s - "$T/a" && ok || bad "ZOEK_INDEX is not used"
mkdir "$T/cwd"
ZSabs=$(cd "$(dirname "$ZS")" && pwd)/zoek-search
(cd "$T/cwd" && unset ZOEK_INDEX && "$ZSabs" chips) >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "^zoek-search: .zoek: no such index$" "$T/err" && grep -q "give the index with -d DIR" "$T/err" && ok || bad "missing default index: $(cat "$T/err")"
cp -r "$T/idx" "$T/cwd/.zoek"
(cd "$T/cwd" && unset ZOEK_INDEX && "$ZSabs" --format trec chips) | cmp -s - "$T/a" && ok || bad "./.zoek is not the default index"

# colour: never by default into a pipe or a file; always on request
esc=$(printf '\033')
S chips >"$T/plain"
grep -q "$esc" "$T/plain" && bad "colour into a pipe" || ok
S --color=always chips >"$T/c"
grep -q "$esc\[1;33m" "$T/c" && ok || bad "--color=always has no highlight colour"
NO_COLOR=1 S --color=always chips | grep -q "$esc" && ok || bad "--color=always must win over NO_COLOR"
S --color=never chips | grep -q "$esc" && bad "--color=never coloured" || ok
# without the escapes, coloured output is the plain output minus the stars
sed "s/$esc\[[0-9;]*m//g" "$T/c" >"$T/c2"
tr -d '*' <"$T/plain" >"$T/p2"
cmp -s "$T/c2" "$T/p2" && ok || bad "coloured output differs from plain output in more than colour"
# auto: colour on a terminal, except with NO_COLOR or TERM=dumb
if python3 tests/cli/pty.py --stdout "$T/tty" true; [ $? -eq 77 ]; then
    echo "(skipped: terminal colour tests, no pseudo-terminal here)"
else
    TERM=xterm python3 tests/cli/pty.py --stdout "$T/tty" "$ZS" -d "$T/idx" chips
    grep -q "$esc" "$T/tty" && ok || bad "--color=auto on a terminal: no colour"
    NO_COLOR=1 TERM=xterm python3 tests/cli/pty.py --stdout "$T/tty" "$ZS" -d "$T/idx" chips
    grep -q "$esc" "$T/tty" && bad "colour despite NO_COLOR" || ok
    TERM=dumb python3 tests/cli/pty.py --stdout "$T/tty" "$ZS" -d "$T/idx" chips
    grep -q "$esc" "$T/tty" && bad "colour despite TERM=dumb" || ok
    TERM=xterm python3 tests/cli/pty.py --stdout "$T/tty" "$ZS" -d "$T/idx" --color=never chips
    grep -q "$esc" "$T/tty" && bad "colour despite --color=never" || ok
fi

# queries from standard input: '-' or no QUERY; a header per query in text
# output (blank lines skipped, qid = line number), qid and query in JSON
printf 'smokkel\n\nxylofoonzzz\nHandelsbeschränkungen\n' >"$T/q"
S -n 2 <"$T/q" >"$T/a"
S -n 2 - <"$T/q" >"$T/b"
cmp -s "$T/a" "$T/b" && ok || bad "'-' and no QUERY differ"
grep '^#' "$T/a" >"$T/heads"
printf '# 1\tsmokkel\n# 3\txylofoonzzz\n# 4\tHandelsbeschränkungen\n' | cmp -s - "$T/heads" && ok || bad "headers: $(cat "$T/heads")"
# each block holds what the query alone prints
for n in 1 3 4; do
    q=$(sed -n "${n}p" "$T/q")
    S -n 2 "$q" >"$T/one"
    awk -v h="# $n" -F'\t' '$1 == h {on = 1; next} /^#/ {on = 0} on' "$T/a" >"$T/block"
    cmp -s "$T/one" "$T/block" && ok || bad "block of query $n differs from the query alone"
done
expect_status 0 "$ZS" -d "$T/idx" - <"$T/q"
printf 'xylofoonzzz\n' >"$T/none"
expect_status 1 "$ZS" -d "$T/idx" - <"$T/none"
# --queries FILE: the qid is the first column; the same headers
printf 'a1\tsmokkel\nb2\tchips\n' >"$T/q.tsv"
S -n 1 --queries "$T/q.tsv" | grep '^#' | tr '\t' ' ' | tr '\n' '|' | grep -q '^# a1 smokkel|# b2 chips|$' && ok || bad "--queries headers"
# a query that fails: message on stderr, the others still run, exit 2
python3 -c 'print("chips"); print(" ".join("w%d" % i for i in range(5000))); print("smokkel")' >"$T/qbad"
expect_status 2 "$ZS" -d "$T/idx" -n 1 - <"$T/qbad"
grep -q "^zoek-search: 2: query too long" "$T/err" && ok || bad "failed query message: $(cat "$T/err")"
[ "$(grep -c '^ 1\. ' "$T/out")" -eq 2 ] && ok || bad "queries after a failed one did not run"

# paging: pages of --offset/--limit concatenate to the unpaged list
for mode in "" --docs; do
    for q in "chips China" "Nvidia" "export controls smuggling"; do
        S $mode --format trec -n 15 "$q" | cut -d' ' -f3-5 >"$T/all"
        : >"$T/pages"
        for off in 0 5 10; do
            S $mode --format trec -n 5 --offset $off "$q" | cut -d' ' -f3-5 >>"$T/pages"
        done
        cmp -s "$T/all" "$T/pages" && ok || bad "pages of '$q' $mode differ from the whole list"
        [ -s "$T/all" ] && ok || bad "no hits for '$q'"
    done
done
expect_status 1 "$ZS" -d "$T/idx" --offset 1000 chips

# --lang: the query is analysed as that language only
S --docs --format trec --lang nl "beperking" | grep -q 000_9e95c98d56739b24 && ok || bad "--lang nl beperking"
expect_status 1 "$ZS" -d "$T/idx" --lang de "beperking"
S --docs --format trec --lang de "Genehmigung" | grep -q 003_4e1507cb4adc979c && ok || bad "--lang de Genehmigung"

# --fields: the default is rank,score,id,passage,lang,snippet
S --color never chips >"$T/dflt"
S --color never --fields rank,score,id,passage,lang,snippet chips >"$T/full"
cmp -s "$T/dflt" "$T/full" && ok || bad "--fields with the default list differs from the default"
S --fields id chips >"$T/ids"
S --format trec chips | cut -d' ' -f3 | sed 's/#[0-9]*$//' >"$T/trecids"
cmp -s "$T/ids" "$T/trecids" && ok || bad "--fields id: $(head -2 "$T/ids")"
S --fields id,passage,range -n 1 smuggling >"$T/f"
grep -qx "corpus/004_18072c729355d2a5.txt  passage [0-9]*  bytes [0-9]*-[0-9]*" "$T/f" && ok || bad "--fields id,passage,range: $(cat "$T/f")"
# range matches the JSON start/end
S --format json -n 1 smuggling | python3 -c '
import json, sys
h = json.loads(sys.stdin.readline())
print("%s  passage %d  bytes %d-%d" % (h["doc"], h["passage"], h["start"], h["end"]))' | cmp -s - "$T/f" && ok || bad "--fields range differs from JSON start/end"
S --fields snippet -n 2 chips >"$T/f"
[ "$(wc -l <"$T/f")" -eq 2 ] && ok || bad "--fields snippet: $(cat "$T/f")"
grep -q '^ ' "$T/f" && bad "--fields snippet alone is indented" || ok
S --fields score,rank -n 1 chips | grep -Eq '^ +[0-9]+\.[0-9]{4}   1\.$' && ok || bad "--fields keeps the given order"

# --explain in text: one indented line per query word after the snippet;
# the parts add up to the hit's score
S --explain --color never -n 3 "smokkel chips Maleisië" >"$T/ex"
grep -q "^      smokkel  term=smokkel .*tf=1 .*df=1 idf=[0-9.]* score=[0-9.]*$" "$T/ex" && ok || bad "explain line: $(cat "$T/ex")"
awk '/^ *[0-9]+\. / {if (n) {d = s - sum; if (d < 0) d = -d; if (d > 0.0006 * n) bad = 1}
                     s = $2; sum = 0; n = 0; next}
     /^      / {for (i = 2; i <= NF; i++) if ($i ~ /^score=/) {sum += substr($i, 7); n++}}
     END {d = s - sum; if (d < 0) d = -d; if (!n || d > 0.0006 * n) bad = 1; exit bad}' "$T/ex" && ok || bad "explain parts do not add up to the score"
for w in tf= dl= df= idf= score=; do
    grep "^      " "$T/ex" | grep -qv " $w" && bad "explain line without $w" || ok
done
S -n 3 "smokkel chips Maleisië" | grep -q "term=" && bad "explain lines without --explain" || ok
# JSON: an "explain" array per hit
S --explain --format json -n 5 "smokkel chips Maleisië" | python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    o = json.loads(line)
    if o["type"] != "hit":
        continue
    n += 1
    ex = o["explain"]
    assert ex and abs(sum(e["score"] for e in ex) - o["score"]) < 1e-5, o
    for e in ex:
        assert e["word"] in ("smokkel", "chips", "Maleisië"), e
        assert e["tf"] >= 1 and e["df"] >= 1 and e["idf"] > 0, e
assert n == 5, n' && ok || bad "JSON explain"
S --format json -n 1 chips | grep -q '"explain"' && bad "explain in JSON without --explain" || ok

# --plain: the query is text, not syntax; plain words rank the same
# either way, and operators are words
S --format trec -n 50 "chips smokkel" >"$T/w"
S --plain --format trec -n 50 "+chips -smokkel" | cmp -s - "$T/w" && ok || bad "--plain: + and - are operators"
S --plain --format trec -n 50 "(chips) smokkel*" | cmp -s - "$T/w" && ok || bad "--plain: parentheses or * are operators"
[ "$(S --format trec -n 50 "chips AND smokkel" | wc -l)" -eq 1 ] && ok || bad "chips AND smokkel: not one hit"
[ "$(S --plain --format trec -n 50 "chips AND smokkel" | wc -l)" -gt 1 ] && ok || bad "--plain: AND is an operator"
S --format trec -n 50 "chips -smokkel" | cmp -s - "$T/w" && bad "without --plain, -smokkel is a word" || ok
S --plain --format trec -n 50 "\"chips smokkel" | cmp -s - "$T/w" && ok || bad "--plain: a quote is an operator"
printf 'q1\t+chips -smokkel\n' >"$T/pq"
S --plain --queries "$T/pq" --format trec -n 50 | cut -d' ' -f3- >"$T/pw"
cut -d' ' -f3- "$T/w" | cmp -s - "$T/pw" && ok || bad "--plain with --queries"
expect_status 1 "$ZS" -d "$T/idx" --plain "NOT xylofoonzzz"

finish
