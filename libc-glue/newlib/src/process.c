/*
 * Process calls. exit, fork, exec and kill stay plain system calls (Linux numbers, kernel_calls.h); waiting
 * for a child is a native Waitpid SQE. Identity calls are Linux system calls. Limits: getrlimit/setrlimit are
 * Linux's 97/160, which liburing issues itself too.
 */
#include "glue.h"
#include "raw_syscall.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noreturn)) void _exit(int status)
{
	for (;;) {
		rp_raw_syscall1(RP_NR_exit_group, status);
		rp_raw_syscall1(RP_NR_exit, status);
	}
}

pid_t getpid(void) { return (pid_t)rp_raw_syscall0(RP_NR_getpid); }
pid_t getppid(void) { return (pid_t)rp_raw_syscall0(RP_NR_getppid); }
pid_t gettid(void) { return (pid_t)rp_raw_syscall0(RP_NR_gettid); }
uid_t getuid(void) { return (uid_t)rp_raw_syscall0(RP_NR_getuid); }
uid_t geteuid(void) { return (uid_t)rp_raw_syscall0(RP_NR_geteuid); }
gid_t getgid(void) { return (gid_t)rp_raw_syscall0(RP_NR_getgid); }
gid_t getegid(void) { return (gid_t)rp_raw_syscall0(RP_NR_getegid); }

int kill(pid_t pid, int sig) { return (int)rp_result(rp_raw_syscall2(RP_NR_kill, pid, sig)); }

pid_t fork(void)
{
	long r = rp_raw_syscall0(RP_NR_fork);
	if (r == 0) {
		/* The native ring is not inherited by fork: the child sets up its own on its first call. */
		memset(&rp_self()->ring, 0, sizeof rp_self()->ring);
	}
	return (pid_t)rp_result(r);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)rp_result(rp_raw_syscall3(RP_NR_execve, path, argv, envp));
}

extern char **environ;

int setpgid(pid_t pid, pid_t pgid) { return (int)rp_result(rp_raw_syscall2(RP_NR_setpgid, pid, pgid)); }
pid_t setpgrp(void) { return setpgid(0, 0); }

int execv(const char *path, char *const argv[]) { return execve(path, argv, environ); }

/* The initrd's programs are found by path; there is no PATH search to do beyond the name itself. */
int execvp(const char *file, char *const argv[]) { return execve(file, argv, environ); }

/* execl(path, arg0, ..., NULL): the list becomes argv (at most 63 arguments: E2BIG beyond). */
int execl(const char *path, const char *arg, ...)
{
	enum { max_args = 64 };
	char *argv[max_args];
	va_list ap;
	int n = 0;
	argv[n++] = (char *)arg;
	va_start(ap, arg);
	while (arg) {
		if (n == max_args) {
			va_end(ap);
			errno = E2BIG;
			return -1;
		}
		arg = va_arg(ap, const char *);
		argv[n++] = (char *)arg;
	}
	va_end(ap);
	return execve(path, argv, environ);
}

/* Linux's siginfo_t, the part a Waitpid completion fills in. */
struct rp_siginfo {
	int32_t si_signo, si_errno, si_code, pad0;
	int32_t si_pid;
	uint32_t si_uid;
	int32_t si_status;
	uint8_t rest[128 - 28];
};

#define RP_P_ALL 0
#define RP_P_PID 1
#define RP_P_PGID 2
#define RP_WEXITED 4
#define RP_CLD_EXITED 1
#define RP_CLD_KILLED 2
#define RP_CLD_DUMPED 3
#define RP_CLD_STOPPED 5
#define RP_CLD_CONTINUED 6

