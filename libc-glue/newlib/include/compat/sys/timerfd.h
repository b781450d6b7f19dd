/* <sys/timerfd.h> for newlib on the reference kernel: Linux's flags and glibc's declarations. The calls are
   Linux's system calls 283, 286, 287 (libc-glue/newlib/src/timerfd.c); the kernel has no timerfd yet and
   answers ENOSYS. */
#ifndef RP_COMPAT_SYS_TIMERFD_H
#define RP_COMPAT_SYS_TIMERFD_H
#include <time.h>
#ifdef __cplusplus
extern "C" {
#endif
#define TFD_CLOEXEC 02000000
#define TFD_NONBLOCK 04000
#define TFD_TIMER_ABSTIME (1 << 0)
#define TFD_TIMER_CANCEL_ON_SET (1 << 1)
int timerfd_create(int clockid, int flags);
int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old_value);
int timerfd_gettime(int fd, struct itimerspec *curr_value);
#ifdef __cplusplus
}
#endif
#endif
