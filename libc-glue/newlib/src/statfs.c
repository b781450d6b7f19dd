/*
 * statfs/fstatfs: Linux system calls 137 and 138 (no native opcode), the struct filled by the kernel in
 * Linux's layout (<sys/vfs.h>).
 */
#include "raw_syscall.h"

#include <errno.h>
#include <sys/vfs.h>

static int rp_statfs_result(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return 0;
}

int statfs(const char *path, struct statfs *buf)
{
	return rp_statfs_result(rp_raw_syscall2(137, path, buf));
}

int fstatfs(int fd, struct statfs *buf)
{
	return rp_statfs_result(rp_raw_syscall2(138, fd, buf));
}
