#!/bin/sh
# index.sh - zoek-index as a Unix tool: a live progress line (files, bytes,
# articles/s, ETA) only when stderr is a terminal, --quiet, the final
# summary, coloured error labels, --stats, --check and --compact.
. tests/cli/lib.sh
export ZOEK_INDEX="$T/none"
esc=$(printf '\033')
cr=$(printf '\r')
python3 tests/gen_corpus.py 1000 7 >"$T/gen.jsonl"

# piped: no progress, no escapes, just the summary line
expect_status 0 "$ZI" -d "$T/p" corpus
grep -q "[$cr$esc]" "$T/err" && bad "progress or escapes into a pipe: $(cat -v "$T/err")" || ok
[ "$(wc -l <"$T/err")" -eq 1 ] && ok || bad "piped stderr is not one summary line: $(cat "$T/err")"
grep -q "^zoek-index: 5 added, 0 updated, 0 unchanged, 0 deleted; 22 passages, .* in .* s; 1 segment$" "$T/err" && ok || bad "summary: $(cat "$T/err")"
[ -s "$T/out" ] && bad "zoek-index wrote to stdout" || ok
expect_status 0 "$ZI" -d "$T/p2" - <"$T/gen.jsonl"
grep -q "[$cr$esc]" "$T/err" && bad "progress into a pipe (stdin input)" || ok
grep -q "^zoek-index: 1000 added" "$T/err" && ok || bad "summary: $(cat "$T/err")"
# --quiet: nothing at all
expect_status 0 "$ZI" -q -d "$T/p3" corpus
[ -s "$T/err" ] && bad "--quiet printed: $(cat "$T/err")" || ok

if python3 tests/cli/pty.py "$T/tty" true; [ $? -eq 77 ]; then
    echo "(skipped: progress and colour on a terminal, no pseudo-terminal here)"
else
    # a folder: files, bytes of the known total, articles/s, ETA; then the
    # summary on a cleared line
    python3 tests/cli/pty.py "$T/tty" "$ZI" -d "$T/t1" corpus >"$T/out"
    [ $? -eq 0 ] && ok || bad "zoek-index on a terminal failed: $(cat -v "$T/tty")"
    [ -s "$T/out" ] && bad "progress went to stdout" || ok
    tr '\r' '\n' <"$T/tty" | sed "s/^$esc\[K//" >"$T/lines"
    grep -Eq "^zoek-index: [0-9]+ files?, [0-9.]+ (B|KB) of 15\.[0-9] KB \([0-9]+%\), [0-9]+ articles?, [0-9]+ articles/s, ETA [0-9]+:[0-9][0-9]$" "$T/lines" && ok || bad "progress line: $(cat -v "$T/tty")"
    grep -q "^zoek-index: 5 added, 0 updated, 0 unchanged" "$T/lines" && ok || bad "no summary on a terminal"
    grep -q "$cr$esc\[Kzoek-index: 5 added" "$T/tty" && ok || bad "the summary does not replace the progress line"
    # standard input from a file: the total is known; from a pipe it is not
    python3 tests/cli/pty.py "$T/tty" "$ZI" -d "$T/t2" - <"$T/gen.jsonl"
    tr '\r' '\n' <"$T/tty" | sed "s/^$esc\[K//" >"$T/lines"
    grep -Eq "^zoek-index: [0-9.]+ (B|KB|MB) of [0-9.]+ MB \([0-9]+%\), [0-9]+ articles?, [0-9]+ articles/s, ETA " "$T/lines" && ok || bad "progress from a file on stdin: $(cat -v "$T/tty")"
    cat "$T/gen.jsonl" | python3 tests/cli/pty.py "$T/tty" "$ZI" -d "$T/t3" -
    tr '\r' '\n' <"$T/tty" | sed "s/^$esc\[K//" >"$T/lines"
    grep -Eq "^zoek-index: [0-9.]+ (B|KB|MB), [0-9]+ articles?, [0-9]+ articles/s$" "$T/lines" && ok || bad "progress from a pipe: $(cat -v "$T/tty")"
    grep -q "ETA" "$T/lines" && bad "ETA without a known total" || ok
    # gzip input: the total is the uncompressed size
    gzip -c "$T/gen.jsonl" >"$T/gen.jsonl.gz"
    size=$(wc -c <"$T/gen.jsonl")
    python3 tests/cli/pty.py "$T/tty" "$ZI" -d "$T/t4" "$T/gen.jsonl.gz"
    tr '\r' '\n' <"$T/tty" | grep -q " of $(awk -v n="$size" 'BEGIN {printf "%.1f MB", n / 1e6}') " && ok || bad "gzip total is not the uncompressed size ($size): $(cat -v "$T/tty")"
    # --quiet on a terminal: nothing
    python3 tests/cli/pty.py "$T/tty" "$ZI" -q -d "$T/t5" corpus
    [ -s "$T/tty" ] && bad "--quiet on a terminal printed: $(cat -v "$T/tty")" || ok
    # interrupted (Ctrl-C): the progress line is ended with a newline, the
    # process dies of SIGINT, the index is as before
    python3 tests/gen_corpus.py 20000 8 >"$T/big.jsonl"
    python3 - "$ZI" "$T/t7" "$T/big.jsonl" <<'PY' && ok || bad "Ctrl-C during progress"
import os, signal, subprocess, sys, time
m, s = os.openpty()
p = subprocess.Popen([sys.argv[1], "-d", sys.argv[2], sys.argv[3]], stderr=s)
os.close(s)
data = b""
while b"articles/s" not in data:
    data += os.read(m, 4096)
