#!/usr/bin/env python3
"""lxs-host at a terminal: `lxs -d DISTRO` on a pseudo-terminal made here runs the distro's
shell, and lxs-host in it gets a pseudo-terminal on the host (not the guest's), the window size
at start and after a resize, TERM, Ctrl-C reaching the host program, and the guest terminal's
modes restored afterwards. A pipe instead of a terminal gives the host program no terminal.

usage: host-interop-pty.py LXS DISTRO HOST_PTS_GLOB"""
import os
import re
import sys
import time
import fcntl
import struct
import termios

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
LXS, DISTRO = sys.argv[1], sys.argv[2]
# pty-session's Term, without running its checks (it runs them at import).
src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "pty-session.py")).read()
src = src[: src.index("# -- an interactive login shell")]
sys.argv = [sys.argv[0], LXS, DISTRO]
exec(compile(src, "pty-session.py", "exec"))


def cmd(t, line, expect, what):
    t.send(line + "\r")
    return t.expect(expect, what=what)


t = Term([LXS, "-d", DISTRO], rows=30, cols=90)
cmd(t, "echo READY-$((40+2))", r"READY-42", "the shell answers")
cmd(t, "stty -g > /tmp/modes-before; echo sa\"\"ved", r"saved\r?\n", "modes saved")
# The host's /proc/self/stat tty_nr of a host program on a terminal is non-zero; `tty` names it.
cmd(t, "lxs-host sh -c 'tty; stty size; echo term=$TERM'", r"(/dev/pts/\d+)\r?\n", "lxs-host has a terminal")
t.expect(r"30 90", what="the host terminal has the caller's window size")
t.expect(r"term=xterm-256color", what="TERM crosses for a terminal")
# lxs-host relays what is typed while it runs: wait for the prompt before typing on.
PROMPT = r"@deb:[^#]*# "
t.expect(PROMPT, what="the prompt after lxs-host")
cmd(t, "echo piped; lxs-host tty | cat", r"not a tty", "through a pipe the host program has no terminal")
t.expect(PROMPT, what="the prompt after lxs-host tty")
# Patterns the typed line does not contain, so only the program's output matches them.
t.send("lxs-host sh -c 'echo wai\"\"ting; read x; stty size'\r")
t.expect(r"waiting", what="the host program waits")
fcntl.ioctl(t.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 44, 101, 0, 0))
time.sleep(1.5)
t.send("\r")
t.expect(r"44 101", what="a resize reaches the host terminal")
t.expect(PROMPT, what="the prompt after the resize")
t.send("lxs-host sh -c 'echo slee\"\"ping; sleep 100'; echo status=$?\r")
t.expect(r"sleeping", what="the host program runs")
time.sleep(1)
t.send(b"\x03")
t.expect(r"status=130", what="Ctrl-C kills the host program (128+SIGINT)")
cmd(t, "test \"$(stty -g)\" = \"$(cat /tmp/modes-before)\" && echo modes-same", r"modes-same",
    "the guest terminal's modes are restored")
t.send("exit 0\r")
t.wait()
print("host interop pty checks passed")
