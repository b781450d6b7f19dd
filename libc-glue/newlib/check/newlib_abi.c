/*
 * The newlib side of the ABI check (make check-newlib-abi, part of make check): compiled, never run, with
 * clang --target=x86_64-elf against the reference sysroot exactly as a program sees it (patched newlib
 * headers, libc-glue/newlib's compat headers), with linux_values.h generated from linux-libc-dev's uapi
 * (linux_values.in). Every name of abi_names.def must exist on both sides and have the same value: errno
 * (all of Linux's), O_*, F_*, AT_*, signal numbers and SIG_BLOCK..., CLOCK_* and TIMER_ABSTIME, and the
 * compat headers' hand-written RLIMIT_*, POSIX_FADV_* and RENAME_*. A missing name fails as an undeclared
 * identifier, a different value as a static assertion naming it. struct rusage's size and offsets are
 * compared with linux_layouts.h (a host program's view of the uapi struct) at the end.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>

#include "linux_layouts.h"
#include "linux_values.h"

#define RP_ABI(name) _Static_assert((name) == (RP_LINUX_##name), #name " differs from Linux's");
#include "abi_names.def"

/* Knowingly not the uapi header's value, as with glibc on x86_64: */
/* x86's uapi <asm/signal.h> hides the kernel's _NSIG (64) from user space and keeps a legacy NSIG 32.
   liburing passes _NSIG / 8 bytes of sigset to io_uring_enter, and the kernel wants exactly 64 / 8. */
_Static_assert(_NSIG / 8 == 64 / 8, "_NSIG / 8 must be the kernel's sigset size, 8 bytes");
_Static_assert(NSIG == _NSIG && _NSIG == 65, "NSIG and _NSIG are glibc's 65");
_Static_assert(SIGRTMAX == 64, "SIGRTMAX is the kernel's _NSIG, 64");
/* 64-bit user space gets large files anyway; glibc defines O_LARGEFILE 0 there (the kernel's bit is set by
   the kernel itself on 64-bit), and so does the patch. */
_Static_assert(O_LARGEFILE == 0 && RP_LINUX_O_LARGEFILE_KERNEL == 0100000, "O_LARGEFILE as glibc's on x86_64");
/* Linux aliases newlib must keep. */
_Static_assert(EWOULDBLOCK == EAGAIN && EDEADLOCK == EDEADLK && ENOTSUP == EOPNOTSUPP, "errno aliases");
_Static_assert(sizeof(sigset_t) * 8 >= 64, "sigset_t holds 64 signals");

/* Byte order as glibc names it, reached through <sys/types.h> alone (liburing.h lays out its poll masks by
   `__BYTE_ORDER == __BIG_ENDIAN`: with neither name defined that test is true and every mask is swapped). */
#if !defined(__BYTE_ORDER) || !defined(__LITTLE_ENDIAN) || __BYTE_ORDER != __LITTLE_ENDIAN
#error "<sys/types.h> must give glibc's __BYTE_ORDER == __LITTLE_ENDIAN"
#endif

/* Layouts (linux_layouts.h, from the uapi structs): struct rusage as Linux's getrusage(2) fills it. */
#define RP_OFFSET(s, f) _Static_assert(__builtin_offsetof(struct s, f) == RP_LINUX_##s##_##f, #s "." #f " is not at Linux's offset");
_Static_assert(sizeof(struct rusage) == RP_LINUX_rusage_size, "struct rusage is not Linux's size");
RP_OFFSET(rusage, ru_utime)
RP_OFFSET(rusage, ru_stime)
RP_OFFSET(rusage, ru_maxrss)
RP_OFFSET(rusage, ru_minflt)
RP_OFFSET(rusage, ru_majflt)
RP_OFFSET(rusage, ru_inblock)
RP_OFFSET(rusage, ru_oublock)
RP_OFFSET(rusage, ru_nsignals)
RP_OFFSET(rusage, ru_nvcsw)
RP_OFFSET(rusage, ru_nivcsw)
