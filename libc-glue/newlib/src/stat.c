/*
 * stat, fstat, lstat, fstatat and statx: one native Statx SQE each. The kernel fills Linux's struct statx;
 * the stat family converts it into newlib's struct stat (whose layout is newlib's own, never the kernel's).
 */
#include "glue.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

int statx(int dirfd, const char *__restrict path, int flags, unsigned int mask, struct statx *__restrict out)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_STATX);
	sqe.fd = (uint64_t)(int64_t)dirfd;
	sqe.addr = (uint64_t)(uintptr_t)path;
	sqe.syscall_flags = (uint32_t)flags;
	sqe.len = mask;
	sqe.additional1 = (uint64_t)(uintptr_t)out;
	return (int)rp_result(rp_native_call(&sqe));
}

static void rp_stat_from_statx(struct stat *st, const struct statx *x)
{
	memset(st, 0, sizeof *st);
	st->st_dev = (dev_t)(((uint64_t)x->stx_dev_major << 32) | x->stx_dev_minor);
	st->st_ino = (ino_t)x->stx_ino;
	st->st_mode = x->stx_mode;
	st->st_nlink = (nlink_t)x->stx_nlink;
	st->st_uid = (uid_t)x->stx_uid;
	st->st_gid = (gid_t)x->stx_gid;
	st->st_rdev = (dev_t)(((uint64_t)x->stx_rdev_major << 32) | x->stx_rdev_minor);
	st->st_size = (off_t)x->stx_size;
	st->st_atim.tv_sec = x->stx_atime.tv_sec;
	st->st_atim.tv_nsec = x->stx_atime.tv_nsec;
	st->st_mtim.tv_sec = x->stx_mtime.tv_sec;
	st->st_mtim.tv_nsec = x->stx_mtime.tv_nsec;
	st->st_ctim.tv_sec = x->stx_ctime.tv_sec;
	st->st_ctim.tv_nsec = x->stx_ctime.tv_nsec;
	st->st_blksize = (blksize_t)x->stx_blksize;
	st->st_blocks = (blkcnt_t)x->stx_blocks;
}

int fstatat(int dirfd, const char *__restrict path, struct stat *__restrict st, int flags)
{
	struct statx x;
	if (statx(dirfd, path, flags, STATX_BASIC_STATS, &x) < 0)
		return -1;
	rp_stat_from_statx(st, &x);
	return 0;
}

int stat(const char *__restrict path, struct stat *__restrict st) { return fstatat(AT_FDCWD, path, st, 0); }
int lstat(const char *__restrict path, struct stat *__restrict st)
{
	return fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}
int fstat(int fd, struct stat *st) { return fstatat(fd, "", st, AT_EMPTY_PATH); }
