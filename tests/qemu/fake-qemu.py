#!/usr/bin/env python3
"""A stand-in for qemu-system-x86_64 that tests run-qemu-suite.py's classification without a kernel.

It reads the manifest from the initrd it is given, and for each test from start=K on plays the outcome its
name asks for: pass.t exits 0, skip.t 77, fail.t 1, segv.t is killed by SIGSEGV, slow.t is killed by the
guest's time limit, crash.t kills the guest in the middle of the test (no END), triple.t ends QEMU with
status 0 without DONE, as a triple fault does; hang.t never ends, so the harness's outer timeout fires.
"""
import sys
import tarfile
import time

args = sys.argv[1:]
serials = [args[i + 1][len("file:"):] for i, a in enumerate(args) if a == "-serial"]
initrd = args[args.index("-initrd") + 1]
start = int(args[args.index("-append") + 1].split("=")[1])
with tarfile.open(initrd) as tar:
    manifest = tar.extractfile("etc/tests").read().decode().split("\n")
tests = [line.split() for line in manifest if line.strip()]
open(serials[0], "w").write("fake console\n")
with open(serials[1], "w") as out:
    for name, limit in tests[start:]:
        out.write("@@RP BEGIN %s\n" % name)
        out.flush()
        kind = name.split("-")[0]
        if kind == "crash":
            sys.exit(35)
        if kind == "triple":
            sys.exit(0)
        if kind == "hang":
            time.sleep(3600)
        exit_code, sig, ms = {"pass": (0, 0, 5), "skip": (77, 0, 5), "fail": (1, 0, 5), "segv": (0, 11, 5),
                              "slow": (0, 9, int(limit) * 1000)}[kind]
        out.write("@@RP END %s exit=%d sig=%d ms=%d\n" % (name, exit_code, sig, ms))
    out.write("@@RP DONE\n")
sys.exit(33)
