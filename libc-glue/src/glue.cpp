// The libc glue: io_uring system calls and ring-fd aware libc entry points, over the kernel shim.
//
// A ring fd is a real eventfd, so its number never collides with anything the program opens and poll/epoll
// on it work: while someone polls a ring, every CQ publish adds to the eventfd, and before each poll/epoll
// wait the counter is set to match the CQ (readable while completions are waiting). Libc functions that must
// see ring fds (close, dup*, fcntl dup, mmap, munmap, poll, ppoll, epoll_*, syscall) are defined here and win
// over libc's at link time; everything else goes straight to the kernel with raw system calls.
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
#include <unistd.h>
#include <vector>

struct rp_host_region {
	int fd;
	void* addr;
	size_t size;
};

namespace ringport::glue {

namespace lx = ringport::lx;

namespace {

// One per io_uring instance: the shim ring and a private handle on its eventfd for readiness signalling.
struct RingFile {
	shim::Ring* ring;
	int signal_fd;
	std::atomic<uint32_t> refs;
	std::atomic<bool> armed;
};

constexpr int kMaxTrackedFd = 1 << 16;
std::atomic<RingFile*> g_fd_table[kMaxTrackedFd];

std::mutex g_lock; // guards g_maps and g_armed (slow paths only)
struct Mapping {
	uintptr_t addr;
	size_t len;
	RingFile* rf;
};
std::vector<Mapping>* g_maps;
std::vector<RingFile*>* g_armed;

// This thread made a polled ring fd readable (ring_fd_posted) during its current io_uring_enter.
thread_local bool t_ring_fd_posted;

constexpr int kRegisteredRings = 16; // Linux's IO_RINGFD_REG_MAX
thread_local RingFile* t_registered[kRegisteredRings];

void rf_ref(RingFile* rf) { rf->refs.fetch_add(1, std::memory_order_relaxed); }

void rf_unref(RingFile* rf)
{
	if (rf->refs.fetch_sub(1, std::memory_order_acq_rel) != 1)
		return;
	if (rf->armed.load()) {
		std::lock_guard<std::mutex> g(g_lock);
		if (g_armed)
			for (auto it = g_armed->begin(); it != g_armed->end(); ++it)
				if (*it == rf) {
					g_armed->erase(it);
					break;
				}
	}
	shim::set_poll_cookie(rf->ring, nullptr);
	shim::ring_unref(rf->ring);
	if (rf->signal_fd >= 0)
		raw_syscall(SYS_close, rf->signal_fd);
	delete rf;
}

RingFile* lookup(int fd)
{
	if (fd < 0 || fd >= kMaxTrackedFd)
		return nullptr;
	return g_fd_table[fd].load(std::memory_order_acquire);
}

void track(int fd, RingFile* rf)
{
	if (fd >= 0 && fd < kMaxTrackedFd) {
		rf_ref(rf);
		RingFile* old = g_fd_table[fd].exchange(rf, std::memory_order_acq_rel);
		if (old)
			rf_unref(old);
	}
}

void untrack(int fd)
{
	if (fd < 0 || fd >= kMaxTrackedFd)
		return;
	if (RingFile* old = g_fd_table[fd].exchange(nullptr, std::memory_order_acq_rel))
		rf_unref(old);
}

// Starts signalling CQ publishes into the ring's eventfd.
void arm(RingFile* rf)
{
	if (rf->armed.exchange(true))
		return;
	{
		std::lock_guard<std::mutex> g(g_lock);
		if (!g_armed)
			g_armed = new std::vector<RingFile*>;
		g_armed->push_back(rf);
	}
	shim::set_poll_cookie(rf->ring, rf);
}

// Makes the eventfd's readability match the CQ right now (called before a poll or epoll wait).
void sync_readiness(RingFile* rf)
{
	uint64_t v;
	raw_syscall(SYS_read, rf->signal_fd, long(&v), 8); // drain (non-blocking)
	if (shim::poll_mask(rf->ring) & POLLIN) {
		uint64_t one = 1;
		raw_syscall(SYS_write, rf->signal_fd, long(&one), 8);
	}
}

void sync_all_armed()
{
	std::lock_guard<std::mutex> g(g_lock);
	if (g_armed)
		for (RingFile* rf : *g_armed)
			sync_readiness(rf);
}

long set_errno(long r)
{
	if (r < 0 && r > -4096) {
		errno = int(-r);
		return -1;
	}
	return r;
}

int resolve_wq(int32_t fd, shim::Ring** out)
{
	if (fd < 0 || raw_syscall(SYS_fcntl, fd, F_GETFD) < 0)
		return -ENXIO;
	RingFile* rf = lookup(fd);
	if (!rf)
		return -EINVAL;
	*out = rf->ring;
	return 0;
}

// Registered ring fds (REGISTER_RING_FDS): per thread, as Linux keeps them per task.
long register_ring_fds(RingFile*, uint64_t arg, unsigned nr)
{
	if (!nr || nr > kRegisteredRings)
		return -EINVAL;
	unsigned i = 0;
	long ret = 0;
	for (; i < nr; ++i) {
		lx::io_uring_rsrc_update up;
		if (rp_host_copy_from_user(&up, arg + sizeof(up) * i, sizeof(up))) {
			ret = -EFAULT;
			break;
		}
		if (up.resv) {
			ret = -EINVAL;
			break;
		}
		int start, end;
		if (up.offset == ~0u) {
			start = 0;
			end = kRegisteredRings;
		} else {
			if (up.offset >= unsigned(kRegisteredRings)) {
				ret = -EINVAL;
				break;
			}
			start = int(up.offset);
			end = start + 1;
		}
		int fd = int(up.data);
		if (fd < 0 || raw_syscall(SYS_fcntl, fd, F_GETFD) < 0) {
			ret = -EBADF;
			break;
		}
		RingFile* target = lookup(fd);
		if (!target) {
			ret = -EOPNOTSUPP;
			break;
		}
		int slot = -1;
		for (int s = start; s < end; ++s)
			if (!t_registered[s]) {
				slot = s;
				break;
			}
		if (slot < 0) {
			ret = -EBUSY;
			break;
		}
		rf_ref(target);
		t_registered[slot] = target;
		up.offset = unsigned(slot);
		if (rp_host_copy_to_user(arg + sizeof(up) * i, &up, sizeof(up))) {
			t_registered[slot] = nullptr;
			rf_unref(target);
			ret = -EFAULT;
			break;
		}
	}
	return i ? long(i) : ret;
}

long unregister_ring_fds(uint64_t arg, unsigned nr)
{
	if (!nr || nr > kRegisteredRings)
		return -EINVAL;
	unsigned i = 0;
	long ret = 0;
	for (; i < nr; ++i) {
		lx::io_uring_rsrc_update up;
		if (rp_host_copy_from_user(&up, arg + sizeof(up) * i, sizeof(up))) {
			ret = -EFAULT;
			break;
		}
		if (up.resv || up.data || up.offset >= unsigned(kRegisteredRings)) {
			ret = -EINVAL;
			break;
		}
		if (RingFile* rf = t_registered[up.offset]) {
			t_registered[up.offset] = nullptr;
			rf_unref(rf);
		}
	}
	return i ? long(i) : ret;
}

// Finds the ring an enter/register call names: a registered index or an fd.
long resolve_ring(unsigned fd, bool registered, RingFile** out)
{
	if (registered) {
		if (fd >= unsigned(kRegisteredRings))
			return -EINVAL;
		*out = t_registered[fd];
		return *out ? 0 : -EBADF;
	}
	*out = lookup(int(fd));
	if (*out)
		return 0;
	return raw_syscall(SYS_fcntl, int(fd), F_GETFD) < 0 ? -EBADF : -EOPNOTSUPP;
}

} // namespace

shim::Ring* ring_of_fd(int fd)
{
	RingFile* rf = lookup(fd);
	return rf ? rf->ring : nullptr;
}

namespace {
struct DeferredWork {
	void (*fn)(void*);
	void* arg;
};
// Heap objects, never destroyed: the helper may still wait on them while the process exits.
std::mutex g_helper_lock;
std::condition_variable* g_helper_cv = new std::condition_variable;
std::vector<DeferredWork>* g_helper_queue;
bool g_helper_started;

void helper_loop()
{
	std::unique_lock<std::mutex> lk(g_helper_lock);
	for (;;) {
		g_helper_cv->wait(lk, [] { return !g_helper_queue->empty(); });
		std::vector<DeferredWork> batch;
		batch.swap(*g_helper_queue);
		lk.unlock();
		for (const DeferredWork& w : batch)
			w.fn(w.arg);
		lk.lock();
	}
}
} // namespace

void defer_to_helper(void (*fn)(void*), void* arg)
{
	std::lock_guard<std::mutex> g(g_helper_lock);
	if (!g_helper_queue)
		g_helper_queue = new std::vector<DeferredWork>;
	g_helper_queue->push_back({fn, arg});
	if (!g_helper_started) {
		g_helper_started = true;
		// Signals stay with the program's threads; the helper blocks them all.
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		std::thread(helper_loop).detach();
		pthread_sigmask(SIG_SETMASK, &old, nullptr);
	}
	g_helper_cv->notify_one();
}

void watch_fd(int fd)
{
	if (RingFile* rf = lookup(fd)) {
		arm(rf);
		sync_readiness(rf);
	}
}

void ring_fd_posted(void* cookie)
{
	auto* rf = static_cast<RingFile*>(cookie);
	uint64_t one = 1;
	raw_syscall(SYS_write, rf->signal_fd, long(&one), 8);
	t_ring_fd_posted = true;
}

namespace {

// The process whose rings this memory describes: a vfork child shares the memory but not the rings.
std::atomic<long> g_ring_pid{0};

void before_fork()
{
	shim::fork_prepare();
	// After the rings (a ring's lock is held while work is handed to the helper), then the table lock.
	g_helper_lock.lock();
	g_lock.lock();
}

void after_fork_parent()
{
	g_lock.unlock();
	g_helper_lock.unlock();
	shim::fork_parent();
}

void after_fork_child()
{
	// The copies of the locks show them held by this thread; the helper thread does not exist here, and the
	// work queued for it is the parent's (it holds ring references the child lets go of, leaking the copies).
	new (&g_lock) std::mutex;
	new (&g_helper_lock) std::mutex;
	keep_for_leak_checkers(g_helper_cv);
	keep_for_leak_checkers(g_helper_queue);
	g_helper_cv = new std::condition_variable;
	g_helper_queue = nullptr;
	g_helper_started = false;
	g_ring_pid.store(raw_syscall(SYS_getpid), std::memory_order_relaxed);
	shim::fork_child();
}

void at_exit() { shim::leave_shared_rings(shim::Leaving::exit); }

} // namespace

// Once per process image, at the first ring: fork handlers (rings are shared with forked children) and the
// exit handler (a process that shares rings leaves them before it goes).
void install_process_hooks()
{
	static std::once_flag once;
	std::call_once(once, [] {
		g_ring_pid.store(raw_syscall(SYS_getpid), std::memory_order_relaxed);
		pthread_atfork(before_fork, after_fork_parent, after_fork_child);
		atexit(at_exit);
		// The OS looks at a ring fd's readiness only after the fd reports the ring's CQ (docs/glue.md).
		rp_os_set_readiness_hook(watch_fd);
	});
}

// exec: this process's requests are cancelled first, as Linux does in exec. Not in a vfork child, whose
// memory (and so these rings) is its parent's.
bool leave_for_exec()
{
	if (raw_syscall(SYS_getpid) != g_ring_pid.load(std::memory_order_relaxed))
		return false;
	shim::leave_shared_rings(shim::Leaving::exec);
	return true;
}

void exec_failed(bool left)
{
	if (left)
		shim::rejoin_shared_rings();
}

} // namespace ringport::glue

