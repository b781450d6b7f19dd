#!/usr/bin/env bash
# Builds newlib (libc.a, libm.a and the headers) for the x86_64 reference kernel with clang and installs it
# into the sysroot's include/ and lib/ (cook stages it from $COOK_DESTDIR$COOK_PREFIX). See recipe.toml.
set -euo pipefail
# The target's CC/CFLAGS/LDFLAGS are for programs linked against the finished sysroot; newlib builds itself
# (its top-level configure wants the host compiler in CC and takes the cross compiler as CC_FOR_TARGET).
unset CC CXX CFLAGS CXXFLAGS LDFLAGS CPPFLAGS
resource=$(clang -print-resource-dir)
# -nostdinc + clang's own resource headers: without it clang --target=x86_64-elf quietly takes glibc's
# /usr/include. HAVE_FCNTL/HAVE_BLKSIZE: the glue has fcntl(F_GETFL) and a real st_blksize, so fdopen checks
# modes and stdio sizes its buffers from the file. HAVE_MKDIR: the glue has mkdir, which mkdtemp needs.
target_cc="clang --target=x86_64-elf -nostdinc -isystem $resource/include"
target_cflags="-O2 -g -ffunction-sections -fdata-sections -fno-stack-protector -DHAVE_FCNTL -DHAVE_BLKSIZE -DHAVE_MKDIR"
build="$COOK_SOURCE/../newlib-build"
rm -rf "$build"
mkdir -p "$build"
cd "$build"
"$COOK_SOURCE/configure" -q \
  --target=x86_64-elf --prefix="$COOK_PREFIX" \
  --disable-multilib --disable-nls \
  --disable-newlib-supplied-syscalls \
  --enable-newlib-retargetable-locking \
  --enable-newlib-io-long-long --enable-newlib-io-c99-formats \
  CC_FOR_TARGET="$target_cc" CFLAGS_FOR_TARGET="$target_cflags" \
  AR_FOR_TARGET=llvm-ar RANLIB_FOR_TARGET=llvm-ranlib NM_FOR_TARGET=llvm-nm \
  AS_FOR_TARGET="$target_cc" LD_FOR_TARGET=ld.lld OBJCOPY_FOR_TARGET=llvm-objcopy
make -j"$COOK_JOBS" all-target-newlib
make install-target-newlib DESTDIR="$build/install"
# newlib installs under <prefix>/x86_64-elf/{include,lib}; the sysroot keeps them at include/ and lib/.
out="$COOK_DESTDIR$COOK_PREFIX"
mkdir -p "$out"
cp -a "$build/install$COOK_PREFIX/x86_64-elf/include" "$out/include"
cp -a "$build/install$COOK_PREFIX/x86_64-elf/lib" "$out/lib"
