# lib.sh - shared by the benchmark scripts (sourced, not run).
#
# Sets ROOT (the repository), SHARED (../shared from it), B (build dir),
# BENCH_DIR (scratch: corpora, indexes, results; outside version control),
# PY (Debian's python3, which sees python3-xapian) and TIME.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=$ROOT/../shared
B=${B:-build}
case $B in /*) ;; *) B=$ROOT/$B;; esac
BENCH_DIR=${BENCH_DIR:-$B/bench}
PY=${PY:-/usr/bin/python3}
TIME=/usr/bin/time
PEERS_DIR=$SHARED/bench/peers
SRC_CORPUS=$SHARED/bench-corpus

say() { echo "bench: $*" >&2; }
die() { echo "bench: $*" >&2; exit 2; }

# Exits 0 with a message when the shared benchmark data is not there.
need_shared() {
    if [ ! -d "$SRC_CORPUS" ] || [ ! -x "$PEERS_DIR/run_peers.sh" ]; then
        say "no ../shared/bench-corpus or ../shared/bench/peers next to the" \
            "repository: skipping the benchmark"
        exit 0
    fi
}

# Installs the Debian packages in $* that are missing (root or sudo).
install_missing() {
    local missing="" p
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    say "installing:$missing"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    { $sudo apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing; } \
        >&2 || say "could not install some of:$missing (continuing)"
}

BENCH_PKGS="time lmdb-utils python3 xapian-tools python3-xapian sqlite3 g++
    make pkg-config liblucene++-dev nlohmann-json3-dev libboost-dev
    libboost-filesystem-dev libboost-thread-dev libboost-system-dev
    libboost-date-time-dev libboost-iostreams-dev"

# Writes machine facts as JSON to $1.
machine_json() {
    local cpu mem
    cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
    mem=$(awk '/^MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)
    cat > "$1" <<EOF
{"nproc": $(nproc), "cpu": "$cpu", "mem_gib": $mem,
 "kernel": "$(uname -r)", "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "loadavg": "$(cut -d' ' -f1-3 /proc/loadavg)",
 "commit": "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)",
 "cc": "$(${CC:-cc} --version 2>/dev/null | head -1)"}
EOF
}

# A field of GNU time -v output: gtime FILE "Maximum resident set size"
gtime() {
    grep -m1 "$2" "$1" | awk -F': ' '{print $2}'
}

# Wall seconds from GNU time -v output (h:mm:ss or m:ss).
gtime_wall() {
    gtime "$1" "Elapsed (wall clock) time" |
        awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s}'
}
