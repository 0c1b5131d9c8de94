#!/usr/bin/env python3
"""Builds the tar archives the distro image tests import, into OUTDIR.

  pax.tar          Python tarfile, PAX: every entry kind a root file system needs (devices,
                   fifos, setuid/setgid/sticky, ids above 65535, ns mtimes, pre-1970 and
                   post-2038 times, xattrs incl. security.capability, long names and paths,
                   fast and slow symlinks, hard links, UTF-8 names). Sorted, all dirs named.
  gnu.tar          GNU tar --format=gnu of a real directory: sparse files (old GNU sparse),
                   ././@LongLink names, hard links, fifo, setuid.
  posix.tar        GNU tar --format=posix --xattrs --sparse of the same directory (PAX sparse).
  sparse-many.tar  one file of 300 separate data runs (an extent tree deeper than the inode).
  edge.tar         odd but valid input: implicit parents, a directory named after its
                   children, duplicates, "..", absolute names, a hard link to nothing, a
                   symlink with an empty target.

GNU tar archives are made with --sort=name so the first name of a hard-link set is the one a
sorted export also lists first. Run as any user: nothing here needs root.
"""
import io
import os
import subprocess
import sys
import tarfile

OUT = sys.argv[1]
ROOT_TIME = 1700000000


def info(name, kind=tarfile.REGTYPE, mode=0o644, uid=0, gid=0, mtime=ROOT_TIME, **kw):
    t = tarfile.TarInfo(name)
    t.type = kind
    t.mode = mode
    t.uid, t.gid = uid, gid
    t.uname = t.gname = ""
    t.mtime = mtime
    for k, v in kw.items():
        setattr(t, k, v)
    return t


