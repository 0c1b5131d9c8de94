#!/usr/bin/env bash
# The distro's own /etc/lxs.conf ([boot] command once per start, [network] hostname, [user]
# default; unknown keys and bad lines warned about once, with file and line) and the idle stop:
# a distro with no session and no process of a session left stops after instanceIdleTimeout,
# one whose session left a process behind keeps running until it ends.
. "$(dirname "$0")/lib.sh"

printf '[distro]\ninstanceIdleTimeout = 3000\n' >"$LXS_CONFIG_DIR/lxs.conf"
import_debian deb

lxs -d deb -e useradd -m bob
lxs -d deb -e sh -c 'cat >/etc/lxs.conf' <<'CONF'
[boot]
command = echo started >>/root/boots
[network]
hostname = custom-host
[user]
default = bob
[mystery]
key = 1
this line is not ini
CONF
lxs -t deb
wait_for 20 distro_stopped deb || fail "terminate"

lxs -d deb -e true 2>"$TEST_ROOT/warn1" || fail "start with the new lxs.conf"
grep -q 'lxs.conf:8' "$TEST_ROOT/warn1" || fail "no warning for the unknown key at line 8: $(cat "$TEST_ROOT/warn1")"
grep -q 'lxs.conf:9' "$TEST_ROOT/warn1" || fail "no warning for the bad line 9: $(cat "$TEST_ROOT/warn1")"
lxs -d deb -e true 2>"$TEST_ROOT/warn2"
[ ! -s "$TEST_ROOT/warn2" ] || fail "warnings repeated on the next command: $(cat "$TEST_ROOT/warn2")"
expect_eq "$(lxs -d deb -e hostname)" "custom-host" "[network] hostname"
expect_eq "$(lxs -d deb -e id -un)" "bob" "[user] default"
expect_eq "$(lxs -d deb -u root -e sh -c 'sleep 1; cat /root/boots')" "started" "[boot] command ran once"

# -- idle stop
wait_for 30 distro_stopped deb || fail "deb did not stop after 3 s idle: $(lxs --list -v)"
lxs -d deb -u root -e sh -c 'nohup sleep 8 >/dev/null 2>&1 &'
sleep 5
running_distros | grep -qx deb || fail "deb stopped while a process of a session was alive"
wait_for 30 distro_stopped deb || fail "deb did not stop once the background process ended"
expect_eq "$(lxs -d deb -u root -e cat /root/boots | wc -l)" 3 "[boot] command ran once per start"
echo "PASS: $TEST_NAME"
