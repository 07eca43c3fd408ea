#!/bin/sh
# badjsonl.sh - JSON Lines with broken lines: bad JSON, missing or
# mistyped fields, duplicate ids, oversized fields, invalid UTF-8, a BOM,
# CRLF endings, gzip (also cut short) and standard input.  Each bad line
# is reported with its file and line number, every good line is indexed,
# and the exit status is 1.
. tests/cli/lib.sh
python3 - "$T" <<'PY'
import gzip, json, sys
T = sys.argv[1]
def doc(i, **kw):
    d = {"id": "g%d" % i, "text": "Goede tekst over chips en export zz%dgood." % i}
    d.update(kw)
    return json.dumps(d)
big = "Chips " * 4000000  # a 24 MB text field
lines = [
    "\ufeff" + doc(1),                              # 1: BOM
    '{"id":"b2","text":"unterminated',              # 2
    '{"id":"b3"}',                                  # 3: no text
    '{"text":"no id"}',                             # 4
    '{"id":"b5","text":42}',                        # 5: text a number
    '{"id":["b6"],"text":"x"}',                     # 6: id an array
    '{"id":"b7","text":"x","title":7}',             # 7: title a number
    doc(8),                                         # 8
    doc(8, text="the same id again zzdup"),         # 9: duplicate id
    '{"id":"' + "x" * 600 + '","text":"long id"}',  # 10: id too long
    "not json",                                     # 11
    "[1, 2]",                                       # 12
    "",                                             # 13: blank: skipped
    doc(14, lang="xx"),                             # 14: unknown language
    '{"id":"b15","text":"x"} trailing',             # 15
    '{"id":"b16","text":"x",}',                     # 16: trailing comma
    '{"id":"","text":"empty id"}',                  # 17
    '{"id":-3,"text":"negative id"}',               # 18
    doc(19, text=big + "zzbig"),                    # 19: oversized text
    '{"id":"g20","text":"lone \\ud800 surrogate and \\u0000 nul zzesc"}',  # 20
    doc(21) + "\r",                                 # 21: CRLF
    '{"id":"b22","text":"x","text":}',              # 22
    "{" * 100,                                      # 23: deep nesting
    doc(24),                                        # 24
]
data = "\n".join(lines).encode("utf-8") + b"\n"
# line 25: invalid UTF-8 inside a string (indexed with a warning)
data += b'{"id":"g25","text":"kapot \xff\xfe utf zzbadutf"}\n'
open(T + "/bad.jsonl", "wb").write(data)
gz = gzip.compress(data)
open(T + "/bad.jsonl.gz", "wb").write(gz)
open(T + "/cut.jsonl.gz", "wb").write(gz[: len(gz) // 2])
PY
expect_status 1 "$ZI" -d "$T/idx" "$T/bad.jsonl"
cp "$T/err" "$T/err1"
chk() {  # LINE PATTERN
    grep -q "bad.jsonl:$1: error: .*$2" "$T/err1" && ok ||
        bad "line $1: no message matching '$2'"
}
chk 2 "unterminated string"
chk 3 'missing "text"'
chk 4 'missing "id"'
chk 5 '"text" must be a string'
chk 6 '"id" must be a string or an integer'
chk 7 '"title" must be a string or null'
chk 9 "duplicate article id 'g8'"
chk 10 "article id must be 1 to 500 bytes"
chk 11 "expected '{'"
chk 12 "expected '{'"
chk 15 "unexpected data after the object"
chk 16 ""
chk 17 ""
chk 18 ""
chk 22 ""
chk 23 ""
grep -q "bad.jsonl:14: warning: unknown language 'xx'" "$T/err1" && ok || bad "no warning for line 14"
grep -q "bad.jsonl:13:" "$T/err1" && bad "a blank line was reported" || ok
n=$(grep -c "error:" "$T/err1")
[ "$n" -eq 16 ] && ok || bad "$n error lines, 16 expected"
grep -q "; 16 failed" "$T/err1" && ok || bad "summary: $(tail -1 "$T/err1")"
# the good lines are in
for w in zz1good zz8good zz14good zz21good zz24good zzbig zzesc zzbadutf; do
    n=$("$ZS" -d "$T/idx" --docs --format trec -n 10 "$w" | wc -l)
    [ "$n" -eq 1 ] && ok || bad "'$w' finds $n articles"
done
n=$("$ZS" -d "$T/idx" --docs --format trec -n 10 zzdup | wc -l)
[ "$n" -eq 0 ] && ok || bad "the duplicate's text was indexed"
# the same from gzip and from standard input
expect_status 1 "$ZI" -d "$T/idx2" "$T/bad.jsonl.gz"
grep -q "bad.jsonl.gz:9: error: duplicate" "$T/err" && ok || bad "gzip: $(head -3 "$T/err")"
n=$(grep -c "error:" "$T/err")
[ "$n" -eq 16 ] && ok || bad "gzip: $n error lines"
"$ZI" -d "$T/idx3" - <"$T/bad.jsonl" >"$T/out" 2>"$T/err"
[ $? -eq 1 ] && ok || bad "stdin: exit status"
grep -q "^zoek-index: -:22: error:" "$T/err" && ok || bad "stdin: $(head -3 "$T/err")"
# a gzip stream cut short: what was read is indexed, the rest reported
"$ZI" -d "$T/idx4" "$T/cut.jsonl.gz" >"$T/out" 2>"$T/err"
[ $? -eq 1 ] && ok || bad "cut gzip: exit status"
grep -q "cut.jsonl.gz:[0-9]*: error: read error: the gzip stream is cut short" "$T/err" &&
    ok || bad "cut gzip: $(tail -3 "$T/err")"
n=$("$ZS" -d "$T/idx4" --docs --format trec -n 10 zz1good | wc -l)
[ "$n" -eq 1 ] && ok || bad "cut gzip: the first line was not indexed"
expect_status 0 "$ZI" -d "$T/idx" --check
# a title of 140,000 words: indexed (later passages repeat only its first
# words), the index checks, its words are found, deleting it is exact
python3 -c "
import json
print(json.dumps({'id': 'longtitle', 'title': ' '.join('word%d' % i for i in range(140000)), 'text': 'Chips and China. ' * 500}))
" >"$T/title.jsonl"
expect_status 0 "$ZI" -d "$T/tidx" "$T/title.jsonl"
expect_status 0 "$ZI" -d "$T/tidx" --check
"$ZS" -d "$T/tidx" --docs --format trec word139999 | grep -q " longtitle " && ok || bad "a word of a long title is not found"
expect_status 0 "$ZI" -d "$T/tidx" --delete longtitle
expect_status 0 "$ZI" -d "$T/tidx" --check
finish
