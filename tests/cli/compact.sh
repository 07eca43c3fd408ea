#!/bin/sh
# compact.sh - zoek-index --compact, alone and after a run: the index file
# shrinks, the sizes are printed, every answer (hits and scores) stays the
# same and --check passes.  While a zoek-search has the index open it exits
# 2 saying so and leaves the file alone; killed with SIGKILL at any moment
# it leaves the old or the new index, and the next writer removes a
# partial copy; with no room for the copy (a full tmpfs when this runs as
# root and may mount one, a file size limit in any case) it exits 2 and
# leaves the index as it was.
. tests/cli/lib.sh
python3 tests/gen_corpus.py 6000 1 0 >"$T/base.jsonl"
python3 tests/gen_corpus.py 3000 5 0 >"$T/changed.jsonl" # replaces 0..2999
python3 tests/gen_corpus.py 500 6 6000 >"$T/more.jsonl"

answers() {  # index -> all answers with scores on stdout
    for q in zzall "chips China" "smokkel Maleisië" Exportkontrollen \
             "Nvidia H800" zzdoc5 '"export controls"'; do
        "$ZS" -d "$1" --docs --format trec -n 50 "$q"
        "$ZS" -d "$1" --format trec -n 20 "$q"
    done
}
size() { wc -c <"$1/data.mdb" | tr -d ' '; }

expect_status 0 "$ZI" -q -d "$T/ref" "$T/base.jsonl"
expect_status 0 "$ZI" -q -d "$T/ref" "$T/changed.jsonl"
answers "$T/ref" >"$T/before"
cp -r "$T/ref" "$T/idx"

# alone
s0=$(size "$T/idx")
expect_status 0 "$ZI" -d "$T/idx" --compact
s1=$(size "$T/idx")
grep -q "^zoek-index: compacted $T/idx: [0-9.]* [KMG]*B -> [0-9.]* [KMG]*B\$" "$T/err" &&
    ok || bad "--compact says: $(cat "$T/err")"
[ "$s1" -lt $((s0 * 3 / 4)) ] && ok || bad "data.mdb $s0 -> $s1 bytes"
answers "$T/idx" >"$T/got"
cmp -s "$T/before" "$T/got" && ok || bad "answers changed by --compact"
expect_status 0 "$ZI" -d "$T/idx" --check
[ ! -e "$T/idx/data.mdb.compact-tmp" ] && ok || bad "the copy was left behind"
expect_status 0 "$ZI" -q -d "$T/idx" --compact
[ -s "$T/err" ] && bad "--quiet --compact printed: $(cat "$T/err")" || ok

# after a run, in the same invocation
expect_status 0 "$ZI" -d "$T/idx" --compact "$T/more.jsonl"
grep -q "500 added" "$T/err" && grep -q "compacted $T/idx" "$T/err" &&
    ok || bad "run + --compact says: $(cat "$T/err")"
n=$("$ZS" -d "$T/idx" --docs --format trec -n 100000 zzall | wc -l)
[ "$n" -eq 6500 ] && ok || bad "$n articles after the run, 6500 expected"
expect_status 0 "$ZI" -d "$T/idx" --check

