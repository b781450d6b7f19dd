// The kernel shim's host interface (ringport/shim/host.h) for the hosted build: Linux system calls and the
// hosted OS (hosted_os.h). Raw system calls are used where libc's wrapper is interposed by this library.
#include "glue_internal.hpp"

#include <ringport/fork_gate.hpp>
#include <ringport/hosted_os.h>

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <new>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <string>
#include <ctime>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

struct rp_host_region {
	int fd;
	void* addr;
	size_t size;
};

using namespace ringport::glue;

extern "C" {

// rp_host_alloc and rp_host_free: private_heap.cpp (the shim's memory is kept out of the program's heap).

int rp_host_region_create(size_t size, rp_host_region** out, void** addr)
{
	// A memfd, so each mmap of the ring fd is a fresh shared mapping of the same pages.
	// One of the OS's private fds: out of the program's numbers and of its close sweeps.
	int fd = int(rp_os_private_syscall(SYS_memfd_create, long("[io_uring]"), MFD_CLOEXEC, 0));
	if (fd < 0)
		return fd;
	if (long r = raw_syscall(SYS_ftruncate, fd, long(size)); r < 0) {
		rp_os_private_close(fd);
		return int(r);
	}
	// Not populated: pages are allocated as the rings first use them, so a 4096-entry ring that carries a few
	// requests costs a few pages, not every slot (and the program's own mapping would count them again).
	long m = raw_syscall(SYS_mmap, 0, long(size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m < 0 && m > -4096) {
		rp_os_private_close(fd);
		return int(m);
	}
	auto* r = new (std::nothrow) rp_host_region{fd, reinterpret_cast<void*>(m), size};
	if (!r) {
		raw_syscall(SYS_munmap, m, long(size));
		rp_os_private_close(fd);
		return -ENOMEM;
	}
	*out = r;
	*addr = r->addr;
	return 0;
}

void rp_host_region_destroy(rp_host_region* r)
{
	raw_syscall(SYS_munmap, long(r->addr), long(r->size));
	rp_os_private_close(r->fd);
	delete r;
}

int rp_host_copy_from_user(void* dst, uint64_t src, size_t size)
{
	if (!size)
		return 0;
	if (src < 4096 || private_heap_overlaps(src, size))
		return -EFAULT; // (the shim's own memory is the kernel's as far as the program is concerned)
	// process_vm_readv on ourselves: a bad address is an error, not a crash.
	iovec local{dst, size}, remote{reinterpret_cast<void*>(src), size};
	long n = raw_syscall(SYS_process_vm_readv, raw_syscall(SYS_getpid), long(&local), 1, long(&remote), 1, 0);
	if (n == long(size))
		return 0;
	if (n == -EPERM || n == -ENOSYS) {
		memcpy(dst, reinterpret_cast<const void*>(src), size); // no way to check here: trust the pointer
		return 0;
	}
	return -EFAULT;
}

int rp_host_copy_to_user(uint64_t dst, const void* src, size_t size)
{
	if (!size)
		return 0;
	if (dst < 4096 || private_heap_overlaps(dst, size))
		return -EFAULT;
	iovec local{const_cast<void*>(src), size}, remote{reinterpret_cast<void*>(dst), size};
	long n = raw_syscall(SYS_process_vm_writev, raw_syscall(SYS_getpid), long(&local), 1, long(&remote), 1, 0);
	if (n == long(size))
		return 0;
	if (n == -EPERM || n == -ENOSYS) {
		memcpy(reinterpret_cast<void*>(dst), src, size);
		return 0;
	}
	return -EFAULT;
}

uint64_t rp_host_now_ns(uint32_t clock_id)
{
	timespec ts;
	clock_gettime(clockid_t(clock_id), &ts);
	return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

// static: inside extern "C" an unnamed namespace does not keep these names out of the program's.
namespace {
static int futex_wait(const uint32_t* word, uint32_t expected, uint64_t deadline_ns, const void* sigmask, size_t sigsize,
               int private_flag)
{
	timespec abs{};
	timespec* t = nullptr;
	if (deadline_ns != UINT64_MAX) {
		abs.tv_sec = time_t(deadline_ns / 1000000000ull);
		abs.tv_nsec = long(deadline_ns % 1000000000ull);
		t = &abs;
	}
	uint64_t old_mask = 0;
	bool masked = sigmask && sigsize == 8;
	if (masked)
		raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, long(sigmask), long(&old_mask), 8);
	// FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline.
	long r = raw_syscall(SYS_futex, long(word), FUTEX_WAIT_BITSET | private_flag, long(expected), long(t), 0,
	                     long(FUTEX_BITSET_MATCH_ANY));
	if (masked)
		raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, long(&old_mask), 0, 8);
	if (r == -ETIMEDOUT)
		return -ETIME;
	if (r == -EINTR)
		return -EINTR;
	return 0;
}

static void futex_wake(const uint32_t* word, uint32_t count, int private_flag)
{
	raw_syscall(SYS_futex, long(word), FUTEX_WAKE | private_flag, long(count > INT32_MAX ? INT32_MAX : count), 0, 0, 0);
}
} // namespace

int rp_host_wait(const uint32_t* word, uint32_t expected, uint64_t deadline_ns, const void* sigmask, size_t sigsize)
{
	return futex_wait(word, expected, deadline_ns, sigmask, sigsize, FUTEX_PRIVATE_FLAG);
}

void rp_host_wake(const uint32_t* word, uint32_t count) { futex_wake(word, count, FUTEX_PRIVATE_FLAG); }

// Without FUTEX_PRIVATE_FLAG the kernel keys the futex on the page (a memfd page shared across fork), so
// a wake in one process reaches sleepers in the other.
int rp_host_wait_shared(const uint32_t* word, uint32_t expected, uint64_t deadline_ns, const void* sigmask,
                        size_t sigsize)
{
	return futex_wait(word, expected, deadline_ns, sigmask, sigsize, 0);
}

void rp_host_wake_shared(const uint32_t* word, uint32_t count) { futex_wake(word, count, 0); }

struct rp_host_watch {
	long pid; // the process whose thread this is (a forked child holds a copy without the thread)
	ringport::fork_gate::StartSignal* start; // the creator's, until the thread says it runs (fork_gate.hpp)
	const uint32_t* word;
	uint64_t (*fn)(void*);
	void* arg;
	std::atomic<bool> stop{false};
	pthread_t thread{};
};

namespace {
static void* watch_loop(void* p)
{
	auto* w = static_cast<rp_host_watch*>(p);
	w->start->started();
	// The first look is unconditional: changes made before this thread ran would not wake it.
	uint32_t seen = __atomic_load_n(w->word, __ATOMIC_ACQUIRE);
	uint64_t due = 0;
	constexpr uint64_t kSlice = 100000000; // stop is noticed within this, even if its wake is missed
	while (!w->stop.load(std::memory_order_acquire)) {
		uint32_t now_value = __atomic_load_n(w->word, __ATOMIC_ACQUIRE);
		uint64_t now = rp_host_now_ns(CLOCK_MONOTONIC);
		if (now_value != seen || now >= due) {
			seen = now_value;
			// One of the OS's own threads: inside the fork gate while it works, outside while it sleeps
			// (ringport/fork_gate.hpp).
			ringport::fork_gate::Inside working;
			due = w->fn(w->arg);
			continue;
		}
		uint64_t until = due - now < kSlice ? due : now + kSlice;
		(void)futex_wait(w->word, seen, until, nullptr, 0, 0);
	}
	return nullptr;
}
} // namespace

rp_host_watch* rp_host_watch_start(const uint32_t* word, uint64_t (*fn)(void*), void* arg)
{
	auto* w = new (std::nothrow) rp_host_watch;
	if (!w)
		return nullptr;
	w->pid = raw_syscall(SYS_getpid);
	w->word = word;
	w->fn = fn;
	w->arg = arg;
	// Signals stay with the program's threads.
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ringport::fork_gate::StartSignal signal;
	w->start = &signal;
	int e = pthread_create(&w->thread, nullptr, watch_loop, w);
	if (!e)
		signal.await();
	pthread_sigmask(SIG_SETMASK, &old, nullptr);
	if (e) {
		delete w;
		return nullptr;
	}
	return w;
}

void rp_host_watch_stop(rp_host_watch* w)
{
	if (!w)
		return;
	if (w->pid != raw_syscall(SYS_getpid)) {
		keep_for_leak_checkers(w); // the copy a forked child holds: the thread is the parent's
		return;
	}
	w->stop.store(true, std::memory_order_release);
	futex_wake(w->word, INT32_MAX, 0);
	ringport::fork_gate::Outside joining; // the thread may need the gate to finish its pass
	pthread_join(w->thread, nullptr);
	delete w;
}

int rp_host_thread_describe(const char* name, int32_t cpu)
{
	if (prctl(PR_SET_NAME, name) != 0)
		return -errno;
	if (cpu < 0)
		return 0;
	cpu_set_t one;
	CPU_ZERO(&one);
	if (cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one) ? -errno : 0;
}

uint32_t rp_host_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	return n > 0 ? uint32_t(n) : 1;
}

