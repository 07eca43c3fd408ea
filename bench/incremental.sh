#!/bin/bash
# incremental.sh - the cost of adding 1 % of a corpus to an index of the
# other 99 %, against indexing that 1 % alone into an empty index.
#
#   bench/incremental.sh CORPUS_DIR OUT_DIR
#
# Every 100th article of CORPUS_DIR/docs.jsonl goes to add.jsonl, the rest
# to base.jsonl.  base.jsonl is built and optimized once (zoek_bench
# build); then INC_REPS times (default 3): copy that index (synced, so the
# add pays only for its own writes), time `zoek-index -d COPY add.jsonl`,
# and time `zoek-index -d EMPTY add.jsonl` into a new index; both under
# /usr/bin/time -v, whose "File system outputs" (512-byte blocks) is the
# process's write_bytes of /proc/PID/io.  Top-10 latency (zoek_bench
# search) is measured on the base index and on the last copy after the add.
# Results: OUT_DIR/incremental.tsv and OUT_DIR/*.json, read by report.py.
set -u
. "$(dirname "$0")/lib.sh"
CORPUS=${1:?usage: incremental.sh CORPUS_DIR OUT_DIR}
OUT=${2:?usage: incremental.sh CORPUS_DIR OUT_DIR}
INC_REPS=${INC_REPS:-3}
ZB=$B/bench/zoek_bench
ZI=$B/zoek-index
Q=$CORPUS/queries.tsv
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

awk -v base="$OUT/base.jsonl" -v add="$OUT/add.jsonl" \
    'NR % 100 == 0 { print > add; next } { print > base }' "$CORPUS/docs.jsonl"
say "incremental: base $(wc -l < "$OUT/base.jsonl") articles," \
    "add $(wc -l < "$OUT/add.jsonl")"

rm -rf "$OUT/idx-base"
$TIME -v -o "$OUT/base.build.time" "$ZB" build "$OUT/base.jsonl" \
    "$OUT/idx-base" --metrics "$OUT/base.build.json" > /dev/null ||
    die "incremental: base build failed"
"$ZB" search "$OUT/idx-base" "$Q" "$OUT/run.before" --reps 3 \
    --metrics "$OUT/search.before.json" > /dev/null ||
    die "incremental: search failed"

# io_line KIND REP TIMEFILE INDEX SIZE_BEFORE
io_line() {
    local blocks after
    blocks=$(gtime "$3" "File system outputs")
    after=$(stat -c %s "$4/data.mdb")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$(gtime_wall "$3")" \
        "$(gtime "$3" "User time")" "$(gtime "$3" "System time")" \
        "$((blocks * 512))" "$5" "$after"
}

printf 'kind\trep\twall_s\tuser_s\tsys_s\twrite_bytes\tmdb_before\tmdb_after\n' \
    > "$OUT/incremental.tsv"
base_size=$(stat -c %s "$OUT/idx-base/data.mdb")
for r in $(seq 1 "$INC_REPS"); do
    rm -rf "$OUT/idx-inc"
    cp -a "$OUT/idx-base" "$OUT/idx-inc"
    sync
    $TIME -v -o "$OUT/add.$r.time" "$ZI" -q -d "$OUT/idx-inc" \
        "$OUT/add.jsonl" 2> "$OUT/add.$r.log" || die "incremental: add failed"
    io_line add "$r" "$OUT/add.$r.time" "$OUT/idx-inc" "$base_size" \
        >> "$OUT/incremental.tsv"
    rm -rf "$OUT/idx-alone"
    sync
    $TIME -v -o "$OUT/alone.$r.time" "$ZI" -q -d "$OUT/idx-alone" \
        "$OUT/add.jsonl" 2> "$OUT/alone.$r.log" ||
        die "incremental: alone failed"
    io_line alone "$r" "$OUT/alone.$r.time" "$OUT/idx-alone" 0 \
        >> "$OUT/incremental.tsv"
done
"$ZB" search "$OUT/idx-inc" "$Q" "$OUT/run.after" --reps 3 \
    --metrics "$OUT/search.after.json" > /dev/null ||
    die "incremental: search failed"
"$ZI" --stats -d "$OUT/idx-inc" > "$OUT/stats.after.txt"
rm -rf "$OUT/idx-alone" "$OUT/base.jsonl"
cat "$OUT/incremental.tsv" >&2
