// Open, OpenAt, Close, CloseRange.
//
// An open is tried inline with RESOLVE_CACHED | O_NONBLOCK (the path walk only uses cached dentries and a FIFO
// does not wait for its peer); O_NONBLOCK is then cleared again unless the caller asked for it. What cannot be
// done that way (an uncached path, O_CREAT/O_TRUNC/O_TMPFILE) runs on a worker; any other error of the quick
// attempt is the answer, as in Linux's io_openat (a FIFO opened for writing without a reader: -ENXIO).
#include "internal.hpp"

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ringport::hosted {

namespace {

// Kernel values (glibc defines O_LARGEFILE as 0 on 64-bit targets; the kernel sets the real bit).
constexpr uint64_t k_o_largefile = 0100000;
constexpr uint64_t k_o_tmpfile_bit = 020000000;
constexpr uint64_t valid_open_flags = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK |
                                      O_SYNC | O_DSYNC | O_ASYNC | O_DIRECT | k_o_largefile | O_DIRECTORY |
                                      O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | k_o_tmpfile_bit;
constexpr uint64_t o_path_flags = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;

long sys_openat2(int dirfd, const char* path, const open_how* how)
{
	return sys(SYS_openat2, dirfd, path, how, sizeof(*how));
}

// scratch[0..2] = open_how, scratch[3] = dirfd; buf = the path.
int64_t open_blocking(Op& op)
{
	open_how how{op.scratch[0], op.scratch[1], op.scratch[2]};
	long fd = sys_openat2(int(int64_t(op.scratch[3])), op.buf.data(), &how);
	return fd < 0 ? fail() : fd;
}

const OpKind open_kind{nullptr, open_blocking, nullptr};

} // namespace

Issue op_open(Ring& ring, const rp_sqe& sqe)
{
	int dirfd = AT_FDCWD;
	uint64_t resolve = 0;
	if (sqe.opcode == RP_OP_OPENAT) {
		if (!to_fd(sqe.fd, &dirfd))
			return Issue::complete(-EBADF);
		resolve = sqe.additional1;
	}
	const uint64_t flags = sqe.syscall_flags, mode = sqe.offset;
	open_how how{};
	if (resolve == 0) {
		// openat(2) rules: unknown flags ignored, mode only with O_CREAT/O_TMPFILE, O_LARGEFILE implied.
		how.flags = (flags & valid_open_flags) | k_o_largefile;
		if (how.flags & O_PATH)
			how.flags &= o_path_flags;
		how.mode = (how.flags & (O_CREAT | k_o_tmpfile_bit)) ? (mode & 07777) : 0;
	} else {
		// openat2(2) rules: the kernel refuses what it does not know.
		how.flags = flags;
		how.mode = mode;
		how.resolve = resolve;
	}
	const char* path = reinterpret_cast<const char*>(uintptr_t(sqe.addr));
	// A path in the embedding's private memory is a kernel address to the program (-EFAULT). Its first byte
	// is what is checked: a string running into that memory from below meets the inaccessible page every
	// reservation starts with, and the kernel says -EFAULT there itself.
	if (user_range(sqe.addr, 1))
		return Issue::complete(-EFAULT);

	if (!(how.flags & (O_CREAT | O_TRUNC | k_o_tmpfile_bit))) {
		open_how quick = how;
		quick.flags |= O_NONBLOCK;
		quick.resolve |= RESOLVE_CACHED;
		long fd = sys_openat2(dirfd, path, &quick);
		if (fd >= 0) {
			if (!(how.flags & (O_NONBLOCK | O_PATH))) {
				int fl = fd_status_flags(int(fd));
				if (fl >= 0)
					linux_syscall(SYS_fcntl, fd, F_SETFL, fl & ~O_NONBLOCK);
			}
			return Issue::complete(fd);
		}
		int err = errno;
		if (err == ENOENT) {
			// "name:rest" may be a scheme's file. Checked only now, so successful opens pay nothing for it.
			std::vector<char> copy;
			Issue forwarded;
			if (copy_path(sqe.addr, copy) == 0 && scheme_open(ring, sqe, copy.data(), &forwarded))
				return forwarded;
			return Issue::complete(-ENOENT);
		}
		// Only EAGAIN (an uncached path, a device that would block) goes on to a blocking open, as Linux's
		// io_openat retries only that on io-wq: a FIFO opened for writing without a reader fails -ENXIO
		// (its O_NONBLOCK attempt's answer) whether or not the caller asked for O_NONBLOCK.
		if (err != EAGAIN)
			return Issue::complete(-err);
	}

	std::vector<char> copy;
	if (int e = copy_path(sqe.addr, copy); e < 0)
		return Issue::complete(e);
	Issue forwarded;
	if (scheme_open(ring, sqe, copy.data(), &forwarded))
		return forwarded;
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, &open_kind);
	op->buf = std::move(copy);
	op->scratch[0] = how.flags;
	op->scratch[1] = how.mode;
	op->scratch[2] = how.resolve;
	op->scratch[3] = uint64_t(int64_t(dirfd));
	ring.to_worker_locked(op);
	return Issue::later();
}

Issue op_close(Ring&, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd) || is_private_fd(fd))
		return Issue::complete(-EBADF); // the OS's own fds are not the program's to close
	// Operations still waiting for the file keep it, as Linux's requests hold theirs.
	rp_os_fd_closing(fd);
	int r = close_owned(fd);
	return Issue::complete(r < 0 ? r : 0);
}

Issue op_close_range(Ring&, const rp_sqe& sqe)
{
	if (sqe.fd > UINT_MAX)
		return Issue::complete(-EINVAL);
	unsigned first = unsigned(sqe.fd), last = sqe.offset > UINT_MAX ? UINT_MAX : unsigned(sqe.offset);
	const unsigned flags = sqe.syscall_flags;
	if ((flags & ~unsigned(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) || first > last)
		return Issue::complete(-EINVAL);
	// Each stretch between the OS's private fds, which stay open.
	for (unsigned cur = first;;) {
		int p = cur > unsigned(INT_MAX) ? -1 : rp_os_next_private_fd(int(cur));
		if (p < 0 || unsigned(p) > last)
			return Issue::complete(sys(SYS_close_range, cur, last, flags) < 0 ? fail() : 0);
		if (unsigned(p) > cur && sys(SYS_close_range, cur, unsigned(p) - 1, flags) < 0)
			return Issue::complete(fail());
		if (unsigned(p) == last)
			return Issue::complete(0);
		cur = unsigned(p) + 1;
	}
}

} // namespace ringport::hosted
