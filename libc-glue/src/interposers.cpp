// The libc interposers: libc entry points that must know about ring fds, defined here so that they win over
// libc's at link time (docs/glue.md, Link-time interposition): close, dup*, fcntl, mmap*, munmap, poll, ppoll,
// epoll_*, syscall, and the calls that make files ready (write, writev, send*, shutdown, eventfd_write). Each
// does its ring-fd part and goes straight to the kernel (linux_syscall) for the rest.
#include "glue_internal.hpp"

#include <ringport/glue.h>
#include <ringport/hosted_os.h>
#include <ringport/linux/io_uring.hpp>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <fcntl.h>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <new>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <vector>

using namespace ringport;
using namespace ringport::glue;

extern "C" {

int close(int fd)
{
	long r = rp_sys_close(fd);
	readiness_after_call(); // the last writer of a pipe or a socket gone: the other end's polls see POLLHUP
	return int(set_errno(r));
}

// Calls that make another file ready. Linux runs a poll wakeup inside the waker's call: a pipe written and read
// back at once has already completed the io_uring poll armed on it. The hosted OS's reactor would learn of it
// later, on its own thread, after the read drained the pipe; so each of these acts on readiness before it
// returns (readiness_after_call, a load of one counter while nothing waits on any fd).
static long woke(long r)
{
	if (r >= 0)
		readiness_after_call();
	return set_errno(r);
}

ssize_t write(int fd, const void* buf, size_t n) { return woke(raw_syscall(SYS_write, fd, long(buf), long(n))); }

ssize_t writev(int fd, const struct iovec* iov, int n) { return woke(raw_syscall(SYS_writev, fd, long(iov), n)); }

ssize_t send(int fd, const void* buf, size_t n, int flags)
{
	return woke(raw_syscall(SYS_sendto, fd, long(buf), long(n), flags, 0, 0));
}

ssize_t sendto(int fd, const void* buf, size_t n, int flags, const struct sockaddr* to, socklen_t tolen)
{
	return woke(raw_syscall(SYS_sendto, fd, long(buf), long(n), flags, long(to), long(tolen)));
}

ssize_t sendmsg(int fd, const struct msghdr* m, int flags) { return woke(raw_syscall(SYS_sendmsg, fd, long(m), flags)); }

int sendmmsg(int fd, struct mmsghdr* v, unsigned int n, int flags)
{
	return int(woke(raw_syscall(SYS_sendmmsg, fd, long(v), long(n), flags)));
}

int shutdown(int fd, int how) { return int(woke(raw_syscall(SYS_shutdown, fd, how))); }

int eventfd_write(int fd, eventfd_t value)
{
	long r = raw_syscall(SYS_write, fd, long(&value), sizeof value);
	if (r >= 0)
		readiness_after_call();
	if (r < 0) {
		errno = int(-r);
		return -1;
	}
	return r == sizeof value ? 0 : -1;
}

int dup(int fd)
{
	long r = raw_syscall(SYS_dup, fd);
	if (r >= 0)
		if (RingFile* rf = lookup(fd))
			track(int(r), rf);
	return int(set_errno(r));
}

int dup3(int oldfd, int newfd, int flags)
{
	if (oldfd != newfd)
		rp_os_fd_closing(newfd); // replacing newfd closes its file for the program, not for waiting requests
	long r = raw_syscall(SYS_dup3, oldfd, newfd, flags);
	if (r >= 0) {
		if (RingFile* rf = lookup(oldfd))
			track(newfd, rf);
		else
			untrack(newfd);
	}
	return int(set_errno(r));
}

int dup2(int oldfd, int newfd)
{
	if (oldfd == newfd) {
		if (raw_syscall(SYS_fcntl, oldfd, F_GETFD) < 0)
			return int(set_errno(-EBADF));
		return newfd;
	}
	rp_os_fd_closing(newfd);
	long r = raw_syscall(SYS_dup2, oldfd, newfd);
	if (r >= 0) {
		if (RingFile* rf = lookup(oldfd))
			track(newfd, rf);
		else
			untrack(newfd);
	}
	return int(set_errno(r));
}

static int fcntl_impl(int fd, int cmd, long arg)
{
	long r = raw_syscall(SYS_fcntl, fd, cmd, arg);
	if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		if (RingFile* rf = lookup(fd))
			track(int(r), rf);
	return int(set_errno(r));
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return fcntl_impl(fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return fcntl_impl(fd, cmd, arg);
}

void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	void* p = rp_sys_mmap(addr, length, prot, flags, fd, offset);
	long v = long(p);
	if (v < 0 && v > -4096) {
		errno = int(-v);
		return MAP_FAILED;
	}
	return p;
}

void* mmap64(void* addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	return mmap(addr, length, prot, flags, fd, offset);
}

int munmap(void* addr, size_t length) { return int(set_errno(rp_sys_munmap(addr, length))); }

static int poll_impl(struct pollfd* fds, nfds_t n, const struct timespec* ts, const sigset_t* mask)
{
	// Wakeups Linux has queued for io_uring polls take effect first, as they would have on Linux already.
	rp_os_collect_readiness();
	bool rings = false, ready = false;
	for (nfds_t i = 0; i < n; ++i)
		if (RingFile* rf = lookup(fds[i].fd)) {
			rings = true;
			arm(rf);
			if (shim::poll_mask(rf->ring) & (uint32_t(fds[i].events) | POLLERR | POLLHUP))
				ready = true;
		}
	if (rings)
		sync_all_armed();
	struct timespec zero {};
	long r = raw_syscall(SYS_ppoll, long(fds), long(n), long(ready ? &zero : ts), long(mask), 8);
	if (r < 0 || !rings)
		return int(set_errno(r));
	// A ring fd's readiness is the ring's, not its eventfd's.
	long count = 0;
	for (nfds_t i = 0; i < n; ++i) {
		if (RingFile* rf = lookup(fds[i].fd))
			fds[i].revents = short(shim::poll_mask(rf->ring) & (uint32_t(fds[i].events) | POLLERR | POLLHUP));
		if (fds[i].revents)
			++count;
	}
	return int(count);
}

int poll(struct pollfd* fds, nfds_t n, int timeout)
{
	struct timespec ts, *tp = nullptr;
	if (timeout >= 0) {
		ts.tv_sec = timeout / 1000;
		ts.tv_nsec = (timeout % 1000) * 1000000L;
		tp = &ts;
	}
	return poll_impl(fds, n, tp, nullptr);
}

int ppoll(struct pollfd* fds, nfds_t n, const struct timespec* ts, const sigset_t* mask)
{
	struct timespec copy, *tp = nullptr;
	if (ts) {
		copy = *ts;
		tp = &copy; // the kernel updates it; the caller's stays untouched, as glibc's wrapper does
	}
	return poll_impl(fds, n, tp, mask);
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event* ev)
{
	if (op != EPOLL_CTL_DEL)
		if (RingFile* rf = lookup(fd)) {
			arm(rf);
			sync_readiness(rf);
		}
	return int(set_errno(raw_syscall(SYS_epoll_ctl, epfd, op, fd, long(ev))));
}

int epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout)
{
	rp_os_collect_readiness();
	sync_all_armed();
	return int(set_errno(raw_syscall(SYS_epoll_pwait, epfd, long(events), maxevents, timeout, 0, 8)));
}

