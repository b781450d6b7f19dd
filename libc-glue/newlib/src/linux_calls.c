/*
 * Linux system calls that newlib declares (or glibc offers) and that have no native opcode, each one plain
 * system call with Linux's number; the kernel answers them (or -ENOSYS, which becomes errno ENOSYS):
 * scheduling priority (nice is getpriority/setpriority, as in glibc: Linux has no nice call on x86_64),
 * credentials and sessions, the file-creation mask, memory locking, and gethostname through uname.
 */
#include "glue.h"
#include "raw_syscall.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	RP_NR_umask = 95,
	RP_NR_uname = 63,
	RP_NR_setuid = 105,
	RP_NR_setgid = 106,
	RP_NR_setsid = 112,
	RP_NR_getpriority = 140,
	RP_NR_setpriority = 141,
	RP_NR_mlock = 149,
	RP_NR_munlock = 150,
	RP_NR_mlockall = 151,
	RP_NR_munlockall = 152,
};

/* The system call returns 20 - nice (1..40) so that no success looks like an error; libc undoes it. */
int getpriority(int which, id_t who)
{
	long r = rp_raw_syscall2(RP_NR_getpriority, which, who);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return 20 - (int)r;
}

int setpriority(int which, id_t who, int prio)
{
	return (int)rp_result(rp_raw_syscall3(RP_NR_setpriority, which, who, prio));
}

/* The new nice value; -1 with errno on failure (a caller tells -1 from an error by clearing errno first;
   errno is left alone otherwise). The kernel clamps the value to -20..19. */
int nice(int increment)
{
	int saved = errno;
	errno = 0;
	int old = getpriority(PRIO_PROCESS, 0);
	if (old == -1 && errno)
		return -1;
	errno = saved;
	if (setpriority(PRIO_PROCESS, 0, old + increment) < 0) {
		if (errno == EACCES)
			errno = EPERM; /* POSIX's error for nice() */
		return -1;
	}
	return getpriority(PRIO_PROCESS, 0);
}

int setuid(uid_t uid) { return (int)rp_result(rp_raw_syscall1(RP_NR_setuid, (unsigned)uid)); }
int setgid(gid_t gid) { return (int)rp_result(rp_raw_syscall1(RP_NR_setgid, (unsigned)gid)); }
pid_t setsid(void) { return (pid_t)rp_result(rp_raw_syscall0(RP_NR_setsid)); }

/* Never fails (Linux's umask returns the old mask). */
mode_t umask(mode_t mask) { return (mode_t)rp_raw_syscall1(RP_NR_umask, (unsigned)mask & 0777); }

int mlock(const void *addr, size_t len) { return (int)rp_result(rp_raw_syscall2(RP_NR_mlock, addr, len)); }
int munlock(const void *addr, size_t len) { return (int)rp_result(rp_raw_syscall2(RP_NR_munlock, addr, len)); }
int mlockall(int flags) { return (int)rp_result(rp_raw_syscall1(RP_NR_mlockall, flags)); }
int munlockall(void) { return (int)rp_result(rp_raw_syscall0(RP_NR_munlockall)); }

/* struct utsname as Linux fills it: six fields of 65 bytes; the node name is the second. */
int gethostname(char *name, size_t len)
{
	char uts[6][65];
	long r = rp_raw_syscall1(RP_NR_uname, uts);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	size_t n = strnlen(uts[1], sizeof uts[1]);
	if (n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, uts[1], n + 1);
	return 0;
}
