/* <sys/sysmacros.h> for newlib on the reference kernel: glibc's major()/minor()/makedev() with Linux's
   device-number encoding (12-bit major and 20-bit minor split across the 64-bit value: minor bits 0-7 and
   20-31 of the number, major bits 8-19 and 32-43), so numbers from statx (st_rdev, st_dev) decode as on
   Linux. newlib's dev_t may be narrower; the macros compute in 64 bits and the caller's type truncates. */
#ifndef RP_COMPAT_SYS_SYSMACROS_H
#define RP_COMPAT_SYS_SYSMACROS_H
#define major(dev) ((unsigned int)((((unsigned long long)(dev) >> 8) & 0xfffu) | \
	(((unsigned long long)(dev) >> 32) & ~0xfffu)))
#define minor(dev) ((unsigned int)(((unsigned long long)(dev) & 0xffu) | \
	(((unsigned long long)(dev) >> 12) & ~0xffu)))
#define makedev(maj, min) ((((unsigned long long)(maj) & 0xfffu) << 8) | \
	(((unsigned long long)(maj) & ~0xfffull) << 32) | ((unsigned long long)(min) & 0xffu) | \
	(((unsigned long long)(min) & ~0xffull) << 12))
#endif
