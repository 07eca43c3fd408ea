#!/bin/sh
# usage.sh - both CLIs: --help and --version, and usage errors (exit 2, a
# one-line reason, the usage lines and a pointer to --help, on stderr).
. tests/cli/lib.sh
export ZOEK_INDEX="$T/idx"
expect_status 0 "$ZI" -q -d "$T/idx" corpus

# --help and --version on both tools
version=$(sed -n 's/^#define ZOEK_VERSION_STRING "\(.*\)"/\1/p' include/zoek.h)
for tool in "$ZS" "$ZI"; do
    name=$(basename "$tool")
    expect_status 0 "$tool" --help
    grep -q "^usage: $name " "$T/out" && ok || bad "$name --help: $(head -1 "$T/out")"
    [ -s "$T/err" ] && bad "$name --help wrote to stderr" || ok
    expect_status 0 "$tool" -h
    expect_status 0 "$tool" --version
    [ "$(cat "$T/out")" = "$name $version" ] && ok || bad "$name --version: $(cat "$T/out")"
done

# usage errors: exit 2, one line saying why, the usage lines, nothing on
# stdout, and not the whole help
usage_error() {  # WANT_REASON CMD...
    reason=$1
    shift
    expect_status 2 "$@"
    line1=$(head -1 "$T/err")
    name=$(basename "$1")
    case "$line1" in
    "$name: "*"$reason"*) ok ;;
    *) bad "$*: first line '$line1', expected '$name: ...$reason...'" ;;
    esac
    sed -n 2p "$T/err" | grep -q "^usage: $name " && ok || bad "$*: no usage line after the reason"
    tail -1 "$T/err" | grep -q "Try '$name --help'" && ok || bad "$*: no pointer to --help"
    [ "$(wc -l <"$T/err")" -le 8 ] && ok || bad "$*: usage error prints the whole help"
    [ -s "$T/out" ] && bad "$*: usage error wrote to stdout" || ok
}
usage_error "unknown option '--bogus'" "$ZS" -d "$T/idx" --bogus chips
usage_error "unknown option '-Z'" "$ZS" -d "$T/idx" -Z chips
usage_error "needs a value" "$ZS" -d "$T/idx" chips --limit
usage_error "invalid limit 'x'" "$ZS" -d "$T/idx" -n x chips
usage_error "invalid limit '0'" "$ZS" -d "$T/idx" -n 0 chips
usage_error "invalid offset '-1'" "$ZS" -d "$T/idx" --offset=-1 chips
usage_error "unknown format 'yaml'" "$ZS" -d "$T/idx" --format yaml chips
usage_error "unknown language 'fr'" "$ZS" -d "$T/idx" --lang fr chips
usage_error "invalid --color 'sometimes'" "$ZS" -d "$T/idx" --color sometimes chips
usage_error "unknown field 'bogus'" "$ZS" -d "$T/idx" --fields id,bogus chips
usage_error "given twice" "$ZS" -d "$T/idx" --fields id,score,id chips
usage_error "--fields is for text output" "$ZS" -d "$T/idx" --format json --fields id chips
usage_error "--explain needs text or json" "$ZS" -d "$T/idx" --format trec --explain chips
usage_error "invalid b" "$ZS" -d "$T/idx" --b 2 chips
printf 'q1\tchips\n' >"$T/q"
usage_error "exclude each other" "$ZS" -d "$T/idx" --queries "$T/q" chips
usage_error "no PATH to index" "$ZI" -d "$T/idx"
usage_error "unknown option '--bogus'" "$ZI" --bogus corpus
usage_error "unknown language 'fr'" "$ZI" --lang fr corpus
usage_error "invalid --threads" "$ZI" --threads 0 corpus
usage_error "invalid --memory" "$ZI" --memory 1 corpus
usage_error "invalid --color 'blue'" "$ZI" --color blue corpus
usage_error "exclude each other" "$ZI" --check --stats
usage_error "take no other action" "$ZI" --stats corpus
usage_error "--delete needs article ids" "$ZI" --delete
usage_error "exclude each other" "$ZI" --delete --prune x

# output that cannot be written (a full disk) is an error, exit 2
if [ -w /dev/full ]; then
    for cmd in "$ZS -d $T/idx chips" "$ZS --help" "$ZS --version" "$ZI -d $T/idx --stats" \
               "$ZI -d $T/idx --check" "$ZI --help" "$ZI --version"; do
        $cmd >/dev/full 2>"$T/err"
        rc=$?
        [ $rc -eq 2 ] && grep -q ": cannot write output$" "$T/err" && ok || bad "$cmd >/dev/full: exit $rc, $(cat "$T/err")"
    done
else
    echo "(skipped: write errors, no /dev/full here)"
fi

# no query and standard input a terminal
if python3 tests/cli/pty.py "$T/tty" true; [ $? -eq 77 ]; then
    echo "(skipped: no-query test, no pseudo-terminal here)"
else
    python3 - "$ZS" "$T/idx" <<'PY' && ok || bad "no query on a terminal: not a usage error"
import os, subprocess, sys
m, s = os.openpty()
p = subprocess.run([sys.argv[1], "-d", sys.argv[2]], stdin=s,
                   capture_output=True, text=True)
assert p.returncode == 2, p.returncode
assert p.stderr.startswith("zoek-search: no query"), p.stderr
PY
fi
finish
