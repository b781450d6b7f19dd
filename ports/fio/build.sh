#!/usr/bin/env bash
# fio: its own configure script, then make and make install into the stage (cook's custom template).
set -euo pipefail
extra_cflags=""
if [ "$COOK_GLUE" = ringport ]; then
  # Hosted target: CONFIG_RINGPORT selects syscall() for io_uring_enter (see the recipe), and libringport
  # is linked into fio itself. fio's link line is `$(CC) $(LDFLAGS) -o fio $(OBJS) $(LIBS)`, so LDFLAGS puts
  # libringport's DT_NEEDED entry ahead of every library, libc included: its syscall/mmap/close bind first.
  extra_cflags="-DCONFIG_RINGPORT $(pkg-config --cflags ringport)"
  export LDFLAGS="${LDFLAGS:-} $(pkg-config --libs ringport)"
fi
./configure --prefix="$COOK_PREFIX" --extra-cflags="$extra_cflags" \
  --disable-native --disable-numa --disable-rdma --disable-rados --disable-rbd --disable-http \
  --disable-gfapi --disable-pmem --disable-xnvme --disable-libzbc --disable-tcmalloc --disable-dfs
make -j"$COOK_JOBS"
make install DESTDIR="$COOK_DESTDIR"
