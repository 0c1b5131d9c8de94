#!/usr/bin/env bash
# Host folders inside distros: the home folder by default and [shares] folders appear in every
# running distro at /mnt/host/<host path>; edits are seen from both sides at once; files made
# from Linux belong to the host user; modes, symlinks, rename, hard links, a file past 4 GiB and
# non-ASCII names work; nothing outside a share is reachable (symlinks and .. resolve inside the
# distro); lxs run from a shared folder starts there; lxspath translates both ways; [automount]
# enabled/root are obeyed; a
# share that does not exist is left out without keeping the VM from starting.
. "$(dirname "$0")/lib.sh"

export LXS_TEST_CACHE_DIR="${LXS_TEST_CACHE_DIR:-$HOME/.cache/lxs}"
share="$TEST_ROOT/host share ü"
mkdir -p "$share/sub" "$TEST_ROOT/home"
chmod 0777 "$share"     # so a distro user other than the host's uid may write (tests run as root)
echo "from the host" >"$share/host.txt"
echo "in the home folder" >"$TEST_ROOT/home/h.txt"
echo "top secret" >"$TEST_ROOT/secret"
printf '[shares]\nfolders = %s, %s/missing\n' "$share" "$TEST_ROOT" >"$LXS_CONFIG_DIR/lxs.conf"
import_debian deb
export HOME="$TEST_ROOT/home"            # lxsd shares the home folder it was started with
in_guest="/mnt/host$share"

# -- both folders are there, the missing one is left out with a warning
expect_eq "$(lxs -d deb -e cat "$in_guest/host.txt")" "from the host" "host file read from Linux"
expect_eq "$(lxs -d deb -e cat "/mnt/host$TEST_ROOT/home/h.txt")" "in the home folder" "the home folder is shared by default"
grep -q "share $TEST_ROOT/missing left out" "$LXS_STATE_DIR/lxsd.log" || fail "no warning for the missing share"

# -- ownership: a distro user's new file belongs to the host user on the host
lxs -d deb -e useradd -m -u 1000 ann
lxs -d deb -u ann -e sh -c "echo made by ann >'$in_guest/ann.txt'" || fail "ann writes into the share"
# QEMU runs as the host user with security_model=none: an ordinary user's QEMU cannot chown, so
# the file is that user's; a root QEMU (CI runs as root) passes the distro user's uid through.
if [ "$(id -u)" = 0 ]; then owner=1000; else owner=$(id -u); fi
expect_eq "$(stat -c %u "$share/ann.txt")" "$owner" "owner on the host of a file made from Linux"
expect_eq "$(cat "$share/ann.txt")" "made by ann" "content written from Linux"

# -- edits from both sides are seen at once (no stale cache)
echo "second line" >>"$share/host.txt"
expect_eq "$(lxs -d deb -e tail -n 1 "$in_guest/host.txt")" "second line" "host edit seen in Linux"
lxs -d deb -e sh -c "echo third line >>'$in_guest/host.txt'"
expect_eq "$(tail -n 1 "$share/host.txt")" "third line" "Linux edit seen on the host"

# -- modes, symlinks, rename, hard links, delete, unicode names, truncate
lxs -d deb -e sh -c "cd '$in_guest' && chmod 0640 ann.txt && ln -s host.txt link && mv ann.txt renamed.txt &&
        ln renamed.txt hard && touch 'ünïcødé ✓.txt' && printf 12345678 >cut && truncate -s 3 cut &&
        mkdir -p d/e && rmdir d/e" || fail "file operations from Linux"
expect_eq "$(stat -c %a "$share/renamed.txt")" "640" "chmod from Linux"
expect_eq "$(readlink "$share/link")" "host.txt" "symlink made from Linux"
[ ! -e "$share/ann.txt" ] || fail "rename left the old name"
expect_eq "$(stat -c %h "$share/renamed.txt")" "2" "hard link from Linux"
[ -f "$share/ünïcødé ✓.txt" ] || fail "non-ASCII name made from Linux: $(ls "$share")"
expect_eq "$(cat "$share/cut")" "123" "truncate from Linux"
touch "$share/ħøšŧ.txt"
lxs -d deb -e test -f "$in_guest/ħøšŧ.txt" || fail "non-ASCII name made on the host"
lxs -d deb -e rm "$in_guest/hard" "$in_guest/cut"
[ ! -e "$share/hard" ] && [ ! -e "$share/cut" ] || fail "delete from Linux"

# -- a file past 4 GiB, written at 5 GiB from Linux, read back on both sides
lxs -d deb -e sh -c "printf tail-of-big | dd of='$in_guest/big' bs=1 seek=5368709120 conv=notrunc status=none" ||
        fail "write at 5 GiB"
