#!/usr/bin/env python3
"""pty.py [--stdout] OUT CMD... - runs CMD with its standard error (and with
--stdout its standard output too) on a pseudo-terminal, copies what CMD
writes to the terminal into OUT and exits with CMD's status.  Standard
input stays as it is.  Exits 77 when no pseudo-terminal can be opened."""
import os
import subprocess
import sys

args = sys.argv[1:]
both = args[0] == "--stdout"
if both:
    args = args[1:]
out, cmd = args[0], args[1:]
try:
    master, slave = os.openpty()
except OSError as e:
    print("pty.py: no pseudo-terminal: %s" % e, file=sys.stderr)
    sys.exit(77)
p = subprocess.Popen(cmd, stderr=slave, stdout=slave if both else None)
os.close(slave)
data = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: every writer closed the terminal
        break
    if not chunk:
        break
    data += chunk
os.close(master)
with open(out, "wb") as f:
    f.write(data)
sys.exit(p.wait())
