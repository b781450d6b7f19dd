#!/usr/bin/env bash
# Builds the reference kernel's attachment-mode tests (tests/x86_64/programs/attach) into the directory
# `make check-qemu` runs (build/reference/tests/attach-*.t, one result line each) and the bench-qemu program
# (bench/qemu) into build/reference/bench/, with the reference target's toolchain (newlib, the glue,
# liburing from the sysroot; C++ without a C++ library: no exceptions, RTTI or thread-safe statics) and
# os/abi's headers, so the guest's ring code is the same header-only producer/consumer the OSes use.
#   build-attach-programs.sh <srcdir> <builddir>     (both absolute)
set -euo pipefail
srcdir=$1
builddir=$2
sysroot=$builddir/build/sysroot/reference
. "$sysroot/share/ringport-newlib/toolchain.env"
tests=$builddir/build/reference/tests
bench=$builddir/build/reference/bench
mkdir -p "$tests" "$bench"
cxxflags="-std=gnu++20 -O2 -g -Wall -Werror -fno-exceptions -fno-rtti -fno-threadsafe-statics -I$srcdir/os/abi/include"
cflags="-O2 -g -Wall -Werror"
attach=$srcdir/tests/x86_64/programs/attach
# Stripped, as build-userland.sh installs upstream's tests (smaller initrds).
link() { # out, compiler command...
  local out=$1; shift
  "$@" -o "$out.full" && llvm-strip -o "$out" "$out.full" && rm -f "$out.full"
}
$CC $cflags -c -o "$tests/scheme_uring.o" "$attach/scheme_uring.c"
link "$tests/attach-scheme.t" $CXX $cxxflags "$attach/attach-scheme.cpp" "$tests/scheme_uring.o" $LDFLAGS -luring
rm -f "$tests/scheme_uring.o"
link "$tests/attach-shared.t" $CXX $cxxflags "$attach/attach-shared.cpp" $LDFLAGS
link "$tests/attach-shim.t" $CC $cflags "$attach/attach-shim.c" $LDFLAGS -luring
# The native executor over the kernel's ring (os/abi/include/ringport/executor_reference.hpp): coroutines
# need <coroutine> (libc++'s headers, which the toolchain's CXX has) and operator new (the glue's C++ runtime).
link "$tests/exec-guest.t" $CXX $cxxflags "$srcdir/tests/x86_64/programs/executor/exec-guest.cpp" $LDFLAGS
link "$bench/ring-vs-syscalls.t" $CXX $cxxflags "$srcdir/bench/qemu/ring_vs_syscalls.cpp" $LDFLAGS
echo "qemu-attach-programs: attach-scheme, attach-shared, attach-shim, exec-guest in $tests; ring-vs-syscalls in $bench"
