/* <sys/types.h> for newlib on the reference kernel: newlib's plus the Linux types glibc's adds (loff_t). */
#ifndef RP_COMPAT_SYS_TYPES_H
#define RP_COMPAT_SYS_TYPES_H
#include_next <sys/types.h>
typedef long long loff_t;
#endif