p.send_signal(signal.SIGINT)
while True:
    try:
        chunk = os.read(m, 4096)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
rc = p.wait()
assert rc == -signal.SIGINT, rc
assert data.endswith(b"\n") and b"articles/s" in data.rsplit(b"\r\x1b[K", 1)[-1], data[-200:]
PY
    "$ZS" -d "$T/t7" zzall >/dev/null 2>&1
    rc=$?
    [ $rc -eq 1 ] || [ $rc -eq 2 ] && ok || bad "an interrupted first run left articles"
    # colour of error labels: auto on a terminal, not with NO_COLOR/TERM=dumb
    mkdir "$T/bad"
    printf 'binary\000file\n' >"$T/bad/a.txt"
    TERM=xterm python3 tests/cli/pty.py "$T/tty" "$ZI" -d "$T/t6" "$T/bad"
    grep -q "$esc\[1;31merror:$esc\[0m binary file" "$T/tty" && ok || bad "no colour on a terminal: $(cat -v "$T/tty")"
    NO_COLOR=1 TERM=xterm python3 tests/cli/pty.py "$T/tty" "$ZI" -d "$T/t6" "$T/bad"
    grep -q "$esc\[1;31m" "$T/tty" && bad "colour despite NO_COLOR" || ok
    TERM=dumb python3 tests/cli/pty.py "$T/tty" "$ZI" -d "$T/t6" "$T/bad"
    grep -q "$esc\[1;31m" "$T/tty" && bad "colour despite TERM=dumb" || ok
fi

# colour on request, none by default into a pipe; the message stays the same
mkdir -p "$T/bad"
printf 'binary\000file\n' >"$T/bad/a.txt"
expect_status 1 "$ZI" -d "$T/c" "$T/bad"
grep -q "^zoek-index: $T/bad/a.txt: error: binary file: skipped$" "$T/err" && ok || bad "error message: $(cat "$T/err")"
grep -q "$esc" "$T/err" && bad "colour into a pipe" || ok
expect_status 1 "$ZI" --color=always -d "$T/c" "$T/bad"
grep -q "^zoek-index: $T/bad/a.txt: $esc\[1;31merror:$esc\[0m binary file: skipped$" "$T/err" && ok || bad "--color=always: $(cat -v "$T/err")"

# --stats: the counts agree with --check and the corpus
expect_status 0 "$ZI" -d "$T/p" --stats
cp "$T/out" "$T/stats"
expect_status 0 "$ZI" -d "$T/p" --check
grep -q "^$T/p: ok: 1 segments, [0-9]* terms, [0-9]* postings, [0-9]* positions, 5 articles, 22 passages$" "$T/out" && ok || bad "--check: $(cat "$T/out")"
v() { awk -v k="$1" '$1 == k {print $2; exit}' "$T/stats"; }
[ "$(v articles)" = 5 ] && [ "$(v passages)" = 22 ] && [ "$(v segments)" = 1 ] && ok || bad "--stats: $(cat "$T/stats")"
[ "$(v en)" = 1 ] && [ "$(v de)" = 3 ] && [ "$(v nl)" = 1 ] && ok || bad "--stats languages: $(cat "$T/stats")"
grep -Eq "^file +[0-9.]+ (KB|MB)$" "$T/stats" && ok || bad "--stats file size: $(cat "$T/stats")"
grep -q "^format " "$T/stats" && grep -q "^tokens " "$T/stats" && ok || bad "--stats: $(cat "$T/stats")"
# not an index: exit 2 with the program name
mkdir "$T/empty"
echo x >"$T/empty/file"
expect_status 2 "$ZI" -d "$T/empty" --stats
grep -q "^zoek-index: " "$T/err" && ok || bad "--stats on a non-index: $(cat "$T/err")"
expect_status 2 "$ZI" -d "$T/empty" --check
expect_status 2 "$ZI" -d "$T/nothere" --stats

# --compact: a smaller or equal file, the same answers, --check passes;
# or, while the library lacks zoek_index_compact(), a clear error and the
# index untouched
expect_status 0 "$ZI" -q -d "$T/k" "$T/gen.jsonl"
expect_status 0 "$ZI" -q -d "$T/k" --delete gen-000001 gen-000002 gen-000003
"$ZS" -d "$T/k" --format trec -n 50 "chips China" >"$T/before"
size0=$(wc -c <"$T/k/data.mdb")
"$ZI" -d "$T/k" --compact >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "^zoek-index: --compact is not available" "$T/err"; then
    echo "(--compact: $(cat "$T/err"))"
    [ "$(wc -c <"$T/k/data.mdb")" -eq "$size0" ] && ok || bad "--compact failed but changed the file"
else
    [ $rc -eq 0 ] && ok || bad "--compact exit $rc: $(cat "$T/err")"
    grep -q "^zoek-index: compacted $T/k: .* -> " "$T/err" && ok || bad "--compact message: $(cat "$T/err")"
    [ "$(wc -c <"$T/k/data.mdb")" -le "$size0" ] && ok || bad "--compact grew the file"
    expect_status 0 "$ZI" -d "$T/k" --check
    "$ZS" -d "$T/k" --format trec -n 50 "chips China" | cmp -s - "$T/before" && ok || bad "--compact changed the answers"
fi
expect_status 0 "$ZI" -d "$T/k" --check
finish
