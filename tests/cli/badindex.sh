#!/bin/sh
# badindex.sh - both tools on what is not a (sound) zoek index: another
# folder, a file, an empty or foreign data.mdb, a truncated one, and
# indexes with random bits flipped.  Exit status 2 with a message, never
# a crash (a signal) or a hang; a folder that holds something else is
# never turned into an index.  ZOEK_HEAVY_TESTS=1 flips bits 300 times
# (else 30).
. tests/cli/lib.sh
python3 tests/gen_corpus.py 300 1 0 >"$T/base.jsonl"
expect_status 0 "$ZI" -q -d "$T/good" "$T/base.jsonl"

# every way in fails with exit 2 and says why
fails() {  # DIR PATTERN WHAT
    for cmd in "$ZS -d $1 chips" "$ZS -d $1 --format json chips" \
               "$ZI -d $1 --check" "$ZI -d $1 --stats" \
               "$ZI -d $1 --delete x" "$ZI -d $1 $T/base.jsonl"; do
        $cmd >"$T/out" 2>"$T/err"
        st=$?
        if [ "$st" -ne 2 ]; then bad "$3: '$cmd' exit $st, expected 2"; continue; fi
        if grep -q "$2" "$T/err"; then ok; else
            bad "$3: '$cmd' says: $(cat "$T/err")"
        fi
    done
}
mkdir "$T/other" && echo "my notes" >"$T/other/notes.txt"
fails "$T/other" "not a zoek index" "a folder of other files"
[ ! -e "$T/other/data.mdb" ] && ok || bad "an index was made in a folder of other files"
echo "text" >"$T/file"
fails "$T/file" "not a directory" "a file"
mkdir "$T/empty"
"$ZS" -d "$T/empty" chips >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q "not a zoek index" "$T/err" && ok || bad "empty folder: $(cat "$T/err")"
mkdir "$T/zero" && : >"$T/zero/data.mdb"
fails "$T/zero" "not a zoek index" "an empty data.mdb"
mkdir "$T/junk" && head -c 65536 /dev/urandom >"$T/junk/data.mdb"
fails "$T/junk" "not a zoek index" "a data.mdb of random bytes"
cp -r "$T/good" "$T/cut"
size=$(wc -c <"$T/cut/data.mdb")
python3 -c "import os,sys; os.truncate(sys.argv[1], int(sys.argv[2]) // 2)" "$T/cut/data.mdb" "$size"
fails "$T/cut" "truncated" "a data.mdb cut in half"
[ -z "$(ls "$T/nonexistent" 2>/dev/null)" ] && ok

# random flips: every run ends in 0, 1 or 2, within a minute
if [ "${ZOEK_HEAVY_TESTS:-0}" = 1 ]; then trials=300; else trials=30; fi
python3 - "$T" "$trials" <<'PY' >"$T/flips.sh"
import os, random, sys
T, n = sys.argv[1], int(sys.argv[2])
data = open(T + "/good/data.mdb", "rb").read()
used = (len(data.rstrip(b"\0")) + 4095) // 4096 * 4096
r = random.Random(20240611)
for t in range(n):
    buf = bytearray(data)
    for _ in range((1, 10, 100)[t % 3]):
        o = r.randrange(used)
        buf[o] ^= 1 << r.randrange(8)
    os.makedirs("%s/flip/%d" % (T, t))
    open("%s/flip/%d/data.mdb" % (T, t), "wb").write(buf)
    print(t)
PY
signals=0
hangs=0
detected=0
runs=0
for t in $(cat "$T/flips.sh"); do
    d="$T/flip/$t"
    for cmd in "$ZS -d $d --format trec -n 50 zzall" \
               "$ZS -d $d --docs -n 5 chips China" \
               "$ZS -d $d -n 5 \"export controls\" OR smokkel*" \
               "$ZI -d $d --check" \
               "$ZI -q -d $d --delete gen-000007 gen-000100"; do
        timeout 60 $cmd >/dev/null 2>"$T/err"
        st=$?
        runs=$((runs + 1))
        case $st in
        0 | 1 | 2) ;;
        124) hangs=$((hangs + 1)); echo "hang: $cmd" >&2 ;;
        *) signals=$((signals + 1)); echo "exit $st: $cmd" >&2 ;;
        esac
        if grep -q "Sanitizer\|runtime error" "$T/err"; then
            bad "sanitizer report: $cmd"
            head -20 "$T/err" >&2
        fi
        case "$cmd" in *--check) [ $st -eq 2 ] && detected=$((detected + 1)) ;; esac
    done
    rm -rf "$d"
done
[ $signals -eq 0 ] && ok || bad "$signals runs died of a signal"
[ $hangs -eq 0 ] && ok || bad "$hangs runs did not end"
echo "($trials damaged indexes, $runs runs; --check found $detected damaged)"
finish
