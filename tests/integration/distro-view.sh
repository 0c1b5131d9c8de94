#!/usr/bin/env bash
# The host's view of a running distro at $LXS_RUNTIME_DIR/mnt/NAME: it appears when the distro
# starts, acts as the distro's default user (files created from the host belong to that user,
# files the user cannot read are refused), `lxs --path` points into it, bulk data goes through;
# it does not keep the distro from idling out, and it disappears without a hang or a stale mount
# when the distro is terminated under a reader, at `lxs --shutdown`, and after lxsd was killed.
. "$(dirname "$0")/lib.sh"

[ -c /dev/fuse ] && [ -r /dev/fuse ] && [ -w /dev/fuse ] || skip "/dev/fuse is not usable"
command -v fusermount3 >/dev/null || skip "fusermount3 not installed"

printf '[distro]\ninstanceIdleTimeout = 6000\n' >"$LXS_CONFIG_DIR/lxs.conf"
import_debian deb
lxs -d deb -e useradd -m -u 1000 ann || fail "useradd"
lxs --manage deb --set-default-user ann || fail "set-default-user"
MNT_DIR="$LXS_RUNTIME_DIR/mnt"
mounted() { grep -qF " $(realpath -m "$MNT_DIR/$1") " /proc/self/mountinfo; }
any_view_mounted() { grep -qF " $(realpath -m "$MNT_DIR")/" /proc/self/mountinfo; }
not_mounted() { ! mounted "$1"; }
# The view process removes the mount point just after the unmount that mountinfo shows first.
gone() { [ ! -e "$1" ]; }

lxs -t deb
wait_for 20 distro_stopped deb || fail "terminate after useradd"
wait_for 10 not_mounted deb || fail "the view of the first run stayed after lxs -t"

# A session holds the distro while the view is exercised (the view alone must not).
lxs -d deb -e sleep 600 &
HOLDER=$!
wait_for 90 mounted deb || fail "no view of deb at $MNT_DIR/deb: $(ls -la "$MNT_DIR" 2>&1)"
V="$MNT_DIR/deb"
[ "$(stat -c %a "$MNT_DIR")" = 700 ] || fail "$MNT_DIR is not private: $(stat -c %a "$MNT_DIR")"

expect_eq "$(cat "$V/etc/debian_version")" "$(lxs -d deb -e cat /etc/debian_version)" "/etc/debian_version"

echo "from the host" >"$V/home/ann/hello.txt" || fail "create in /home/ann through the view"
expect_eq "$(lxs -d deb -e stat -c %U /home/ann/hello.txt)" "ann" "owner of a file the host created"
expect_eq "$(lxs -d deb -e cat /home/ann/hello.txt)" "from the host" "content seen inside the distro"

set +e
err=$(timeout 20 cat "$V/etc/shadow" 2>&1 >/dev/null)
rc=$?
set -e
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "reading /etc/shadow through the view: rc $rc"
case "$err" in *"Permission denied"*) ;; *) fail "/etc/shadow: expected EACCES, got '$err'" ;; esac

expect_eq "$(lxs --path -d deb /etc/hosts)" "$V/etc/hosts" "lxs --path"
expect_eq "$(lxs --path -d deb //etc//hosts/)" "$V/etc/hosts" "lxs --path with extra slashes"
expect_eq "$(lxs --path /etc/hosts)" "$V/etc/hosts" "lxs --path with the default distro"
cat "$(lxs --path -d deb /etc/hosts)" | grep -q localhost || fail "cat of lxs --path's answer"
one_line_error "not an absolute Linux path" lxs --path -d deb etc/hosts
one_line_error "not an absolute Linux path" lxs --path -d deb /etc/../etc/hosts
one_line_error "no such distribution" lxs --path -d nosuch /etc/hosts

head -c $((64 << 20)) /dev/urandom >"$TEST_ROOT/big"
cp "$TEST_ROOT/big" "$V/home/ann/big" || fail "write 64 MiB through the view"
cmp "$TEST_ROOT/big" "$V/home/ann/big" || fail "64 MiB read back through the view differs"
expect_eq "$(lxs -d deb -e sha256sum /home/ann/big | cut -d' ' -f1)" "$(sha256sum "$TEST_ROOT/big" | cut -d' ' -f1)" \
        "64 MiB as the distro sees it"
