// The libc interposers: libc entry points that must know about ring fds, defined here so that they win over
// libc's at link time (docs/glue.md, Link-time interposition): close, dup*, fcntl, mmap*, munmap, poll, ppoll,
// epoll_*, syscall, and the calls that make files ready (write, writev, send*, shutdown, eventfd_write). Each
// does its ring-fd part and goes straight to the kernel (linux_syscall) for the rest.
#include "glue_internal.hpp"
#include "syscall_args.hpp"

#include <ringport/glue.h>
#include <ringport/hosted_os.h>
#include <ringport/linux/io_uring.hpp>

#include <atomic>
#include <cerrno>
#include <dlfcn.h>
#include <sys/uio.h>
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

// Reads wake too: what they take frees room, and Linux runs the writer's POLLOUT wakeup inside the read (a
// socket pair's sender, a full pipe's writer). Only a read that took something can have freed any.
static long drained(long r)
{
	if (r > 0)
		readiness_after_call();
	return set_errno(r);
}

ssize_t recv(int fd, void* buf, size_t n, int flags)
{
	return drained(raw_syscall(SYS_recvfrom, fd, long(buf), long(n), flags, 0, 0));
}

ssize_t recvfrom(int fd, void* buf, size_t n, int flags, struct sockaddr* from, socklen_t* fromlen)
{
	return drained(raw_syscall(SYS_recvfrom, fd, long(buf), long(n), flags, long(from), long(fromlen)));
}

ssize_t recvmsg(int fd, struct msghdr* m, int flags) { return drained(raw_syscall(SYS_recvmsg, fd, long(m), flags)); }

int recvmmsg(int fd, struct mmsghdr* v, unsigned int n, int flags, struct timespec* timeout)
{
	return int(drained(raw_syscall(SYS_recvmmsg, fd, long(v), long(n), flags, long(timeout))));
}

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

// glibc 2.34's close_range and closefrom: a daemon's sweep of every fd it did not open leaves the OS's private
// fds alone and lets requests keep the files they wait on.
int close_range(unsigned int first, unsigned int last, int flags)
{
	return int(set_errno(rp_sys_close_range(first, last, unsigned(flags))));
}

void closefrom(int lowfd)
{
	// glibc's closefrom(3) never fails; it does nothing for a negative lowfd (its close_range would say EINVAL).
	if (lowfd >= 0)
		(void)rp_sys_close_range(unsigned(lowfd), ~0u, 0);
}

// The OS's private fds are not the program's: every call that names one as its own answers EBADF, as Linux
// does for an fd the program never had (for dup2/dup3's newfd, as for a number beyond the fd limit).
int dup(int fd)
{
	if (rp_os_is_private_fd(fd))
		return int(set_errno(-EBADF));
	long r = raw_syscall(SYS_dup, fd);
	if (r >= 0)
		if (RingFile* rf = lookup(fd))
			track(int(r), rf);
	return int(set_errno(r));
}

int dup3(int oldfd, int newfd, int flags)
{
	if (oldfd != newfd && (rp_os_is_private_fd(oldfd) || rp_os_is_private_fd(newfd)))
		return int(set_errno(-EBADF));
	if (oldfd != newfd) {
		rp_os_fd_closing(newfd); // replacing newfd closes its file for the program, not for waiting requests
		uring_wake_fd_closed(newfd);
	}
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
	if (rp_os_is_private_fd(oldfd) || rp_os_is_private_fd(newfd))
		return int(set_errno(-EBADF));
	if (oldfd == newfd) {
		if (raw_syscall(SYS_fcntl, oldfd, F_GETFD) < 0)
			return int(set_errno(-EBADF));
		return newfd;
	}
	rp_os_fd_closing(newfd);
	uring_wake_fd_closed(newfd);
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
	if (rp_os_is_private_fd(fd))
		return int(set_errno(-EBADF));
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

// mmap and munmap are not instrumented by ThreadSanitizer, and neither is anything they call before they know
// a ring is involved: in a program linked with the static libringport, these are the program's mmap and
// munmap, and gcc's TSan runtime maps its symbolizer's memory through them while it initializes, when an
// instrumented function's entry hook crashes (issue 12). Only the system call instruction itself, then:
// ringport::linux_syscall, always inlined and never instrumented.
__attribute__((no_sanitize("thread"))) void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	if (!may_be_ring_fd(fd)) {
		long v = ringport::linux_syscall(SYS_mmap, long(addr), long(length), prot, flags, fd, long(offset));
		if (v < 0 && v > -4096) {
			errno = int(-v);
			return MAP_FAILED;
		}
		return reinterpret_cast<void*>(v);
	}
	void* p = rp_sys_mmap(addr, length, prot, flags, fd, offset);
	long v = long(p);
	if (v < 0 && v > -4096) {
		errno = int(-v);
		return MAP_FAILED;
	}
	return p;
}

