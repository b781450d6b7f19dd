#!/usr/bin/env bash
# Builds liburing's upstream tests (reference-tests.txt) and the io_uring-test/io_uring-cp examples for the
# reference kernel from the cooked, unmodified liburing tree, with the target's own toolchain
# (share/ringport-newlib/toolchain.env in the sysroot), then checks every binary is a static x86_64 ELF
# executable entered at _start with no trace of glibc. Output: <build>/reference/{tests,examples}/.
#   build-userland.sh <srcdir> <builddir>     (both absolute; builddir holds build/)
set -euo pipefail
srcdir=$1
builddir=$2
sysroot=$builddir/build/sysroot/reference
liburing=$builddir/build/cook/reference/liburing/source
out=$builddir/build/reference
. "$sysroot/share/ringport-newlib/toolchain.env"

tests=() blocked=()
while read -r name rest; do
  case "$name" in ''|'#'*) continue ;; esac
  if [ "${rest#!}" != "$rest" ]; then blocked+=("$name:${rest#! }"); else tests+=("$name"); fi
done < "$srcdir/libc-glue/newlib/reference-tests.txt"

# Upstream's own rules (test/Makefile: %.t from %.c + helpers.o, -luring -lpthread appended to LDFLAGS).
make -s -C "$liburing/test" -j2 CC="$CC" CXX="$CXX" LDFLAGS="$LDFLAGS" "${tests[@]/%/.t}"
make -s -C "$liburing/examples" -j2 CC="$CC" LDFLAGS="$LDFLAGS" io_uring-test io_uring-cp

rm -rf "$out/tests" "$out/examples"
mkdir -p "$out/tests" "$out/examples"
for t in "${tests[@]}"; do llvm-strip -o "$out/tests/$t.t" "$liburing/test/$t.t"; done
for e in io_uring-test io_uring-cp; do llvm-strip -o "$out/examples/$e" "$liburing/examples/$e"; done
printf '%s\n' "${tests[@]}" > "$out/tests/list.txt"

# Every program: ELF64 x86-64 EXEC (not PIE, not dynamic: no PT_INTERP or PT_DYNAMIC), entry = _start (read
# from the unstripped file), no glibc symbol versions.
bad=0
check() {
  local bin=$1 full=$2 hdr
  hdr=$(llvm-readelf -h -l "$bin")
  local entry start
  entry=$(sed -n 's/^ *Entry point address: *//p' <<<"$hdr")
  start=$(llvm-nm "$full" | sed -n 's/^0*\([0-9a-f]*\) T _start$/0x\1/p')
  if ! grep -q 'Class: *ELF64' <<<"$hdr" || ! grep -q 'Type: *EXEC' <<<"$hdr" ||
     ! grep -q 'Machine: *Advanced Micro Devices X86-64' <<<"$hdr" || grep -qE '^ *(INTERP|DYNAMIC) ' <<<"$hdr" ||
     [ "$entry" != "$start" ] || llvm-nm "$full" | grep -q GLIBC; then
    echo "reference-userland: $bin is not a static x86_64 program entered at _start (entry $entry, _start $start)" >&2
    bad=1
  fi
}
for t in "${tests[@]}"; do check "$out/tests/$t.t" "$liburing/test/$t.t"; done
for e in io_uring-test io_uring-cp; do check "$out/examples/$e" "$liburing/examples/$e"; done
[ "$bad" = 0 ] || exit 1

echo "reference-userland: ${#tests[@]} tests in $out/tests, io_uring-test and io_uring-cp in $out/examples"
echo "  static ELF64 x86-64, entry _start, no glibc (checked with llvm-readelf/llvm-nm)"
for b in "${blocked[@]}"; do echo "  not built: ${b%%:*}: ${b#*:}"; done
