#!/usr/bin/env bash
# `lxs --system -e` relays argv, stdout, stderr, stdin and the exit status exactly.
. "$(dirname "$0")/lib.sh"

# On-demand start: nothing runs before the first command.
expect_eq "$(vm_state)" "Stopped" "state before any command"
[ -z "$(our_qemus)" ] || fail "a QEMU runs before any command"

release=$(lxs --system -e uname -r)
expect_eq "$release" "$(cat "$LXS_IMAGE/kernel.release")" "guest kernel release"
expect_eq "$(vm_state)" "Running" "state after a command"

set +e
lxs --system -e sh -c 'exit 7'
rc=$?
set -e
expect_eq "$rc" 7 "exit status of sh -c 'exit 7'"

set +e
lxs --system -e sh -c 'kill -9 $$'
rc=$?
set -e
expect_eq "$rc" 137 "exit status of a command killed by SIGKILL"

lxs --system -e sh -c 'echo out; echo err >&2' >"$TEST_ROOT/out" 2>"$TEST_ROOT/err"
expect_eq "$(cat "$TEST_ROOT/out")" "out" "stdout"
expect_eq "$(cat "$TEST_ROOT/err")" "err" "stderr"

# The command line without -e goes through the shell, joined, as with wsl.
expect_eq "$(lxs --system echo a '$((1+2))')" "a 3" "shell command line"

# 1 MiB of binary data through stdin and back out, byte-exact (all 256 byte values).
head -c 1048576 /dev/urandom >"$TEST_ROOT/blob"
lxs --system -e cat <"$TEST_ROOT/blob" >"$TEST_ROOT/blob.back"
cmp "$TEST_ROOT/blob" "$TEST_ROOT/blob.back" || fail "1 MiB through cat is not byte-exact"

# 1 MiB generated in the guest, checked against its own checksum there.
sum_guest=$(lxs --system -e sh -c 'head -c 1048576 /dev/urandom > /tmp/b; md5sum /tmp/b' | cut -d' ' -f1)
sum_host=$(lxs --system -e cat /tmp/b | md5sum | cut -d' ' -f1)
expect_eq "$sum_host" "$sum_guest" "1 MiB of guest output"

# EOF on stdin reaches the command.
expect_eq "$(echo hi | lxs --system -e tr a-z A-Z)" "HI" "stdin relay with EOF"

# A command that does not exist: one line naming it, exit 127.
set +e
err=$(lxs --system -e /no/such/program 2>&1 >/dev/null)
rc=$?
set -e
expect_eq "$rc" 127 "exit status for a missing program"
[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "error is not one line: $err"
case "$err" in lxs:*/no/such/program*) ;; *) fail "error does not name the program: $err" ;; esac
echo "PASS: $TEST_NAME"
