#!/bin/sh
# The reference kernel's smoke test (make run-kernel-smoke): boots os/x86_64/rpk.elf once under QEMU with the
# freestanding programs of tests/x86_64/programs in the initrd and checks the runner's protocol on COM2:
#   hello     exits 0 (a native ring, "hello" on the console)
#   segv      is killed with SIGSEGV (sig=11) and the kernel carries on
#   spin      is killed at its 1 s timeout (sig=9) from the timer interrupt
#   syscalls  exits 0 (the Linux calls the kernel serves itself)
#   iouring   exits 0 (io_uring_setup/mmap/enter/close through the in-kernel shim, raw as liburing does)
#   missing   is not in the initrd: exit=127
# then "@@RP DONE" and QEMU exit status 33. A second boot (start=1 only=syscalls) checks the command line, a
# third (selftest=panic) that a fault in the kernel panics with a register dump and status 35.
# usage: run-kernel-smoke.sh KERNEL PROGRAM_DIR
set -u
kernel=$1
programs=$2
work=${RPK_SMOKE_DIR:-os/x86_64/build/smoke}
here=$(dirname "$0")
mkdir -p "$work"
rm -f "$work"/*.log

cat > "$work/tests" <<MANIFEST
hello 10
segv 10
spin 1
syscalls 10
iouring 10
missing 5
MANIFEST
python3 "$here/make-initrd.py" "$work/initrd.tar" "$work/tests" "$programs"/hello.t "$programs"/segv.t \
	"$programs"/spin.t "$programs"/syscalls.t "$programs"/iouring.t || exit 1

boot() { # boot NAME APPEND: runs QEMU, leaves NAME.console.log, NAME.results.log, NAME.status
	timeout -s KILL 60 qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 512M -display none -monitor none \
		-no-reboot -serial "file:$work/$1.console.log" -serial "file:$work/$1.results.log" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel" -initrd "$work/initrd.tar" \
		-append "$2" </dev/null
	echo $? > "$work/$1.status"
}

failed=0
expect() { # expect NAME LINE: LINE must be in NAME.results.log
	if grep -q -x -E "$2" "$work/$1.results.log"; then
		echo "  ok: $2"
	else
		echo "  MISSING: $2"
		failed=1
	fi
}

echo "run-kernel-smoke: full run"
boot all "start=0"
status=$(cat "$work/all.status")
[ "$status" = 33 ] && echo "  ok: QEMU exit status 33" || { echo "  BAD: QEMU exit status $status (want 33)"; failed=1; }
expect all "@@RP BEGIN hello"
expect all "@@RP END hello exit=0 sig=0 ms=[0-9]+"
expect all "@@RP END segv exit=0 sig=11 ms=[0-9]+"
expect all "@@RP END spin exit=0 sig=9 ms=[0-9]+"
expect all "@@RP END syscalls exit=0 sig=0 ms=[0-9]+"
expect all "@@RP END iouring exit=0 sig=0 ms=[0-9]+"
expect all "@@RP END missing exit=127 sig=0 ms=[0-9]+"
expect all "@@RP DONE"
grep -q "^hello$" "$work/all.console.log" && echo "  ok: hello on the console" || { echo "  MISSING: hello on the console"; failed=1; }
if grep -v -E '^@@RP (BEGIN|END|DONE)' "$work/all.results.log" | grep -q .; then
	echo "  BAD: COM2 has lines other than the protocol's"; failed=1
fi

echo "run-kernel-smoke: only=syscalls, start=1"
boot only "start=1 only=syscalls"
status=$(cat "$work/only.status")
[ "$status" = 33 ] && echo "  ok: QEMU exit status 33" || { echo "  BAD: QEMU exit status $status (want 33)"; failed=1; }
expect only "@@RP END syscalls exit=0 sig=0 ms=[0-9]+"
if [ "$(grep -c BEGIN "$work/only.results.log")" != 1 ]; then echo "  BAD: only= ran more than one test"; failed=1; fi

echo "run-kernel-smoke: selftest=panic (a kernel fault must panic: dump, @@RP PANIC, status 35)"
boot panic "selftest=panic"
status=$(cat "$work/panic.status")
[ "$status" = 35 ] && echo "  ok: QEMU exit status 35" || { echo "  BAD: QEMU exit status $status (want 35)"; failed=1; }
expect panic "@@RP PANIC page fault at ffff900000000000 in the kernel \(error [0-9a-f]+\)"
grep -q "KERNEL PANIC" "$work/panic.console.log" && grep -q "rip ffffffff8" "$work/panic.console.log" &&
	echo "  ok: reason and register dump on COM1" || { echo "  MISSING: panic dump on COM1"; failed=1; }

if [ $failed != 0 ]; then
	echo "run-kernel-smoke: FAILED (logs in $work)"
	echo "--- console:"; cat "$work/all.console.log"
	echo "--- results:"; cat "$work/all.results.log"
	exit 1
fi
echo "run-kernel-smoke: passed"
