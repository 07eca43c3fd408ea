#!/bin/sh
# badinput.sh - a folder of bad input files: invalid UTF-8, UTF-16 with a
# byte order mark, NUL bytes, binary data, empty files, odd bytes in names,
# symbolic link loops and dangling links, folders nested too deep, paths
# too long, unreadable files and folders, a long single-line file and many
# tiny files.  Each problem is reported on stderr naming the file, the
# other files are indexed, and the exit status is 1.  With
# ZOEK_HEAVY_TESTS=1 the long line is 200 MB and the tiny files 1,000,000
# (else 20 MB and 5,000).
. tests/cli/lib.sh
D="$T/in"
mkdir -p "$D/sub"
chmod 755 "$T"
good() {  # FILE WORD: a readable article holding WORD
    printf 'Een bericht over chips en export naar China. %s staat erin.\n' "$2" >"$1"
}
good "$D/ok.txt" zzok
printf 'Kapotte \377\376 tekst over chips \300\200 en zzbadutf.\n' >"$D/badutf8.txt"
python3 - "$D" <<'PY'
import sys
d = sys.argv[1]
t = "Ein Text über KI-Chips und zzutfsixteen in UTF-16.\n"
open(d + "/le.txt", "wb").write(b"\xff\xfe" + t.encode("utf-16-le"))
open(d + "/be.txt", "wb").write(b"\xfe\xff" + t.replace("sixteen", "sixteenbe").encode("utf-16-be"))
open(d + "/nul.txt", "wb").write(b"Text with a NUL\0byte zznul.\n")
import random
r = random.Random(5)
open(d + "/binary.md", "wb").write(bytes(r.randrange(256) for _ in range(20000)))
PY
: >"$D/empty.txt"
printf '   \n\n\t \n' >"$D/blank.txt"
good "$D/$(printf 'odd\001name\033[31m\377.txt')" zzoddname
good "$D/$(printf 'new\nline.txt')" zznewline
: >"$D/$(printf 'empty\001\033[31m\377.txt')"
: >"$D/$(printf 'empty\nline.txt')"
good "$D/sub/dépêche ü.txt" zzutfname
ln -s .. "$D/sub/loop"
ln -s "$D" "$D/sub/loop2"
ln -s nowhere.txt "$D/dangling.txt"
# 300 nested folders; a file at depth 100 is indexed
p="$D/deep"
i=0
while [ $i -lt 300 ]; do
    p="$p/d"
    i=$((i + 1))
    [ $i -eq 100 ] && mkdir -p "$p" && good "$p/at100.txt" zzdepth
done
mkdir -p "$p" && good "$p/at300.txt" zztoodeep
# a path longer than PATH_MAX
python3 - "$D" <<'PY'
import os, sys
os.chdir(sys.argv[1])
os.mkdir("long"); os.chdir("long")
for i in range(22):
    n = "L" * 200
    os.mkdir(n); os.chdir(n)
open("far.txt", "w").write("chips zzfar\n")
PY
# unreadable file and folder
good "$D/secret.txt" zzsecret
chmod 000 "$D/secret.txt"
mkdir "$D/locked" && good "$D/locked/in.txt" zzlocked && chmod 000 "$D/locked"
# a long line and many tiny files
if [ "${ZOEK_HEAVY_TESTS:-0}" = 1 ]; then mb=200; nfiles=1000000; else mb=20; nfiles=5000; fi
python3 - "$D/long.txt" "$mb" <<'PY'
import random, sys
r = random.Random(3)
w = "de het chips export smokkel Maleisië China Nvidia und der die the of and to in wereld".split()
s = " ".join(r.choice(w) for _ in range(100000)) + " "
n = int(sys.argv[2]) * 1000 * 1000
with open(sys.argv[1], "w") as f:
    while n > 0:
        f.write(s)
        n -= len(s.encode())
    f.write("zzlongline")
