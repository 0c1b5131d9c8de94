#!/usr/bin/env bash
# Sessions in a real Debian distro through real lxs, lxsd, QEMU and /init: the distro starts on
# demand and shows as Running; commands run as the default user or -u, in ~ or --cd, through
# the user's shell or not, with their exit status; unknown distros and bad options are one-line
# errors; asking about distros never starts lxsd; --terminate ends a session in it and leaves a
# clean image; the idle timeout stops it; --export of a running distro stops it first; lxs.conf
# warnings of the distro are printed once per start.
. "$(dirname "$0")/lib.sh"

command -v e2fsck >/dev/null || [ -x /sbin/e2fsck ] || skip "e2fsck (e2fsprogs) not installed"
rootfs=$(debian_tarball)
[ -r "$rootfs" ] || skip "no cached Debian rootfs tarball (the distro-debian test or lxs --install builds one)"
export LXS_DATA_DIR="$TEST_ROOT/data"
T=$TEST_ROOT
fsck() { PATH="$PATH:/sbin:/usr/sbin" e2fsck "$@"; }
state_of() { lxs --list -v | awk -v n="$1" '{ if ($1 == "*") { $1 = "" ; $0 = $0 } } $1 == n { print $2 }'; }

# No distro yet: lxs alone says what to do, and starts nothing.
one_line_error "no distribution installed: run lxs --install" lxs
lxsd_pid >/dev/null && fail "lxs without a distro started lxsd"

lxs --import deb "$T/deb" "$rootfs" || fail "import of $rootfs"

# Asking which distros run, or stopping one that does not, must not start lxsd.
expect_eq "$(state_of deb)" "Stopped" "state before any session"
lxs -t deb || fail "--terminate of a stopped distro"
lxs --list --running -q >/dev/null
lxsd_pid >/dev/null && fail "--list -v, --terminate or --running started lxsd"

# The first command starts the distro (and the VM); lxs -l -v then says Running.
expect_eq "$(lxs -e cat /etc/debian_version | cut -d. -f1)" "12" "a command in the default distro"
expect_eq "$(state_of deb)" "Running" "state while the distro runs"
expect_eq "$(lxs --list --running -q)" "deb" "--list --running"

# User, home, shell, cwd, environment.
expect_eq "$(lxs -d DEB -e id -un)" "root" "default user without --manage"
expect_eq "$(lxs -u nobody -e id -u)" "65534" "-u nobody"
expect_eq "$(lxs -u 65534 -e id -un)" "nobody" "-u with a uid"
expect_eq "$(lxs 'echo $HOME; pwd')" "$(printf '/root\n/root')" "a command line runs in ~ through the shell"
expect_eq "$(lxs --cd /tmp -e pwd)" "/tmp" "--cd /tmp"
expect_eq "$(lxs --cd /tmp --cd '~' -e pwd)" "/root" "--cd ~ (the last --cd wins)"
expect_eq "$(LC_TIME=C.UTF-8 lxs -e printenv LC_TIME)" "C.UTF-8" "LC_* passed on"
expect_eq "$(lxs --shell-type none echo '$HOME')" '$HOME' "--shell-type none runs the words without a shell"
expect_eq "$(lxs -e cat /proc/sys/kernel/hostname)" "deb" "the distro's hostname"
lxs -e sh -c 'test ! -e /proc/1/root/init' || fail "the distro's PID 1 is the VM's /init"

# Exit statuses are the command's.
set +e
lxs -e sh -c 'exit 7'; rc=$?
set -e
expect_eq "$rc" 7 "exit status"
set +e
lxs -e sh -c 'kill -9 $$'; rc=$?
set -e
expect_eq "$rc" 137 "killed by SIGKILL"

# Errors: one line, status 1.
one_line_error "nope: no such distribution" lxs -d nope -e true
one_line_error "--cd: 'relative': expected ~ or an absolute Linux path" lxs --cd relative -e true
one_line_error "-d: not valid with --system" lxs --system -d deb -e true

# --terminate ends what runs in it and returns once it is stopped; its image is clean.
lxs -e sleep 300 &
sleeper=$!
sleep 2
lxs -t deb || fail "--terminate of a running distro"
expect_eq "$(state_of deb)" "Stopped" "state after --terminate"
wait_for 10 process_gone $sleeper || fail "the session in the terminated distro did not end"
fsck -fn "$T/deb/ext4.img" >/dev/null 2>&1 || fail "e2fsck -fn after --terminate"

# Warnings about the distro's own /etc/lxs.conf come once per start, as lxs: deb: ...
lxs -e sh -c 'printf "[automount]\nnoSuchKey = 1\n" > /etc/lxs.conf'
lxs -t deb
lxs -e true 2>"$T/warn1"
lxs -e true 2>"$T/warn2"
grep -q '^lxs: deb: .*lxs.conf' "$T/warn1" || fail "no warning about /etc/lxs.conf on start: $(cat "$T/warn1")"
[ ! -s "$T/warn2" ] || fail "warning repeated without a new start: $(cat "$T/warn2")"
lxs -e rm /etc/lxs.conf

# --export of a running distro terminates it first and exports a consistent image.
lxs --export deb "$T/out.tar" || fail "--export of a running distro"
expect_eq "$(state_of deb)" "Stopped" "state after --export"
tar -tf "$T/out.tar" >"$T/out.list"
grep -Eqx '(\./)?etc/debian_version' "$T/out.list" || fail "export lacks /etc/debian_version"

# instanceIdleTimeout: an idle distro stops by itself; the VM stays for its own timeout.
lxs --shutdown
printf '[distro]\ninstanceIdleTimeout = 1000\n' >"$LXS_CONFIG_DIR/lxs.conf"
lxs -e true
stopped() { [ "$(state_of deb)" = Stopped ]; }
wait_for 20 stopped || fail "the idle distro did not stop (state $(state_of deb))"
expect_eq "$(vm_state)" "Running" "the VM after its last distro stopped"

# A daemon started by a session keeps the distro from being idle.
lxs -e sh -c 'nohup sleep 8 >/dev/null 2>&1 &'
sleep 4
expect_eq "$(state_of deb)" "Running" "a distro with a background process"
wait_for 25 stopped || fail "the distro did not stop after its background process ended"

echo "PASS: $TEST_NAME"
