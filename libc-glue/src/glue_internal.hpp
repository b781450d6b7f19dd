// Internals shared by the libc glue's source files.
#pragma once

#include <ringport/linux_syscall.hpp>
#include <ringport/shim/shim.hpp>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>
#include <sys/syscall.h>

namespace ringport::glue {

// A system call that never goes through libc (whose wrappers this library interposes). Returns -errno.
using ringport::linux_syscall;
inline long raw_syscall(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0)
{
	return linux_syscall(n, a, b, c, d, e, f);
}

// Memory a forked child leaves alone on purpose (copies whose threads are the parent's): not a leak for
// LeakSanitizer, when the program runs under it.
extern "C" void __lsan_ignore_object(const void* p) __attribute__((weak));
inline void keep_for_leak_checkers(const void* p)
{
	if (p && __lsan_ignore_object)
		__lsan_ignore_object(p);
}

// Whether [addr, addr + len) touches the shim's private heap (private_heap.cpp): memory the program must not
// aim io_uring at, as on Linux it cannot aim it at the kernel's.
bool private_heap_overlaps(uint64_t addr, uint64_t len);
// The shim's private heap (private_heap.cpp) around fork: its lock is held across fork and made anew in the child.
void private_heap_fork_prepare();
void private_heap_fork_parent();
void private_heap_fork_child();

// -errno to libc's convention: -1 with errno set.
inline long set_errno(long r)
{
	if (r < 0 && r > -4096) {
		errno = int(-r);
		return -1;
	}
	return r;
}

// One per io_uring instance (ring_fds.cpp): the shim ring and a private handle on its eventfd for readiness.
struct RingFile {
	shim::Ring* ring;
	int signal_fd;
	std::atomic<uint32_t> refs;
	std::atomic<bool> armed;
};
// Guards the glue's slow-path tables (ring mappings, armed ring fds); the fork handlers hold it across fork.
extern std::mutex g_lock;
void rf_ref(RingFile* rf);
void rf_unref(RingFile* rf);
RingFile* lookup(int fd); // the ring fd's file, or nullptr
// For the mmap and munmap interposers, which run uninstrumented (ThreadSanitizer's runtime maps memory through
// them while it initializes, before any instrumented code may run): whether fd may be a ring fd, and whether
// any mapping of a ring exists. Plain loads, neither instrumented nor calling anything that is.
bool may_be_ring_fd(int fd);
bool ring_mappings_exist();
void track(int fd, RingFile* rf);
void untrack(int fd);

// Readiness of ring fds (readiness.cpp). arm: from now on every CQ publish makes the ring fd readable;
// disarm: no more (the ring is going away); sync: the eventfd's readability matches the CQ now.
void arm(RingFile* rf);
void disarm(RingFile* rf);
void sync_readiness(RingFile* rf);
void sync_all_armed();
// Whether this thread made a polled ring fd or a registered eventfd readable since last asked (cleared).
bool take_ring_fd_posted();
// The shim signalled a registered eventfd on this thread: polls on it are owed a wakeup (take_ring_fd_posted).
void eventfd_signalled();
// A program call that can make files ready (write, send, close, ...) returned: the wakeups Linux runs inside
// it take effect now, on this thread, including those on ring fds and eventfds the completions signalled.
void readiness_after_call();

// The ring behind a ring fd, or nullptr.
shim::Ring* ring_of_fd(int fd);
// The ring a register argument names (an fd, or a registered index of this thread), with a reference taken
// (shim::ring_ref); nullptr with *err = -EBADF, -EINVAL or -EOPNOTSUPP as Linux's io_uring_register_get_file.
shim::Ring* ring_get(unsigned fd, bool registered, int* err);
// rp_host_ring_posted lands here: make the ring's eventfd readable.
void ring_fd_posted(void* cookie);
// io_uring postings that reached a file (uring_wakes.cpp): ring fds and the epoll sets that hold them.
void uring_wake_epoll_added(int epfd, int fd);
void uring_wake_epoll_removed(int epfd, int fd);
void uring_wake_fd_closed(int fd);
void uring_wake_ring_gone(RingFile* rf);
void uring_wake_posted(RingFile* rf);
uint64_t uring_wakes(int fd);
// The hosted OS's readiness hook (rp_os_set_readiness_hook): a ring fd about to be polled starts mirroring its CQ.
void watch_fd(int fd);
// rp_host_defer lands here: one helper thread runs deferred ring work in order.
void defer_to_helper(void (*fn)(void*), void* arg);
// Fork and exit handlers, installed at the first ring setup.
void install_process_hooks();
// exec: leave the shared rings before the real exec (true when this process did), rejoin when it failed.
bool leave_for_exec();
void exec_failed(bool left);

} // namespace ringport::glue
