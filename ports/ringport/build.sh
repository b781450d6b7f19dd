#!/usr/bin/env bash
# Builds the mirrored ringport tree and installs it into the sysroot (prefix = sysroot, staged through
# DESTDIR by cook). Runs in the mirror ($COOK_SOURCE); configure runs once, later cooks are incremental.
set -euo pipefail
# ringport builds against the host's libraries (CMocka for its tests), not the target sysroot.
unset PKG_CONFIG_LIBDIR
if [ ! -f config.status ]; then
  ./autogen.sh
  ./configure -q --prefix="$COOK_PREFIX"
fi
# What matters to the ports is lib/libringport.*, the headers, lib/pkgconfig/ringport.pc and bin/ringport
# (`ringport run`, which finds the libraries in ../lib): install just those, so the tree's own tools (cook,
# demos, benchmarks) are not built a second time here.
make -j"$COOK_JOBS" install-libLTLIBRARIES install-data install-binPROGRAMS \
  DESTDIR="$COOK_DESTDIR"
if ! ls "$COOK_DESTDIR$COOK_PREFIX"/lib/libringport.* >/dev/null 2>&1; then
  echo "ringport: this tree does not build libringport yet (no lib/libringport.* was installed)" >&2
  exit 1
fi
