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

# Upstream's rules know liburing.a but not the sysroot's libraries and headers, which cook re-stages on every
# run (new times, same bytes): when crt0, the glue, newlib or any header changed content, every program is
# rebuilt (a header decides things such as liburing.h's byte order).
libs_sum=$( (cd "$sysroot/lib" && cat crt0.o libringport-newlib.a libc.a libm.a libcompiler_rt.a;
             find "$sysroot/include" -type f | LC_ALL=C sort | xargs cat) | sha256sum)
if [ "$(cat "$liburing/.reference-libs" 2>/dev/null)" != "$libs_sum" ]; then
  rm -f "$liburing"/test/*.t "$liburing"/test/helpers.o "$liburing"/examples/{io_uring-test,io_uring-cp,link-cp,io_uring-close-test,ucontext-cp}
  echo "$libs_sum" > "$liburing/.reference-libs"
fi
# Upstream's own rules (test/Makefile: %.t from %.c + helpers.o, -luring -lpthread appended to LDFLAGS).
# CONFIG_HAVE_CXX: liburing's configure looks for C++ by linking a program that prints with std::cout, which
# needs a compiled C++ library; the target has libc++'s headers and the ABI runtime only (enough for
# sq-full-cpp, whose one C++ need is liburing's <atomic> barriers), so the tree is told C++ works.
make -s -C "$liburing/test" -j2 CC="$CC" CXX="$CXX" LDFLAGS="$LDFLAGS" CONFIG_HAVE_CXX=y "${tests[@]/%/.t}"
examples=(io_uring-test io_uring-cp link-cp io_uring-close-test ucontext-cp)
make -s -C "$liburing/examples" -j2 CC="$CC" LDFLAGS="$LDFLAGS" "${examples[@]}"

# Stripped copies in $out; a program is copied and checked again only when it was relinked.
mkdir -p "$out/tests" "$out/examples"
printf '%s\n' "${tests[@]}" > "$out/tests/list.txt.new"
cmp -s "$out/tests/list.txt.new" "$out/tests/list.txt" || { rm -f "$out"/tests/*.t; mv "$out/tests/list.txt.new" "$out/tests/list.txt"; }
rm -f "$out/tests/list.txt.new"

# Every program: ELF64 x86-64 EXEC (not PIE, not dynamic: no PT_INTERP or PT_DYNAMIC), entry = _start (read
# from the unstripped file), no glibc symbol versions.
bad=0
install_checked() {
  local full=$1 bin=$2 hdr entry start
  [ "$bin" -nt "$full" ] && return 0
  llvm-strip -o "$bin" "$full"
  hdr=$(llvm-readelf -h -l "$bin")
  entry=$(sed -n 's/^ *Entry point address: *//p' <<<"$hdr")
  start=$(llvm-nm "$full" | sed -n 's/^0*\([0-9a-f]*\) T _start$/0x\1/p')
  if ! grep -q 'Class: *ELF64' <<<"$hdr" || ! grep -q 'Type: *EXEC' <<<"$hdr" ||
     ! grep -q 'Machine: *Advanced Micro Devices X86-64' <<<"$hdr" || grep -qE '^ *(INTERP|DYNAMIC) ' <<<"$hdr" ||
     [ "${entry,,}" != "$start" ] || llvm-nm "$full" | grep -q GLIBC; then
    echo "reference-userland: $bin is not a static x86_64 program entered at _start (entry $entry, _start $start)" >&2
    rm -f "$bin"
    bad=1
  fi
}
for t in "${tests[@]}"; do install_checked "$liburing/test/$t.t" "$out/tests/$t.t"; done
for e in "${examples[@]}"; do install_checked "$liburing/examples/$e" "$out/examples/$e"; done
[ "$bad" = 0 ] || exit 1

echo "reference-userland: ${#tests[@]} tests in $out/tests, ${examples[*]} in $out/examples"
echo "  static ELF64 x86-64, entry _start, no glibc (checked with llvm-readelf/llvm-nm)"
for b in "${blocked[@]}"; do echo "  not built: ${b%%:*}: ${b#*:}"; done
