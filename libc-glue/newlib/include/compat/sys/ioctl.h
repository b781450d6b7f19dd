/* <sys/ioctl.h> for newlib on the reference kernel: Linux's request numbers (asm/ioctls.h). */
#ifndef RP_COMPAT_SYS_IOCTL_H
#define RP_COMPAT_SYS_IOCTL_H
#include <asm/ioctls.h>
#include <linux/ioctl.h>
#ifdef __cplusplus
extern "C" {
#endif
int ioctl(int fd, unsigned long request, ...);
#ifdef __cplusplus
}
#endif
#endif
