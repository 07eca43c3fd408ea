#!/bin/sh
# crash.sh - kill -9 of zoek-index at 24 moments spread over a run (analysis,
# segment flushes, merges, the publish): every time the index opens, passes
# --check and answers exactly as before the run or as after it; the next
# run completes it.
. tests/cli/lib.sh
python3 tests/gen_corpus.py 800 3 0 >"$T/base.jsonl"
python3 tests/gen_corpus.py 6000 4 800 >"$T/more.jsonl"
# the run also replaces and deletes: the first 300 base articles change
python3 tests/gen_corpus.py 300 5 0 >>"$T/more.jsonl"
expect_status 0 "$ZI" -q -d "$T/base" "$T/base.jsonl"
expect_status 0 "$ZI" -q -d "$T/base" --delete gen-000700 gen-000701

answers() {  # index -> all answers on stdout
    for q in zzall "chips China" "smokkel Maleisië" Exportkontrollen \
             "Nvidia H800" zzdoc5 zzdoc900; do
        "$ZS" -d "$1" --docs --format trec -n 50 "$q"
        "$ZS" -d "$1" --format trec -n 20 "$q"
    done
}
answers "$T/base" >"$T/before"
cp -r "$T/base" "$T/full"
start=$(date +%s%N)
expect_status 0 "$ZI" -q --memory 32 -d "$T/full" "$T/more.jsonl"
took=$(( ($(date +%s%N) - start) / 1000000 ))
answers "$T/full" >"$T/after"
cmp -s "$T/before" "$T/after" && bad "the run changed nothing"

old=0
new=0
i=0
while [ $i -lt 24 ]; do
    rm -rf "$T/idx"
    cp -r "$T/base" "$T/idx"
    "$ZI" -q --memory 32 -d "$T/idx" "$T/more.jsonl" 2>/dev/null &
    pid=$!
    # moments from 2% to 115% of the run's length
    ms=$(( took * (2 + i * 5) / 100 ))
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    if "$ZI" -d "$T/idx" --check >"$T/chk" 2>&1; then ok; else
        bad "kill at ${ms} ms: check failed: $(cat "$T/chk")"
    fi
    answers "$T/idx" >"$T/got"
    if cmp -s "$T/got" "$T/before"; then old=$((old + 1)); ok
    elif cmp -s "$T/got" "$T/after"; then new=$((new + 1)); ok
    else bad "kill at ${ms} ms: answers are neither before nor after"; fi
    i=$((i + 1))
done
# an interrupted run is simply run again
expect_status 0 "$ZI" -q --memory 32 -d "$T/idx" "$T/more.jsonl"
answers "$T/idx" >"$T/got"
cmp -s "$T/got" "$T/after" && ok || bad "rerun after a kill differs from an uninterrupted run"
expect_status 0 "$ZI" -d "$T/idx" --check
echo "(run ${took} ms; $old kills left the old index, $new the new one)"
finish
