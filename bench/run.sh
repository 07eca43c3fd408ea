#!/bin/bash
# run.sh - `make bench`: zoek and the peer engines (Xapian, SQLite FTS5,
# Lucene++) side by side on the shared bench corpus; see bench/README.md.
#
# Environment:
#   BENCH_MB     keep about this many MB of text (quick runs; default: all)
#   BENCH_DIR    scratch directory (default build/bench): corpus, indexes,
#                results; never under version control
#   PEERS        peers to run (default "xapian xapian-nopos fts5 lucene++";
#                empty: zoek only)
#   REUSE_PEERS  1: keep the peers' results of an earlier run on the same
#                corpus instead of running them again
#   REPS, MAXQ   timed passes and latency queries (defaults 5 and all)
#   NO_INSTALL   1: do not install missing packages
set -u
. "$(dirname "$0")/lib.sh"
need_shared

ZB=$B/bench/zoek_bench
AO=$B/bench/analyze_only
ZI=$B/zoek-index
ZS=$B/zoek-search
for x in "$ZB" "$AO" "$ZI" "$ZS"; do
    [ -x "$x" ] || die "$x missing: run 'make bench'"
done
[ "${NO_INSTALL:-0}" = 1 ] || install_missing $BENCH_PKGS
[ -x "$TIME" ] || die "needs GNU time (apt-get install time)"

PEERS=${PEERS-"xapian xapian-nopos fts5 lucene++"}
export REPS=${REPS:-5} MAXQ=${MAXQ:-0} PY
if [ -n "${BENCH_MB:-}" ]; then TAG=${BENCH_MB}mb; else TAG=full; fi
CORPUS=$BENCH_DIR/corpus-$TAG
OUT=$BENCH_DIR/out-$TAG
DOCS=$CORPUS/docs.jsonl
Q=$CORPUS/queries.tsv
mkdir -p "$OUT"/index "$OUT"/runs "$OUT"/metrics "$OUT"/logs "$OUT"/eval

"$PY" "$ROOT/bench/make_corpus.py" "$SRC_CORPUS" "$CORPUS" \
    ${BENCH_MB:+--mb "$BENCH_MB"} || die "could not assemble the corpus"
machine_json "$OUT/machine.json"
printf 'make bench%s%s\n' "${BENCH_MB:+ BENCH_MB=$BENCH_MB}" \
    "${PEERS:+ PEERS=\"$PEERS\"}" > "$OUT/command.txt"
T0=$(date +%s)

# ---------------------------------------------------------------- peers
if [ -n "$PEERS" ] && [ "${REUSE_PEERS:-0}" != 1 ]; then
    say "peers ($PEERS): $PEERS_DIR/run_peers.sh $CORPUS $OUT"
    # B is our build directory; run_peers.sh reads K1 and B as BM25's
    PEERS="$PEERS" K1=0.9 B=0.4 "$PEERS_DIR/run_peers.sh" "$CORPUS" "$OUT" \
        > "$OUT/logs/peers.summary.txt" ||
        say "run_peers.sh failed, see $OUT/logs"
fi

# ----------------------------------------------------------------- zoek
# Same steps, files and names as run_peers.sh uses for a peer.
IDX=$OUT/index/zoek
rm -rf "$IDX"
say "[zoek] build: $ZB build $DOCS $IDX"
$TIME -v -o "$OUT/logs/zoek.build.time" "$ZB" build "$DOCS" "$IDX" \
    --metrics "$OUT/metrics/zoek.build.json" > "$OUT/logs/zoek.build.log" 2>&1 ||
    die "[zoek] build FAILED, see $OUT/logs/zoek.build.log"
say "[zoek] search"
$TIME -v -o "$OUT/logs/zoek.search.time" "$ZB" search "$IDX" "$Q" \
    "$OUT/runs/zoek" --reps "$REPS" --max-queries "$MAXQ" \
    --metrics "$OUT/metrics/zoek.search.json" > "$OUT/logs/zoek.search.log" 2>&1 ||
    die "[zoek] search FAILED, see $OUT/logs/zoek.search.log"
say "[zoek] batch"
$TIME -v -o "$OUT/logs/zoek.batch.time" "$ZB" search "$IDX" "$Q" \
    "$OUT/runs/zoek.batch" --batch \
    --metrics "$OUT/metrics/zoek.batch.json" > "$OUT/logs/zoek.batch.log" 2>&1 ||
    die "[zoek] batch FAILED, see $OUT/logs/zoek.batch.log"
