#!/usr/bin/env bash
# `make run-qemu`: boots the reference kernel under QEMU (TCG) and, inside it, makes a 4 MiB file in the
# ramfs, runs upstream liburing's examples on it (built from unmodified sources for the reference target):
# io_uring-test reads it, io_uring-cp and link-cp copy it, each copy checked byte for byte and by checksum
# inside the guest (same-file), io_uring-close-test reads it and closes the fd through the ring; ucontext-cp
# (coroutines on getcontext/makecontext/swapcontext) copies a 5000-byte file, as it sleeps 1 s per KiB;
# cxx-runtime (tests/qemu/demo) checks C++ programs' runtime. Prints what
# the guest printed and a verdict; exits non-zero when anything fails.
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
# A C++ program: the reference toolchain's CXX and the glue's C++ ABI runtime (constructors, destructors at
# exit, guards, new/delete, virtuals, <atomic>).
$CXX -std=gnu++17 -O2 -Wall -o "$work/t/cxx-runtime.t" "$srcdir/tests/qemu/demo/cxx-runtime.cc" $LDFLAGS
examples=(io_uring-test io_uring-cp link-cp io_uring-close-test ucontext-cp)
for e in "${examples[@]}"; do cp "$builddir/build/reference/examples/$e" "$work/t/$e.t"; done

# One boot, the programs in order, sharing the ramfs: "<name> <timeout> <arguments>". The runner names a
# program's END line by its manifest name, so each copy is checked by its own same-file entry (a second
# name for the same binary).
cp "$work/t/same-file.t" "$work/t/same-file-link.t"
cp "$work/t/same-file.t" "$work/t/same-file-ucontext.t"
cp "$work/t/make-file.t" "$work/t/make-small-file.t"
cat >"$work/manifest" <<'MANIFEST'
make-file 30 /tmp/source 4194304
io_uring-test 30 /tmp/source
io_uring-cp 60 /tmp/source /tmp/copy
same-file 30 /tmp/source /tmp/copy
link-cp 60 /tmp/source /tmp/link-copy
same-file-link 30 /tmp/source /tmp/link-copy
io_uring-close-test 30 /tmp/source
make-small-file 30 /tmp/small 5000
ucontext-cp 60 /tmp/small /tmp/ucontext-copy
same-file-ucontext 30 /tmp/small /tmp/ucontext-copy
cxx-runtime 30
MANIFEST
programs=(make-file io_uring-test io_uring-cp same-file link-cp same-file-link io_uring-close-test
  make-small-file ucontext-cp same-file-ucontext cxx-runtime)
python3 "$srcdir/tests/x86_64/make-initrd.py" "$work/initrd.tar" "$work/manifest" "$work"/t/*.t
rm -f "$work/console.log" "$work/results.log"
echo "run-qemu: booting $kernel (TCG) with ${programs[*]}"
status=0
timeout -s KILL 240 qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 512M -display none -monitor none \
  -no-reboot -nodefaults -serial "file:$work/console.log" -serial "file:$work/results.log" \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel" -initrd "$work/initrd.tar" \
  </dev/null || status=$?
echo "---- guest console ($work/console.log) ----"
grep -v '^rpk: [0-9]* KiB free$' "$work/console.log" || true
echo "---- verdict ----"
ok=1
for prog in "${programs[@]}"; do
  line=$(grep "^@@RP END $prog " "$work/results.log" || true)
  if [[ "$line" == *" exit=0 sig=0 "* ]]; then echo "  ok: $prog (${line##* })"; else echo "  FAILED: $prog: ${line:-no END line}"; ok=0; fi
done
grep -q '^@@RP DONE' "$work/results.log" || { echo "  FAILED: no @@RP DONE"; ok=0; }
grep -q '^cxx-runtime: global destructor ran' "$work/console.log" ||
  { echo "  FAILED: cxx-runtime's global destructor did not run at exit"; ok=0; }
[ "$status" = 33 ] || { echo "  FAILED: QEMU exit status $status (33 expected)"; ok=0; }
if [ "$ok" = 1 ]; then echo "run-qemu: the io_uring-cp, link-cp and ucontext-cp copies are identical inside the reference kernel"; else exit 1; fi
