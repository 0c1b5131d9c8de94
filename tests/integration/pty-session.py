#!/usr/bin/env python3
"""Drives `lxs` on a pseudo-terminal the way a user at a terminal would: the distro's login
shell on a PTY of its own, the window size at start and after a resize, TERM, Ctrl-C, Ctrl-Z
with job control, Ctrl-\\, the exit status of `exit N`, and the terminal's modes restored after
lxs exits, also when lxs is killed by a signal.

usage: pty-session.py LXS DISTRO"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

LXS, DISTRO = sys.argv[1], sys.argv[2]


def fail(msg):
    print(f"FAIL: pty-session: {msg}", file=sys.stderr)
    sys.exit(1)


def spawn(argv, rows, cols):
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.environ["TERM"] = "xterm-256color"
        os.execv(argv[0], argv)
    return pid, fd


class Term:
    def __init__(self, argv, rows=40, cols=120):
        self.pid, self.fd = spawn(argv, rows, cols)
        self.buf = b""
        self.status = None

    def send(self, data):
        os.write(self.fd, data.encode() if isinstance(data, str) else data)

    def expect(self, pattern, timeout=30, what=None):
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                fail(f"{what or pattern!r}: not seen within {timeout}s; screen: {self.buf[-400:]!r}")
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    fail(f"{what or pattern!r}: lxs closed the terminal; screen: {self.buf[-400:]!r}")
                self.buf += chunk

    def wait(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:  # drain so lxs never blocks on a full terminal
                r, _, _ = select.select([self.fd], [], [], 0.1)
                if r:
                    os.read(self.fd, 65536)
            except OSError:
                pass
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
                return status
        fail(f"lxs did not exit within {timeout}s")


def cmd(t, line, expect, what):
    t.send(line + "\r")
    return t.expect(expect, what=what)


def interrupt(t, command, key, shows, what):
    """Runs command in the foreground, types key after it started, expects shows."""
    t.send(command + "\r")
    time.sleep(1.5)
    t.send(key)
    t.expect(shows, what=what)


# -- an interactive login shell
t = Term([LXS, "-d", DISTRO])
initial = termios.tcgetattr(t.fd)
cmd(t, "echo READY-$((40+2))", r"READY-42", "the login shell answers")
cmd(t, "echo shell=$0", r"shell=-bash", "the shell is a login shell")
cmd(t, "tty", r"/dev/pts/\d+", "the session has a terminal")
cmd(t, "stty size", r"40 120", "window size at start")
fcntl.ioctl(t.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 100, 0, 0))
time.sleep(0.5)
cmd(t, "stty size", r"50 100", "window size after a resize")
cmd(t, "echo term=$TERM", r"term=xterm-256color", "TERM from the host")

interrupt(t, "sleep 100", b"\x03", r"\^C", "Ctrl-C echoes")
cmd(t, "echo after-int", r"after-int\r?\n", "Ctrl-C stops the foreground command, not the shell")
interrupt(t, "sleep 101", b"\x1a", r"Stopped", "Ctrl-Z stops the foreground job")
cmd(t, "jobs", r"sleep 101", "job control lists the stopped job")
cmd(t, "kill %1; wait; echo killed-job", r"killed-job\r?\n", "the stopped job can be killed")
interrupt(t, "sleep 102", b"\x1c", r"Quit", "Ctrl-\\ quits the foreground command")
cmd(t, "echo still-here", r"still-here\r?\n", "the shell survives Ctrl-\\")

t.send("exit 3\r")
status = t.wait()
if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 3:
    fail(f"`exit 3` gave wait status {status:#x}, expected exit code 3")
if termios.tcgetattr(t.fd) != initial:
    fail("the terminal's modes were not restored after exit")
os.close(t.fd)

# -- lxs killed by a signal still restores the terminal, and the remote command ends
t = Term([LXS, "-d", DISTRO, "-e", "sh", "-c", "echo started; sleep 100"])
initial = termios.tcgetattr(t.fd)
t.expect(r"started", what="the command starts")
os.kill(t.pid, signal.SIGTERM)
status = t.wait()
if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 128 + signal.SIGTERM):
    fail(f"SIGTERM to lxs gave wait status {status:#x}, expected exit code 143")
if termios.tcgetattr(t.fd) != initial:
    fail("the terminal's modes were not restored after SIGTERM")
print("pty session checks passed")
