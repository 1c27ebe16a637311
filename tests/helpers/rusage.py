#!/usr/bin/python3
"""rusage.py - run a command, pass its output through, and record what
it cost (issue 16: bounded CPU and memory under a flood).

    rusage.py OUT CMD [ARG...]

Appends to OUT.reply what CMD printed on standard output, and to OUT one
line: "EXIT MAXRSS_KB CPU_SECONDS WALL_SECONDS" (EXIT is -N when signal N
ended it).  Exits as CMD did.
"""
import os
import sys
import time

out, cmd = sys.argv[1], sys.argv[2:]
r, w = os.pipe()
start = time.monotonic()
pid = os.fork()
if pid == 0:
    os.dup2(w, 1)
    os.close(r)
    os.close(w)
    os.execv(cmd[0], cmd)
os.close(w)
reply = b""
while True:
    b = os.read(r, 65536)
    if not b:
        break
    reply += b
    os.write(1, b)
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - start
rc = os.waitstatus_to_exitcode(status)
with open(out + ".reply", "ab") as f:
    f.write(reply)
with open(out, "a") as f:
    f.write(f"{rc} {ru.ru_maxrss} {ru.ru_utime + ru.ru_stime:.3f} "
            f"{wall:.3f}\n")
sys.exit(rc if rc >= 0 else 128 - rc)