namespace {
static thread_local uint64_t t_tid = 0;
// A forked child is a new task: forget the parent's cached id.
static void forget_tid() { t_tid = 0; }
} // namespace

uint64_t rp_host_task_id(void)
{
	static bool registered = false;
	if (!registered) {
		registered = true;
		pthread_atfork(nullptr, nullptr, forget_tid);
	}
	if (!t_tid)
		t_tid = uint64_t(raw_syscall(SYS_gettid));
	return t_tid;
}

int rp_host_ring_create(const rp_host_ring_params* p, rp_host_ring** out, rp_host_ring_view* view)
{
	rp_os_ring_params op{p->sq_entries, p->cq_entries, p->flags, 0};
	rp_os_ring* ring = nullptr;
	rp_os_ring_view v{};
	int r = rp_os_ring_create(&op, &ring, &v);
	if (r)
		return r;
	*out = reinterpret_cast<rp_host_ring*>(ring);
	view->sq = v.sq;
	view->sqes = v.sqes;
	view->cq = v.cq;
	view->cqes = v.cqes;
	return 0;
}

int rp_host_ring_enter(rp_host_ring* ring, uint32_t min_complete)
{
	return rp_os_ring_enter(reinterpret_cast<rp_os_ring*>(ring), min_complete, 0, nullptr);
}