using namespace ringport;
using namespace ringport::glue;

extern "C" {

int rp_sys_io_uring_setup(unsigned int entries, struct io_uring_params* p)
{
	install_process_hooks();
	shim::Ring* ring = nullptr;
	int64_t r = shim::setup(entries, reinterpret_cast<uint64_t>(p), resolve_wq, &ring);
	if (r < 0)
		return int(r);
	auto* rf = new (std::nothrow) RingFile{ring, -1, {0}, {false}};
	if (!rf) {
		shim::ring_unref(ring);
		return -ENOMEM;
	}
	if (shim::setup_flags(ring) & lx::SETUP_REGISTERED_FD_ONLY) {
		// No fd at all: the ring lives in this thread's registered-ring table.
		for (int s = 0; s < kRegisteredRings; ++s)
			if (!t_registered[s]) {
				rf->refs = 1;
				t_registered[s] = rf;
				return s;
			}
		rf->refs = 1;
		rf_unref(rf);
		return -EBUSY;
	}
	int fd = int(raw_syscall(SYS_eventfd2, 0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (fd < 0) {
		rf->refs = 1;
		rf_unref(rf);
		return fd;
	}
	rf->signal_fd = int(raw_syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 512));
	if (rf->signal_fd < 0)
		rf->signal_fd = int(raw_syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 0));
	if (fd >= kMaxTrackedFd) {
		raw_syscall(SYS_close, fd);
		rf->refs = 1;
		rf_unref(rf);
		return -EMFILE;
	}
	track(fd, rf);
	return fd;
}

int rp_sys_io_uring_enter2(unsigned int fd, unsigned int to_submit, unsigned int min_complete, unsigned int flags,
                           void* arg, size_t argsz)
{
	constexpr uint32_t kValid = lx::ENTER_GETEVENTS | lx::ENTER_SQ_WAKEUP | lx::ENTER_SQ_WAIT | lx::ENTER_EXT_ARG |
	                            lx::ENTER_REGISTERED_RING | lx::ENTER_ABS_TIMER | lx::ENTER_EXT_ARG_REG;
	if (flags & ~kValid)
		return -EINVAL;
	RingFile* rf;
	if (long e = resolve_ring(fd, flags & lx::ENTER_REGISTERED_RING, &rf); e)
		return int(e);
	int r = int(shim::enter(rf->ring, to_submit, min_complete, flags, reinterpret_cast<uint64_t>(arg), argsz));
	if (t_ring_fd_posted) {
		// A polled ring got completions: Linux completes the polls on it before this call returns (their
		// wakeups run inside it), so the OS acts on the ring fd's readiness now rather than on its thread.
		t_ring_fd_posted = false;
		rp_os_collect_readiness();
	}
	return r;
}

int rp_sys_io_uring_enter(unsigned int fd, unsigned int to_submit, unsigned int min_complete, unsigned int flags,
                          sigset_t* sig)
{
	return rp_sys_io_uring_enter2(fd, to_submit, min_complete, flags, sig, 8 /* _NSIG / 8: the kernel sigset size */);
}

int rp_sys_io_uring_register(unsigned int fd, unsigned int opcode, const void* arg, unsigned int nr_args)
{
	bool registered = opcode & lx::REGISTER_USE_REGISTERED_RING;
	opcode &= ~uint32_t(lx::REGISTER_USE_REGISTERED_RING);
	RingFile* rf;
	if (long e = resolve_ring(fd, registered, &rf); e)
		return int(e);
	uint64_t a = reinterpret_cast<uint64_t>(arg);
	if (opcode == lx::REGISTER_RING_FDS)
		return int(register_ring_fds(rf, a, nr_args));
	if (opcode == lx::UNREGISTER_RING_FDS)
		return int(unregister_ring_fds(a, nr_args));
	return int(shim::register_op(rf->ring, opcode, a, nr_args));
}

void* rp_sys_mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	RingFile* rf = lookup(fd);
	if (!rf)
		return reinterpret_cast<void*>(raw_syscall(SYS_mmap, long(addr), long(length), prot, flags, fd, long(offset)));
	shim::MapTarget t;
	if (int64_t e = shim::mmap_target(rf->ring, uint64_t(offset), length, &t); e)
		return reinterpret_cast<void*>(long(e));
	long m = raw_syscall(SYS_mmap, long(addr), long(length), prot, flags & ~MAP_POPULATE, t.region->fd,
	                     long(t.region_offset));
	if (m < 0 && m > -4096)
		return reinterpret_cast<void*>(m);
	rf_ref(rf); // a mapping keeps the ring alive, as on Linux
	std::lock_guard<std::mutex> g(g_lock);
	if (!g_maps)
		g_maps = new std::vector<Mapping>;
	g_maps->push_back({uintptr_t(m), length, rf});
	return reinterpret_cast<void*>(m);
}

