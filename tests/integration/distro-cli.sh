#!/usr/bin/env bash
# Distro management through the real lxs binary, on real archives (GNU tar and bsdtar) and real
# images: import in every compression and from stdin, list, set-default, manage, export round
# trip, unregister; every bad input gets one line, a non-zero exit and leaves nothing behind;
# hostile archives cannot touch the host; kill -9 mid-import leaves no half-distro; concurrent
# imports. No VM is needed for any of it.
. "$(dirname "$0")/lib.sh"

command -v bsdtar >/dev/null || skip "bsdtar (libarchive-tools) not installed"
command -v e2fsck >/dev/null || skip "e2fsck (e2fsprogs) not installed"
export LXS_DATA_DIR="$TEST_ROOT/data"
T=$TEST_ROOT

# A small but real root file system: busybox as /bin/sh, /etc with passwd, a setuid file,
# a hard link, a fifo, a symlink, a long path.
rootfs=$T/rootfs
mkdir -p "$rootfs"/{bin,etc,tmp,home/ann,usr/bin}
cp /bin/busybox "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/sh"
printf 'root:x:0:0:root:/root:/bin/sh\nann:x:1000:1000::/home/ann:/bin/sh\n' >"$rootfs/etc/passwd"
echo hello >"$rootfs/home/ann/file"
ln "$rootfs/home/ann/file" "$rootfs/home/ann/hardlink"
chmod 4755 "$rootfs/bin/busybox"
chmod 1777 "$rootfs/tmp"
mkfifo "$rootfs/tmp/fifo"
deep=$rootfs/usr/$(printf 'd%.0s' {1..60})/$(printf 'e%.0s' {1..60})/$(printf 'f%.0s' {1..60})
mkdir -p "$deep" && echo deep >"$deep/$(printf 'g%.0s' {1..120})"
chown -R 1000:1000 "$rootfs/home/ann"

listing() { # archive -> sorted listing without times of directories' sizes
        tar --numeric-owner -tvf "$1" | awk '{ $4 = ($1 ~ /^d/) ? "-" : $4; $5 = ""; $6 = ""; print }' |
                sed 's| \./| |; s|/$||' | sort
}

tar --numeric-owner -C "$rootfs" -cf "$T/root.tar" .
gzip -k "$T/root.tar"; xz -k "$T/root.tar"; zstd -q -k "$T/root.tar"; bzip2 -k "$T/root.tar"
bsdtar --numeric-owner -C "$rootfs" -czf "$T/root-bsd.tgz" .

n=0
for f in root.tar root.tar.gz root.tar.xz root.tar.zst root.tar.bz2 root-bsd.tgz; do
        n=$((n + 1))
        lxs --import "d$n" "$T/inst$n" "$T/$f" || fail "import of $f"
        e2fsck -fn "$T/inst$n/ext4.img" >/dev/null 2>&1 || fail "e2fsck on the image of $f"
done
lxs --import fromstdin "$T/inst-stdin" - <"$T/root.tar.zst" || fail "import from stdin"
[ "$(lxs --list -q | wc -l)" = 7 ] || fail "expected 7 distros: $(lxs --list -q)"

# The first import is the default; -v marks it; --json is parseable.
lxs --list -v | grep -q '^\* d1 ' || fail "d1 not marked default: $(lxs --list -v)"
lxs --set-default d3
lxs --list -v | grep -q '^\* d3 ' || fail "--set-default"
lxs --list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [x["name"] for x in d if x["default"]] == ["d3"]' ||
        fail "--json"
lxs --manage d3 --set-default-user ann
lxs --list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [x["defaultUid"] for x in d if x["name"]=="d3"] == [1000]' ||
        fail "--manage --set-default-user"

