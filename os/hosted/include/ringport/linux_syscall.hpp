// A Linux system call made directly, never through libc. libringport defines libc's close, fcntl, poll,
// syscall, ... for the program (docs/glue.md); the glue's own work and the hosted OS's calls on the OS's own
// fds must not land in those definitions, so both use this one function. Returns the result or -errno.
// Always inlined and never instrumented by ThreadSanitizer: the glue's mmap and munmap interposers run it while
// the TSan runtime is still initializing (libc-glue/src/interposers.cpp).
#pragma once

namespace ringport {

__attribute__((always_inline, no_sanitize("thread"))) inline long linux_syscall(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0)
{
#if defined(__x86_64__)
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return ret;
#else
#error "linux_syscall: add this architecture's system call instruction"
#endif
}

} // namespace ringport
