#!/usr/bin/env bash
# Cross-builds libc-glue/newlib in the mirrored tree ($COOK_SOURCE) and installs it into the sysroot (staged
# through $COOK_DESTDIR by cook). Incremental: objects stay in build/reference-glue between cooks.
set -euo pipefail
unset CFLAGS CXXFLAGS LDFLAGS CPPFLAGS
make -f libc-glue/newlib/glue.mk -j"$COOK_JOBS" SYSROOT="$COOK_SYSROOT" OUT="$COOK_SOURCE/build/reference-glue" \
  PREFIX="$COOK_PREFIX" DESTDIR="$COOK_DESTDIR" install