expect_eq "$(stat -c %s "$share/big")" "5368709131" "size of the big file on the host"
expect_eq "$(tail -c 11 "$share/big")" "tail-of-big" "bytes at 5 GiB on the host"
expect_eq "$(lxs -d deb -e tail -c 11 "$in_guest/big")" "tail-of-big" "bytes at 5 GiB read from Linux"
rm -f "$share/big"

# -- concurrent writers: four Linux processes, each its own file, plus two appending to one file
for i in 1 2 3 4; do head -c $((2 << 20)) /dev/urandom >"$TEST_ROOT/cw$i"; done
cp "$TEST_ROOT"/cw? "$share/"
lxs -d deb -e sh -c "cd '$in_guest' && for i in 1 2 3 4; do cat cw\$i >copy\$i & done &&
        for j in a b; do (for k in \$(seq 200); do echo \$j\$k >>appended; done) & done; wait" ||
        fail "concurrent writers in Linux"
for i in 1 2 3 4; do cmp -s "$TEST_ROOT/cw$i" "$share/copy$i" || fail "concurrent writer $i: the host copy differs"; done
expect_eq "$(wc -l <"$share/appended")" "400" "lines from two concurrent appenders"
expect_eq "$(grep -c '^a' "$share/appended") $(grep -c '^b' "$share/appended")" "200 200" "each appender's lines"
rm -f "$share"/cw? "$share"/copy? "$share/appended"

# -- nothing outside a share: symlinks and .. resolve inside the distro, not on the host
ln -s "$TEST_ROOT/secret" "$share/escape"
ln -s ../secret "$share/escape2"
out=$(lxs -d deb -e sh -c "cat '$in_guest/escape' '$in_guest/escape2' '$in_guest/../secret' 2>&1; ls -A '/mnt/host$TEST_ROOT'")
case "$out" in *"top secret"*) fail "a host file outside the share was read: $out" ;; esac
lxs -d deb -e sh -c "ln -s / '$in_guest/root-link' && cat '$in_guest/root-link/etc/debian_version'" >/dev/null ||
        fail "a symlink to / made in Linux should lead to the distro's own /"
lxs -d deb -e sh -c "echo planted >'$in_guest/root-link/tmp/planted'"
[ ! -e /tmp/planted ] || fail "writing through a symlink made in Linux reached the host's /tmp"

# -- lxs run in a shared folder starts at its place in the distro; elsewhere in the home
expect_eq "$(cd "$share/sub" && lxs -d deb -e pwd)" "$in_guest/sub" "working directory translated"
expect_eq "$(cd / && lxs -d deb -e pwd)" "/root" "outside any share: the home directory"
expect_eq "$(cd "$share" && lxs -d deb --cd /tmp -e pwd)" "/tmp" "--cd wins over the translation"

# -- lxspath inside the distro, both ways, with errors for paths that have no counterpart
expect_eq "$(lxs -d deb -e lxspath -u "$share/sub/x")" "$in_guest/sub/x" "lxspath -u"
expect_eq "$(lxs -d deb -e lxspath -w "$in_guest/sub/../host.txt")" "$share/host.txt" "lxspath -w of a shared file"
expect_eq "$(lxs -d deb -e lxspath -w /etc/hosts)" "$LXS_RUNTIME_DIR/mnt/deb/etc/hosts" "lxspath -w of a distro file"
expect_eq "$(cd "$share/sub" && lxs -d deb -e lxspath -w ../host.txt)" "$share/host.txt" "lxspath -w of a relative path"
err=$(lxs -d deb -e lxspath -u /etc/passwd 2>&1 >/dev/null) && fail "lxspath -u of a path outside every share succeeded"
expect_eq "$err" "lxspath: /etc/passwd: not inside a folder shared into this distro" "lxspath error, path in no share"
err=$(lxs -d deb -e lxspath -u relative 2>&1 >/dev/null) && fail "lxspath -u of a relative path succeeded"
expect_eq "$err" "lxspath: relative: not an absolute host path" "lxspath error, relative path"

# -- [automount] root moves the shares, enabled=false removes them
lxs -d deb -e sh -c 'printf "[automount]\nroot = /host\n" >/etc/lxs.conf'
lxs -t deb
wait_for 20 distro_stopped deb || fail "terminate"
expect_eq "$(lxs -d deb -e cat "/host$share/host.txt" | head -n 1)" "from the host" "[automount] root"
lxs -d deb -e sh -c 'printf "[automount]\nenabled = false\n" >/etc/lxs.conf'
lxs -t deb
wait_for 20 distro_stopped deb || fail "terminate"
lxs -d deb -e test -e "/host$share/host.txt" && fail "[automount] enabled = false still shows the share"
lxs -d deb -e test -e "$in_guest/host.txt" && fail "[automount] enabled = false still shows the share at /mnt/host"
lxs -d deb -e lxspath -u "$share/host.txt" 2>/dev/null && fail "lxspath -u with the shares turned off succeeded"
echo "PASS: $TEST_NAME"