void rp_host_ring_collect(rp_host_ring* ring) { rp_os_ring_collect(reinterpret_cast<rp_os_ring*>(ring)); }

void rp_host_ring_set_notify(rp_host_ring* ring, void (*fn)(void*), void* ctx)
{
	rp_os_ring_set_notify(reinterpret_cast<rp_os_ring*>(ring), fn, ctx);
}

int rp_host_ring_creds(rp_host_ring* ring, uint16_t id)
{
	return rp_os_ring_register_creds(reinterpret_cast<rp_os_ring*>(ring), id);
}

int rp_host_ring_wq_affinity(rp_host_ring* ring, const void* mask, size_t size)
{
	return rp_os_ring_worker_cpus(reinterpret_cast<rp_os_ring*>(ring), mask, size);
}

void rp_host_ring_destroy(rp_host_ring* ring) { rp_os_ring_destroy(reinterpret_cast<rp_os_ring*>(ring)); }

void rp_host_ring_abandon(rp_host_ring* ring)
{
	keep_for_leak_checkers(ring); // left as it is on purpose (its threads are the parent's)
	rp_os_ring_abandon(reinterpret_cast<rp_os_ring*>(ring));
}

int rp_host_file_get(int fd)
{
	// The reference is one of the OS's private fds: away from the program's numbers and its close sweeps.
	// (fd may itself be one: the shim duplicates its own references, MSG_RING's file passing.)
	return rp_os_private_dup(fd);
}

void rp_host_file_put(int ref) { rp_os_private_close(ref); }

int rp_host_eventfd_signal(int ref)
{
	uint64_t one = 1;
	long r = raw_syscall(SYS_write, ref, long(&one), 8);
	if (r > 0)
		eventfd_signalled(); // a poll on the eventfd completes before the enter that signalled it returns
	return r < 0 ? int(r) : 0;
}

void rp_host_ring_posted(void* cookie) { ring_fd_posted(cookie); }

uint64_t rp_host_uring_wakes(int fd) { return uring_wakes(fd); }

void* rp_host_ring_of_fd(int fd) { return ring_of_fd(fd); }

void* rp_host_ring_get(uint32_t fd, int registered, int* err) { return ring_get(fd, registered != 0, err); }

