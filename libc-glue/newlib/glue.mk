# The newlib glue for the x86_64 reference kernel, cross-built with clang --target=x86_64-elf against the
# newlib already in the sysroot. Plain make (not the tree's automake build, which is configured for the host):
# ports/newlib-glue/build.sh runs it in the cookbook's mirror of the tree.
#
#   make -f libc-glue/newlib/glue.mk SYSROOT=<sysroot> OUT=<objdir> [install DESTDIR=<stage> PREFIX=<sysroot>]
#
# Installs: lib/crt0.o, lib/libringport-newlib.a (the system call layer), lib/libpthread.a (the pthread layer:
# liburing's test makefile links -lpthread), lib/libcompiler_rt.a (clang's builtins),
# include/compat/ (headers newlib lacks), include/{linux,asm,asm-generic}/ (linux-libc-dev's uapi),
# include/c++/v1/ (libc++'s headers with this target's __config_site: the C++ programs' standard library).

GLUE := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
TOP := $(GLUE)/../..
SYSROOT ?= $(error SYSROOT is required)
OUT ?= build/reference-glue
PREFIX ?= $(SYSROOT)
UAPI_ARCH ?= /usr/include/x86_64-linux-gnu

CC := clang
CXX := clang++
AR := llvm-ar
# -nostdlibinc: clang's own headers, never glibc's. The uapi headers come from OUT's copy (uapi/), so the
# glue sees exactly what programs will.
TARGET_FLAGS := --target=x86_64-elf -nostdlibinc -isystem $(GLUE)/include/compat -isystem $(OUT)/uapi \
	-isystem $(SYSROOT)/include -I$(TOP)/os/abi/include -I$(GLUE)/src
COMMON := $(TARGET_FLAGS) -O2 -g -Wall -Wextra -ffunction-sections -fdata-sections -fno-stack-protector -MMD -MP
CFLAGS_GLUE := $(COMMON) -std=gnu11 -D_GNU_SOURCE
CXXFLAGS_GLUE := $(COMMON) -std=c++20 -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics \
	-fno-use-cxa-atexit -D_GNU_SOURCE

C_SOURCES := start.c thread.c files.c paths.c stat.c time.c memory.c process.c signals.c fds.c dirent.c \
	sockets.c syscall.c err.c pthread_cancel.c pthread_locks.c pthread_futex.c
# What fio (ports/fio) needs that newlib lacks: dl* (always failing: static programs), syslog (LOG_CONS /
# LOG_PERROR only), mount-table reading, numeric getaddrinfo, statfs/fstatfs, basename/dirname, select over
# ppoll, popen, realpath, plain Linux calls (nice, setuid, umask, mlock, ...); reader-writer locks and the
# contention scope for libpthread.a.
C_SOURCES += dlfcn.c syslog.c mntent.c netdb.c statfs.c
C_SOURCES += libgen.c select.c popen.c realpath.c linux_calls.c
PTHREAD_SOURCES_FIO := pthread_rwlock.c pthread_attr_scope.c
CXX_SOURCES := ring.cpp
# operator new/delete, static-local guards, __dso_handle: pulled in only by C++ programs.
CXX_SOURCES += cxx_runtime.cpp
# <ucontext.h>: getcontext/setcontext/swapcontext in assembly, makecontext in C.
C_SOURCES += makecontext.c
# <sys/timerfd.h>'s calls (ucontext-cp includes the header).
C_SOURCES += timerfd.c
ASM_SOURCES := ucontext.S
OBJECTS := $(addprefix $(OUT)/,$(C_SOURCES:.c=.o) $(CXX_SOURCES:.cpp=.o) $(ASM_SOURCES:.S=.o))
# The pthread layer (threads, mutexes, condition variables, barriers, semaphores): libpthread.a. newlib's
# locks (pthread_locks.c) and the futex words under them (pthread_futex.c) are in libringport-newlib.a, ahead
# of -lc, so every program gets them.
PTHREAD_SOURCES := pthread_create.c pthread_mutex.c pthread_cond.c pthread_barrier.c semaphore.c
PTHREAD_SOURCES += $(PTHREAD_SOURCES_FIO)
PTHREAD_OBJECTS := $(addprefix $(OUT)/,$(PTHREAD_SOURCES:.c=.o))

