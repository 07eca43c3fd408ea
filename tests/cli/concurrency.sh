#!/bin/sh
# concurrency.sh - one writer at a time (a second one exits 2, or waits
# with --wait), and searches while a large run commits see either the old
# or the new index, never a mix.
. tests/cli/lib.sh
python3 tests/gen_corpus.py 1000 1 0 >"$T/base.jsonl"
python3 tests/gen_corpus.py 12000 2 1000 >"$T/more.jsonl"
expect_status 0 "$ZI" -q -d "$T/idx" "$T/base.jsonl"

# a writer waiting on its input holds the index
mkfifo "$T/fifo"
exec 3<>"$T/fifo"
"$ZI" -q -d "$T/idx" - <"$T/fifo" 2>"$T/w1.err" 3>&- &
w1=$!
sleep 0.5
expect_status 2 "$ZI" -d "$T/idx" corpus 3>&-
grep -q "another zoek-index is writing" "$T/err" && ok || bad "busy message: $(cat "$T/err")"
"$ZI" -q --wait -d "$T/idx" corpus 2>"$T/w2.err" 3>&- &
w2=$!
sleep 0.3
kill -0 $w2 2>/dev/null && ok || bad "--wait did not wait"
head -3 "$T/more.jsonl" >&3
exec 3>&-
wait $w1 && ok || bad "first writer failed: $(cat "$T/w1.err")"
wait $w2 && ok || bad "waiting writer failed: $(cat "$T/w2.err")"
n=$("$ZS" -d "$T/idx" --docs -n 100000 --format trec zzall | wc -l)
[ "$n" -eq 1003 ] && ok || bad "after both writers: $n articles with zzall"

# readers during a large run
"$ZI" -q --memory 32 -d "$T/idx" "$T/more.jsonl" 2>"$T/w.err" &
w=$!
searches=0
mixed=0
while kill -0 $w 2>/dev/null; do
    n=$("$ZS" -d "$T/idx" --docs -n 100000 --format trec zzall | wc -l)
    case $n in
    1003 | 13000) ;;
    *) mixed=$((mixed + 1)); echo "snapshot with $n articles" >&2 ;;
    esac
    searches=$((searches + 1))
done
wait $w && ok || bad "indexer failed: $(cat "$T/w.err")"
[ "$mixed" -eq 0 ] && ok || bad "$mixed searches saw a partial index"
[ "$searches" -ge 3 ] && ok || bad "only $searches searches ran during the run"
n=$("$ZS" -d "$T/idx" --docs -n 100000 --format trec zzall | wc -l)
[ "$n" -eq 13000 ] && ok || bad "after the run: $n"
expect_status 0 "$ZI" -d "$T/idx" --check
echo "($searches searches during the run)"
finish
