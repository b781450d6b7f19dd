// The file family: OPEN, OPENAT, CLOSE, CLOSE_RANGE, DUP, STATX, FTRUNCATE, FSYNC, FDATASYNC, SYNC_RANGE,
// FALLOCATE, FADVISE, FILE_INFO and the path operations (RENAMEAT, UNLINKAT, MKDIRAT, SYMLINKAT, LINKAT), all
// through the VFS and the submitter's fd table. Paths are copied out of user memory once, at execution.
#include "FileSystem/fd_table.hpp"
#include "FileSystem/vfs.hpp"
#include "Ring/ring_internal.hpp"

namespace kernel {

namespace {

// A user path copied into the heap for the length of one op.
class PathArg {
public:
	explicit PathArg(uint64_t user) : result_(path_argument(user)) {}
	~PathArg()
	{
		if (result_.ok())
			deallocate(result_.value());
	}
	bool ok() const { return result_.ok(); }
	int error() const { return result_.error(); }
	const char *get() { return result_.value(); }

private:
	Result<char *> result_;
};

FdTable *table() { return current_fd_table(); }

constexpr uint64_t resolve_no_xdev = 0x01, resolve_no_magiclinks = 0x02, resolve_no_symlinks = 0x04,
                   resolve_beneath = 0x08, resolve_in_root = 0x10, resolve_cached = 0x20;
constexpr uint32_t valid_open_flags = O_ACCMODE_ | O_CREAT_ | O_EXCL_ | O_NOCTTY_ | O_TRUNC_ | O_APPEND_ |
                                      O_NONBLOCK_ | O_DSYNC_ | O_ASYNC_ | O_DIRECT_ | O_LARGEFILE_ |
                                      O_DIRECTORY_ | O_NOFOLLOW_ | O_NOATIME_ | O_CLOEXEC_ | O_SYNC_ | O_PATH_ |
                                      O_TMPFILE_;

} // namespace

// OPEN addr=path flags offset=mode (as OPENAT with AT_FDCWD); OPENAT fd=dirfd ... a1=RESOLVE_* (non-zero:
// openat2 rules, where unknown flags and a stray mode are errors instead of being ignored).
OpOutcome op_open(NativeRing &, const rp_sqe &sqe)
{
	int dirfd = AT_FDCWD_;
	if (sqe.opcode == RP_OP_OPENAT) {
		Result<int> fd = fd_argument(sqe.fd);
		if (!fd.ok())
			return OpOutcome::done(-fd.error());
		dirfd = fd.value();
	}
	uint32_t flags = sqe.syscall_flags;
	uint64_t mode = sqe.offset;
	uint64_t resolve = sqe.opcode == RP_OP_OPENAT ? sqe.additional1 : 0;
	if (resolve) {
		if ((flags & ~valid_open_flags) || (mode & ~uint64_t(07777)) ||
		    (mode && !(flags & O_CREAT_) && (flags & O_TMPFILE_) != O_TMPFILE_))
			return OpOutcome::done(-EINVAL);
		if (resolve & ~(resolve_no_xdev | resolve_no_magiclinks | resolve_no_symlinks | resolve_beneath |
		                resolve_in_root | resolve_cached))
			return OpOutcome::done(-EINVAL);
		// One filesystem, no magic links, everything cached: only the path-shape rules would matter, and
		// the VFS does not offer them.
		if (resolve & (resolve_no_symlinks | resolve_beneath | resolve_in_root))
			return OpOutcome::done(-EOPNOTSUPP);
	}
	PathArg path(sqe.addr);
	if (!path.ok())
		return OpOutcome::done(-path.error());
	return OpOutcome::from(vfs_openat(dirfd, path.get(), flags, uint32_t(mode)));
}

OpOutcome op_close(NativeRing &, const rp_sqe &sqe)
{
	Result<int> fd = fd_argument(sqe.fd);
	if (!fd.ok() || !table())
		return OpOutcome::done(-EBADF);
	return OpOutcome::from(table()->close(fd.value()));
}

// CLOSE_RANGE fd=first offset=last (clamped to UINT_MAX) flags=CLOSE_RANGE_*.
OpOutcome op_close_range(NativeRing &, const rp_sqe &sqe)
{
	if (!table())
		return OpOutcome::done(-EBADF);
	if (sqe.fd > UINT32_MAX)
		return OpOutcome::done(-EINVAL);
	uint32_t last = sqe.offset > UINT32_MAX ? UINT32_MAX : uint32_t(sqe.offset);
	return OpOutcome::from(table()->close_range(uint32_t(sqe.fd), last, sqe.syscall_flags));
}

// DUP fd flags=O_CLOEXEC or 0 offset=target fd (UINT64_MAX: the lowest free one).
OpOutcome op_dup(NativeRing &, const rp_sqe &sqe)
{
	if (sqe.syscall_flags & ~O_CLOEXEC_)
		return OpOutcome::done(-EINVAL);
	Result<int> fd = fd_argument(sqe.fd);
	if (!fd.ok() || !table())
		return OpOutcome::done(-EBADF);
	bool cloexec = sqe.syscall_flags & O_CLOEXEC_;
	if (sqe.offset == UINT64_MAX)
		return OpOutcome::from(table()->dup_from(fd.value(), 0, cloexec));
	if (sqe.offset > uint64_t(INT32_MAX))
		return OpOutcome::done(-EBADF);
	return OpOutcome::from(table()->dup3(fd.value(), int(sqe.offset), sqe.syscall_flags));
}

// STATX fd=dirfd addr=path (0 with AT_EMPTY_PATH) flags=AT_* len=mask a1=struct statx *.
OpOutcome op_statx(NativeRing &, const rp_sqe &sqe)
{
	Result<int> dirfd = fd_argument(sqe.fd);
	if (!dirfd.ok())
		return OpOutcome::done(-dirfd.error());
	if (sqe.len > UINT32_MAX)
		return OpOutcome::done(-EINVAL);
	Statx out{};
	Result<void> done = Error(EFAULT);
	if (sqe.addr == 0 && (sqe.syscall_flags & AT_EMPTY_PATH_)) {
		done = vfs_statx(dirfd.value(), "", sqe.syscall_flags, uint32_t(sqe.len), out);
	} else {
		PathArg path(sqe.addr);
		if (!path.ok())
			return OpOutcome::done(-path.error());
		done = vfs_statx(dirfd.value(), path.get(), sqe.syscall_flags, uint32_t(sqe.len), out);
	}
	if (!done.ok())
		return OpOutcome::done(-done.error());
	if (copy_to_user(sqe.additional1, &out, sizeof(out)))
		return OpOutcome::done(-EFAULT);
	return OpOutcome::done(0);
}

OpOutcome op_ftruncate(NativeRing &ring, const rp_sqe &sqe)
{
	Result<FileRef> file = file_argument(ring, sqe.fd);
	if (!file.ok())
		return OpOutcome::done(-file.error());
	if (int64_t(sqe.offset) < 0)
		return OpOutcome::done(-EINVAL);
	return OpOutcome::from(file.value()->truncate(int64_t(sqe.offset)));
}

OpOutcome op_fsync(NativeRing &ring, const rp_sqe &sqe)
{
	Result<FileRef> file = file_argument(ring, sqe.fd);
	if (!file.ok())
		return OpOutcome::done(-file.error());
	return OpOutcome::from(file.value()->fsync(sqe.opcode == RP_OP_FDATASYNC));
}

// SYNC_RANGE fd offset len flags=SYNC_FILE_RANGE_*: nothing to write back in a ramfs; Linux's argument rules.
OpOutcome op_sync_range(NativeRing &ring, const rp_sqe &sqe)
{
	constexpr uint32_t valid = 1 | 2 | 4; // WAIT_BEFORE, WRITE, WAIT_AFTER
	if ((sqe.syscall_flags & ~valid) || int64_t(sqe.offset) < 0 || int64_t(sqe.len) < 0 ||
	    int64_t(sqe.offset + sqe.len) < 0)
		return OpOutcome::done(-EINVAL);
	Result<FileRef> file = file_argument(ring, sqe.fd);
	if (!file.ok())
		return OpOutcome::done(-file.error());
	FileKind kind = file.value()->kind();
	if (kind == FileKind::pipe)
		return OpOutcome::done(-ESPIPE);
	if (kind != FileKind::regular && kind != FileKind::directory && kind != FileKind::char_device)
		return OpOutcome::done(-ESPIPE);
	return OpOutcome::done(0);
}

// FALLOCATE fd flags=mode offset len. The ramfs is sparse, so allocating is only about the size: mode 0 grows
// the file to offset + len, FALLOC_FL_KEEP_SIZE changes nothing. Hole punching and the other modes are not
// offered (-EOPNOTSUPP, as a filesystem without them answers).
OpOutcome op_fallocate(NativeRing &ring, const rp_sqe &sqe)
{
	constexpr uint32_t keep_size = 0x01;
	if (int64_t(sqe.offset) < 0 || int64_t(sqe.len) <= 0)
		return OpOutcome::done(-EINVAL);
	if (int64_t(sqe.offset + sqe.len) < 0)
		return OpOutcome::done(-EFBIG);
	Result<FileRef> file = file_argument(ring, sqe.fd);
	if (!file.ok())
		return OpOutcome::done(-file.error());
	File &f = *file.value();
	if (!f.writable())
		return OpOutcome::done(-EBADF);
	if (f.kind() == FileKind::pipe)
		return OpOutcome::done(-ESPIPE);
	if (f.kind() == FileKind::directory)
		return OpOutcome::done(-EISDIR);
	if (f.kind() != FileKind::regular)
		return OpOutcome::done(-ENODEV);
	if (sqe.syscall_flags & ~keep_size)
		return OpOutcome::done(-EOPNOTSUPP);
	if (sqe.syscall_flags & keep_size)
		return OpOutcome::done(0);
	Statx st{};
	if (Result<void> s = f.statx(st); !s.ok())
		return OpOutcome::done(-s.error());
	uint64_t end = sqe.offset + sqe.len;
	if (end <= st.stx_size)
		return OpOutcome::done(0);
	return OpOutcome::from(f.truncate(int64_t(end)));
}

// FADVISE fd offset len flags=POSIX_FADV_*: advice only; pipes refuse it (-ESPIPE), as Linux.
OpOutcome op_fadvise(NativeRing &ring, const rp_sqe &sqe)
{
	if (sqe.syscall_flags > 5 || int64_t(sqe.len) < 0)
		return OpOutcome::done(-EINVAL);
	Result<FileRef> file = file_argument(ring, sqe.fd);
	if (!file.ok())
		return OpOutcome::done(-file.error());
	if (file.value()->kind() == FileKind::pipe)
		return OpOutcome::done(-ESPIPE);
	return OpOutcome::done(0);
}

// RENAMEAT fd=olddirfd addr=oldpath a1=newdirfd a2=newpath flags=RENAME_*
// UNLINKAT fd=dirfd addr=path flags=AT_REMOVEDIR
// MKDIRAT  fd=dirfd addr=path offset=mode
// SYMLINKAT addr=target fd=newdirfd a1=linkpath
// LINKAT   fd=olddirfd addr=oldpath a1=newdirfd a2=newpath flags=AT_*
OpOutcome op_path(NativeRing &, const rp_sqe &sqe)
{
	Result<int> fd = fd_argument(sqe.fd);
	if (!fd.ok())
		return OpOutcome::done(-fd.error());
	PathArg first(sqe.addr);
	if (!first.ok())
		return OpOutcome::done(-first.error());
	switch (sqe.opcode) {
	case RP_OP_UNLINKAT:
		return OpOutcome::from(vfs_unlinkat(fd.value(), first.get(), sqe.syscall_flags));
	case RP_OP_MKDIRAT:
		return OpOutcome::from(vfs_mkdirat(fd.value(), first.get(), uint32_t(sqe.offset)));
	case RP_OP_SYMLINKAT: {
		PathArg link(sqe.additional1);
		if (!link.ok())
			return OpOutcome::done(-link.error());
		return OpOutcome::from(vfs_symlinkat(first.get(), fd.value(), link.get()));
	}
	default: {
		Result<int> newdirfd = fd_argument(sqe.additional1);
		if (!newdirfd.ok())
			return OpOutcome::done(-newdirfd.error());
		PathArg second(sqe.additional2);
		if (!second.ok())
			return OpOutcome::done(-second.error());
		if (sqe.opcode == RP_OP_RENAMEAT)
			return OpOutcome::from(
			    vfs_renameat2(fd.value(), first.get(), newdirfd.value(), second.get(), sqe.syscall_flags));
		return OpOutcome::from(vfs_linkat(fd.value(), first.get(), newdirfd.value(), second.get(), sqe.syscall_flags));
	}
	}
}

// FILE_INFO fd a1=another fd or UINT64_MAX -> RP_FILE_* bits: whether the file reports readiness (everything
// but regular files, directories and O_PATH symlinks: pipes, eventfds, io_uring fds, the console and the other
// devices, as the hosted OS answers), and whether a1 names the same open file description.
OpOutcome op_file_info(NativeRing &ring, const rp_sqe &sqe)
{
	Result<FileRef> file = file_argument(ring, sqe.fd);
	if (!file.ok())
		return OpOutcome::done(-file.error());
	int64_t bits = 0;
	FileKind kind = file.value()->kind();
	if (kind != FileKind::regular && kind != FileKind::directory && kind != FileKind::symlink)
		bits |= RP_FILE_POLLABLE;
	if (sqe.additional1 != UINT64_MAX) {
		Result<FileRef> other = file_argument(ring, sqe.additional1);
		if (!other.ok())
			return OpOutcome::done(-other.error());
		if (other.value().get() == file.value().get())
			bits |= RP_FILE_SAME;
	}
	return OpOutcome::done(bits);
}

} // namespace kernel
