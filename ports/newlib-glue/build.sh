#!/usr/bin/env bash
# Cross-builds libc-glue/newlib in the mirrored tree ($COOK_SOURCE) and installs it into the sysroot (staged
# through $COOK_DESTDIR by cook). Incremental: objects stay in build/reference-glue between cooks.
set -euo pipefail
# How a program is compiled and linked for this target, exactly as cookbook/targets.toml says (cook put it in
# the environment): libc-glue/newlib/build-userland.sh builds liburing's tests and examples with it.
share="$COOK_DESTDIR$COOK_PREFIX/share/ringport-newlib"
mkdir -p "$share"
{
  echo "# The reference target's toolchain (cookbook/targets.toml), for building programs against this sysroot."
  printf 'CC=%q\nCXX=%q\nLDFLAGS=%q\n' "$CC" "$CXX" "${LDFLAGS:-}"
} > "$share/toolchain.env"
unset CC CXX CFLAGS CXXFLAGS LDFLAGS CPPFLAGS
make -f libc-glue/newlib/glue.mk -j"$COOK_JOBS" SYSROOT="$COOK_SYSROOT" OUT="$COOK_SOURCE/build/reference-glue" \
  PREFIX="$COOK_PREFIX" DESTDIR="$COOK_DESTDIR" install
