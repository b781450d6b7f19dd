#!/usr/bin/env bash
# `make run-qemu`: boots the reference kernel under QEMU (TCG) and, inside it, makes a 4 MiB file in the
# ramfs, runs upstream liburing's io_uring-test on it and io_uring-cp to copy it (both examples built from
# unmodified sources for the reference target), then checks the copy byte for byte and by checksum inside
# the guest. Prints what the guest printed and a verdict; exits non-zero when anything fails.
#   run-demo.sh <srcdir> <builddir> <kernel>
set -euo pipefail
srcdir=$1
builddir=$2
kernel=$3
sysroot=$builddir/build/sysroot/reference
work=$builddir/build/qemu-demo
. "$sysroot/share/ringport-newlib/toolchain.env"
mkdir -p "$work/t"

# The guest's own helpers: make-file writes the source, same-file checks the copy (plain newlib programs).
for prog in make-file same-file; do
  $CC -O2 -Wall -o "$work/t/$prog.t" "$srcdir/tests/qemu/demo/$prog.c" $LDFLAGS
done
cp "$builddir/build/reference/examples/io_uring-test" "$work/t/io_uring-test.t"
cp "$builddir/build/reference/examples/io_uring-cp" "$work/t/io_uring-cp.t"

# One boot, four programs in order, sharing the ramfs: "<name> <timeout> <arguments>".
cat >"$work/manifest" <<'MANIFEST'
make-file 30 /tmp/source 4194304
io_uring-test 30 /tmp/source
io_uring-cp 60 /tmp/source /tmp/copy
same-file 30 /tmp/source /tmp/copy
MANIFEST
python3 "$srcdir/tests/x86_64/make-initrd.py" "$work/initrd.tar" "$work/manifest" "$work"/t/*.t
rm -f "$work/console.log" "$work/results.log"
echo "run-qemu: booting $kernel (TCG) with make-file, io_uring-test, io_uring-cp, same-file"
status=0
timeout -s KILL 240 qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 512M -display none -monitor none \
  -no-reboot -nodefaults -serial "file:$work/console.log" -serial "file:$work/results.log" \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel" -initrd "$work/initrd.tar" \
  </dev/null || status=$?
echo "---- guest console ($work/console.log) ----"
grep -v '^rpk: [0-9]* KiB free$' "$work/console.log" || true
echo "---- verdict ----"
ok=1
for prog in make-file io_uring-test io_uring-cp same-file; do
  line=$(grep "^@@RP END $prog " "$work/results.log" || true)
  if [[ "$line" == *" exit=0 sig=0 "* ]]; then echo "  ok: $prog (${line##* })"; else echo "  FAILED: $prog: ${line:-no END line}"; ok=0; fi
done
grep -q '^@@RP DONE' "$work/results.log" || { echo "  FAILED: no @@RP DONE"; ok=0; }
[ "$status" = 33 ] || { echo "  FAILED: QEMU exit status $status (33 expected)"; ok=0; }
if [ "$ok" = 1 ]; then echo "run-qemu: io_uring-cp's copy is identical inside the reference kernel"; else exit 1; fi
