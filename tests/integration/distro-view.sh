#!/usr/bin/env bash
# The host's view of a running distro at $LXS_RUNTIME_DIR/mnt/NAME: it appears when the distro
# starts, acts as the distro's default user (files created from the host belong to that user,
# files the user cannot read are refused), `lxs --path` points into it, bulk data goes through;
# file operations (rename, chmod, links, truncate, > 4 GiB, non-ASCII names, concurrent writers)
# land in the distro; the distro's symlinks resolve inside the distro, never on the host; it does
# not keep the distro from idling out, and it disappears without a hang or a stale mount when the
# distro is terminated under a reader, at `lxs --shutdown`, and after lxsd was killed. The
# [views] linkDir link leads to the view and goes with the distro.
. "$(dirname "$0")/lib.sh"

[ -c /dev/fuse ] && [ -r /dev/fuse ] && [ -w /dev/fuse ] || skip "/dev/fuse is not usable"
command -v fusermount3 >/dev/null || skip "fusermount3 not installed"

printf '[distro]\ninstanceIdleTimeout = 6000\n[views]\nlinkDir = %s\n' "$TEST_ROOT/links" >"$LXS_CONFIG_DIR/lxs.conf"
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
expect_eq "$(cat "$TEST_ROOT/links/deb/etc/debian_version")" "$(cat "$V/etc/debian_version")" \
        "/etc/debian_version through the [views] linkDir link"

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

# -- file operations from the host, checked from inside the distro
H="$V/home/ann"
mkdir "$H/ops" && echo one >"$H/ops/f" || fail "mkdir and create through the view"
mv "$H/ops/f" "$H/ops/g" || fail "rename through the view"
lxs -d deb -e test ! -e /home/ann/ops/f || fail "rename left the old name in the distro"
expect_eq "$(lxs -d deb -e cat /home/ann/ops/g)" "one" "a renamed file's content"
chmod 751 "$H/ops/g" || fail "chmod through the view"
expect_eq "$(lxs -d deb -e stat -c %a /home/ann/ops/g)" "751" "mode set from the host"
ln "$H/ops/g" "$H/ops/hard" || fail "hard link through the view"
expect_eq "$(lxs -d deb -e stat -c %h /home/ann/ops/g)" "2" "link count after a hard link"
ln -s g "$H/ops/soft" || fail "symlink through the view"
expect_eq "$(lxs -d deb -e readlink /home/ann/ops/soft)" "g" "a symlink made from the host"
expect_eq "$(cat "$H/ops/soft")" "one" "a relative symlink followed on the host"
head -c 10000 /dev/zero >"$H/ops/t" && truncate -s 1234 "$H/ops/t" || fail "truncate through the view"
expect_eq "$(lxs -d deb -e stat -c %s /home/ann/ops/t)" "1234" "size after truncate"
echo ünï >"$H/ops/ħøšŧ ✓.txt" || fail "non-ASCII name through the view"
expect_eq "$(lxs -d deb -e cat "/home/ann/ops/ħøšŧ ✓.txt")" "ünï" "non-ASCII name in the distro"
lxs -d deb -e sh -c 'echo from-linux >"/home/ann/ops/ünï-linux.txt"'
expect_eq "$(cat "$H/ops/ünï-linux.txt")" "from-linux" "non-ASCII name made in the distro, on the host"
rm "$H/ops/hard" "$H/ops/soft" && mkdir "$H/ops/d" && rmdir "$H/ops/d" || fail "delete through the view"
lxs -d deb -e test ! -e /home/ann/ops/hard -a ! -e /home/ann/ops/d || fail "deleted names still in the distro"

# A file past 4 GiB: written at 5 GiB from the host, read back on both sides.
printf 'past-4g' | dd of="$H/ops/large" bs=1 seek=$((5 << 30)) conv=notrunc status=none || fail "write at 5 GiB"
expect_eq "$(lxs -d deb -e stat -c %s /home/ann/ops/large)" "$(((5 << 30) + 7))" "size of the large file"
expect_eq "$(dd if="$H/ops/large" bs=1 skip=$((5 << 30)) count=7 status=none)" "past-4g" "read at 5 GiB on the host"
expect_eq "$(lxs -d deb -e dd if=/home/ann/ops/large bs=1 skip=$((5 << 30)) count=7 status=none)" "past-4g" \
        "read at 5 GiB in the distro"
rm "$H/ops/large"

# Concurrent writers: four host processes, a file each, checked from the distro.
for i in 1 2 3 4; do head -c $((3 << 20)) /dev/urandom >"$TEST_ROOT/w$i"; done
writers=()
for i in 1 2 3 4; do
        cp "$TEST_ROOT/w$i" "$H/ops/w$i" &
        writers+=($!)
done
for p in "${writers[@]}"; do wait "$p" || fail "a concurrent writer failed"; done
for i in 1 2 3 4; do
        expect_eq "$(lxs -d deb -e sha256sum /home/ann/ops/w$i | cut -d' ' -f1)" \
                "$(sha256sum "$TEST_ROOT/w$i" | cut -d' ' -f1)" "concurrent writer $i"
done

# -- escapes: symlinks the distro made resolve inside the distro, never on the host
lxs -d deb -u root -e sh -c 'echo only-in-deb >/etc/view-marker'
lxs -d deb -e sh -c 'ln -s /etc/view-marker /home/ann/ops/abs && ln -s ../../../../../../../etc/view-marker /home/ann/ops/climb &&
        ln -s /tmp/planted-from-the-view /home/ann/ops/plant'
expect_eq "$(cat "$H/ops/abs")" "only-in-deb" "an absolute symlink followed on the host"
expect_eq "$(cat "$H/ops/climb")" "only-in-deb" "a symlink climbing past the root, followed on the host"
rm -f /tmp/planted-from-the-view
echo planted >"$H/ops/plant" 2>/dev/null || true
[ ! -e /tmp/planted-from-the-view ] || fail "writing through a distro's symlink reached the host's /tmp"
lxs -d deb -e test -e /tmp/planted-from-the-view || fail "the write through the symlink did not land in the distro's /tmp"
expect_eq "$(cd "$V" && cd .. && pwd -P)" "$(realpath "$MNT_DIR")" "'..' at the view's root is the host directory above it"
rm -rf "$H/ops" || fail "rm -rf through the view"

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

# The stable link stays while the distro is stopped (and fails at once), and goes with the distro.
lxs -t deb 2>/dev/null || true
[ -L "$TEST_ROOT/links/deb" ] || fail "the view link went away with the view"
set +e
timeout 10 ls "$TEST_ROOT/links/deb/" >/dev/null 2>&1
rc=$?
set -e
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "listing a stopped distro through its link: rc $rc"
mkdir -p "$TEST_ROOT/links/mine"
lxs --unregister deb || fail "unregister"
[ ! -e "$TEST_ROOT/links/deb" ] && [ ! -L "$TEST_ROOT/links/deb" ] || fail "the view link stayed after --unregister"
[ -d "$TEST_ROOT/links/mine" ] || fail "unregister touched another entry of the link folder"
echo "PASS: $TEST_NAME"