# Round trip: the exported archive lists (numeric owners, modes, sizes, names) as the original.
lxs --export d1 "$T/out.tar"
diff <(listing "$T/root.tar") <(listing "$T/out.tar") || fail "export listing differs from the original"
lxs --export d2 "$T/out.tar.zst"
zstd -t -q "$T/out.tar.zst" || fail "export by suffix is not zstd"
lxs --export d2 - --format tar.gz | gzip -t || fail "export to stdout as tar.gz"
lxs --export d2 "$T/out.img" --format vhd
e2fsck -fn "$T/out.img" >/dev/null 2>&1 || fail "vhd export is not a clean ext4 image"
lxs --import fromvhd "$T/inst-vhd" "$T/out.img" --vhd || fail "import --vhd"
mkdir "$T/outdir" && (cd "$T/outdir" && tar -xf "$T/out.tar")
cmp "$T/outdir/home/ann/file" "$rootfs/home/ann/file" || fail "file content after round trip"
[ "$(stat -c %i "$T/outdir/home/ann/file")" = "$(stat -c %i "$T/outdir/home/ann/hardlink")" ] ||
        fail "hard link lost in the round trip"

# Unregister removes the image and the directory it made, and the record.
lxs --unregister d1
[ ! -e "$T/inst1" ] || fail "--unregister left $T/inst1"
lxs --list -q | grep -qx d1 && fail "--unregister left the record"

# Bad input: one line, non-zero, nothing registered, no install dir created.
bad() { # expected-substring install-dir command...
        local want=$1 dir=$2
        shift 2
        local before
        before=$(lxs --list -q | sort)
        one_line_error "$want" "$@"
        [ "$(lxs --list -q | sort)" = "$before" ] || fail "'$*' changed the registry"
        [ -z "$dir" ] || [ ! -e "$dir" ] || fail "'$*' left $dir behind"
}
echo "not an archive" >"$T/junk.tar"
bad "not a tar archive" "$T/b1" lxs --import b1 "$T/b1" "$T/junk.tar"
head -c 20000 "$T/root.tar.gz" >"$T/trunc.tar.gz"
bad "trunc.tar.gz" "$T/b2" lxs --import b2 "$T/b2" "$T/trunc.tar.gz"
tar -cf "$T/empty.tar" -T /dev/null
bad "not a Linux distribution" "$T/b3" lxs --import b3 "$T/b3" "$T/empty.tar"
mkdir -p "$T/nosh/etc" && tar -C "$T/nosh" -cf "$T/nosh.tar" .
bad "not a Linux distribution" "$T/b4" lxs --import b4 "$T/b4" "$T/nosh.tar"
bad "exists" "$T/b5" lxs --import D2 "$T/b5" "$T/root.tar"
bad "invalid distro name" "$T/b6" lxs --import "-bad" "$T/b6" "$T/root.tar"
bad "invalid distro name" "$T/b7" lxs --import "a/b" "$T/b7" "$T/root.tar"
bad "already holds a distro" "" lxs --import b8 "$T/inst2" "$T/root.tar"
bad "No such file" "$T/b9" lxs --import b9 "$T/b9" "$T/missing.tar"
bad "unknown format" "" lxs --export d2 "$T/x.tar" --format rar
bad "no such distro" "" lxs --export nope "$T/x.tar"
mkdir "$T/ro" && chmod 0555 "$T/ro"
if [ "$(id -u)" != 0 ]; then
        bad "Permission denied" "" lxs --export d2 "$T/ro/x.tar"
        [ -z "$(ls "$T/ro")" ] || fail "partial export left in $T/ro"
fi
bad "No such file" "" lxs --export d2 "$T/nodir/x.tar"
[ ! -e "$T/x.tar" ] || fail "failed export left output"

# Disk full during import: a clear error, and nothing left on the full file system.
if [ "$(id -u)" = 0 ] && mkdir "$T/small" && mount -t tmpfs -o size=24m tmpfs "$T/small" 2>/dev/null; then
        head -c 40000000 /dev/urandom >"$rootfs/fat"
        tar -C "$rootfs" -cf "$T/fat.tar" .
        rm "$rootfs/fat"
        bad "No space left on device" "$T/small/full" lxs --import full "$T/small/full" "$T/fat.tar"
        leftover=$(ls -A "$T/small")
        umount "$T/small"
        [ -z "$leftover" ] || fail "disk-full import left: $leftover"
