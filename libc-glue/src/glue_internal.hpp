// Internals shared by the libc glue's source files.
#pragma once

#include <ringport/linux_syscall.hpp>
#include <ringport/shim/shim.hpp>

#include <cstdint>
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

// The ring behind a ring fd, or nullptr.
shim::Ring* ring_of_fd(int fd);
// rp_host_ring_posted lands here: make the ring's eventfd readable.
void ring_fd_posted(void* cookie);
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
