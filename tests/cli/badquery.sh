#!/bin/sh
# badquery.sh - zoek-search with hostile queries on the command line, on
# standard input and in a --queries file: empty, stopwords, operators
# alone, unbalanced syntax, control bytes, NUL bytes, invalid UTF-8,
# 10,000 words.  Exit 0 or 1 with an answer, or 2 with a message; JSON
# output stays valid UTF-8 JSON and text output carries no raw control
# bytes, whatever the query, the article ids and the texts hold.
. tests/cli/lib.sh
mkdir "$T/in"
cp corpus/*.txt "$T/in/"
printf 'Kleurtje \033[31mrood\033[0m en chips zzesc.\n' >"$T/in/esc.txt"
printf 'Chips in een bestand met een rare naam zzname.\n' >"$T/in/$(printf 'naam\033[2J\377.txt')"
expect_status 0 "$ZI" -q -d "$T/idx" "$T/in"

q() {  # WANT QUERY...: exit status WANT (0/1: hits or none; 2: message)
    want=$1
    shift
    timeout 20 "$ZS" -d "$T/idx" -n 5 "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" -ne "$want" ]; then bad "query '$*': exit $got, expected $want"; return; fi
    if [ "$got" -eq 2 ] && ! grep -q "^zoek-search: " "$T/err"; then
        bad "query '$*': no message"; return
    fi
    ok
}
q 1 ""
q 1 "   "
q 1 "de het een"
q 1 "the of and to"
for o in AND OR NOT + "*" "**" '"' "()" "(" ")" "&&" "AND OR NOT"; do q 1 -- "$o"; done
q 0 -- '"smuggled chips'
q 0 "((chips"
q 0 "chips))"
q 0 -- "-- chips"
q 0 "$(printf 'chips\001\002\033[31m')"
q 0 "$(printf '\377\376\300\200 chips \355\240\200')"
q 0 --format json "$(printf 'chips \377 \001 "quoted" \\')"
python3 - "$T/out" <<'PY' && ok || bad "JSON output of an odd query"
import json, sys
raw = open(sys.argv[1], "rb").read()
for line in raw.decode("utf-8").splitlines():
    json.loads(line)
PY
q 2 "$(python3 -c "print(' '.join('w%d' % i for i in range(10000)))")"
grep -q "query too long" "$T/err" && ok || bad "10,000 words: $(cat "$T/err")"
q 2 "$(python3 -c "print('(' * 40 + 'chips' + ')' * 40)")"

# article ids and texts with control bytes and invalid UTF-8
"$ZS" -d "$T/idx" --format json -n 20 "zzesc OR zzname" >"$T/json"
python3 - "$T/json" <<'PY' && ok || bad "JSON output with odd ids and texts"
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1], "rb").read().decode("utf-8").splitlines()]
assert len(hits) == 3, hits
PY
"$ZS" -d "$T/idx" --color never -n 20 "zzesc OR zzname" >"$T/txt"
if LC_ALL=C grep -q "$(printf '\033')" "$T/txt"; then bad "raw escape byte in text output"; else ok; fi
"$ZS" -d "$T/idx" --format trec -n 20 "zzesc OR zzname" >"$T/trec"
if LC_ALL=C grep -q "$(printf '\033')" "$T/trec"; then bad "raw escape byte in TREC output"; else ok; fi

# standard input: NUL bytes, invalid UTF-8, empty lines, a 1 MB line
python3 - >"$T/stdin" <<'PY'
import sys
o = sys.stdout.buffer
o.write(b"chips\n\nnul\0chips\n\xff\xfe china\n")
o.write(b"x" * 1000000 + b"\n")
o.write(b"(((\n\"\n")
PY
timeout 20 "$ZS" -d "$T/idx" --format trec -n 3 <"$T/stdin" >"$T/out" 2>"$T/err"
st=$?
[ $st -eq 0 ] && ok || bad "queries from stdin: exit $st: $(head -3 "$T/err")"
# a --queries file with bad lines
printf 'q1\tchips\nno tab here\nq3\t\377\376\nq4\t\n\tq5 empty id\n' >"$T/q.tsv"
timeout 20 "$ZS" -d "$T/idx" --format trec -n 3 --queries "$T/q.tsv" >"$T/out" 2>"$T/err"
st=$?
[ $st -eq 2 ] && ok || bad "--queries with a bad line: exit $st"
grep -q "q.tsv:2: expected 'qid<TAB>query'" "$T/err" && ok || bad "--queries: $(cat "$T/err")"
grep -q "^q1 Q0 " "$T/out" && ok || bad "--queries: good lines not answered"
finish
