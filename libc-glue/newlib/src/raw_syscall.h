/*
 * Plain `syscall` instructions, Linux x86_64 convention (rax = number; rdi, rsi, rdx, r10, r8, r9; rcx and
 * r11 clobbered; result in rax, -errno on failure). The glue issues only these few directly: the native ring
 * calls of <ringport/kernel_calls.h>, exit, and the Linux-numbered calls for which the native ring has no
 * opcode (listed in docs/reference-kernel.md, "User programs and newlib").
 */
#ifndef RP_NEWLIB_RAW_SYSCALL_H
#define RP_NEWLIB_RAW_SYSCALL_H

static inline long rp_raw_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define rp_raw_syscall0(n) rp_raw_syscall6((n), 0, 0, 0, 0, 0, 0)
#define rp_raw_syscall1(n, a) rp_raw_syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define rp_raw_syscall2(n, a, b) rp_raw_syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define rp_raw_syscall3(n, a, b, c) rp_raw_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define rp_raw_syscall4(n, a, b, c, d) rp_raw_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* Linux x86_64 numbers of the plain calls the glue makes (asm/unistd_64.h). */
enum {
	RP_NR_read = 0,
	RP_NR_poll = 7,
	RP_NR_mmap = 9,
	RP_NR_mprotect = 10,
	RP_NR_munmap = 11,
	RP_NR_rt_sigaction = 13,
	RP_NR_rt_sigprocmask = 14,
	RP_NR_ioctl = 16,
	RP_NR_sched_yield = 24,
	RP_NR_msync = 26,
	RP_NR_madvise = 28,
	RP_NR_alarm = 37,
	RP_NR_getpid = 39,
	RP_NR_fork = 57,
	RP_NR_execve = 59,
	RP_NR_exit = 60,
	RP_NR_wait4 = 61,
	RP_NR_kill = 62,
	RP_NR_fcntl = 72,
	RP_NR_getcwd = 79,
	RP_NR_chdir = 80,
	RP_NR_getrlimit = 97,
	RP_NR_getrusage = 98,
	RP_NR_getuid = 102,
	RP_NR_getgid = 104,
	RP_NR_setpgid = 109,
	RP_NR_geteuid = 107,
	RP_NR_getegid = 108,
	RP_NR_getppid = 110,
	RP_NR_prctl = 157,
	RP_NR_arch_prctl = 158,
	RP_NR_setrlimit = 160,
	RP_NR_gettid = 186,
	RP_NR_getdents64 = 217,
	RP_NR_clock_gettime = 228,
	RP_NR_clock_getres = 229,
	RP_NR_exit_group = 231,
	RP_NR_ppoll = 271,
	RP_NR_eventfd2 = 290,
	RP_NR_pipe2 = 293,
	RP_NR_prlimit64 = 302,
};

/* arch_prctl codes */
#define RP_ARCH_SET_FS 0x1002

#endif
