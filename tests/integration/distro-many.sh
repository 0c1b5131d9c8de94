#!/usr/bin/env bash
# Three distros at once in one VM: isolated from each other's processes, mounts and hostnames;
# 32 concurrent sessions across them lose no byte and mix nothing; a session whose reader stops
# reading does not stall the others; a distro terminated or a VM killed under a session ends
# that session with a clear error instead of a hang.
. "$(dirname "$0")/lib.sh"

import_debian d1
clone_distro d1 d2
clone_distro d1 d3

# -- isolation
lxs -d d1 -e sh -c 'nohup sleep 777 >/dev/null 2>&1 &'
# The pattern does not match its own command line.
count_marker() { lxs -d "$1" -e sh -c 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\0" " " | grep -c "sleep 7[7]7" || true'; }
# Polled: the first exec after a distro starts reads cold pages, and while `sleep` is being
# exec'd its /proc/PID/cmdline reads empty (seen under TCG, about one run in four).
marker_in_d1() { [ "$(count_marker d1)" = 1 ]; }
wait_for 10 marker_in_d1 || fail "d1's background process in d1: got '$(count_marker d1)', expected '1'"
for d in d2 d3; do
        expect_eq "$(lxs -d $d -e hostname)" "$d" "hostname of $d"
        expect_eq "$(count_marker $d)" 0 "$d sees d1's processes"
        lxs -d $d -e sh -c 'touch /only-in-'$d
done
[ "$(running_distros | sort | tr '\n' ' ')" = "d1 d2 d3 " ] || fail "not all three running: $(running_distros)"
lxs -d d1 -e test ! -e /only-in-d2 || fail "a file made in d2 shows in d1"
lxs -d d1 -e sh -c 'grep -c " / " /proc/mounts' | grep -qx 1 || fail "d1 sees more than its own root mount"

# -- 32 concurrent sessions, distinct data each, checked end to end
pids=()
for i in $(seq 32); do
        d=d$(( (i % 3) + 1 ))
        head -c $((256 * 1024 + i * 4099)) /dev/urandom >"$TEST_ROOT/in$i"
        lxs -d "$d" -e sh -c 'cat; echo "<$0>" >&2' "s$i" <"$TEST_ROOT/in$i" >"$TEST_ROOT/out$i" 2>"$TEST_ROOT/err$i" &
        pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent session failed"; done
for i in $(seq 32); do
        cmp -s "$TEST_ROOT/in$i" "$TEST_ROOT/out$i" || fail "session $i: output differs from its input"
        expect_eq "$(cat "$TEST_ROOT/err$i")" "<s$i>" "session $i stderr"
done

# -- a reader that stops does not stall the others
mkfifo "$TEST_ROOT/stall"
lxs -d d1 -e sh -c 'head -c 50000000 /dev/zero' >"$TEST_ROOT/stall" &
stalled=$!
exec 9<"$TEST_ROOT/stall"          # opened, never read
for d in d1 d2 d3; do
        out=$(timeout 60 lxs -d "$d" -e sh -c 'head -c 2000000 /dev/zero | wc -c') ||
                fail "a session in $d stalled behind a blocked reader"
        expect_eq "$out" 2000000 "byte count next to a blocked reader in $d"
done
kill "$stalled" 2>/dev/null || true
exec 9<&-
wait "$stalled" 2>/dev/null || true

# -- the distro terminated under a session
lxs -d d2 -e sleep 1000 2>"$TEST_ROOT/term-err" &
victim=$!
sleep 2
lxs -t d2 || fail "terminate d2"
wait_for 30 process_gone "$victim" || fail "the session of a terminated distro hangs"
set +e; wait "$victim"; rc=$?; set -e
[ "$rc" -ne 0 ] || fail "the session of a terminated distro exited 0"
[ "$(wc -l <"$TEST_ROOT/term-err")" -le 1 ] || fail "terminate under a session: $(cat "$TEST_ROOT/term-err")"
lxs -d d1 -e true || fail "d1 was hurt by terminating d2"

# -- the VM killed under a session
lxs -d d3 -e sleep 1000 2>"$TEST_ROOT/vm-err" &
victim=$!
sleep 3
kill -9 "$(qemu_pid)"
wait_for 30 process_gone "$victim" || fail "the session hangs after the VM died"
set +e; wait "$victim"; rc=$?; set -e
[ "$rc" -ne 0 ] || fail "the session exited 0 although the VM died"
[ "$(wc -l <"$TEST_ROOT/vm-err")" = 1 ] && grep -q '^lxs: ' "$TEST_ROOT/vm-err" ||
        fail "no clear one-line error when the VM died: $(cat "$TEST_ROOT/vm-err")"
wait_for 30 distro_stopped d3 || fail "d3 still listed as running after the VM died"
expect_eq "$(lxs -d d3 -e echo back)" "back" "a distro starts again in a fresh VM"
echo "PASS: $TEST_NAME"