int rp_sys_munmap(void* addr, size_t length)
{
	long r = raw_syscall(SYS_munmap, long(addr), long(length));
	if (r < 0)
		return int(r);
	std::vector<RingFile*> drop;
	{
		std::lock_guard<std::mutex> g(g_lock);
		if (g_maps) {
			uintptr_t lo = uintptr_t(addr), hi = lo + length;
			for (size_t i = 0; i < g_maps->size();) {
				Mapping& m = (*g_maps)[i];
				if (m.addr >= lo && m.addr < hi) {
					drop.push_back(m.rf);
					(*g_maps)[i] = g_maps->back();
					g_maps->pop_back();
				} else {
					++i;
				}
			}
		}
	}
	for (RingFile* rf : drop)
		rf_unref(rf);
	return 0;
}

int rp_sys_madvise(void* addr, size_t length, int advice)
{
	return int(raw_syscall(SYS_madvise, long(addr), long(length), advice));
}

int rp_sys_close(int fd)
{
	// The table entry goes before the fd: once closed, another thread may get the same number for a new ring
	// and track it, and that entry must not be the one removed here.
	RingFile* old = (fd >= 0 && fd < kMaxTrackedFd) ? g_fd_table[fd].exchange(nullptr, std::memory_order_acq_rel)
	                                                : nullptr;
	rp_os_fd_closing(fd); // requests waiting for the file keep it, as on Linux
	long r = raw_syscall(SYS_close, fd);
	if (old) {
		if (r != 0 && r != -EINTR) {
			// Not closed (a bad fd cannot be tracked; anything else leaves the fd open): keep the entry.
			RingFile* none = nullptr;
			if (g_fd_table[fd].compare_exchange_strong(none, old, std::memory_order_acq_rel))
				return int(r);
		}
		rf_unref(old);
	}
	return int(r);
}

// ---- libc entry points that must know about ring fds (link-time interposition) ----

int close(int fd) { return int(set_errno(rp_sys_close(fd))); }

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