__attribute__((no_sanitize("thread"))) void* mmap64(void* addr, size_t length, int prot, int flags, int fd,
                                                    off_t offset)
{
	return mmap(addr, length, prot, flags, fd, offset);
}

__attribute__((no_sanitize("thread"))) int munmap(void* addr, size_t length)
{
	if (!ring_mappings_exist()) {
		long r = ringport::linux_syscall(SYS_munmap, long(addr), long(length), 0, 0, 0, 0);
		if (r < 0) {
			errno = int(-r);
			return -1;
		}
		return 0;
	}
	return int(set_errno(rp_sys_munmap(addr, length)));
}

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
	long r = raw_syscall(SYS_epoll_ctl, epfd, op, fd, long(ev));
	if (r == 0 && op == EPOLL_CTL_ADD)
		uring_wake_epoll_added(epfd, fd);
	else if (r == 0 && op == EPOLL_CTL_DEL)
		uring_wake_epoll_removed(epfd, fd);
	return int(set_errno(r));
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

// Reads and writes of a ring fd. Linux's io_uring file has no read or write method: read(2), write(2), readv(2)
// and writev(2) on it fail with EINVAL whatever the buffer (pread/pwrite say ESPIPE, as the eventfd behind a
// ring fd already does). Everything else goes on to libc's own entry points, cancellation points included.
static void* next_symbol(const char* name) { return dlsym(RTLD_NEXT, name); }
static bool ring_fd_io(int fd) { return lookup(fd) != nullptr; }

extern ssize_t __read(int, void*, size_t);
extern ssize_t __write(int, const void*, size_t);

ssize_t read(int fd, void* buf, size_t n)
{
	if (ring_fd_io(fd))
		return set_errno(-EINVAL);
	ssize_t r = __read(fd, buf, n);
	if (r > 0)
		readiness_after_call(); // the room it freed wakes a writer's poll inside the read (see drained)
	return r;
}

ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen)
{
	if (ring_fd_io(fd))
		return set_errno(-EINVAL);
	using fn = ssize_t (*)(int, void*, size_t, size_t);
	static fn next = reinterpret_cast<fn>(next_symbol("__read_chk"));
	ssize_t r = next ? next(fd, buf, n, buflen) : __read(fd, buf, n);
	if (r > 0)
		readiness_after_call(); // as read
	return r;
}

ssize_t write(int fd, const void* buf, size_t n)
{
	if (ring_fd_io(fd))
		return set_errno(-EINVAL);
	ssize_t r = __write(fd, buf, n);
	if (r >= 0)
		readiness_after_call(); // Linux's poll wakeups ran inside the write (see woke)
	return r;
}

ssize_t readv(int fd, const struct iovec* iov, int n)
{
	if (ring_fd_io(fd))
		return set_errno(-EINVAL);
	using fn = ssize_t (*)(int, const struct iovec*, int);
	static fn next = reinterpret_cast<fn>(next_symbol("readv"));
	ssize_t r = next ? next(fd, iov, n) : set_errno(raw_syscall(SYS_readv, fd, long(iov), n));
	if (r > 0)
		readiness_after_call(); // as read
	return r;
}

ssize_t writev(int fd, const struct iovec* iov, int n)
{
	if (ring_fd_io(fd))
		return set_errno(-EINVAL);
	using fn = ssize_t (*)(int, const struct iovec*, int);
	static fn next = reinterpret_cast<fn>(next_symbol("writev"));
	ssize_t r = next ? next(fd, iov, n) : set_errno(raw_syscall(SYS_writev, fd, long(iov), n));
	if (r >= 0)
		readiness_after_call(); // as write
	return r;
}

// With offset -1 these are readv/writev at the file position (EINVAL on a ring fd); with an offset the
// eventfd's ESPIPE is Linux's answer already.
ssize_t preadv2(int fd, const struct iovec* iov, int n, off_t off, int flags)
{
	if (off == -1 && ring_fd_io(fd))
		return set_errno(-EINVAL);
	using fn = ssize_t (*)(int, const struct iovec*, int, off_t, int);
	static fn next = reinterpret_cast<fn>(next_symbol("preadv2"));
	return next ? next(fd, iov, n, off, flags)
	            : set_errno(raw_syscall(SYS_preadv2, fd, long(iov), n, long(off), 0, flags));
}

