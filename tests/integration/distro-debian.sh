#!/usr/bin/env bash
# The main job's way in, minus the shell: `lxs --install debian --no-launch` builds (or reuses
# from the cache) a real Debian minbase with mmdebstrap from apt's mirror and imports it; then
# the export round trip must reproduce the original tarball entry for entry: type, name, mode
# (setuid and all), numeric owner, size, mtime, link target, device numbers, content checksum
# and extended attributes.
. "$(dirname "$0")/lib.sh"

command -v mmdebstrap >/dev/null || skip "mmdebstrap not installed"
command -v zstd >/dev/null || skip "zstd not installed"
export LXS_DATA_DIR="$TEST_ROOT/data"
# The rootfs tarball is cached per user like a real install's; a fresh machine builds it once.
export LXS_CACHE_DIR="${LXS_TEST_CACHE_DIR:-$HOME/.cache/lxs}"

lxs --install debian --no-launch || fail "lxs --install debian --no-launch"
lxs --list -v | grep -q '^\* debian ' || fail "the installed distro is not the default: $(lxs --list -v)"
image=$(lxs --list --json | python3 -c 'import json,sys; print([d["image"] for d in json.load(sys.stdin) if d["name"]=="debian"][0])')
e2fsck -fn "$image" >/dev/null 2>&1 || fail "e2fsck on the installed image"

tarball=$(ls "$LXS_CACHE_DIR"/rootfs/debian-*-minbase.tar.zst | head -1)
zstd -q -d -c "$tarball" >"$TEST_ROOT/orig.tar"
lxs --export debian "$TEST_ROOT/back.tar"

manifest() {
        python3 - "$1" <<'PY'
import hashlib, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    for m in t:
        name = m.name[2:] if m.name.startswith("./") else m.name
        name = name.rstrip("/")
        if name in ("", "."):
            continue
        digest = ""
        if m.isreg():
            h = hashlib.sha256()
            f = t.extractfile(m)
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
            digest = h.hexdigest()
        xattrs = sorted((k, v) for k, v in m.pax_headers.items() if k.startswith("SCHILY.xattr."))
        kind = "h" if m.islnk() else m.type.decode()
        link = m.linkname[2:] if m.islnk() and m.linkname.startswith("./") else m.linkname
        mtime = int(m.mtime)
        print(kind, name, oct(m.mode), m.uid, m.gid, m.size if m.isreg() else 0, mtime, link,
              m.devmajor, m.devminor, digest, xattrs)
PY
}
manifest "$TEST_ROOT/orig.tar" | sort >"$TEST_ROOT/orig.list"
manifest "$TEST_ROOT/back.tar" | sort >"$TEST_ROOT/back.list"
entries=$(wc -l <"$TEST_ROOT/orig.list")
[ "$entries" -gt 3000 ] || fail "the Debian tarball has only $entries entries"
if ! diff -q "$TEST_ROOT/orig.list" "$TEST_ROOT/back.list" >/dev/null; then
        diff "$TEST_ROOT/orig.list" "$TEST_ROOT/back.list" | head -20 >&2
        fail "export of the installed Debian differs from the original tarball"
fi
echo "round trip of $entries entries equal"
echo "PASS: $TEST_NAME"