else
        echo "disk-full case not run: needs root to mount a small tmpfs" >&2
fi

# Hostile archives: .. and absolute paths and a symlink planted to escape land inside the image
# or are refused; nothing outside the install dir appears on the host.
python3 - "$T/hostile.tar" "$rootfs" <<'PY'
import io, os, sys, tarfile
out, rootfs = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w") as t:
    t.add(rootfs, arcname=".")
    def add(name, data=b"x", kind=tarfile.REGTYPE, link=""):
        i = tarfile.TarInfo(name); i.type = kind; i.linkname = link; i.size = len(data) if kind == tarfile.REGTYPE else 0
        t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    add("../../escaped-dotdot")
    add("/tmp/escaped-absolute-lxs-test")
    add("evil", kind=tarfile.SYMTYPE, link="/tmp")
    add("evil/escaped-through-symlink-lxs-test")
PY
set +e
lxs --import hostile "$T/inst-hostile" "$T/hostile.tar" 2>"$T/hostile.err"
set -e
for f in "$T/../escaped-dotdot" /tmp/escaped-absolute-lxs-test /tmp/escaped-through-symlink-lxs-test; do
        [ ! -e "$f" ] || fail "hostile archive created $f on the host"
done
[ -z "$(find "$T" -maxdepth 1 -name 'escaped*')" ] || fail "hostile archive wrote next to the install dir"

# kill -9 in the middle of an import: no distro appears, and the next lxs cleans up. The archive
# arrives through a pipe that stalls half-way, so the import is surely mid-way when killed.
head -c 100000000 /dev/urandom >"$rootfs/big"
tar -C "$rootfs" -cf "$T/big.tar" .
rm -f "$rootfs/big"
mkfifo "$T/feed"
lxs --import killed "$T/inst-killed" - <"$T/feed" &
victim=$!
{ head -c 60000000 "$T/big.tar"; sleep 60; } >"$T/feed" &
feeder=$!
installing() { lxs --list -v | grep -q '^  killed  *Installing'; }
wait_for 20 installing || fail "an import in progress is not listed as Installing: $(lxs --list -v)"
sleep 0.3
kill -9 $victim || fail "no import to kill"
pkill -P $feeder 2>/dev/null || true
kill $feeder 2>/dev/null || true
wait $victim 2>/dev/null || true
lxs --list -q | grep -qx killed && fail "a killed import left a registered distro"
[ ! -e "$T/inst-killed" ] || fail "the next lxs did not clean up after the killed import: $(ls -la "$T/inst-killed")"
lxs --import killed "$T/inst-killed" "$T/root.tar" || fail "the name of a killed import cannot be reused"

# Concurrent imports: different names both succeed; the same name, exactly one.
lxs --import c1 "$T/c1" "$T/root.tar.zst" & p1=$!
lxs --import c2 "$T/c2" "$T/root.tar.zst" & p2=$!
wait $p1 || fail "concurrent import c1"
wait $p2 || fail "concurrent import c2"
set +e
lxs --import same "$T/s1" "$T/big.tar" 2>"$T/s1.err" & p1=$!
sleep 0.1
lxs --import same "$T/s2" "$T/root.tar" 2>"$T/s2.err" & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
set -e
[ $((r1 + r2)) -gt 0 ] && { [ $r1 = 0 ] || [ $r2 = 0 ]; } || fail "same-name imports: rc $r1 and $r2"
[ "$(lxs --list -q | grep -cx same)" = 1 ] || fail "same-name imports did not yield exactly one distro"
for img in "$T"/inst*/ext4.img "$T"/c?/ext4.img "$T"/s?/ext4.img; do
        [ -e "$img" ] || continue
        e2fsck -fn "$img" >/dev/null 2>&1 || fail "e2fsck on $img"
done
echo "PASS: $TEST_NAME"