PY
python3 - "$D/many" "$nfiles" <<'PY'
import os, sys
base, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = "%s/%03d" % (base, i // 1000)
    if i % 1000 == 0: os.makedirs(d)
    with open("%s/%d.txt" % (d, i), "w") as f: f.write("chips zz%dtiny\n" % i)
PY

# run: as an unprivileged user when root can read everything
run="$ZI"
if [ "$(id -u)" -eq 0 ]; then
    if command -v setpriv >/dev/null 2>&1; then
        run="setpriv --reuid=65534 --regid=65534 --clear-groups $ZI"
    elif command -v runuser >/dev/null 2>&1; then
        run="runuser -u nobody -- $ZI"
    else
        run=""
        echo "(root without setpriv or runuser: unreadable files not tested)"
        chmod 644 "$D/secret.txt"
        chmod 755 "$D/locked"
    fi
    [ -n "$run" ] && mkdir "$T/idx" && chown 65534:65534 "$T/idx"
fi
[ -n "$run" ] || run="$ZI"
start=$(date +%s%N)
$run -d "$T/idx" "$D" >"$T/out" 2>"$T/err"
st=$?
took=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$st" -eq 1 ] && ok || bad "exit $st, expected 1"
# each problem names its file
chk() {  # PATTERN WHAT
    grep -q -- "$1" "$T/err" && ok || bad "no message for $2"
}
chk "badutf8.txt: warning: invalid UTF-8 replaced" "invalid UTF-8"
chk "le.txt: warning: converted from UTF-16" "UTF-16 LE"
chk "be.txt: warning: converted from UTF-16" "UTF-16 BE"
chk "nul.txt: error: binary file: skipped" "NUL bytes"
chk "binary.md: error: binary file: skipped" "binary file"
chk "empty.txt: error: no words to index" "empty file"
chk "blank.txt: error: no words to index" "blank file"
chk 'empty\\x01\\x1b\[31m\\xff.txt: error: no words' "odd bytes in a name (escaped)"
chk 'empty\\x0aline.txt: error: no words' "newline in a name (escaped)"
chk "loop: warning: folder loop" "symlink loop"
chk "loop2: warning: folder loop" "symlink loop to the top"
chk "dangling.txt: error: broken symbolic link" "dangling link"
chk "deep/d/d.*: error: folders nested deeper than 256" "deep nesting"
chk "LLLL: error: cannot read.*File name too long" "long path"
if [ "$run" != "$ZI" ] || [ "$(id -u)" -ne 0 ]; then
    chk "secret.txt: error: cannot read: Permission denied" "unreadable file"
    chk "locked: error: cannot read folder: Permission denied" "unreadable folder"
fi
# no raw control byte reaches the terminal
if LC_ALL=C grep -q "$(printf '\033')" "$T/err"; then bad "raw escape byte on stderr"; else ok; fi
# every line of stderr is a zoek-index message
n=$(grep -vc "^zoek-index: " "$T/err")
[ "$n" -eq 0 ] && ok || bad "$n stderr lines without the program name"

# the rest is indexed
found() {  # WORD COUNT
    n=$("$ZS" -d "$T/idx" --docs --format trec -n 100 "$1" | wc -l)
    [ "$n" -eq "$2" ] && ok || bad "'$1' finds $n articles, expected $2"
}
found zzok 1
found zzbadutf 1
found zzutfsixteen 1
found zzutfsixteenbe 1
found zzoddname 1
found zznewline 1
found zzutfname 1
found zzdepth 1
found zzlongline 1
found zz7tiny 1
found zznul 0
found zztoodeep 0
n=$("$ZS" -d "$T/idx" --docs --format trec -n 1000000 chips | wc -l)
want=$((nfiles + 9))
[ "$n" -ge "$want" ] && ok || bad "chips finds $n articles, expected at least $want"
expect_status 0 "$ZI" -d "$T/idx" --check
# a second run changes nothing and fails the same files again
$run -d "$T/idx" "$D" >"$T/out" 2>"$T/err2"
st=$?
[ "$st" -eq 1 ] && ok || bad "second run: exit $st"
grep -q " 0 added, 0 updated, $((nfiles + 9)) unchanged" "$T/err2" && ok ||
    bad "second run: $(tail -1 "$T/err2")"
chmod 755 "$D/locked" 2>/dev/null
echo "(${mb} MB line and $nfiles files indexed in ${took} ms)"
finish
