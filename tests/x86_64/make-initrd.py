#!/usr/bin/env python3
"""Builds the reference kernel's initrd: a deterministic USTAR archive (same inputs, same bytes).

    make-initrd.py OUT.tar MANIFEST PROGRAM...

Layout (docs/reference-kernel.md): /etc/tests is MANIFEST ("<name> <timeout_seconds>" per line, run order),
each PROGRAM (a file named <name>.t) goes to /t/<name>.t with mode 0755, and /tmp is an empty directory
(mode 1777). Members are sorted, owned by 0:0, dated 0, in plain POSIX ustar format.
"""
import io
import os
import sys
import tarfile


def member(name, kind, mode, size=0):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.size = size
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    out, manifest, programs = argv[1], argv[2], argv[3:]
    with open(manifest, "rb") as f:
        manifest_bytes = f.read()
    files = {"etc/tests": (manifest_bytes, 0o644)}
    for path in programs:
        base = os.path.basename(path)
        if not base.endswith(".t"):
            sys.exit(f"make-initrd.py: {path}: a program's name must end in .t")
        with open(path, "rb") as f:
            files["t/" + base] = (f.read(), 0o755)
    with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as tar:
        for directory, mode in (("etc", 0o755), ("t", 0o755), ("tmp", 0o1777)):
            tar.addfile(member(directory, tarfile.DIRTYPE, mode))
        for name in sorted(files):
            data, mode = files[name]
            tar.addfile(member(name, tarfile.REGTYPE, mode, len(data)), io.BytesIO(data))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
