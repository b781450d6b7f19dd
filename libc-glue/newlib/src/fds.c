/*
 * fd calls with no native opcode, so Linux-numbered system calls: pipe/pipe2, eventfd, fcntl, ioctl, poll and
 * ppoll. isatty asks Statx whether the fd is a character device (the console is).
 */
#include "glue.h"
#include "raw_syscall.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

int pipe2(int fds[2], int flags) { return (int)rp_result(rp_raw_syscall2(RP_NR_pipe2, fds, flags)); }
int pipe(int fds[2]) { return pipe2(fds, 0); }

int eventfd(unsigned int initval, int flags) { return (int)rp_result(rp_raw_syscall2(RP_NR_eventfd2, initval, flags)); }

int eventfd_read(int fd, eventfd_t *value) { return read(fd, value, sizeof *value) == sizeof *value ? 0 : -1; }
int eventfd_write(int fd, eventfd_t value) { return write(fd, &value, sizeof value) == sizeof value ? 0 : -1; }

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return (int)rp_result(rp_raw_syscall3(RP_NR_fcntl, fd, cmd, arg));
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	long arg = va_arg(ap, long);
	va_end(ap);
	return (int)rp_result(rp_raw_syscall3(RP_NR_ioctl, fd, request, arg));
}

int poll(struct pollfd *fds, nfds_t n, int timeout) { return (int)rp_result(rp_raw_syscall3(RP_NR_poll, fds, n, timeout)); }

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask)
{
	return (int)rp_result(rp_raw_syscall6(RP_NR_ppoll, (long)fds, (long)n, (long)timeout, (long)mask, mask ? 8 : 0, 0));
}

int isatty(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return 0;
	if (!S_ISCHR(st.st_mode)) {
		errno = ENOTTY;
		return 0;
	}
	return 1;
}
