#!/bin/sh
# The newlib pthread layer under QEMU (make run-pthread-smoke): builds tests/x86_64/programs/newlib/pthreads.c against
# the reference sysroot (newlib, the glue) with the glue and libpthread.a freshly built from this tree by
# libc-glue/newlib/glue.mk, boots os/x86_64/rpk.elf with it and expects "@@RP END pthreads exit=0 sig=0".
# usage: run-pthread-smoke.sh KERNEL SYSROOT WORKDIR
set -u
kernel=$1
sysroot=$2
work=$3
here=$(dirname "$0")
top=$here/../..
if [ ! -f "$sysroot/lib/libc.a" ]; then
	echo "run-pthread-smoke: SKIPPED: no reference sysroot at $sysroot (make reference-userland first)"
	exit 0
fi
mkdir -p "$work"
make -s -f "$top/libc-glue/newlib/glue.mk" SYSROOT="$sysroot" OUT="$work/glue" -j2 || exit 1
clang --target=x86_64-elf -nostdlibinc -isystem "$top/libc-glue/newlib/include/compat" -isystem "$sysroot/include" \
	-O2 -g -Wall -o "$work/pthreads.t" "$here/programs/newlib/pthreads.c" \
	--target=x86_64-elf -fuse-ld=lld -static -nostdlib -Wl,--image-base=0x400000 -Wl,--gc-sections \
	"$work/glue/crt0.o" -L"$work/glue" -L"$sysroot/lib" -lringport-newlib -lc -lm -lcompiler_rt -lpthread || exit 1
printf 'pthreads 60\n' > "$work/tests"
python3 "$here/make-initrd.py" "$work/initrd.tar" "$work/tests" "$work/pthreads.t" || exit 1
timeout -s KILL 120 qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 512M -display none -monitor none \
	-no-reboot -serial "file:$work/console.log" -serial "file:$work/results.log" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel" -initrd "$work/initrd.tar" -append "" </dev/null
status=$?
if [ "$status" = 33 ] && grep -q -x -E "@@RP END pthreads exit=0 sig=0 ms=[0-9]+" "$work/results.log"; then
	grep "^pthreads:" "$work/console.log"
	echo "run-pthread-smoke: passed"
	exit 0
fi
echo "run-pthread-smoke: FAILED (QEMU status $status; logs in $work)"
cat "$work/console.log"
exit 1