# a search holding the index open: exit 2, saying why; the file untouched
answers "$T/idx" >"$T/before2"
cksum <"$T/idx/data.mdb" >"$T/sum0"
mkfifo "$T/q"
exec 3<>"$T/q"
"$ZS" -d "$T/idx" -n 1 --format trec <"$T/q" >"$T/held" 2>&1 3>&- &
zs=$!
echo zzall >&3
i=0
while [ ! -s "$T/held" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/held" ] && ok || bad "zoek-search did not answer"
expect_status 2 "$ZI" -d "$T/idx" --compact 3>&-
grep -q "^zoek-index: --compact: .*in use by 1 other process" "$T/err" &&
    ok || bad "busy --compact says: $(cat "$T/err")"
cksum <"$T/idx/data.mdb" | cmp -s - "$T/sum0" && ok || bad "data.mdb changed"
# a run with --compact commits its articles, then fails to compact
python3 tests/gen_corpus.py 10 7 7000 >"$T/few.jsonl"
expect_status 2 "$ZI" -q -d "$T/idx" --compact "$T/few.jsonl" 3>&-
grep -q "in use by 1 other process" "$T/err" && ok || bad "run + busy --compact says: $(cat "$T/err")"
echo zzdoc7003 >&3
exec 3>&-
wait $zs
grep -c "^[0-9]* Q0 " "$T/held" | grep -q '^2$' && ok ||
    bad "the held zoek-search answered: $(cat "$T/held")"
grep -q "gen-007003" "$T/held" && ok || bad "the held search missed the run's articles"
expect_status 0 "$ZI" -d "$T/idx" --compact
expect_status 0 "$ZI" -d "$T/idx" --check
n=$("$ZS" -d "$T/idx" --docs --format trec -n 100000 zzall | wc -l)
[ "$n" -eq 6510 ] && ok || bad "$n articles, 6510 expected"

# killed at moments spread over a compaction: the old or the new index
cp -r "$T/ref" "$T/t"
start=$(date +%s%N)
expect_status 0 "$ZI" -q -d "$T/t" --compact
took=$(( ($(date +%s%N) - start) / 1000000 ))
new_size=$(size "$T/t")
old=0
new=0
partial=0
i=0
while [ $i -lt 12 ]; do
    rm -rf "$T/k"
    cp -r "$T/ref" "$T/k"
    "$ZI" -q -d "$T/k" --compact 2>/dev/null &
    pid=$!
    ms=$(( took * (i * 10) / 100 ))
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    [ -e "$T/k/data.mdb.compact-tmp" ] && partial=$((partial + 1))
    if [ "$(size "$T/k")" -eq "$new_size" ]; then new=$((new + 1))
    elif [ "$(size "$T/k")" -eq "$s0" ]; then old=$((old + 1))
    else bad "kill at $ms ms: data.mdb of $(size "$T/k") bytes"; fi
    if "$ZI" -d "$T/k" --check >"$T/chk" 2>&1; then ok; else
        bad "kill at $ms ms: check failed: $(cat "$T/chk")"
    fi
    answers "$T/k" >"$T/got"
    cmp -s "$T/got" "$T/before" && ok || bad "kill at $ms ms: answers changed"
    i=$((i + 1))
done
expect_status 0 "$ZI" -q -d "$T/k" --compact
[ ! -e "$T/k/data.mdb.compact-tmp" ] && ok || bad "a partial copy survived a writer"
[ "$(size "$T/k")" -eq "$new_size" ] && ok || bad "compacting after the kills: $(size "$T/k") bytes"

# no room for the copy
full_compact() {  # DIR CMD...
    d=$1
    shift
    cksum <"$d/data.mdb" >"$T/sum0"
    "$@" >"$T/out" 2>"$T/err"
    st=$?
    [ "$st" -eq 2 ] && ok || bad "--compact on a full disk: exit $st, expected 2"
    grep -q "^zoek-index: --compact: .*disk full" "$T/err" && ok || bad "message: $(cat "$T/err")"
    cksum <"$d/data.mdb" | cmp -s - "$T/sum0" && ok || bad "data.mdb changed"
    [ ! -e "$d/data.mdb.compact-tmp" ] && ok || bad "the partial copy was left behind"
    expect_status 0 "$ZI" -d "$d" --check
    answers "$d" >"$T/got"
    cmp -s "$T/got" "$T/before" && ok || bad "answers changed"
}
mounted=0
if [ "$(id -u)" -eq 0 ] && mkdir "$T/mnt" &&
    mount -t tmpfs -o size=$((s0 / 1048576 + 4))m tmpfs "$T/mnt" 2>/dev/null; then
    mounted=1
    trap 'umount "$T/mnt" 2>/dev/null; rm -rf "$T"' EXIT
    cp -r "$T/ref" "$T/mnt/idx"
    full_compact "$T/mnt/idx" "$ZI" -d "$T/mnt/idx" --compact
    mount -o remount,size=$((s0 / 1048576 * 2 + 4))m "$T/mnt"
    expect_status 0 "$ZI" -d "$T/mnt/idx" --compact
    [ "$(size "$T/mnt/idx")" -eq "$new_size" ] && ok || bad "compacting with room again"
    umount "$T/mnt"
else
    echo "(not root or no tmpfs: the file size limit only)"
fi
# a file size limit of 1 MB (ulimit -f counts 512-byte blocks in sh)
cp -r "$T/ref" "$T/f"
full_compact "$T/f" sh -c 'trap "" XFSZ; ulimit -f 2048; exec "$@"' sh \
    "$ZI" -d "$T/f" --compact
if [ "$(id -u)" -ne 0 ]; then
    # a directory the writer may not create files in
    cp -r "$T/ref" "$T/ro"
    chmod a-w "$T/ro"
    expect_status 2 "$ZI" -d "$T/ro" --compact
    grep -q "Permission denied" "$T/err" && ok || bad "read-only directory: $(cat "$T/err")"
    chmod u+w "$T/ro"
fi
echo "(compaction $took ms; $old kills left the old index, $new the new one, $partial a partial copy)"
[ $mounted -eq 1 ] && echo "(tmpfs and file size limit)"
finish