def data(seed, size):
    out = bytearray()
    x = seed
    while len(out) < size:
        x = (x * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
        out += x.to_bytes(8, "little")
    return bytes(out[:size])


# vfs_cap_data v2: magic|effective, permitted (cap_net_raw = bit 13), inheritable, hi words.
CAP_NET_RAW = (0x02000001).to_bytes(4, "little") + (1 << 13).to_bytes(4, "little") + bytes(12)


def xattrs(**kv):
    return {"SCHILY.xattr." + k: v for k, v in kv.items()}


def pax_tar(path):
    members = []

    def add(t, content=None, pax=None):
        if pax:
            t.pax_headers = dict(pax)
        if content is not None:
            t.size = len(content)
        members.append((t, content))

    d = tarfile.DIRTYPE
    add(info("./", d, 0o755))
    add(info("./bin", tarfile.SYMTYPE, 0o777, linkname="usr/bin"))
    add(info("./dev/", d, 0o755))
    add(info("./dev/big", tarfile.CHRTYPE, 0o600, devmajor=300, devminor=70000))
    add(info("./dev/fifo", tarfile.FIFOTYPE, 0o644))
    add(info("./dev/null", tarfile.CHRTYPE, 0o666, devmajor=1, devminor=3))
    add(info("./dev/sda", tarfile.BLKTYPE, 0o660, gid=6, devmajor=8, devminor=0))
    add(info("./dev/tty5", tarfile.CHRTYPE, 0o620, gid=5, devmajor=4, devminor=5))
    add(info("./etc/", d, 0o755))
    add(info("./etc/empty"), b"")
    add(info("./etc/exactly-a-block", mtime=ROOT_TIME + 0.5), data(1, 4096))
    add(info("./etc/hostname"), b"lxs\n")
    add(info("./etc/just-over-a-block"), data(2, 4097))
    add(info("./etc/shadow", mode=0o640, gid=42), b"root:*:19000:0:99999:7:::\n")
    add(info("./etc/zeros-inside"), data(3, 8192) + bytes(65536) + data(4, 100))
    add(info("./home/", d, 0o755))
    add(info("./home/user/", d, 0o700, uid=1000, gid=1000, mtime=ROOT_TIME + 0.123456789))
    add(info("./home/user/naïve-файл.txt", uid=1000, gid=1000), "unicode\n".encode())
    add(info("./home/user/old", uid=1000, gid=1000, mtime=-86400 * 365), b"1969\n")
    add(info("./home/user/future", uid=1000, gid=1000, mtime=4102444800.25), b"2100\n")
    add(info("./home/user/big-ids", uid=100000, gid=200000), b"ids\n")
    longdir = "./opt/" + "/".join(["d%02d-" % i + "x" * 45 for i in range(6)])
    add(info("./opt/", d, 0o755))
    parts = longdir.split("/")
    for i in range(2, len(parts)):
        add(info("/".join(parts[:i + 1]) + "/", d, 0o755))
    add(info(longdir + "/" + "n" * 255), b"long path\n")
    add(info("./tmp/", d, 0o1777))
    add(info("./usr/", d, 0o755))
    add(info("./usr/bin/", d, 0o755), pax=xattrs(**{"user.dir": "on a directory"}))
    add(info("./usr/bin/big", mode=0o755), data(5, 3 * 1024 * 1024 + 17))
    add(info("./usr/bin/dangling", tarfile.SYMTYPE, 0o777, linkname="/nonexistent/target"))
    # A placeholder: build_pax() swaps in a member whose capability value is raw binary.
    add(info("./usr/bin/ping", mode=0o4755), data(6, 3000))
    add(info("./usr/bin/sg", mode=0o2755, gid=50), data(7, 100))
    add(info("./usr/bin/slow-link", tarfile.SYMTYPE, 0o777, linkname="/".join(["s" * 20] * 10)))
    add(info("./usr/bin/tagged", mode=0o755), b"#!/bin/sh\n",
        pax=xattrs(**{"user.mime_type": "text/x-shellscript", "trusted.overlay": "y",
                      "user.empty": ""}))
    add(info("./usr/bin/vi", mode=0o755), data(8, 50000))
    add(info("./usr/bin/view", tarfile.LNKTYPE, 0o755, linkname="./usr/bin/vi"))
    add(info("./usr/lib/", d, 0o755))
    add(info("./usr/lib/vi-too", tarfile.LNKTYPE, 0o755, linkname="./usr/bin/vi"))
    add(info("./usr/share/", d, 0o755))
    for i in range(400):    # several directory blocks
        add(info("./usr/share/file-with-a-longish-name-%04d" % i), b"%d\n" % i)

    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT, encoding="utf-8") as tf:
        for t, content in members:
            tf.addfile(t, io.BytesIO(content) if content is not None else None)


def raw_pax_member(name, mode, content, records):
    """A PAX member with binary-safe records, as bytes (header 'x' + data + ustar header)."""
    body = b""
    for key, value in records:
        rec = b" " + key.encode() + b"=" + value + b"\n"
        n = len(rec) + 1
        while len(str(n).encode()) + len(rec) != n:
            n = len(str(n).encode()) + len(rec)
        body += str(n).encode() + rec
    xh = tarfile.TarInfo("./PaxHeaders/" + os.path.basename(name))
    xh.type = tarfile.XHDTYPE
    xh.size = len(body)
    xh.mtime = ROOT_TIME
    out = xh.tobuf(tarfile.USTAR_FORMAT) + body + bytes(-len(body) % 512)
    t = info(name, mode=mode)
    t.size = len(content)
    out += t.tobuf(tarfile.USTAR_FORMAT) + content + bytes(-len(content) % 512)
    return out


