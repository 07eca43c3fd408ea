#!/bin/sh
# readers.sh - 32 zoek-search processes search without pause while
# zoek-index commits four times, and searches killed with SIGKILL in the
# middle come and go: every answer is the complete set of articles of one
# commit, and the index passes --check afterwards.
. tests/cli/lib.sh
python3 tests/gen_corpus.py 500 1 0 >"$T/base.jsonl"
i=1
while [ $i -le 4 ]; do
    python3 tests/gen_corpus.py 100 $((i + 1)) $((400 + i * 100)) >"$T/more$i.jsonl"
    i=$((i + 1))
done
expect_status 0 "$ZI" -q -d "$T/idx" "$T/base.jsonl"

# the writer: four runs, one commit each
(
    i=1
    while [ $i -le 4 ]; do
        "$ZI" -q -d "$T/idx" "$T/more$i.jsonl" || echo "run $i failed" >>"$T/bad"
        i=$((i + 1))
    done
    : >"$T/done"
) &
writer=$!

# 32 readers
reader() {
    n=0
    while [ ! -e "$T/done" ]; do
        c=$("$ZS" -d "$T/idx" --docs -n 100000 --format trec zzall 2>>"$T/rerr" | wc -l)
        case $c in
        500 | 600 | 700 | 800 | 900) ;;
        *) echo "reader $1 saw $c articles" >>"$T/bad" ;;
        esac
        n=$((n + 1))
    done
    echo "$n" >"$T/count.$1"
}
r=1
pids=""
while [ $r -le 32 ]; do
    reader $r &
    pids="$pids $!"
    r=$((r + 1))
done

# searches killed in the middle
killed=0
while [ ! -e "$T/done" ]; do
    "$ZS" -d "$T/idx" --docs -n 100000 --format json "chips OR zzall" >/dev/null 2>&1 &
    p=$!
    sleep 0.0$(( (killed % 9) + 1 ))
    kill -9 $p 2>/dev/null && killed=$((killed + 1))
    wait $p 2>/dev/null
done
wait $writer
for p in $pids; do wait $p; done
if [ -s "$T/bad" ]; then bad "$(sort "$T/bad" | uniq -c | head -5)"; else ok; fi
if [ -s "$T/rerr" ]; then bad "reader errors: $(sort "$T/rerr" | uniq -c | head -3)"; else ok; fi
searches=$(cat "$T"/count.* | awk '{s += $1} END {print s}')
[ "$searches" -ge 64 ] && ok || bad "only $searches searches ran"
n=$("$ZS" -d "$T/idx" --docs -n 100000 --format trec zzall | wc -l)
[ "$n" -eq 900 ] && ok || bad "after the runs: $n articles"
expect_status 0 "$ZI" -d "$T/idx" --check
echo "($searches searches by 32 readers, $killed searches killed, during 4 commits)"
finish
