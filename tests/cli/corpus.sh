#!/bin/sh
# corpus.sh - both CLIs over corpus/: stemmed matches in three languages,
# umlaut and diaeresis spellings, compounds, exit codes, JSON and TREC.
. tests/cli/lib.sh

expect_status 0 "$ZI" -q -d "$T/idx" corpus
grep -q "5 added" "$T/err" && bad "--quiet printed a summary" || ok

# Dutch: other inflections of "beperkingen", "smokkel"
expect_first 000_9e95c98d56739b24 "beperking smokkelen"
# diaeresis optional: Maleisië / Maleisie
expect_first 000_9e95c98d56739b24 "Maleisie"
expect_first 000_9e95c98d56739b24 "Maleisië"
# German: singular of "Handelsbeschränkungen", and the ae spelling
expect_first 002_47b9ff81cac2cd9d "Handelsbeschränkung"
expect_first 002_47b9ff81cac2cd9d "Handelsbeschraenkung"
expect_first 001_9e15ff6d8f2c95c5 "Exportbeschraenkungen"
expect_first 003_4e1507cb4adc979c "Genehmigungen"
# English: other inflections of "smuggling", "investigating"
expect_first 004_18072c729355d2a5 "smuggle investigation"
# alphanumeric tokens and compounds
expect_first 003_4e1507cb4adc979c "9988.HK"
expect_first 000_9e95c98d56739b24 "H20"
n=$("$ZS" -d "$T/idx" --docs -n 10 --format trec "KI-Chips" | wc -l)
[ "$n" -ge 2 ] && ok || bad "KI-Chips found $n articles"
# the part of a compound finds the compound ("Chips" in "KI-Chips")
"$ZS" -d "$T/idx" --docs -n 10 --format trec --lang de "Chips" | grep -q 002_47b9ff81cac2cd9d && ok || bad "Chips did not find KI-Chips"

# exit codes: hits, no hits, errors
expect_status 0 "$ZS" -d "$T/idx" "chips"
expect_status 1 "$ZS" -d "$T/idx" "xylofoonzzz"
expect_status 2 "$ZS" -d "$T/nonexistent" "chips"
grep -q "zoek-search: " "$T/err" && ok || bad "error message lacks the program name"
expect_status 2 "$ZS" -d "$T/idx" --format yaml "chips"
expect_status 2 "$ZS" -d "$T/idx" --bogus "chips"
expect_status 2 "$ZI" -d "$T/idx"
expect_status 0 "$ZS" --help
expect_status 0 "$ZI" --version

# text output: rank, score, id, passage, snippet with the word
"$ZS" -d "$T/idx" --color never -n 3 "smuggling" >"$T/txt"
head -1 "$T/txt" | grep -q "^ 1\. .*004_18072c729355d2a5.txt  passage [0-9]* \[en\]" && ok || bad "text output: $(head -1 "$T/txt")"
sed -n 2p "$T/txt" | grep -q "\*smuggling\*" && ok || bad "snippet lacks the highlighted word"

# JSON: every line parses, fields present, highlights inside the snippet
"$ZS" -d "$T/idx" --format json -n 5 "export chips" >"$T/json"
python3 - "$T/json" <<'PY' && ok || bad "JSON output"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
hits = [json.loads(l) for l in lines]
assert hits[-1]["type"] == "summary" and hits[-1]["hits"] == len(hits) - 1
for h in hits[:-1]:
    assert h["type"] == "hit" and h["query"] == "export chips"
    for k in ("rank", "score", "doc", "passage", "lang", "start", "end",
              "snippet", "highlights"):
        assert k in h, k
    s = h["snippet"].encode("utf-8")
    assert h["highlights"], h
    for a, b in h["highlights"]:
        assert 0 <= a < b <= len(s)
        w = s[a:b].decode("utf-8").lower()
        assert "export" in w or "chip" in w, w
    assert h["start"] < h["end"]
PY

# TREC and a queries file
printf 'q1\tsmokkel chips\nq2\tHandelsbeschränkungen\n' >"$T/q.tsv"
"$ZS" -d "$T/idx" --docs --format trec -n 3 --queries "$T/q.tsv" >"$T/trec"
awk 'NF != 6 || $2 != "Q0" || $6 != "zoek" {exit 1}' "$T/trec" && ok || bad "TREC format"
grep -q "^q2 Q0 corpus/002_47b9ff81cac2cd9d.txt 1 " "$T/trec" && ok || bad "TREC q2: $(grep ^q2 "$T/trec" | head -1)"

# unchanged articles are skipped on a second run
expect_status 0 "$ZI" -d "$T/idx" corpus
grep -q "0 added, 0 updated, 5 unchanged" "$T/err" && ok || bad "second run: $(cat "$T/err")"
finish