int rp_host_current_creds(rp_host_creds* out)
{
	// The calling thread's own credentials, straight from the kernel (they are per thread there; libc keeps
	// a process's threads in step). setfsuid/setfsgid with -1 change nothing and answer the current value.
	uint32_t ids[3];
	if (long e = raw_syscall(SYS_getresuid, long(&ids[0]), long(&ids[1]), long(&ids[2])); e < 0)
		return int(e);
	out->uid = ids[0], out->euid = ids[1], out->suid = ids[2];
	if (long e = raw_syscall(SYS_getresgid, long(&ids[0]), long(&ids[1]), long(&ids[2])); e < 0)
		return int(e);
	out->gid = ids[0], out->egid = ids[1], out->sgid = ids[2];
	out->fsuid = uint32_t(raw_syscall(SYS_setfsuid, -1));
	out->fsgid = uint32_t(raw_syscall(SYS_setfsgid, -1));
	// Up to 65536 supplementary groups: read whole (getgroups has no partial reads) and hashed, FNV-1a over
	// the kernel's sorted list.
	long n = raw_syscall(SYS_getgroups, 0, 0);
	if (n < 0)
		return int(n);
	uint64_t h = 1469598103934665603ull;
	if (n) {
		auto* groups = static_cast<uint32_t*>(std::malloc(sizeof(uint32_t) * size_t(n)));
		if (!groups)
			return -ENOMEM;
		long got = raw_syscall(SYS_getgroups, n, long(groups));
		for (long i = 0; i < got; ++i) {
			h ^= groups[i];
			h *= 1099511628211ull;
		}
		std::free(groups);
		if (got < 0)
			return int(got); // -EINVAL: the set grew between the two calls
		n = got;
	}
	out->ngroups = uint32_t(n);
	out->reserved = 0;
	out->groups_hash = h;
	return 0;
}

int rp_host_check_pinnable(uint64_t addr, uint64_t len)
{
	if (private_heap_overlaps(addr, len))
		return -EFAULT; // the shim's own memory, out of the program's reach as the kernel's is
	// Walk /proc/self/maps over the range: every byte mapped, none backed by an ordinary file.
	int fd = int(raw_syscall(SYS_openat, AT_FDCWD, long("/proc/self/maps"), O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return 0; // cannot tell: accept, as before
	static thread_local char buf[1 << 16];
	std::string text;
	for (;;) {
		long n = raw_syscall(SYS_read, fd, long(buf), sizeof(buf));
		if (n <= 0)
			break;
		text.append(buf, size_t(n));
	}
	raw_syscall(SYS_close, fd);
	uint64_t cur = addr, end = addr + len;
	size_t pos = 0;
	while (cur < end && pos < text.size()) {
		size_t eol = text.find('\n', pos);
		if (eol == std::string::npos)
			eol = text.size();
		std::string line = text.substr(pos, eol - pos);
		pos = eol + 1;
		unsigned long lo, hi, off;
		char perms[8], dev[16];
		unsigned long inode;
		int name_at = 0;
		if (sscanf(line.c_str(), "%lx-%lx %7s %lx %15s %lu %n", &lo, &hi, perms, &off, dev, &inode, &name_at) < 6)
			continue;
		if (hi <= cur || lo > cur)
			continue;
		const char* name = name_at ? line.c_str() + name_at : "";
		if (strncmp(name, "[anon:ringport-private]", 23) == 0)
			return -EFAULT; // the shim's own memory (private_heap.cpp): out of the program's reach, as the kernel's
		// Private file mappings (a program's .data/.bss, MAP_PRIVATE files) pin as anonymous copies.
		bool file_backed = perms[3] == 's' && inode != 0 && name[0] == '/' && strncmp(name, "/memfd:", 7) != 0 &&
		                   strncmp(name, "/dev/shm/", 9) != 0 && strncmp(name, "/SYSV", 5) != 0 &&
		                   strstr(name, "hugepage") == nullptr && strncmp(name, "/anon_hugepage", 14) != 0;
		if (file_backed)
			return -EOPNOTSUPP;
		cur = hi;
		pos = 0; // maps are sorted; restart the scan for the next piece
	}
	return cur >= end ? 0 : -EFAULT;
}

// The hosted OS moves the pages into memory it keeps a second mapping of (os/hosted/src/pinning.cpp).
int rp_host_pin_user(uint64_t addr, uint64_t len, rp_host_pin** pin, void** view)
{
	if (private_heap_overlaps(addr, len))
		return -EFAULT; // a ring laid over the shim's own memory: Linux's answer for kernel memory
	return rp_os_pin_user(addr, len, reinterpret_cast<rp_os_pin**>(pin), view);
}

void rp_host_unpin_user(rp_host_pin* pin) { rp_os_unpin_user(reinterpret_cast<rp_os_pin*>(pin)); }

void rp_host_defer(void (*fn)(void*), void* arg) { defer_to_helper(fn, arg); }

} // extern "C"
