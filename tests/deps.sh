#!/bin/sh
# deps.sh - installs the build dependencies when they are missing (Debian).
PKGS="gcc make pkg-config python3 libstemmer-dev liblmdb-dev zlib1g-dev libutf8proc-dev"
missing=""
for p in $PKGS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq && $SUDO apt-get install -y -qq $missing
