// File and path operations other than open/close and transfers: Lseek, Dup (inline); Fsync, Fdatasync,
// SyncRange, Ftruncate, Fallocate, Statx, the *At path operations and the xattr family (worker pool, since
// each can wait for the disk); Fadvise (inline for advice that only sets state, worker for the rest).
#include "internal.hpp"

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

namespace ringport::hosted {

namespace {

const char* path1(const Op& op) { return op.buf.empty() ? nullptr : op.buf.data(); }
const char* path2(const Op& op) { return op.buf2.empty() ? nullptr : op.buf2.data(); }
int fd_of(uint64_t field)
{
	int fd;
	return to_fd(field, &fd) ? fd : INT_MIN; // INT_MIN is never an fd: the syscall says EBADF
}
int64_t ret(long r) { return r < 0 ? fail() : r; }

int64_t fsync_blocking(Op& op)
{
	int fd = fd_of(op.sqe.fd);
	return ret(op.sqe.opcode == RP_OP_FDATASYNC ? fdatasync(fd) : fsync(fd));
}
int64_t sync_range_blocking(Op& op)
{
	return ret(sync_file_range(fd_of(op.sqe.fd), off64_t(op.sqe.offset), off64_t(op.sqe.len), op.sqe.syscall_flags));
}
int64_t ftruncate_blocking(Op& op) { return ret(ftruncate(fd_of(op.sqe.fd), off_t(op.sqe.offset))); }
int64_t fallocate_blocking(Op& op)
{
	return ret(fallocate(fd_of(op.sqe.fd), int(op.sqe.syscall_flags), off_t(op.sqe.offset), off_t(op.sqe.len)));
}
int64_t fadvise_blocking(Op& op)
{
	int r = posix_fadvise(fd_of(op.sqe.fd), off_t(op.sqe.offset), off_t(op.sqe.len), int(op.sqe.syscall_flags));
	return -int64_t(r); // posix_fadvise returns the error number itself
}
int64_t statx_blocking(Op& op)
{
	// Straight to the kernel: the buffer is the program's and the path may be NULL, which libc's statx (declared
	// nonnull) must never see; the kernel answers -EFAULT for either, as Linux's io_uring does. A buffer in the
	// embedding's private memory is -EFAULT too, but as Linux's is, after the lookup (which may fail first):
	// the call then fills a buffer of the OS's own.
	if (user_range(op.sqe.additional1, sizeof(struct statx))) {
		struct statx st;
		long r = sys(SYS_statx, fd_of(op.sqe.fd), path1(op), int(op.sqe.syscall_flags), unsigned(op.sqe.len), &st);
		return r < 0 ? fail() : -EFAULT;
	}
	return ret(sys(SYS_statx, fd_of(op.sqe.fd), path1(op), int(op.sqe.syscall_flags), unsigned(op.sqe.len),
	               op.sqe.additional1));
}
int64_t renameat_blocking(Op& op)
{
	return ret(sys(SYS_renameat2, fd_of(op.sqe.fd), path1(op), fd_of(op.sqe.additional1), path2(op),
	               op.sqe.syscall_flags));
}
int64_t unlinkat_blocking(Op& op) { return ret(sys(SYS_unlinkat, fd_of(op.sqe.fd), path1(op), int(op.sqe.syscall_flags))); }
int64_t mkdirat_blocking(Op& op) { return ret(sys(SYS_mkdirat, fd_of(op.sqe.fd), path1(op), mode_t(op.sqe.offset))); }
int64_t symlinkat_blocking(Op& op) { return ret(sys(SYS_symlinkat, path1(op), fd_of(op.sqe.fd), path2(op))); }
int64_t linkat_blocking(Op& op)
{
	return ret(sys(SYS_linkat, fd_of(op.sqe.fd), path1(op), fd_of(op.sqe.additional1), path2(op),
	               int(op.sqe.syscall_flags)));
}
int64_t xattr_blocking(Op& op)
{
	const rp_sqe& s = op.sqe;
	// The value buffer is the program's: only the kernel judges it (-EFAULT), never libc or a sanitizer's wrapper.
	const uint64_t value = s.additional1;
	if (s.len && user_range(value, s.len)) {
		// The embedding's private memory: Linux reads a value to set before anything else (-EFAULT), and
		// copies one it got out last (-EFAULT only when there was one: a missing attribute says -ENODATA).
		if (s.opcode == RP_OP_SETXATTR || s.opcode == RP_OP_FSETXATTR)
			return -EFAULT;
		std::vector<char> mine(s.len < 65536 ? size_t(s.len) : 65536);
		const uint64_t local = uint64_t(uintptr_t(mine.data()));
		long r = s.opcode == RP_OP_GETXATTR ? sys(SYS_getxattr, path2(op), path1(op), local, mine.size())
		                                    : sys(SYS_fgetxattr, fd_of(s.fd), path1(op), local, mine.size());
		return r < 0 ? fail() : r > 0 ? -EFAULT : 0;
	}
	switch (s.opcode) {
	case RP_OP_GETXATTR: return ret(sys(SYS_getxattr, path2(op), path1(op), value, size_t(s.len)));
	case RP_OP_SETXATTR:
		return ret(sys(SYS_setxattr, path2(op), path1(op), value, size_t(s.len), int(s.syscall_flags)));
	case RP_OP_FGETXATTR: return ret(sys(SYS_fgetxattr, fd_of(s.fd), path1(op), value, size_t(s.len)));
	default: return ret(sys(SYS_fsetxattr, fd_of(s.fd), path1(op), value, size_t(s.len), int(s.syscall_flags)));
	}
}

const OpKind fsync_kind{nullptr, fsync_blocking, nullptr};
const OpKind sync_range_kind{nullptr, sync_range_blocking, nullptr};
const OpKind ftruncate_kind{nullptr, ftruncate_blocking, nullptr};
const OpKind fallocate_kind{nullptr, fallocate_blocking, nullptr};
const OpKind fadvise_kind{nullptr, fadvise_blocking, nullptr};
const OpKind statx_kind{nullptr, statx_blocking, nullptr};
const OpKind renameat_kind{nullptr, renameat_blocking, nullptr};
const OpKind unlinkat_kind{nullptr, unlinkat_blocking, nullptr};
const OpKind mkdirat_kind{nullptr, mkdirat_blocking, nullptr};
const OpKind symlinkat_kind{nullptr, symlinkat_blocking, nullptr};
const OpKind linkat_kind{nullptr, linkat_blocking, nullptr};
const OpKind xattr_kind{nullptr, xattr_blocking, nullptr};

// Copies the op's string arguments (the caller may reuse them after enter returns) and queues it on a worker.
// Which fields hold them is the opcode's argument convention (native_ops.hpp): addr first, then a1 or a2. A zero
// address is -EFAULT, except Statx's path, which statx(2) itself judges (AT_EMPTY_PATH).
Issue with_paths(Ring& ring, const rp_sqe& sqe, const OpKind* kind)
{
	using native::Arg;
	const native::OpArgs& args = native::kOpArgs[sqe.opcode];
	auto is_string = [](Arg a) { return a == Arg::path || a == Arg::string; };
	std::vector<char> a, b;
	if (sqe.addr) {
		if (int e = copy_path(sqe.addr, a); e < 0)
			return Issue::complete(e);
	} else if (sqe.opcode != RP_OP_STATX) {
		return Issue::complete(-EFAULT);
	}
	if (is_string(args.a1) || is_string(args.a2)) {
		if (int e = copy_path(is_string(args.a1) ? sqe.additional1 : sqe.additional2, b); e < 0)
			return Issue::complete(e);
	}
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, kind);
	op->buf = std::move(a);
	op->buf2 = std::move(b);
	ring.to_worker_locked(op);
	return Issue::later();
}

} // namespace

