#!/usr/bin/env bash
# make check: a dynamically linked program works whatever order the loader binds libc and libringport in.
# Builds tests/ports/link_order.c twice against the tree's libringport.so, once with libringport's DT_NEEDED
# entry before libc's and once after it (the order a program linked with only -luring gets), checks the
# order with readelf, runs both under strace and fails if an io_uring system call reached Linux.
# Usage: link-order.sh SRCDIR LIBDIR (LIBDIR holds libringport.so)
set -euo pipefail
src=$1 libdir=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/ringport-link-order.XXXXXX)
trap 'rm -rf "$work"' EXIT
cflags=(-std=gnu11 -O1 -Wall -I"$src/compat/include")
gcc "${cflags[@]}" -o "$work/first" "$src/tests/ports/link_order.c" \
  -L"$libdir" -Wl,--no-as-needed -lringport -lc -Wl,-rpath,"$libdir"
gcc "${cflags[@]}" -o "$work/after" "$src/tests/ports/link_order.c" \
  -Wl,--no-as-needed -lc -L"$libdir" -lringport -Wl,-rpath,"$libdir"
fail=0
for prog in first after; do
  needed=$(readelf -d "$work/$prog" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
  want_first=$([ $prog = first ] && echo libringport || echo libc)
  if [[ "$needed" != "$want_first"* ]]; then
    echo "link-order: $prog: unexpected DT_NEEDED order: $needed"; fail=1; continue
  fi
  if ! strace -f -qq -o "$work/$prog.strace" -e trace=io_uring_setup,io_uring_enter,io_uring_register \
      "$work/$prog" >"$work/$prog.out" 2>&1; then
    echo "link-order: $prog (DT_NEEDED: $needed) failed:"; cat "$work/$prog.out"; fail=1; continue
  fi
  if grep -q io_uring "$work/$prog.strace"; then
    echo "link-order: $prog: an io_uring system call reached Linux:"; grep io_uring "$work/$prog.strace" | head -3
    fail=1; continue
  fi
  echo "link-order: PASS $prog (DT_NEEDED: $needed)"
done
exit $fail
