/*
 * Path calls as native SQEs: unlink/rmdir/unlinkat, mkdir/mkdirat, rename/renameat/renameat2,
 * link/linkat, symlink/symlinkat. readlink(at), access, chdir and getcwd have no native opcode and are
 * Linux-numbered system calls.
 */
#include "glue.h"
#include "raw_syscall.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define RP_NR_readlinkat 267
#define RP_NR_faccessat 269

static uint64_t rp_fd(int fd) { return (uint64_t)(int64_t)fd; }
static uint64_t rp_ptr(const void *p) { return (uint64_t)(uintptr_t)p; }

int unlinkat(int dirfd, const char *path, int flags)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_UNLINKAT);
	sqe.fd = rp_fd(dirfd);
	sqe.addr = rp_ptr(path);
	sqe.syscall_flags = (uint32_t)flags;
	return (int)rp_result(rp_native_call(&sqe));
}

int unlink(const char *path) { return unlinkat(AT_FDCWD, path, 0); }
int rmdir(const char *path) { return unlinkat(AT_FDCWD, path, AT_REMOVEDIR); }

/* newlib's remove() calls _unlink_r, which reaches unlink(); a directory needs rmdir as on Linux. */

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_MKDIRAT);
	sqe.fd = rp_fd(dirfd);
	sqe.addr = rp_ptr(path);
	sqe.offset = mode;
	return (int)rp_result(rp_native_call(&sqe));
}

int mkdir(const char *path, mode_t mode) { return mkdirat(AT_FDCWD, path, mode); }

int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_RENAMEAT);
	sqe.fd = rp_fd(olddirfd);
	sqe.addr = rp_ptr(oldpath);
	sqe.additional1 = rp_fd(newdirfd);
	sqe.additional2 = rp_ptr(newpath);
	sqe.syscall_flags = flags;
	return (int)rp_result(rp_native_call(&sqe));
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	return renameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}

int rename(const char *oldpath, const char *newpath) { return renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0); }

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_LINKAT);
	sqe.fd = rp_fd(olddirfd);
	sqe.addr = rp_ptr(oldpath);
	sqe.additional1 = rp_fd(newdirfd);
	sqe.additional2 = rp_ptr(newpath);
	sqe.syscall_flags = (uint32_t)flags;
	return (int)rp_result(rp_native_call(&sqe));
}

int link(const char *oldpath, const char *newpath) { return linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0); }

int symlinkat(const char *target, int newdirfd, const char *linkpath)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_SYMLINKAT);
	sqe.addr = rp_ptr(target);
	sqe.fd = rp_fd(newdirfd);
	sqe.additional1 = rp_ptr(linkpath);
	return (int)rp_result(rp_native_call(&sqe));
}

int symlink(const char *target, const char *linkpath) { return symlinkat(target, AT_FDCWD, linkpath); }

ssize_t readlinkat(int dirfd, const char *__restrict path, char *__restrict buf, size_t size)
{
	return rp_result(rp_raw_syscall4(RP_NR_readlinkat, dirfd, path, buf, size));
}

ssize_t readlink(const char *__restrict path, char *__restrict buf, size_t size)
{
	return readlinkat(AT_FDCWD, path, buf, size);
}

int faccessat(int dirfd, const char *path, int mode, int flags)
{
	return (int)rp_result(rp_raw_syscall4(RP_NR_faccessat, dirfd, path, mode, flags));
}

int access(const char *path, int mode) { return faccessat(AT_FDCWD, path, mode, 0); }

int chdir(const char *path) { return (int)rp_result(rp_raw_syscall1(RP_NR_chdir, path)); }

char *getcwd(char *buf, size_t size)
{
	long r = rp_raw_syscall2(RP_NR_getcwd, buf, size);
	return rp_result(r) < 0 ? NULL : buf;
}
