#!/bin/sh
# diskfull.sh - the disk fills up during a run: zoek-index exits 2 saying
# the disk is full, the committed index stays as it was (same answers,
# --check passes), and the run succeeds once there is room.  The full disk
# is a small tmpfs when this runs as root and may mount one, and a file
# size limit (ulimit -f, which makes writes fail with EFBIG) in any case.
. tests/cli/lib.sh
python3 tests/gen_corpus.py 300 1 0 >"$T/base.jsonl"
python3 tests/gen_corpus.py 6000 4 300 >"$T/more.jsonl"
answers() {
    for q in zzall "chips China" "smokkel Maleisië" Exportkontrollen; do
        "$ZS" -d "$1" --docs --format trec -n 10000 "$q"
    done
}

# full_run DIR CMD...: an indexing run that must fail on the full disk
full_run() {
    d=$1
    shift
    answers "$d" >"$T/before"
    "$@" >"$T/out" 2>"$T/err"
    st=$?
    [ "$st" -eq 2 ] && ok || bad "run on a full disk: exit $st, expected 2"
    grep -q "disk full" "$T/err" && ok || bad "message: $(cat "$T/err")"
    grep -q "nothing was changed" "$T/err" && ok || bad "message: $(cat "$T/err")"
    answers "$d" >"$T/after"
    cmp -s "$T/before" "$T/after" && ok || bad "answers changed after a failed run"
    expect_status 0 "$ZI" -d "$d" --check
    n=$("$ZS" -d "$d" --docs --format trec -n 100000 zzall | wc -l)
    [ "$n" -eq 300 ] && ok || bad "$n articles after a failed run, 300 expected"
}

mounted=0
if [ "$(id -u)" -eq 0 ] && mkdir "$T/mnt" &&
    mount -t tmpfs -o size=6m tmpfs "$T/mnt" 2>/dev/null; then
    mounted=1
    trap 'umount "$T/mnt" 2>/dev/null; rm -rf "$T"' EXIT
    expect_status 0 "$ZI" -q -d "$T/mnt/idx" "$T/base.jsonl"
    full_run "$T/mnt/idx" "$ZI" -q -d "$T/mnt/idx" "$T/more.jsonl"
    # with room again the same run goes through
    mount -o remount,size=256m "$T/mnt"
    expect_status 0 "$ZI" -q -d "$T/mnt/idx" "$T/more.jsonl"
    n=$("$ZS" -d "$T/mnt/idx" --docs --format trec -n 100000 zzall | wc -l)
    [ "$n" -eq 6300 ] && ok || bad "$n articles after the second run"
    expect_status 0 "$ZI" -d "$T/mnt/idx" --check
    umount "$T/mnt"
else
    echo "(not root or no tmpfs: the file size limit only)"
fi

# a file size limit of 4 MB (ulimit -f counts 512-byte blocks in sh)
expect_status 0 "$ZI" -q -d "$T/idx" "$T/base.jsonl"
full_run "$T/idx" sh -c 'trap "" XFSZ; ulimit -f 8192; exec "$@"' sh \
    "$ZI" -q -d "$T/idx" "$T/more.jsonl"
expect_status 0 "$ZI" -q -d "$T/idx" "$T/more.jsonl"
n=$("$ZS" -d "$T/idx" --docs --format trec -n 100000 zzall | wc -l)
[ "$n" -eq 6300 ] && ok || bad "$n articles after the unlimited run"
[ $mounted -eq 1 ] && echo "(tmpfs and file size limit)"
finish
