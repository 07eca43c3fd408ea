# lib.sh - shared by the CLI tests: paths, a scratch directory, checks.
B=${B:-build}
ZI="$B/zoek-index"
ZS="$B/zoek-search"
T=$(mktemp -d "${TMPDIR:-/tmp}/zoek-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
pass=0
ok() { pass=$((pass + 1)); }
bad() { fails=$((fails + 1)); echo "FAIL: $*" >&2; }
# expect_status WANT CMD...: runs CMD, checks its exit status
expect_status() {
    want=$1
    shift
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else
        bad "$* -> exit $got, expected $want"
        sed 's/^/    /' "$T/err" >&2
    fi
}
# first_doc QUERY...: the article id of the best hit (--docs)
first_doc() {
    "$ZS" -d "$T/idx" --docs -n 1 --format trec "$@" 2>/dev/null | awk '{print $3; exit}'
}
expect_first() {
    want=$1
    shift
    got=$(first_doc "$@")
    case "$got" in
    *"$want"*) ok ;;
    *) bad "query '$*': first hit '$got', expected '$want'" ;;
    esac
}
finish() {
    echo "$pass passed, $fails failed"
    [ "$fails" -eq 0 ]
}