int epoll_pwait(int epfd, struct epoll_event* events, int maxevents, int timeout, const sigset_t* mask)
{
	rp_os_collect_readiness();
	sync_all_armed();
	return int(set_errno(raw_syscall(SYS_epoll_pwait, epfd, long(events), maxevents, timeout, long(mask), 8)));
}

long syscall(long n, ...)
{
	va_list ap;
	va_start(ap, n);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long), d = va_arg(ap, long),
	     e = va_arg(ap, long), f = va_arg(ap, long);
	va_end(ap);
	long r;
	switch (n) {
	case __NR_io_uring_setup:
		r = rp_sys_io_uring_setup(unsigned(a), reinterpret_cast<io_uring_params*>(b));
		break;
	case __NR_io_uring_enter:
		r = rp_sys_io_uring_enter2(unsigned(a), unsigned(b), unsigned(c), unsigned(d), reinterpret_cast<void*>(e),
		                           size_t(f));
		break;
	case __NR_io_uring_register:
		r = rp_sys_io_uring_register(unsigned(a), unsigned(b), reinterpret_cast<const void*>(c), unsigned(d));
		break;
	case __NR_close:
		r = rp_sys_close(int(a));
		break;
	case __NR_mmap:
		r = long(rp_sys_mmap(reinterpret_cast<void*>(a), size_t(b), int(c), int(d), int(e), off_t(f)));
		break;
	case __NR_munmap:
		r = rp_sys_munmap(reinterpret_cast<void*>(a), size_t(b));
		break;
	default:
		r = raw_syscall(n, a, b, c, d, e, f);
	}
	return set_errno(r);
}

} // extern "C"
