#!/bin/sh
# incremental.sh - runs of zoek-index on a changing folder: new, changed,
# unchanged and removed files (--prune), --delete, JSON Lines replacement,
# --optimize, --rebuild, --check; the result equals a fresh build.
. tests/cli/lib.sh
D="$T/news"
mkdir -p "$D/sub"
cp corpus/*.txt "$D/"
echo "Een kort bericht over chips en smokkel naar Maleisië." >"$D/sub/a.txt"
expect_status 0 "$ZI" -d "$T/idx" "$D"
grep -q "6 added, 0 updated, 0 unchanged" "$T/err" && ok || bad "first run: $(cat "$T/err")"

# change one, add one, remove one; unchanged files are skipped
echo "Een gewijzigd bericht over export van chips naar China." >"$D/sub/a.txt"
echo "Another article about chip exports to China and Singapore." >"$D/sub/b.txt"
rm "$D/003_4e1507cb4adc979c.txt"
expect_status 0 "$ZI" -d "$T/idx" --prune "$D"
grep -q "1 added, 1 updated, 4 unchanged, 1 deleted" "$T/err" && ok || bad "second run: $(cat "$T/err")"
"$ZS" -d "$T/idx" --docs --format trec -n 50 "smokkel" | grep -q "sub/a.txt" && bad "changed text still matches" || ok
"$ZS" -d "$T/idx" --docs --format trec -n 50 "Genehmigung" | grep -q 003_4e1507cb4adc979c && bad "removed file still matches" || ok
expect_status 0 "$ZI" -d "$T/idx" --check

# --delete by id; a missing id is reported
expect_status 0 "$ZI" -d "$T/idx" --delete "$D/sub/b.txt"
expect_status 1 "$ZI" -d "$T/idx" --delete "$D/sub/nope.txt"
grep -q "no article with id" "$T/err" && ok || bad "missing id message: $(cat "$T/err")"
rm "$D/sub/b.txt"

# incremental == rebuild: the same searches give the same output
expect_status 0 "$ZI" -d "$T/fresh" "$D"
for q in "chips China" "smokkel Maleisië" "Handelsbeschränkungen" "Nvidia H800" "export"; do
    "$ZS" -d "$T/idx" --format trec -n 20 "$q" >"$T/a"
    "$ZS" -d "$T/fresh" --format trec -n 20 "$q" >"$T/b"
    cmp -s "$T/a" "$T/b" && ok || bad "incremental != rebuild for '$q'"
done

# JSON Lines: an existing id is replaced; duplicate ids in one file are
# reported with their line number; --optimize, --rebuild keep results
printf '%s\n' '{"id":"j1","text":"Chips voor China."}' '{"id":"j2","text":"Chips für China."}' >"$T/a.jsonl"
expect_status 0 "$ZI" -d "$T/idx" "$T/a.jsonl"
printf '%s\n' '{"id":"j1","text":"Halfgeleiders voor Europa."}' '{"id":"j1","text":"dubbel"}' >"$T/b.jsonl"
expect_status 1 "$ZI" -d "$T/idx" "$T/b.jsonl"
grep -q "b.jsonl:2: .*duplicate article id 'j1'" "$T/err" && ok || bad "duplicate message: $(cat "$T/err")"
grep -q "0 added, 1 updated" "$T/err" && ok || bad "replacement: $(cat "$T/err")"
"$ZS" -d "$T/idx" --docs --format trec -n 5 "halfgeleiders" | grep -q " j1 " && ok || bad "replaced text not found"
"$ZS" -d "$T/idx" --format trec -n 20 "chips" >"$T/before"
expect_status 0 "$ZI" -d "$T/idx" --optimize
grep -q "; 1 segment" "$T/err" && ok || bad "optimize: $(cat "$T/err")"
"$ZS" -d "$T/idx" --format trec -n 20 "chips" >"$T/after"
cmp -s "$T/before" "$T/after" && ok || bad "optimize changed results"
expect_status 0 "$ZI" -d "$T/idx" --rebuild
"$ZS" -d "$T/idx" --format trec -n 20 "chips" >"$T/after"
cmp -s "$T/before" "$T/after" && ok || bad "rebuild changed results"
expect_status 0 "$ZI" -d "$T/idx" --check
grep -q "ok: 1 segments" "$T/out" && ok || bad "check: $(cat "$T/out")"
# a run whose articles are all deleted later: its segment goes whole, and
# the counts of deleted postings go with it
mkdir -p "$T/dd/A" "$T/dd/B" "$T/dd2/B"
echo "Words appear here in the first article about chips." >"$T/dd/A/a.txt"
echo "The second article: new words appear, and more chips." >"$T/dd/B/b.txt"
cp "$T/dd/B/b.txt" "$T/dd2/B/"
(cd "$T/dd" && "$OLDPWD/$ZI" -q -d idx A/a.txt && "$OLDPWD/$ZI" -q -d idx B/b.txt && "$OLDPWD/$ZI" -q -d idx --delete A/a.txt) && ok || bad "dead segment runs failed"
(cd "$T/dd2" && "$OLDPWD/$ZI" -q -d idx B/b.txt) && ok || bad "dead segment rebuild failed"
expect_status 0 "$ZI" -d "$T/dd/idx" --check
for q in appears chips "words article"; do
    "$ZS" -d "$T/dd/idx" --explain "$q" >"$T/a"
    "$ZS" -d "$T/dd2/idx" --explain "$q" >"$T/b"
    cmp -s "$T/a" "$T/b" && ok || bad "after a whole segment was deleted, '$q' differs from a rebuild: $(cat "$T/a") vs $(cat "$T/b")"
done
finish
