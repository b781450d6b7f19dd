// Ring fds: the table from fd numbers to rings (a ring fd is a real eventfd, so its number never collides with
// anything the program opens), ring memory mappings at the Linux offsets, registered ring fds (per thread, as
// Linux's are per task), and the system-call surface the ported liburing calls (rp_sys_io_uring_*, rp_sys_mmap,
// ...). docs/glue.md describes them.
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

std::mutex g_lock;

namespace {

constexpr int kMaxTrackedFd = 1 << 16;
std::atomic<RingFile*> g_fd_table[kMaxTrackedFd];

struct Mapping {
	uintptr_t addr;
	size_t len;
	RingFile* rf;
};
std::vector<Mapping>* g_maps;
uint32_t g_maps_count; // g_maps->size(), for ring_mappings_exist (written under g_lock)

constexpr int kRegisteredRings = 16; // Linux's IO_RINGFD_REG_MAX
thread_local RingFile* t_registered[kRegisteredRings];

} // namespace

void rf_ref(RingFile* rf) { rf->refs.fetch_add(1, std::memory_order_relaxed); }

void rf_unref(RingFile* rf)
{
	if (rf->refs.fetch_sub(1, std::memory_order_acq_rel) != 1)
		return;
	disarm(rf);
	shim::ring_unref(rf->ring);
	if (rf->signal_fd >= 0)
		rp_os_private_close(rf->signal_fd);
	delete rf;
}

__attribute__((no_sanitize("thread"))) bool may_be_ring_fd(int fd)
{
	return fd >= 0 && fd < kMaxTrackedFd &&
	       __atomic_load_n(reinterpret_cast<RingFile* const*>(&g_fd_table[fd]), __ATOMIC_ACQUIRE) != nullptr;
}

__attribute__((no_sanitize("thread"))) bool ring_mappings_exist()
{
	return __atomic_load_n(&g_maps_count, __ATOMIC_ACQUIRE) != 0;
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

namespace {

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

shim::Ring* ring_get(unsigned fd, bool registered, int* err)
{
	RingFile* rf;
	if (long e = resolve_ring(fd, registered, &rf); e) {
		*err = int(e);
		return nullptr;
	}
	shim::ring_ref(rf->ring);
	return rf->ring;
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
	// The glue's own handle on the eventfd is one of the OS's private fds: out of the program's numbers, and
	// of its close sweeps. Without it the ring fd still works, its readiness is only not mirrored.
	rf->signal_fd = rp_os_private_dup(fd);
	if (rf->signal_fd < 0)
		rf->signal_fd = -1;
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
	                            lx::ENTER_REGISTERED_RING | lx::ENTER_ABS_TIMER | lx::ENTER_EXT_ARG_REG |
	                            lx::ENTER_NO_IOWAIT;
	if (flags & ~kValid)
		return -EINVAL;
	RingFile* rf;
	if (long e = resolve_ring(fd, flags & lx::ENTER_REGISTERED_RING, &rf); e)
		return int(e);
	int r = int(shim::enter(rf->ring, to_submit, min_complete, flags, reinterpret_cast<uint64_t>(arg), argsz));
	if (take_ring_fd_posted()) {
		// A polled ring got completions: Linux completes the polls on it before this call returns (their
		// wakeups run inside it), so the OS acts on the ring fd's readiness now rather than on its thread.
		readiness_after_call();
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
	// Linux checks the opcode before it looks at the fd, and fd -1 names no ring at all (6.13+): the opcodes
	// that need none are served, the rest are -EINVAL (not -EBADF, which a feature probe would misread).
	if (opcode >= lx::REGISTER_LAST)
		return -EINVAL;
	if (int(fd) == -1)
		return int(shim::register_blind(opcode, reinterpret_cast<uint64_t>(arg), nr_args));
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
	__atomic_store_n(&g_maps_count, uint32_t(g_maps->size()), __ATOMIC_RELEASE);
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
			__atomic_store_n(&g_maps_count, uint32_t(g_maps->size()), __ATOMIC_RELEASE);
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
	// The OS's own fds are not the program's: Linux answers EBADF for an fd the program never had.
	if (rp_os_is_private_fd(fd))
		return -EBADF;
	// The table entry goes before the fd: once closed, another thread may get the same number for a new ring
	// and track it, and that entry must not be the one removed here.
	RingFile* old = (fd >= 0 && fd < kMaxTrackedFd) ? g_fd_table[fd].exchange(nullptr, std::memory_order_acq_rel)
	                                                : nullptr;
	rp_os_fd_closing(fd); // requests waiting for the file keep it, as on Linux
	uring_wake_fd_closed(fd);
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

int rp_sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
	constexpr unsigned kUnshare = 1u << 1, kCloexec = 1u << 2; // CLOSE_RANGE_UNSHARE, CLOSE_RANGE_CLOEXEC
	if ((flags & ~(kUnshare | kCloexec)) || first > last)
		return -EINVAL;
	const bool closes = !(flags & kCloexec);
	if (closes) {
		// As rp_sys_close does for one fd: the ring table entries go first, and requests waiting for a file
		// in the range keep it.
		unsigned top = last < unsigned(kMaxTrackedFd - 1) ? last : unsigned(kMaxTrackedFd - 1);
		for (unsigned fd = first; fd <= top && first < unsigned(kMaxTrackedFd); ++fd)
			if (g_fd_table[fd].load(std::memory_order_relaxed))
				untrack(int(fd));
		rp_os_fd_range_closing(first, last);
	}
	// The kernel's call over each stretch between the OS's private fds, which stay open.
	unsigned cur = first;
	for (;;) {
		int p = cur > unsigned(INT32_MAX) ? -1 : rp_os_next_private_fd(int(cur));
		if (p < 0 || unsigned(p) > last) {
			long r = raw_syscall(SYS_close_range, cur, last, flags);
			return r < 0 ? int(r) : 0;
		}
		if (unsigned(p) > cur) {
			long r = raw_syscall(SYS_close_range, cur, unsigned(p) - 1, flags);
			if (r < 0)
				return int(r);
			flags &= ~kUnshare; // the table is this thread's own from the first call on
		}
		if (unsigned(p) == last)
			return 0;
		cur = unsigned(p) + 1;
	}
}

} // extern "C"
