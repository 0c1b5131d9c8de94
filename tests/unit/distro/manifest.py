#!/usr/bin/env python3
"""Prints a canonical, sorted manifest of a tar archive (any compression) for comparisons.

One line per member: path, type, mode, uid, gid, mtime (ns), size, link target or device,
content sha256 and extended attributes (SCHILY.xattr.* and LIBARCHIVE.xattr.*, by value).
Hard links are folded into their target's line plus the sorted set of all names, so two
archives match whichever name each lists first. Sparse members are read as their full
content. Paths lose "./", leading "/" and trailing "/"; the root is ".". zstd input goes
through the zstd tool (tarfile reads it only from Python 3.14 on).

  manifest.py ARCHIVE [--skip PATH]...
"""
import base64
import decimal
import hashlib
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse


def norm(name):
    while name.startswith("./"):
        name = name[2:]
    name = name.strip("/")
    return name or "."


def mtime_of(m):
    raw = m.pax_headers.get("mtime")
    value = decimal.Decimal(raw) if raw is not None else decimal.Decimal(int(m.mtime))
    return f"{value:.9f}"


def xattrs_of(m):
    out = {}
    for k, v in m.pax_headers.items():
        if k.startswith("SCHILY.xattr."):
            out[k[len("SCHILY.xattr."):]] = v.encode("utf-8", "surrogateescape")
        elif k.startswith("LIBARCHIVE.xattr."):
            name = urllib.parse.unquote(k[len("LIBARCHIVE.xattr."):])
            out.setdefault(name, base64.b64decode(v + "=" * (-len(v) % 4)))
    return ",".join(f"{k}={out[k].hex()}" for k in sorted(out))


def main():
    args = sys.argv[1:]
    skip = set()
    while "--skip" in args:
        i = args.index("--skip")
        skip.add(norm(args[i + 1]))
        del args[i:i + 2]
    lines = {}
    groups = {}
    path = args[0]
    with open(path, "rb") as f:
        if f.read(4) == b"\x28\xb5\x2f\xfd":
            plain = tempfile.NamedTemporaryFile(suffix=".tar")
            subprocess.run(["zstd", "-q", "-d", "-c", path], stdout=plain, check=True)
            path = plain.name
    with tarfile.open(path, "r:*") as tf:
        for m in tf:
            name = norm(m.name)
            if name in skip:
                continue
            if m.islnk():
                target = norm(m.linkname)
                root = target
                while root in groups and groups[root] != root:
                    root = groups[root]
                groups.setdefault(root, root)
                groups[name] = root
                continue
            kind = {tarfile.REGTYPE: "f", tarfile.AREGTYPE: "f", tarfile.DIRTYPE: "d",
                    tarfile.SYMTYPE: "l", tarfile.CHRTYPE: "c", tarfile.BLKTYPE: "b",
                    tarfile.FIFOTYPE: "p", tarfile.GNUTYPE_SPARSE: "f"}.get(m.type, "?")
            extra = ""
            if kind == "f":
                h = hashlib.sha256()
                f = tf.extractfile(m)
                while chunk := f.read(1 << 20):
                    h.update(chunk)
                extra = h.hexdigest()
            elif kind == "l":
                extra = m.linkname
            elif kind in "cb":
                extra = f"{m.devmajor},{m.devminor}"
            lines[name] = [kind, f"{m.mode:o}", str(m.uid), str(m.gid), mtime_of(m),
                           str(m.size if kind == "f" else 0), extra, xattrs_of(m)]
    members = {}
    for name, root in groups.items():
        while groups[root] != root:
            root = groups[root]
        members.setdefault(root, set()).add(name)
    base = dict(lines)
    for root, names in members.items():
        names.add(root)
        for n in names:
            if root in base:
                lines[n] = base[root] + ["links=" + ":".join(sorted(names))]
    for name in sorted(lines):
        print(name, *lines[name], sep="|")


if __name__ == "__main__":
    main()