all: $(OUT)/crt0.o $(OUT)/libringport-newlib.a $(OUT)/libpthread.a $(OUT)/libcompiler_rt.a $(OUT)/uapi/.stamp

# linux-libc-dev's uapi headers and the SYS_* names glibc's <sys/syscall.h> derives from them.
$(OUT)/uapi/.stamp: $(GLUE)/glue.mk
	rm -rf $(OUT)/uapi && mkdir -p $(OUT)/uapi/bits
	cp -rL /usr/include/linux /usr/include/asm-generic $(OUT)/uapi/
	cp -rL $(UAPI_ARCH)/asm $(OUT)/uapi/
	sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/#define SYS_\1 __NR_\1/p' $(UAPI_ARCH)/asm/unistd_64.h \
		> $(OUT)/uapi/bits/syscall.h
	touch $@

$(OUT)/%.o: $(GLUE)/src/%.c $(OUT)/uapi/.stamp
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS_GLUE) -c -o $@ $<

$(OUT)/%.o: $(GLUE)/src/%.cpp $(OUT)/uapi/.stamp
	@mkdir -p $(OUT)
	$(CXX) $(CXXFLAGS_GLUE) -c -o $@ $<

$(OUT)/ucontext.o: $(GLUE)/src/ucontext.S
	@mkdir -p $(OUT)
	$(CC) --target=x86_64-elf -c -o $@ $<

$(OUT)/crt0.o: $(GLUE)/src/crt0.S
	@mkdir -p $(OUT)
	$(CC) --target=x86_64-elf -c -o $@ $<

$(OUT)/libringport-newlib.a: $(OBJECTS)
	rm -f $@ && $(AR) rcs $@ $^

$(OUT)/libpthread.a: $(PTHREAD_OBJECTS)
	@mkdir -p $(OUT)
	rm -f $@ && $(AR) rcs $@ $^

# clang's compiler-rt builtins (Debian ships them for x86_64 Linux; they need nothing from a libc).
$(OUT)/libcompiler_rt.a:
	@mkdir -p $(OUT)
	cp "$$($(CC) --target=x86_64-linux-gnu --rtlib=compiler-rt -print-libgcc-file-name)" $@

# libc++'s headers, from the libc++ matching the compiler (Debian's libc++-dev: <clang's prefix>/include/c++/v1).
LIBCXX_HEADERS ?= $(abspath $(shell $(CXX) -print-resource-dir)/../../../include/c++/v1)

install: all
	@test -f $(LIBCXX_HEADERS)/atomic || { echo "glue.mk: no libc++ headers in $(LIBCXX_HEADERS) (install libc++-dev)" >&2; exit 1; }
	rm -rf $(DESTDIR)$(PREFIX)/include/c++/v1 && mkdir -p $(DESTDIR)$(PREFIX)/include/c++
	cp -rL $(LIBCXX_HEADERS) $(DESTDIR)$(PREFIX)/include/c++/v1
	cp $(GLUE)/include/c++/__config_site $(DESTDIR)$(PREFIX)/include/c++/v1/__config_site
	mkdir -p $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/compat $(DESTDIR)$(PREFIX)/include/ringport
	cp $(OUT)/crt0.o $(OUT)/libringport-newlib.a $(OUT)/libpthread.a $(OUT)/libcompiler_rt.a $(DESTDIR)$(PREFIX)/lib/
	cp -r $(GLUE)/include/compat/. $(DESTDIR)$(PREFIX)/include/compat/
	cp -r $(OUT)/uapi/linux $(OUT)/uapi/asm $(OUT)/uapi/asm-generic $(DESTDIR)$(PREFIX)/include/
	mkdir -p $(DESTDIR)$(PREFIX)/include/compat/bits
	cp $(OUT)/uapi/bits/syscall.h $(DESTDIR)$(PREFIX)/include/compat/bits/
	cp $(TOP)/os/abi/include/ringport/native_ring.h $(TOP)/os/abi/include/ringport/kernel_calls.h \
		$(DESTDIR)$(PREFIX)/include/ringport/

-include $(OBJECTS:.o=.d) $(PTHREAD_OBJECTS:.o=.d)

.PHONY: all install