ssize_t pwritev2(int fd, const struct iovec* iov, int n, off_t off, int flags)
{
	if (off == -1 && ring_fd_io(fd))
		return set_errno(-EINVAL);
	using fn = ssize_t (*)(int, const struct iovec*, int, off_t, int);
	static fn next = reinterpret_cast<fn>(next_symbol("pwritev2"));
	return next ? next(fd, iov, n, off, flags)
	            : set_errno(raw_syscall(SYS_pwritev2, fd, long(iov), n, long(off), 0, flags));
}

ssize_t preadv64v2(int fd, const struct iovec* iov, int n, off_t off, int flags)
{
	return preadv2(fd, iov, n, off, flags);
}

ssize_t pwritev64v2(int fd, const struct iovec* iov, int n, off_t off, int flags)
{
	return pwritev2(fd, iov, n, off, flags);
}

// glibc's sigaction, which this library's does not replace (exported since glibc 2.2.5).
int __sigaction(int sig, const struct sigaction* act, struct sigaction* old);

// The signal the hosted OS interrupts its blocked workers with is the OS's: the program's actions for it are
// kept aside by the OS and run from its handler (rp_os_program_sigaction), so a program's own handler for that
// signal cannot hang io_uring_queue_exit. Every other signal goes to glibc untouched.
// Not instrumented by ThreadSanitizer: its runtime installs its handlers through this interposer while it
// initializes, before instrumented code may run (the same for rp_os_program_sigaction).
__attribute__((no_sanitize("thread"))) int sigaction(int sig, const struct sigaction* act, struct sigaction* old)
{
	if (rp_os_program_sigaction(sig, act, old))
		return 0;
	return __sigaction(sig, act, old);
}

// glibc's signal() calls its internal sigaction, which the interposer above cannot see: the same with BSD
// semantics (SA_RESTART, the signal blocked during its handler), as glibc's signal() has.
sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction sa {}, old {};
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sig > 0 && sig < NSIG)
		sigaddset(&sa.sa_mask, sig);
	if (sigaction(sig, &sa, &old) != 0)
		return SIG_ERR;
	return old.sa_handler;
}

// The kernel's struct sigaction, as rt_sigaction(2) takes it (syscall() with SYS_rt_sigaction).
struct KernelSigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

// rt_sigaction through syscall(): the OS's signal takes the same path as sigaction(); 1 when it was that.
static bool program_rt_sigaction(long sig, long act, long old, long size, long* result)
{
	if (size != 8 || !rp_os_program_sigaction(int(sig), nullptr, nullptr))
		return false;
	struct sigaction in {}, out {};
	const auto* k = reinterpret_cast<const KernelSigaction*>(act);
	if (k) {
		in.sa_handler = k->handler;
		in.sa_flags = int(k->flags & ~0x04000000ul); // SA_RESTORER: the kernel's, not the program's
		sigemptyset(&in.sa_mask);
		std::memcpy(&in.sa_mask, &k->mask, sizeof(k->mask));
	}
	rp_os_program_sigaction(int(sig), k ? &in : nullptr, &out);
	if (auto* ko = reinterpret_cast<KernelSigaction*>(old)) {
		ko->handler = out.sa_handler;
		ko->flags = unsigned(out.sa_flags);
		ko->restorer = out.sa_restorer;
		std::memcpy(&ko->mask, &out.sa_mask, sizeof(ko->mask));
	}
	*result = 0;
	return true;
}

long syscall(long n, ...)
{
	// Only the arguments the call takes (syscall_args.hpp): a sixth read for a call with fewer is read from
	// beyond the caller's stack arguments.
	long args[6] = {};
	va_list ap;
	va_start(ap, n);
	for (int i = 0, k = syscall_arg_count(n); i < k; ++i)
		args[i] = va_arg(ap, long);
	va_end(ap);
	const long a = args[0], b = args[1], c = args[2], d = args[3], e = args[4], f = args[5];
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
	case __NR_rt_sigaction:
		if (!program_rt_sigaction(a, b, c, d, &r))
			r = raw_syscall(n, a, b, c, d);
		break;
	default:
		r = raw_syscall(n, a, b, c, d, e, f);
	}
	return set_errno(r);
}

} // extern "C"
