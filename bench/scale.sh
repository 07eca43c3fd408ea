#!/bin/bash
# scale.sh - `make bench-scale`: how zoek's build time, index size and
# latency grow from about 100 k to 1 M passages.
#
# The source is the whole bench corpus with its languages interleaved
# (bench/make_corpus.py --interleave), so every prefix has the corpus's
# language mix.  ../shared/bench/peers/scale_corpus.py (splice mode: real
# sentences, new articles) writes the largest corpus once; every smaller
# point is a prefix of it (scale_corpus.py's output for N articles is the
# first N lines of its output for more).
#
# Environment:
#   SCALE_DOCS   articles per point (default "44000 132000 264000 440000":
#                about 0.1, 0.3, 0.6 and 1 M passages on this corpus)
#   SCALE_PEERS  peers to run at every point as well (default none: the
#                peers take several times zoek's build time at 1 M passages)
#   REPS         timed passes (default 3); BENCH_DIR as for make bench
set -u
. "$(dirname "$0")/lib.sh"
need_shared
ZB=$B/bench/zoek_bench
[ -x "$ZB" ] || die "$ZB missing: run 'make bench-scale'"
[ "${NO_INSTALL:-0}" = 1 ] || install_missing time lmdb-utils python3 \
    ${SCALE_PEERS:+$BENCH_PKGS}
SCALE_DOCS=${SCALE_DOCS:-"44000 132000 264000 440000"}
SCALE_PEERS=${SCALE_PEERS:-}
REPS=${REPS:-3}
S=$BENCH_DIR/scale
mkdir -p "$S"
T0=$(date +%s)

"$PY" "$ROOT/bench/make_corpus.py" "$SRC_CORPUS" "$S/src" --interleave ||
    die "could not assemble the source corpus"
max=0
for n in $SCALE_DOCS; do [ "$n" -gt "$max" ] && max=$n; done
if ! grep -q "\"n\": $max," "$S/big/SCALE_INFO.json" 2>/dev/null ||
   [ "$S/src/docs.jsonl" -nt "$S/big/docs.jsonl" ]; then
    say "scale_corpus.py: $max articles (splice)"
    "$PY" "$PEERS_DIR/scale_corpus.py" "$S/src/docs.jsonl" "$max" "$S/big" \
        --mode splice --seed 1 --queries "$S/src/queries.tsv" > /dev/null ||
        die "scale_corpus.py failed"
fi
machine_json "$S/machine.json"
echo "make bench-scale${SCALE_PEERS:+ SCALE_PEERS=\"$SCALE_PEERS\"}" \
    > "$S/command.txt"

points=""
for n in $SCALE_DOCS; do
    C=$S/c$n
    OUT=$S/out-$n
    mkdir -p "$C" "$OUT"/metrics "$OUT"/logs "$OUT"/runs "$OUT"/index
    head -n "$n" "$S/big/docs.jsonl" > "$C/docs.jsonl"
    cp "$S/big/queries.tsv" "$C/queries.tsv"
    if [ -n "$SCALE_PEERS" ]; then
        say "[$n] peers ($SCALE_PEERS)"
        PEERS="$SCALE_PEERS" REPS=$REPS K1=0.9 B=0.4 \
            "$PEERS_DIR/run_peers.sh" "$C" "$OUT" > "$OUT/logs/peers.summary.txt" ||
            say "run_peers.sh failed at $n"
        rm -rf "$OUT"/index/*
    fi
    say "[$n] zoek build"
    IDX=$OUT/index/zoek
    rm -rf "$IDX"
    rm -f "$OUT/workaround.txt"
    $TIME -v -o "$OUT/logs/zoek.build.time" "$ZB" build "$C/docs.jsonl" "$IDX" \
        --metrics "$OUT/metrics/zoek.build.json" > "$OUT/logs/zoek.build.log" 2>&1
    rc=$?
    if [ $rc = 3 ] && grep -q "data.mdb is truncated" "$OUT/logs/zoek.build.log"; then
        # LMDB may leave the file short of its last page (a page allocated
        # and freed in the commit is never written); zoek's open check
        # counts it as truncation.  Extend the file with that free page so
        # that the search can be measured, and say so in the report.
        want=$(sed -n 's/.*truncated: [0-9]* bytes, \([0-9]*\) expected.*/\1/p' \
            "$OUT/logs/zoek.build.log" | head -1)
        say "[$n] zoek refused to reopen the index it built (data.mdb" \
            "$(stat -c %s "$IDX/data.mdb") bytes, LMDB's last page ends at $want);" \
            "extending the file to measure the search"
        echo "data.mdb $(stat -c %s "$IDX/data.mdb") -> $want bytes" > "$OUT/workaround.txt"
        truncate -s "$want" "$IDX/data.mdb"
    elif [ $rc != 0 ]; then
        die "zoek build failed at $n, see $OUT/logs/zoek.build.log"
    fi
    say "[$n] zoek search"
    $TIME -v -o "$OUT/logs/zoek.search.time" "$ZB" search "$IDX" \
        "$C/queries.tsv" "$OUT/runs/zoek" --reps "$REPS" \
        --metrics "$OUT/metrics/zoek.search.json" > "$OUT/logs/zoek.search.log" 2>&1 ||
        die "zoek search failed at $n"
    $TIME -v -o "$OUT/logs/zoek.batch.time" "$ZB" search "$IDX" \
        "$C/queries.tsv" "$OUT/runs/zoek.batch" --batch \
        --metrics "$OUT/metrics/zoek.batch.json" > "$OUT/logs/zoek.batch.log" 2>&1 ||
        die "zoek batch failed at $n"
    rm -rf "$IDX" "$C/docs.jsonl"
done
for d in "$S"/out-*; do
    [ -f "$d/metrics/zoek.build.json" ] && points="$points ${d##*/out-}"
done
points=$(echo $points | tr ' ' '\n' | sort -n | tr '\n' ' ')
echo "$(( $(date +%s) - T0 ))" > "$S/elapsed_s.txt"
cut -d' ' -f1-3 /proc/loadavg > "$S/loadavg_end.txt"
"$PY" "$ROOT/bench/report.py" --scale "$S" $points ${SCALE_PEERS:+-- $SCALE_PEERS} |
    tee "$S/report.md"
say "results: $S/report.md"
