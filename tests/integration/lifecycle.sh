#!/usr/bin/env bash
# The VM's life cycle: idle shutdown, --shutdown, --shutdown --force, QEMU killed under lxsd,
# lxsd killed under QEMU; each time the next command recovers and nothing is left running.
. "$(dirname "$0")/lib.sh"

cat >"$LXS_CONFIG_DIR/lxs.conf" <<CONF
[vm]
vmIdleTimeout = 2000
CONF

# Idle shutdown after vmIdleTimeout with nothing running.
lxs --system -e true
expect_eq "$(vm_state)" "Running" "state right after a command"
vm_stopped() { [ "$(vm_state)" = Stopped ]; }
wait_for 15 vm_stopped || fail "VM still running well after vmIdleTimeout"
wait_for 5 no_qemu || fail "QEMU left after idle shutdown"

# A running session keeps the VM up past the idle timeout.
lxs --system -e sleep 4
echo "session outlived the idle timeout"

# --shutdown stops a running VM and reports success.
lxs --system -e true
lxs --shutdown
expect_eq "$(vm_state)" "Stopped" "state after --shutdown"
[ -z "$(our_qemus)" ] || fail "QEMU left after --shutdown"

# --shutdown --force, while a command is still running: that command ends with an error.
lxs --system -e sleep 60 >/dev/null 2>"$TEST_ROOT/sleep.err" &
sleeper=$!
one_session() { [ "$(lxs --status | awk '/^Sessions:/{print $2}')" = 1 ]; }
wait_for 30 one_session || fail "session did not start"
lxs --shutdown --force
set +e
wait $sleeper
rc=$?
set -e
[ $rc -ne 0 ] || fail "a session cut by --shutdown --force exited 0"
grep -q '^lxs: ' "$TEST_ROOT/sleep.err" || fail "no error for the cut session: $(cat "$TEST_ROOT/sleep.err")"
expect_eq "$(vm_state)" "Stopped" "state after --shutdown --force"

# QEMU killed with SIGKILL: the next command boots a fresh VM.
lxs --system -e true
old=$(qemu_pid)
kill -9 "$old"
wait_for 10 process_gone "$old" || fail "QEMU $old survived SIGKILL"
# lxsd notices the death by itself (its pidfd), without any command asking.
wait_for 10 vm_stopped || fail "lxs --status does not report the dead VM as Stopped"
expect_eq "$(lxs --system -e echo recovered)" "recovered" "command after QEMU was killed"
new=$(qemu_pid)
[ "$new" != "$old" ] || fail "no fresh QEMU after the old one was killed"

# lxsd killed with SIGKILL: its QEMU goes with it, and the next lxs starts both afresh.
daemon=$(lxsd_pid) || fail "no lxsd found"
qemu=$(qemu_pid)
kill -9 "$daemon"
wait_for 10 process_gone "$qemu" || fail "QEMU $qemu outlived its lxsd"
expect_eq "$(lxs --system -e echo again)" "again" "command after lxsd was killed"
[ "$(our_qemus | wc -l)" = 1 ] || fail "more than one QEMU after recovery: $(our_qemus)"
echo "PASS: $TEST_NAME"
