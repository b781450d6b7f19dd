#!/usr/bin/env bash
# `make check-qemu-fio` (part of `make check-qemu`): fio (ports/fio, cooked for the reference target: static,
# newlib + libc-glue/newlib) inside the reference kernel under QEMU (TCG), its io_uring engine reaching the
# in-kernel shim, jobs as threads. One boot runs two checks of what fio needs underneath it -
# tests/qemu/fio/sched-calls.c (the kernel's scheduling calls, from user mode) and libc-extras.c (the libc
# pieces written for fio in libc-glue/newlib/src) - then five fio commands in order on ramfs files:
#   write-verify   sequential 4 KiB writes at queue depth 16, then every block read back and checked (crc32c)
#   randrw-verify  random mixed reads and writes, the written blocks checked the same way
#   prepare        a verified layout written without the read-back
#   scribble       one 4 KiB block of it overwritten with plain data (no verify header)
#   detect         a verify-only pass, which must find the damaged block and fail
# The check fails on a non-zero exit or a signal of the first four, on a job reporting an error or no
# verify reads, or when `detect` passes or does not name a verify failure: the negative run proves that a
# verify error would fail the check. Prints the guest's fio output and a verdict; exits 1 on failure.
#   run-fio.sh <srcdir> <builddir> <kernel>
set -euo pipefail
srcdir=$1
builddir=$2
kernel=$3
fio=$builddir/build/sysroot/reference/bin/fio
work=$builddir/build/qemu-fio
[ -x "$fio" ] || { echo "check-qemu-fio: $fio is missing (cook fio for the reference target)" >&2; exit 1; }
sysroot=$builddir/build/sysroot/reference
. "$sysroot/share/ringport-newlib/toolchain.env"
mkdir -p "$work/t"
llvm-strip -o "$work/t/fio.t" "$fio"
$CC -O2 -Wall -o "$work/t/sched-calls.t" "$srcdir/tests/qemu/fio/sched-calls.c" $LDFLAGS
$CC -O2 -Wall -o "$work/t/libc-extras.t" "$srcdir/tests/qemu/fio/libc-extras.c" $LDFLAGS -lpthread

# "<name> <timeout> <arguments>": the kernel's runner passes at most 8 arguments (Tasks/test_runner.cpp).
common="--thread --ioengine=io_uring"
cat >"$work/manifest" <<MANIFEST
sched-calls 30
libc-extras 30
fio 60 $common --filename=/tmp/fio-write --size=2m --iodepth=16 --rw=write --verify=crc32c --name=write-verify
fio 60 $common --filename=/tmp/fio-randrw --size=2m --iodepth=16 --rw=randrw --verify=crc32c --name=randrw-verify
fio 60 $common --filename=/tmp/fio-bad --size=256k --rw=write --verify=crc32c --do_verify=0 --name=prepare
fio 60 $common --filename=/tmp/fio-bad --offset=64k --size=4k --rw=write --name=scribble
fio 60 $common --filename=/tmp/fio-bad --size=256k --rw=write --verify=crc32c --verify_only --name=detect
MANIFEST
steps=(write-verify randrw-verify prepare scribble detect)
python3 "$srcdir/tests/x86_64/make-initrd.py" "$work/initrd.tar" "$work/manifest" "$work/t/fio.t" \
  "$work/t/sched-calls.t" "$work/t/libc-extras.t"
rm -f "$work/console.log" "$work/results.log"
echo "check-qemu-fio: booting $kernel (TCG)"
status=0
started=$(date +%s)
timeout -s KILL 400 qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 512M -display none -monitor none \
  -no-reboot -nodefaults -serial "file:$work/console.log" -serial "file:$work/results.log" \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel" -initrd "$work/initrd.tar" \
  </dev/null || status=$?
echo "---- guest console ($work/console.log) ----"
grep -v '^rpk: [0-9]* KiB free$' "$work/console.log" || true
echo "---- verdict ($(( $(date +%s) - started )) s) ----"

python3 - "$work/console.log" "$work/results.log" "$status" "${steps[@]}" <<'PY'
import re, sys
console, results, status, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
ends = [l.split() for l in open(results, errors="replace") if l.startswith("@@RP END fio ")]
text = open(console, errors="replace").read()
# The console repeats the protocol lines: the output of run i lies between its BEGIN and END.
slices = re.findall(r"^@@RP BEGIN fio\n(.*?)^@@RP END fio ", text, re.S | re.M)
ok = True
def fail(step, why):
    global ok
    ok = False
    print("  FAILED: %s: %s" % (step, why))
for i, step in enumerate(steps):
    if i >= len(ends) or i >= len(slices):
        fail(step, "did not run (no END line)")
        continue
    fields = dict(w.split("=", 1) for w in ends[i][3:] if "=" in w)
    code, sig, out = int(fields.get("exit", "-1")), int(fields.get("sig", "-1")), slices[i]
    if sig:
        fail(step, "killed by signal %d" % sig)
        continue
    if step == "detect":
        if code == 0:
            fail(step, "the damaged block passed verification (exit 0)")
        elif not re.search(r"verify: bad (header|magic)|verify failed|bad header", out):
            fail(step, "exit %d without a verify failure in fio's output" % code)
        else:
            print("  ok: %s: the overwritten block failed verification (exit %d)" % (step, code))
        continue
    if code != 0:
        fail(step, "exit %d" % code)
        continue
    errs = re.findall(r"^%s: \(groupid=\d+, jobs=\d+\): err=\s*(\d+)" % re.escape(step), out, re.M)
    if errs != ["0"]:
        fail(step, "job error %s" % (errs or "line missing"))
        continue
    m = re.search(r"issued rwts: total=(\d+),(\d+),", out)
    reads, writes = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    if step in ("write-verify", "randrw-verify") and (writes == 0 or reads == 0):
        fail(step, "no verify reads (issued reads %d, writes %d)" % (reads, writes))
        continue
    # write-verify reads back exactly what it wrote; randrw-verify's reads are the mix's plus the read-back.
    if (step == "write-verify" and reads != writes) or (step == "randrw-verify" and reads < writes):
        fail(step, "%d blocks written but %d read" % (writes, reads))
        continue
    print("  ok: %s (%d reads, %d writes, exit 0)" % (step, reads, writes))
for helper, what in (("sched-calls", "getpriority/setpriority/nice, sched_getaffinity/setaffinity"),
                     ("libc-extras", "rwlocks, select, realpath, libgen, mntent, getaddrinfo, dl*, popen, syslog")):
    ended = [l.split() for l in open(results, errors="replace") if l.startswith("@@RP END %s " % helper)]
    if not ended or ended[0][3:5] != ["exit=0", "sig=0"]:
        fail(helper, " ".join(ended[0][3:]) if ended else "did not run")
    else:
        print("  ok: %s (%s)" % (helper, what))
if "@@RP DONE" not in open(results, errors="replace").read():
    fail("boot", "no @@RP DONE")
if status != 33:
    fail("boot", "QEMU exit status %d (33 expected)" % status)
if ok:
    print("check-qemu-fio: fio's io_uring write+verify and randrw+verify jobs pass in the reference kernel, "
          "and a damaged block fails verification")
sys.exit(0 if ok else 1)
PY
