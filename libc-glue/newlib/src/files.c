/*
 * File descriptor calls as native SQEs: open/openat, read/write and their positioned and vectored forms,
 * lseek, close, dup/dup2/dup3, fsync/fdatasync, ftruncate, fallocate, posix_fadvise, sync_file_range.
 * Flags are Linux's (newlib's O_* are, see ports/newlib), so they go into the SQE unchanged.
 */
#include "glue.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/uio.h>
#include <unistd.h>

#define RP_AT_FDCWD_U64 ((uint64_t)(int64_t)AT_FDCWD)

static uint64_t rp_fd(int fd) { return (uint64_t)(int64_t)fd; }

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | (O_TMPFILE & ~O_DIRECTORY))) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	struct rp_sqe sqe = rp_sqe_for(RP_OP_OPENAT);
	sqe.fd = rp_fd(dirfd);
	sqe.addr = (uint64_t)(uintptr_t)path;
	sqe.syscall_flags = (uint32_t)flags;
	sqe.offset = mode;
	return (int)rp_result(rp_native_call(&sqe));
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | (O_TMPFILE & ~O_DIRECTORY))) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	return openat(AT_FDCWD, path, flags, mode);
}

int creat(const char *path, mode_t mode) { return open(path, O_CREAT | O_WRONLY | O_TRUNC, mode); }

static ssize_t rp_io(uint8_t opcode, int fd, uint64_t addr, uint64_t len, uint64_t offset, uint32_t flags)
{
	struct rp_sqe sqe = rp_sqe_for(opcode);
	sqe.fd = rp_fd(fd);
	sqe.addr = addr;
	sqe.len = len;
	sqe.offset = offset;
	sqe.syscall_flags = flags;
	return rp_result(rp_native_call(&sqe));
}

ssize_t read(int fd, void *buf, size_t n) { return rp_io(RP_OP_READ, fd, (uintptr_t)buf, n, 0, 0); }
ssize_t write(int fd, const void *buf, size_t n) { return rp_io(RP_OP_WRITE, fd, (uintptr_t)buf, n, 0, 0); }
ssize_t pread(int fd, void *buf, size_t n, off_t off) { return rp_io(RP_OP_PREAD, fd, (uintptr_t)buf, n, (uint64_t)off, 0); }
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return rp_io(RP_OP_PWRITE, fd, (uintptr_t)buf, n, (uint64_t)off, 0);
}
ssize_t readv(int fd, const struct iovec *iov, int cnt) { return rp_io(RP_OP_READV, fd, (uintptr_t)iov, (uint64_t)cnt, 0, 0); }
ssize_t writev(int fd, const struct iovec *iov, int cnt) { return rp_io(RP_OP_WRITEV, fd, (uintptr_t)iov, (uint64_t)cnt, 0, 0); }
ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return rp_io(RP_OP_PREADV, fd, (uintptr_t)iov, (uint64_t)cnt, (uint64_t)off, 0);
}
ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return rp_io(RP_OP_PWRITEV, fd, (uintptr_t)iov, (uint64_t)cnt, (uint64_t)off, 0);
}
ssize_t preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	return rp_io(RP_OP_PREADV, fd, (uintptr_t)iov, (uint64_t)cnt, (uint64_t)off, (uint32_t)flags);
}
ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	return rp_io(RP_OP_PWRITEV, fd, (uintptr_t)iov, (uint64_t)cnt, (uint64_t)off, (uint32_t)flags);
}

off_t lseek(int fd, off_t off, int whence)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_LSEEK);
	sqe.fd = rp_fd(fd);
	sqe.offset = (uint64_t)off;
	sqe.syscall_flags = (uint32_t)whence;
	return (off_t)rp_result(rp_native_call(&sqe));
}

int close(int fd)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_CLOSE);
	sqe.fd = rp_fd(fd);
	return (int)rp_result(rp_native_call(&sqe));
}

static int rp_dup(int fd, uint64_t target, int flags)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_DUP);
	sqe.fd = rp_fd(fd);
	sqe.offset = target;
	sqe.syscall_flags = (uint32_t)flags;
	return (int)rp_result(rp_native_call(&sqe));
}

int dup(int fd) { return rp_dup(fd, UINT64_MAX, 0); }

int dup3(int fd, int target, int flags)
{
	/* Linux: dup3 refuses equal fds and any flag but O_CLOEXEC. */
	if (fd == target || (flags & ~O_CLOEXEC)) {
		errno = EINVAL;
		return -1;
	}
	if (target < 0) {
		errno = EBADF;
		return -1;
	}
	return rp_dup(fd, (uint64_t)target, flags);
}

int dup2(int fd, int target)
{
	if (fd == target) {
		/* Linux: dup2(fd, fd) returns fd if it is open, EBADF otherwise. */
		struct rp_sqe sqe = rp_sqe_for(RP_OP_LSEEK);
		sqe.fd = rp_fd(fd);
		sqe.syscall_flags = SEEK_CUR;
		int64_t r = rp_native_call(&sqe);
		return r == -EBADF ? (int)rp_result(r) : fd;
	}
	if (target < 0) {
		errno = EBADF;
		return -1;
	}
	return rp_dup(fd, (uint64_t)target, 0);
}

static int rp_fd_op(uint8_t opcode, int fd)
{
	struct rp_sqe sqe = rp_sqe_for(opcode);
	sqe.fd = rp_fd(fd);
	return (int)rp_result(rp_native_call(&sqe));
}

int fsync(int fd) { return rp_fd_op(RP_OP_FSYNC, fd); }
int fdatasync(int fd) { return rp_fd_op(RP_OP_FDATASYNC, fd); }

int ftruncate(int fd, off_t length)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_FTRUNCATE);
	sqe.fd = rp_fd(fd);
	sqe.offset = (uint64_t)length;
	return (int)rp_result(rp_native_call(&sqe));
}

int truncate(const char *path, off_t length)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = ftruncate(fd, length);
	int saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int fallocate(int fd, int mode, off_t offset, off_t len)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_FALLOCATE);
	sqe.fd = rp_fd(fd);
	sqe.syscall_flags = (uint32_t)mode;
	sqe.offset = (uint64_t)offset;
	sqe.len = (uint64_t)len;
	return (int)rp_result(rp_native_call(&sqe));
}

/* posix_fadvise and posix_fallocate return the error number instead of setting errno (POSIX). */
int posix_fadvise(int fd, off_t offset, off_t len, int advice)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_FADVISE);
	sqe.fd = rp_fd(fd);
	sqe.offset = (uint64_t)offset;
	sqe.len = (uint64_t)len;
	sqe.syscall_flags = (uint32_t)advice;
	int64_t r = rp_native_call(&sqe);
	return r < 0 ? (int)-r : 0;
}

int posix_fallocate(int fd, off_t offset, off_t len)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_FALLOCATE);
	sqe.fd = rp_fd(fd);
	sqe.offset = (uint64_t)offset;
	sqe.len = (uint64_t)len;
	int64_t r = rp_native_call(&sqe);
	return r < 0 ? (int)-r : 0;
}

int sync_file_range(int fd, off_t offset, off_t nbytes, unsigned int flags)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_SYNC_RANGE);
	sqe.fd = rp_fd(fd);
	sqe.offset = (uint64_t)offset;
	sqe.len = (uint64_t)nbytes;
	sqe.syscall_flags = flags;
	return (int)rp_result(rp_native_call(&sqe));
}

void sync(void) {}