Issue op_lseek(Ring&, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd))
		return Issue::complete(-EBADF);
	off_t r = lseek(fd, off_t(sqe.offset), int(sqe.syscall_flags));
	return Issue::complete(r < 0 ? fail() : int64_t(r));
}

Issue op_dup(Ring&, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd))
		return Issue::complete(-EBADF);
	if (sqe.syscall_flags & ~uint32_t(O_CLOEXEC))
		return Issue::complete(-EINVAL);
	const bool cloexec = sqe.syscall_flags & O_CLOEXEC;
	if (sqe.offset == UINT64_MAX)
		return Issue::complete(linux_syscall(SYS_fcntl, fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, 0));
	if (sqe.offset > INT_MAX)
		return Issue::complete(-EBADF);
	// dup3 rules: the same fd twice is -EINVAL. The number replaced is let go as by close.
	if (int(sqe.offset) != fd)
		rp_os_fd_closing(int(sqe.offset));
	return Issue::complete(linux_syscall(SYS_dup3, fd, long(sqe.offset), cloexec ? O_CLOEXEC : 0));
}

Issue op_fsync(Ring& ring, const rp_sqe& sqe) { return run_on_worker(ring, sqe, &fsync_kind); }
Issue op_sync_range(Ring& ring, const rp_sqe& sqe) { return run_on_worker(ring, sqe, &sync_range_kind); }
Issue op_ftruncate(Ring& ring, const rp_sqe& sqe) { return run_on_worker(ring, sqe, &ftruncate_kind); }
Issue op_fallocate(Ring& ring, const rp_sqe& sqe) { return run_on_worker(ring, sqe, &fallocate_kind); }

Issue op_fadvise(Ring& ring, const rp_sqe& sqe)
{
	switch (sqe.syscall_flags) {
	case POSIX_FADV_NORMAL:
	case POSIX_FADV_RANDOM:
	case POSIX_FADV_SEQUENTIAL: {
		Op tmp;
		tmp.sqe = sqe;
		return Issue::complete(fadvise_blocking(tmp));
	}
	default:
		return run_on_worker(ring, sqe, &fadvise_kind); // WILLNEED reads ahead, DONTNEED writes back
	}
}

Issue op_statx(Ring& ring, const rp_sqe& sqe) { return with_paths(ring, sqe, &statx_kind); }
Issue op_renameat(Ring& ring, const rp_sqe& sqe) { return with_paths(ring, sqe, &renameat_kind); }
Issue op_unlinkat(Ring& ring, const rp_sqe& sqe) { return with_paths(ring, sqe, &unlinkat_kind); }
Issue op_mkdirat(Ring& ring, const rp_sqe& sqe) { return with_paths(ring, sqe, &mkdirat_kind); }
Issue op_symlinkat(Ring& ring, const rp_sqe& sqe) { return with_paths(ring, sqe, &symlinkat_kind); }
Issue op_linkat(Ring& ring, const rp_sqe& sqe) { return with_paths(ring, sqe, &linkat_kind); }
// addr = attribute name; the path forms also copy the path at a2.
Issue op_xattr(Ring& ring, const rp_sqe& sqe) { return with_paths(ring, sqe, &xattr_kind); }

} // namespace ringport::hosted