pid_t waitpid(pid_t pid, int *status, int options)
{
	struct rp_siginfo info;
	memset(&info, 0, sizeof info);
	struct rp_sqe sqe = rp_sqe_for(RP_OP_WAITPID);
	if (pid < -1) {
		sqe.syscall_flags = RP_P_PGID;
		sqe.fd = (uint64_t)-pid;
	} else if (pid == -1) {
		sqe.syscall_flags = RP_P_ALL;
	} else if (pid == 0) {
		sqe.syscall_flags = RP_P_PGID; /* id 0: the caller's process group, as waitid takes it */
	} else {
		sqe.syscall_flags = RP_P_PID;
		sqe.fd = (uint64_t)pid;
	}
	sqe.len = (uint64_t)(options | RP_WEXITED);
	sqe.addr = (uint64_t)(uintptr_t)&info;
	if (rp_result(rp_native_call(&sqe)) < 0)
		return -1;
	if (info.si_pid == 0)
		return 0; /* WNOHANG and no child changed state */
	if (status) {
		switch (info.si_code) {
		case RP_CLD_EXITED: *status = (info.si_status & 0xff) << 8; break;
		case RP_CLD_KILLED: *status = info.si_status & 0x7f; break;
		case RP_CLD_DUMPED: *status = (info.si_status & 0x7f) | 0x80; break;
		case RP_CLD_STOPPED: *status = ((info.si_status & 0xff) << 8) | 0x7f; break;
		case RP_CLD_CONTINUED: *status = 0xffff; break;
		default: *status = 0; break;
		}
	}
	return info.si_pid;
}

pid_t wait(int *status) { return waitpid(-1, status, 0); }

int getrlimit(int resource, struct rlimit *rl) { return (int)rp_result(rp_raw_syscall2(RP_NR_getrlimit, resource, rl)); }
int setrlimit(int resource, const struct rlimit *rl)
{
	return (int)rp_result(rp_raw_syscall2(RP_NR_setrlimit, resource, rl));
}

/* The kernel fills Linux's struct rusage, which the newlib patch gives newlib too (CPU times and context
   switches; RUSAGE_SELF, RUSAGE_CHILDREN, RUSAGE_THREAD). */
int getrusage(int who, struct rusage *usage)
{
	return (int)rp_result(rp_raw_syscall2(RP_NR_getrusage, who, usage));
}

int prctl(int option, ...)
{
	__builtin_va_list ap;
	__builtin_va_start(ap, option);
	unsigned long a2 = __builtin_va_arg(ap, unsigned long);
	unsigned long a3 = __builtin_va_arg(ap, unsigned long);
	unsigned long a4 = __builtin_va_arg(ap, unsigned long);
	unsigned long a5 = __builtin_va_arg(ap, unsigned long);
	__builtin_va_end(ap);
	return (int)rp_result(rp_raw_syscall6(RP_NR_prctl, option, (long)a2, (long)a3, (long)a4, (long)a5, 0));
}

int sched_yield(void) { return (int)rp_result(rp_raw_syscall0(RP_NR_sched_yield)); }

/* The CPUs the kernel offers: one (the reference kernel is uniprocessor, QEMU -smp 1). */
int get_nprocs(void) { return 1; }
int get_nprocs_conf(void) { return 1; }

long sysconf(int name)
{
	switch (name) {
	case _SC_PAGESIZE:
		return 4096;
	case _SC_NPROCESSORS_CONF:
	case _SC_NPROCESSORS_ONLN:
		return get_nprocs();
	case _SC_CLK_TCK:
		return 100;
	case _SC_OPEN_MAX: {
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -1;
		return rl.rlim_cur == RLIM_INFINITY ? -1 : (long)rl.rlim_cur;
	}
	case _SC_ARG_MAX:
		return 131072;
	case _SC_IOV_MAX:
		return 1024;
	case _SC_LINE_MAX:
		return 2048;
	default:
		errno = EINVAL;
		return -1;
	}
}

unsigned long getauxval(unsigned long type)
{
	extern const uint64_t *rp_auxv;
	for (const uint64_t *a = rp_auxv; a && a[0] != 0; a += 2)
		if (a[0] == type)
			return a[1];
	errno = ENOENT;
	return 0;
}

struct sysinfo;
int sysinfo(struct sysinfo *info) { return (int)rp_result(rp_raw_syscall1(99, info)); }

/* The affinity calls return what the kernel says (Linux 203/204; sched_getaffinity's raw result is the size
   of the kernel's mask, glibc's returns 0). */
int sched_setaffinity(pid_t pid, size_t size, const void *set) { return (int)rp_result(rp_raw_syscall3(203, pid, size, set)); }
int sched_getaffinity(pid_t pid, size_t size, void *set)
{
	long r = rp_raw_syscall3(204, pid, size, set);
	if (r < 0)
		return (int)rp_result(r);
	/* The kernel wrote its mask's size; the rest of the caller's set means "not allowed" (glibc clears it). */
	memset((char *)set + r, 0, size - (size_t)r);
	return 0;
}
int sched_getcpu(void) { return 0; }
