/* <stdatomic.h> for newlib on the reference kernel: newlib's (FreeBSD's) header names int_fast64_t, intptr_t,
   intmax_t ... in its typedefs without including <stdint.h>, so a program that includes <stdatomic.h> first
   (fio's configure probe, fio's own headers) does not compile. The fix is the include it forgot. */
#ifndef RP_COMPAT_STDATOMIC_H
#define RP_COMPAT_STDATOMIC_H
#include <stdint.h>
#include_next <stdatomic.h>
#endif