def build_pax(path):
    """tarfile writes pax values as UTF-8 text, so the binary capability goes in by hand."""
    pax_tar(path + ".tmp")
    with open(path + ".tmp", "rb") as f:
        raw = f.read()
    os.unlink(path + ".tmp")
    with tarfile.open(fileobj=io.BytesIO(raw)) as tf:
        offsets = {m.name: (m.offset, m.offset_data + ((m.size + 511) // 512) * 512)
                   for m in tf.getmembers()}
    start, end = offsets["./usr/bin/ping"]
    member = raw_pax_member("./usr/bin/ping", 0o4755, data(6, 3000),
                            [("SCHILY.xattr.security.capability", CAP_NET_RAW)])
    with open(path, "wb") as f:
        f.write(raw[:start] + member + raw[end:])


def make_tree(root):
    os.makedirs(root + "/dir/sub")
    with open(root + "/sparse", "wb") as f:       # 40 MiB, data at 0, 8 MiB and the end
        f.write(data(10, 5000))
        f.seek(8 << 20)
        f.write(data(11, 70000))
        f.truncate(40 << 20)
        f.seek((40 << 20) - 10)
        f.write(b"end-of-it\n")
    with open(root + "/trailing-hole", "wb") as f:
        f.write(data(12, 4096))
        f.truncate(20 << 20)
    with open(root + "/dir/regular", "wb") as f:
        f.write(data(13, 123457))
    os.link(root + "/dir/regular", root + "/dir/sub/regular-link")
    os.symlink("../regular", root + "/dir/sub/up")
    os.mkfifo(root + "/dir/fifo")
    name = root + "/dir/" + "L" * 200
    with open(name, "w") as f:
        f.write("long name\n")
    deep = root + "/" + "/".join(["p%d-" % i + "y" * 60 for i in range(5)])
    os.makedirs(deep)
    with open(deep + "/leaf", "w") as f:
        f.write("deep\n")
    os.chmod(root + "/dir/regular", 0o4755)
    os.chmod(root + "/dir/sub", 0o2775)
    try:
        os.setxattr(root + "/dir/regular", "user.checksum", b"\x00\x01binary\xff")
        os.setxattr(root + "/dir", "user.note", b"dir attr")
    except OSError:
        pass    # the posix archive then simply has no xattrs
    for p in [root] + [os.path.join(d, n) for d, ds, fs in os.walk(root) for n in ds + fs]:
        os.utime(p, (ROOT_TIME, ROOT_TIME), follow_symlinks=False)


def gnu_tar(src, path, *opts):
    subprocess.run(["tar", "--sort=name", "--numeric-owner", "-C", src, "-cf", path, *opts, "."],
                   check=True)


def sparse_many(root, path):
    os.makedirs(root)
    with open(root + "/runs", "wb") as f:
        for i in range(300):
            f.seek(i * 65536)
            f.write(data(100 + i, 4096 + i))
        f.truncate(300 * 65536)
    os.utime(root + "/runs", (ROOT_TIME, ROOT_TIME))
    os.utime(root, (ROOT_TIME, ROOT_TIME))
    gnu_tar(root, path, "--format=posix", "--sparse")


def edge_tar(path):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tf:
        def add(t, content=None):
            if content is not None:
                t.size = len(content)
            tf.addfile(t, io.BytesIO(content) if content is not None else None)
        add(info("implicit/parent/file"), b"first\n")
        add(info("implicit/parent/file"), b"second, replacing the first\n")
        add(info("implicit/", tarfile.DIRTYPE, 0o750, uid=7, gid=8))
        add(info("/absolute/name"), b"abs\n")
        add(info("../escape"), b"must be skipped\n")
        add(info("a/../b"), b"must be skipped too\n")
        add(info("dangling-hardlink", tarfile.LNKTYPE, linkname="does/not/exist"))
        add(info("empty-symlink", tarfile.SYMTYPE, 0o777, linkname=""))
        add(info("replaced-link"), b"target\n")
        add(info("replaced-link", tarfile.SYMTYPE, 0o777, linkname="elsewhere"))
        add(info("./lost+found/", tarfile.DIRTYPE, 0o700))
        add(info("./lost+found/kept"), b"in lost+found\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    build_pax(OUT + "/pax.tar")
    make_tree(OUT + "/tree")
    gnu_tar(OUT + "/tree", OUT + "/gnu.tar", "--format=gnu", "--sparse")
    gnu_tar(OUT + "/tree", OUT + "/posix.tar", "--format=posix", "--sparse", "--xattrs",
            "--xattrs-include=*")
    sparse_many(OUT + "/many", OUT + "/sparse-many.tar")
    edge_tar(OUT + "/edge.tar")


if __name__ == "__main__":
    main()