if [ -f "$CORPUS/qrels.txt" ]; then
    "$PY" "$PEERS_DIR/mini_eval.py" "$CORPUS/qrels.txt" \
        "$OUT/runs/zoek.batch.top1000.trec" > "$OUT/eval/zoek.txt"
fi

# ----------------------------------------------------------- zoek extras
X=$OUT/extra
rm -rf "$X"
mkdir -p "$X"
say "[zoek] index size per table (mdb_stat)"
mdb_stat -efa "$IDX" > "$X/mdb_stat.txt" 2>&1 || say "mdb_stat failed"
"$ZI" --stats -d "$IDX" > "$X/stats.txt" 2>&1

say "[zoek] zoek-index --optimize in one run, as the command line does"
$TIME -v -o "$X/cli.build.time" "$ZI" -q --optimize -d "$X/idx-cli" "$DOCS" \
    > "$X/cli.build.log" 2>&1 || say "zoek-index failed, see $X/cli.build.log"
rm -rf "$X/idx-cli"

say "[zoek] build with one analysis thread, and with --memory 64"
$TIME -v -o "$X/threads1.build.time" "$ZB" build "$DOCS" "$X/idx-t1" \
    --no-optimize --threads 1 --metrics "$X/threads1.build.json" > /dev/null
rm -rf "$X/idx-t1"
$TIME -v -o "$X/mem64.build.time" "$ZB" build "$DOCS" "$X/idx-m64" \
    --no-optimize --memory 64 --metrics "$X/mem64.build.json" > /dev/null
rm -rf "$X/idx-m64"

say "[zoek] analysis alone, one thread (the indexing floor)"
"$AO" "$DOCS" --metrics "$X/analyze.json" > /dev/null ||
    say "analyze_only failed"

say "[zoek] latency variants: passages, snippets, exhaustive"
"$ZB" search "$IDX" "$Q" "$X/pass" --passages --reps 3 --max-queries "$MAXQ" \
    --metrics "$X/search.passages.json" > /dev/null
"$ZB" search "$IDX" "$Q" "$X/snip" --snippets --k 10 --reps 3 --max-queries "$MAXQ" \
    --metrics "$X/search.snippets.json" > /dev/null
"$ZB" search "$IDX" "$Q" "$X/exh" --exhaustive --reps 3 --max-queries "$MAXQ" \
    --metrics "$X/search.exhaustive.json" > /dev/null

say "[zoek] zoek-search --queries, whole process (top 1000, articles)"
$TIME -v -o "$X/cli.batch.time" "$ZS" -d "$IDX" --queries "$Q" --format trec \
    --docs -n 1000 > "$X/cli.batch.trec" 2> "$X/cli.batch.log"

if "$ZI" --help 2>&1 | grep -q -- --compact; then
    say "[zoek] zoek-index --compact on the built index"
    stat -c %s "$IDX/data.mdb" > "$X/compact.before"
    if $TIME -v -o "$X/compact.time" "$ZI" --compact -d "$IDX" \
        > "$X/compact.log" 2>&1; then
        stat -c %s "$IDX/data.mdb" > "$X/compact.after"
    else
        say "skipped: $(grep -v '^Command' "$X/compact.log" | tail -1)"
    fi
fi

say "[zoek] incremental: 99 % + 1 %"
bash "$ROOT/bench/incremental.sh" "$CORPUS" "$OUT/incremental" 2> "$X/incremental.log" ||
    say "incremental benchmark failed, see $X/incremental.log"

# ---------------------------------------------------------------- report
ran=""
for p in $PEERS; do
    [ -f "$OUT/metrics/$p.build.json" ] && ran="$ran $p"
done
echo "$(( $(date +%s) - T0 ))" > "$OUT/elapsed_s.txt"
cut -d' ' -f1-3 /proc/loadavg > "$OUT/loadavg_end.txt"
"$PY" "$PEERS_DIR/summarize.py" "$OUT" $ran zoek > /dev/null ||
    die "summarize.py failed"
"$PY" "$ROOT/bench/report.py" "$OUT" $ran | tee "$OUT/report.md"
say "results: $OUT/report.md"
