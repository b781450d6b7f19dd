#!/bin/sh
# The ring engineer's QEMU smoke test (make run-ring-smoke): boots os/x86_64/rpk.elf with
# tests/x86_64/programs/ring_uring.c (io_uring through the in-kernel shim, the native ring beside it) and hello
# (the native ring's WRITE), and checks the runner's protocol lines and QEMU's exit status 33.
# usage: run-ring-smoke.sh KERNEL PROGRAM_DIR
set -u
kernel=$1
programs=$2
work=${RPK_RING_SMOKE_DIR:-os/x86_64/build/ring-smoke}
here=$(dirname "$0")
mkdir -p "$work"
rm -f "$work"/*.log
printf 'ring_uring 20\nhello 10\n' > "$work/tests"
python3 "$here/make-initrd.py" "$work/initrd.tar" "$work/tests" "$programs"/hello.t "$programs"/ring_uring.t || exit 1
timeout -s KILL 60 qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 512M -display none -monitor none \
	-no-reboot -serial "file:$work/console.log" -serial "file:$work/results.log" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel" -initrd "$work/initrd.tar" \
	-append "start=0" </dev/null
status=$?
failed=0
[ "$status" = 33 ] && echo "  ok: QEMU exit status 33" || { echo "  BAD: QEMU exit status $status (want 33)"; failed=1; }
for line in "@@RP END hello exit=0 sig=0 ms=[0-9]+" "@@RP END ring_uring exit=0 sig=0 ms=[0-9]+" "@@RP DONE"; do
	if grep -q -x -E "$line" "$work/results.log"; then echo "  ok: $line"; else echo "  MISSING: $line"; failed=1; fi
done
grep "^ring_uring" "$work/console.log" | sed 's/^/  console: /'
if [ $failed != 0 ]; then
	echo "run-ring-smoke: FAILED (logs in $work)"
	grep -E "FAIL|panic|PANIC" "$work/console.log" | head -20
	exit 1
fi
echo "run-ring-smoke: passed"
