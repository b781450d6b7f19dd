/* timerfd_create/settime/gettime: Linux's system calls 283, 286, 287 (compat/sys/timerfd.h). */
#include "glue.h"
#include "raw_syscall.h"

#include <sys/timerfd.h>

int timerfd_create(int clockid, int flags) { return (int)rp_result(rp_raw_syscall2(283, clockid, flags)); }

int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old_value)
{
	return (int)rp_result(rp_raw_syscall4(286, fd, flags, new_value, old_value));
}

int timerfd_gettime(int fd, struct itimerspec *curr_value)
{
	return (int)rp_result(rp_raw_syscall2(287, fd, curr_value));
}
