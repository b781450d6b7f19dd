#!/usr/bin/env bash
# `make bench-qemu`: boots the reference kernel once under QEMU (TCG) with bench/qemu/ring_vs_syscalls.cpp
# (built by tests/qemu/build-attach-programs.sh) and prints its table: native-ring NOP and 4 KiB read round
# trips against getppid(2) and pread64(2) as plain system calls in the same guest. TCG makes the absolute
# numbers meaningless for hardware; the ratios compare the two paths through the same emulated CPU.
# Also writes build/bench-qemu.txt. Exits non-zero when the guest program fails or QEMU does not finish.
#   run-bench-qemu.sh <srcdir> <builddir> <kernel>
set -euo pipefail
srcdir=$1
builddir=$2
kernel=$3
work=$builddir/build/bench-qemu
mkdir -p "$work"
printf 'ring-vs-syscalls 240\n' >"$work/manifest"
python3 "$srcdir/tests/x86_64/make-initrd.py" "$work/initrd.tar" "$work/manifest" \
  "$builddir/build/reference/bench/ring-vs-syscalls.t"
rm -f "$work/console.log" "$work/results.log"
echo "bench-qemu: booting $kernel (TCG) with ring-vs-syscalls"
status=0
timeout -s KILL 300 qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 512M -display none -monitor none \
  -no-reboot -nodefaults -serial "file:$work/console.log" -serial "file:$work/results.log" \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel" -initrd "$work/initrd.tar" \
  </dev/null || status=$?
grep '^bench-qemu:' "$work/console.log" | tee "$builddir/build/bench-qemu.txt" || true
line=$(grep '^@@RP END ring-vs-syscalls ' "$work/results.log" || true)
if [ "$status" != 33 ] || [[ "$line" != *" exit=0 sig=0 "* ]]; then
  echo "bench-qemu: FAILED (QEMU status $status, ${line:-no END line}; console in $work/console.log)"
  exit 1
fi
echo "bench-qemu: ratios above are ring path / plain system call (below 1: the ring is cheaper); build/bench-qemu.txt"
