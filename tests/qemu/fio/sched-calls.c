/*
 * The scheduling calls fio needs from the reference kernel (os/x86_64/Syscalls/scheduler_calls.cpp), checked
 * from user mode with raw system calls before fio runs (tests/qemu/run-fio.sh): getpriority/setpriority
 * (nice values, Linux's 20 - nice encoding, clamping, EINVAL/ESRCH/EACCES, inheritance across fork) and
 * sched_getaffinity/sched_setaffinity (one CPU). Exits 0 when every check holds, else prints the first
 * failure and exits 1.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			printf("sched-calls: %s:%d: %s (errno %d)\n", __FILE__, __LINE__, #cond, errno); \
			exit(1);                                                             \
		}                                                                            \
	} while (0)

/* The raw call: the result, or -errno. */
static long raw(long n, long a, long b, long c)
{
	long r = syscall(n, a, b, c);
	return r < 0 ? -errno : r;
}

int main(void)
{
	/* Priorities: the raw call answers 20 - nice; a fresh process has nice 0. */
	CHECK(raw(SYS_getpriority, PRIO_PROCESS, 0, 0) == 20);
	CHECK(raw(SYS_getpriority, PRIO_PROCESS, getpid(), 0) == 20);
	CHECK(raw(SYS_getpriority, 3, 0, 0) == -EINVAL);
	CHECK(raw(SYS_getpriority, PRIO_PROCESS, 999999, 0) == -ESRCH);
	CHECK(raw(SYS_getpriority, PRIO_USER, 4242, 0) == -ESRCH);
	CHECK(raw(SYS_setpriority, PRIO_PROCESS, 999999, 5) == -ESRCH);
	/* Raising nice is always allowed; values clamp to 19. */
	CHECK(raw(SYS_setpriority, PRIO_PROCESS, 0, 5) == 0);
	CHECK(raw(SYS_getpriority, PRIO_PROCESS, 0, 0) == 15);
	CHECK(raw(SYS_setpriority, PRIO_PROCESS, 0, 100) == 0);
	CHECK(raw(SYS_getpriority, PRIO_PGRP, 0, 0) == 1);
	/* libc's nice(): the new value, and nice(0) changes nothing (fio calls it for every job). */
	errno = 0;
	CHECK(nice(0) == 19 && errno == 0);
	errno = EBADF; /* untouched on success */
	CHECK(nice(0) == 19 && errno == EBADF);
	/* Lowering nice needs RLIMIT_NICE >= 20 - nice: with the limit at 0, -EACCES (nice() says EPERM). */
	struct rlimit keep, none = {0, 0};
	CHECK(getrlimit(RLIMIT_NICE, &keep) == 0);
	CHECK(setrlimit(RLIMIT_NICE, &none) == 0);
	CHECK(raw(SYS_setpriority, PRIO_PROCESS, 0, 10) == -EACCES);
	errno = 0;
	CHECK(nice(-1) == -1 && errno == EPERM);
	CHECK(raw(SYS_getpriority, PRIO_PROCESS, 0, 0) == 1);
	/* A fork inherits the value. */
	pid_t child = fork();
	CHECK(child >= 0);
	if (child == 0)
		_exit(raw(SYS_getpriority, PRIO_PROCESS, 0, 0) == 1 ? 0 : 1);
	int status;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* Affinity: one CPU, an 8-byte mask; lengths that are short or not a multiple of 8 are EINVAL. */
	uint64_t mask[2] = {~0ull, ~0ull};
	CHECK(raw(SYS_sched_getaffinity, 0, sizeof mask, (long)mask) == 8);
	CHECK(mask[0] == 1 && mask[1] == ~0ull);
	CHECK(raw(SYS_sched_getaffinity, 0, 4, (long)mask) == -EINVAL);
	CHECK(raw(SYS_sched_getaffinity, 0, 12, (long)mask) == -EINVAL);
	CHECK(raw(SYS_sched_getaffinity, 999999, 8, (long)mask) == -ESRCH);
	CHECK(raw(SYS_sched_getaffinity, 0, 8, 16) == -EFAULT);
	uint64_t cpu0 = 1, cpu1 = 2;
	CHECK(raw(SYS_sched_setaffinity, 0, 8, (long)&cpu0) == 0);
	CHECK(raw(SYS_sched_setaffinity, syscall(SYS_gettid), 8, (long)&cpu0) == 0);
	CHECK(raw(SYS_sched_setaffinity, 0, 8, (long)&cpu1) == -EINVAL);
	CHECK(raw(SYS_sched_setaffinity, 0, 0, (long)&cpu0) == -EINVAL); /* no bytes: an empty mask */
	CHECK(raw(SYS_sched_setaffinity, 0, 1, (long)&cpu0) == 0);       /* short masks are zero-extended */
	CHECK(raw(SYS_sched_setaffinity, 999999, 8, (long)&cpu0) == -ESRCH);
	CHECK(raw(SYS_sched_setaffinity, 0, 8, 16) == -EFAULT);
	cpu_set_t set;
	CHECK(sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) == 1 && CPU_ISSET(0, &set));
	puts("sched-calls: getpriority/setpriority/nice and sched_{get,set}affinity behave as Linux's");
	return 0;
}
