#!/usr/bin/env bash
# Sessions at a terminal: `lxs` on a pseudo-terminal made by the test (pty-session.py) gets the
# distro's login shell on a PTY with the window size, resizes, TERM, Ctrl-C/Ctrl-Z/Ctrl-\ and job
# control of a local shell, `exit N` as its status, and leaves the terminal as it found it.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 not installed"

import_debian deb
python3 "$(dirname "$0")/pty-session.py" "$LXS_BIN/lxs" deb || fail "terminal session"
echo "PASS: $TEST_NAME"
