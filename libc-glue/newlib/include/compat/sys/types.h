/*
 * <sys/types.h> for newlib on the reference kernel: newlib's plus what glibc's brings along: the Linux types
 * (loff_t) and <endian.h>. Linux code tests `__BYTE_ORDER == __BIG_ENDIAN` after including only this (liburing.h
 * does, to lay out its poll masks); with neither name defined both are 0 and the test says big-endian.
 */
#ifndef RP_COMPAT_SYS_TYPES_H
#define RP_COMPAT_SYS_TYPES_H
#include_next <sys/types.h>
#include <endian.h>
typedef long long loff_t;
#endif