rm -f "$V/home/ann/big" "$TEST_ROOT/big"

# Only one view per distro: a second one leaves at once.
timeout 10 lxs --mount-view deb || fail "a second --mount-view did not exit 0 at once"
[ "$(grep -cF " $(realpath -m "$V") " /proc/self/mountinfo)" = 1 ] || fail "the view is mounted twice"

# The view alone does not keep the distro running: it idles out and the view goes with it.
kill "$HOLDER" 2>/dev/null || true
wait "$HOLDER" 2>/dev/null || true
wait_for 40 distro_stopped deb || fail "deb did not idle out with only its view left"
wait_for 10 not_mounted deb || fail "the view stayed after deb idled out"
wait_for 5 gone "$V" || fail "the mount point stayed after the view ended"

# Terminated under a reader: the reader gets an error, no hang, and the view goes.
lxs -d deb -e sleep 600 &
HOLDER=$!
wait_for 90 mounted deb || fail "no view after the restart"
lxs -d deb -e sh -c 'head -c 8M /dev/zero >/home/ann/slow'
( exec 3<"$V/home/ann/slow"; read -r -n 1 -u 3 _ || true; sleep 4; timeout 20 cat <&3 >/dev/null ) &
READER=$!
sleep 1
lxs -t deb
START=$(date +%s%N)
wait_for 10 not_mounted deb || fail "the view was still mounted 10 s after lxs -t"
GONE_MS=$((($(date +%s%N) - START) / 1000000))
set +e
wait "$READER"
rc=$?
set -e
[ $rc -ne 0 ] || fail "the reader of a file in a terminated distro got no error"
[ $rc -ne 124 ] || fail "the reader hung after lxs -t"
echo "view gone ${GONE_MS} ms after lxs -t; reader exit $rc"
wait "$HOLDER" 2>/dev/null || true

# lxs --shutdown leaves no view.
lxs -d deb -e sleep 600 &
HOLDER=$!
wait_for 90 mounted deb || fail "no view after the second restart"
lxs --shutdown
wait_for 10 not_mounted deb || fail "the view stayed after lxs --shutdown"
wait "$HOLDER" 2>/dev/null || true

# lxsd killed: the next lxsd finds no stale mount (the view cleans up, or lxsd at its start).
lxs -d deb -e sleep 600 &
HOLDER=$!
wait_for 90 mounted deb || fail "no view after the VM restart"
kill -9 "$(lxsd_pid)"
wait "$HOLDER" 2>/dev/null || true
lxs --status >/dev/null || fail "lxs --status after lxsd was killed"
wait_for 10 not_mounted deb || fail "a stale view was left after lxsd was killed"
! any_view_mounted || fail "a view is mounted after lxsd restarted: $(grep -F "$MNT_DIR" /proc/self/mountinfo)"

# lxsd and the view both killed: a dead FUSE mount is left, and the next lxsd removes it before
# it serves.
view_pid() {
        for p in $(pgrep -f -- "--mount-view deb" || true); do
                if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "LXS_RUNTIME_DIR=$LXS_RUNTIME_DIR"; then
                        echo "$p"
                        return 0
                fi
        done
        return 1
}
lxs -d deb -e sleep 600 &
HOLDER=$!
wait_for 90 mounted deb || fail "no view after lxsd restarted"
VIEW=$(view_pid) || fail "no view process found"
kill -9 "$VIEW" "$(lxsd_pid)"
wait "$HOLDER" 2>/dev/null || true
mounted deb || fail "the killed view's mount is already gone: nothing left to clean up"
lxs --status >/dev/null || fail "lxs --status after lxsd and the view were killed"
! any_view_mounted || fail "the next lxsd left a dead view mounted: $(grep -F "$MNT_DIR" /proc/self/mountinfo)"
wait_for 5 gone "$V" || fail "the next lxsd left the dead view's mount point"
grep -q "stale view .*: unmounted" "$LXS_STATE_DIR/lxsd.log" || fail "lxsd did not log the stale view"
