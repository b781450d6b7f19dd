#!/usr/bin/env bash
# fio: its own configure script, then make and make install into the stage (cook's custom template).
set -euo pipefail
# Optional engines that depend on whatever the build machine happens to have are disabled on every target.
common_flags=(--disable-native --disable-numa --disable-rdma --disable-rados --disable-rbd --disable-http
  --disable-gfapi --disable-pmem --disable-xnvme --disable-libzbc --disable-tcmalloc --disable-dfs)

if [ "$COOK_TARGET" = reference ]; then
  # The x86_64 reference kernel (see the recipe): a static fio on newlib + the glue, cross-compiled with the
  # target's CC/LDFLAGS (cookbook/targets.toml). fio's configure runs a test program to detect a cross
  # build; one built for the reference kernel may well run on the build machine, so it is told.
  export cross_compile=yes
  # fio's Makefile links Linux builds with -ldl; the glue defines dlopen & co. in its own library, so -ldl
  # only has to resolve: an empty archive in the work tree.
  mkdir -p ringport-lib && rm -f ringport-lib/libdl.a && llvm-ar rcs ringport-lib/libdl.a
  # CONFIG_RINGPORT_REFERENCE: os/os.h takes os-linux.h (the kernel speaks Linux's ABI; clang's x86_64-elf
  # target does not define __linux__). FIO_NO_HAVE_SHM_H: no <sys/shm.h>, as on Android (no SysV IPC).
  # --disable-shm: job state lives in malloc'd memory, so jobs run as threads (fio forces `thread` anyway
  # without process-shared mutexes). --disable-libnfs: never probe the build machine for it.
  LDFLAGS="$LDFLAGS -L$PWD/ringport-lib" ./configure --prefix="$COOK_PREFIX" \
    --extra-cflags="-DCONFIG_RINGPORT_REFERENCE -DFIO_NO_HAVE_SHM_H" --disable-shm --disable-libnfs \
    "${common_flags[@]}"
  # The glue declares and defines timerfd_create (liburing's examples include <sys/timerfd.h>), but the kernel
  # has no timerfd yet (ENOSYS), so configure's link probe is a false positive: fio's helper thread would
  # abort on its first timerfd. Without CONFIG_HAVE_TIMERFD_CREATE it ticks with its poll loop instead.
  sed -i '/CONFIG_HAVE_TIMERFD_CREATE/d' config-host.h config-host.mak
  # configure wrote LDFLAGS into config-host.mak, which the Makefile appends to the environment's: without
  # this the crt0 object would be linked twice. Only fio itself is built (not the t/ tools or man pages).
  env -u LDFLAGS make -j"$COOK_JOBS" fio
  install -D -m 0755 fio "$COOK_DESTDIR$COOK_PREFIX/bin/fio"
  exit 0
fi

extra_cflags=""
if [ "$COOK_GLUE" = ringport ]; then
  # Hosted target: CONFIG_RINGPORT selects syscall() for io_uring_enter (see the recipe), and libringport
  # is linked into fio itself. fio's link line is `$(CC) $(LDFLAGS) -o fio $(OBJS) $(LIBS)`, so LDFLAGS puts
  # libringport's DT_NEEDED entry ahead of every library, libc included: its syscall/mmap/close bind first.
  extra_cflags="-DCONFIG_RINGPORT $(pkg-config --cflags ringport)"
  export LDFLAGS="${LDFLAGS:-} $(pkg-config --libs ringport)"
fi
./configure --prefix="$COOK_PREFIX" --extra-cflags="$extra_cflags" "${common_flags[@]}"
make -j"$COOK_JOBS"
make install DESTDIR="$COOK_DESTDIR"
