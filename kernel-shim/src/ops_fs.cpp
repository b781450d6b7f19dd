// File-system family: OPENAT, OPENAT2, CLOSE, STATX, FALLOCATE, FADVISE, MADVISE, RENAMEAT, UNLINKAT,
// MKDIRAT, SYMLINKAT, LINKAT, FTRUNCATE and the xattr ops. Each becomes one native op.
#include "ops_common.hpp"

namespace ringport::shim {

namespace {
// open_how of openat2(2).
struct OpenHow {
	uint64_t flags, mode, resolve;
};
constexpr uint64_t kValidResolve = 0x1f; // RESOLVE_NO_XDEV .. RESOLVE_CACHED
} // namespace

int64_t install_direct(Ring& r, int64_t fd, uint32_t file_index)
{
	if (fd < 0)
		return fd;
	auto drop = [&](int64_t err) {
		rp_host_file_put(int(fd));
		return err;
	};
	uint32_t slot;
	bool alloc = file_index == lx::FILE_INDEX_ALLOC;
	// No table: Linux's allocator finds no free slot (ENFILE); a named slot does not exist (ENXIO).
	if (!r.nr_files)
		return drop(alloc ? -lx::ENFILE : -lx::ENXIO);
	if (alloc) {
		slot = r.file_alloc_end;
		for (uint32_t i = r.file_alloc_start; i < r.file_alloc_end; ++i)
			if (r.files[i] < 0) {
				slot = i;
				break;
			}
		if (slot == r.file_alloc_end)
			return drop(-lx::ENFILE);
	} else {
		slot = file_index - 1;
		if (slot >= r.nr_files)
			return drop(-lx::EINVAL);
	}
	// The table keeps its own reference, away from the numbers the program's open() hands out.
	int ref = rp_host_file_get(int(fd));
	rp_host_file_put(int(fd));
	if (ref < 0)
		return ref;
	if (r.files[slot] >= 0)
		(void)rsrc_retire(r, r.files[slot], r.file_tags ? r.file_tags[slot] : 0);
	r.files[slot] = ref;
	if (r.file_tags)
		r.file_tags[slot] = 0;
	return alloc ? int64_t(slot) : 0;
}

void done_direct(Ring& r, Req& q, NativeTag, int64_t res, uint32_t)
{
	if (q.state & REQ_DONE)
		return;
	if (q.sqe.file_index)
		res = install_direct(r, res, q.sqe.file_index);
	complete(r, &q, res);
}

Status prep_openat(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.buf_index)
		return Status::fail(-lx::EINVAL);
	if (s.flags & lx::SQE_FIXED_FILE)
		return Status::fail(-lx::EBADF);
	if (s.file_index && (s.open_flags & lx::O_CLOEXEC_))
		return Status::fail(-lx::EINVAL); // a fixed-table slot has no close-on-exec
	return kOk;
}

Issued issue_openat(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_OPENAT);
	n.fd = nfd(s.fd);
	n.addr = s.addr;
	n.syscall_flags = s.open_flags | lx::O_LARGEFILE_;
	n.offset = s.len; // mode
	return to_native(r, q, n);
}

Status prep_openat2(Ring& r, Req& q)
{
	RP_TRY(prep_openat(r, q));
	const auto& s = q.sqe;
	if (s.len < sizeof(OpenHow))
		return Status::fail(-lx::EINVAL);
	OpenHow how;
	if (rp_host_copy_from_user(&how, s.addr2, sizeof(how)))
		return Status::fail(-lx::EFAULT);
	if (s.len > sizeof(OpenHow)) {
		// A larger struct is fine only if the extra bytes are zero (openat2's extensibility rule).
		uint8_t tail[64];
		uint64_t extra = s.len - sizeof(OpenHow);
		if (extra > sizeof(tail))
			return Status::fail(-lx::E2BIG);
		if (rp_host_copy_from_user(tail, s.addr2 + sizeof(OpenHow), extra))
			return Status::fail(-lx::EFAULT);
		if (!all_zero(tail, extra))
			return Status::fail(-lx::E2BIG);
	}
	if (how.flags >> 32 || how.resolve & ~kValidResolve || how.mode >> 32)
		return Status::fail(-lx::EINVAL);
	if (s.file_index && (how.flags & lx::O_CLOEXEC_))
		return Status::fail(-lx::EINVAL);
	q.u.vec.iov[0] = how.flags;
	q.u.vec.iov[1] = how.mode;
	q.u.vec.iov[2] = how.resolve;
	return kOk;
}

Issued issue_openat2(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_OPENAT);
	n.fd = nfd(s.fd);
	n.addr = s.addr;
	n.syscall_flags = uint32_t(q.u.vec.iov[0]) | lx::O_LARGEFILE_;
	n.offset = q.u.vec.iov[1];
	n.additional1 = q.u.vec.iov[2];
	return to_native(r, q, n);
}

Status prep_close(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.off || s.addr || s.len || s.rw_flags || s.buf_index)
		return Status::fail(-lx::EINVAL);
	if (s.flags & lx::SQE_FIXED_FILE)
		return Status::fail(-lx::EBADF);
	if (s.file_index && s.fd)
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_close(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	if (s.file_index) {
		// Closing a fixed-file slot: only the shim's table changes.
		uint32_t slot = s.file_index - 1;
		if (!r.nr_files)
			return Issued::now(-lx::ENXIO);
		if (slot >= r.nr_files)
			return Issued::now(-lx::EINVAL);
		if (r.files[slot] < 0)
			return Issued::now(-lx::EBADF);
		(void)rsrc_retire(r, r.files[slot], r.file_tags ? r.file_tags[slot] : 0);
		r.files[slot] = -1;
		if (r.file_tags)
			r.file_tags[slot] = 0;
		return Issued::now(0);
	}
	// An io_uring fd cannot be closed through a ring (Linux refuses it).
	if (s.fd >= 0 && rp_host_ring_of_fd(s.fd))
		return Issued::now(-lx::EBADF);
	rp_sqe n = native_op(RP_OP_CLOSE);
	n.fd = nfd(s.fd);
	return to_native(r, q, n);
}

// Checks shared by the ops that name a path relative to a directory fd: that fd is a plain one (Linux refuses
// FIXED_FILE with -EBADF) and the fields these ops never read must be zero.
static Status prep_path_op(const Req& q)
{
	const auto& s = q.sqe;
	if (s.buf_index || s.splice_fd_in)
		return Status::fail(-lx::EINVAL);
	if (s.flags & lx::SQE_FIXED_FILE)
		return Status::fail(-lx::EBADF);
	return kOk;
}

Status prep_statx(Ring&, Req& q) { return prep_path_op(q); }

Issued issue_statx(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_STATX);
	n.fd = nfd(s.fd);
	n.addr = s.addr;
	n.syscall_flags = s.statx_flags;
	n.len = s.len;
	n.additional1 = s.addr2;
	return to_native(r, q, n);
}

Status prep_fallocate(Ring&, Req& q)
{
	const auto& s = q.sqe;
	return einval_if(s.buf_index || s.rw_flags || s.splice_fd_in);
}

Issued issue_fallocate(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_FALLOCATE);
	n.fd = nfd(q.fd);
	n.syscall_flags = s.len; // mode
	n.offset = s.off;
	n.len = s.addr; // length travels in addr
	return to_native(r, q, n);
}

Status prep_fadvise(Ring&, Req& q) { return einval_if(q.sqe.buf_index || q.sqe.splice_fd_in); }

Issued issue_fadvise(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_FADVISE);
	n.fd = nfd(q.fd);
	n.offset = s.off;
	n.len = s.addr ? s.addr : s.len;
	n.syscall_flags = s.fadvise_advice;
	return to_native(r, q, n);
}

Status prep_madvise(Ring&, Req& q) { return einval_if(q.sqe.buf_index || q.sqe.splice_fd_in); }

Issued issue_madvise(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_MADVISE);
	n.addr = s.addr;
	n.len = s.off ? s.off : s.len;
	n.syscall_flags = s.fadvise_advice;
	return to_native(r, q, n);
}

Status prep_renameat(Ring&, Req& q) { return prep_path_op(q); }

Issued issue_renameat(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_RENAMEAT);
	n.fd = nfd(s.fd);
	n.addr = s.addr;
	n.additional1 = nfd(int32_t(s.len));
	n.additional2 = s.addr2;
	n.syscall_flags = s.rename_flags;
	return to_native(r, q, n);
}

Status prep_unlinkat(Ring&, Req& q)
{
	RP_TRY(prep_path_op(q));
	if (q.sqe.off || q.sqe.len)
		return Status::fail(-lx::EINVAL);
	if (q.sqe.unlink_flags & ~lx::AT_REMOVEDIR_)
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_unlinkat(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_UNLINKAT);
	n.fd = nfd(s.fd);
	n.addr = s.addr;
	n.syscall_flags = s.unlink_flags;
	return to_native(r, q, n);
}

Status prep_mkdirat(Ring&, Req& q)
{
	RP_TRY(prep_path_op(q));
	return einval_if(q.sqe.off || q.sqe.rw_flags);
}

Issued issue_mkdirat(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_MKDIRAT);
	n.fd = nfd(s.fd);
	n.addr = s.addr;
	n.offset = s.len; // mode
	return to_native(r, q, n);
}

Status prep_symlinkat(Ring&, Req& q)
{
	RP_TRY(prep_path_op(q));
	return einval_if(q.sqe.len || q.sqe.rw_flags);
}

Issued issue_symlinkat(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_SYMLINKAT);
	n.addr = s.addr; // target
	n.fd = nfd(s.fd);
	n.additional1 = s.addr2; // link path
	return to_native(r, q, n);
}

Status prep_linkat(Ring&, Req& q) { return prep_path_op(q); }

Issued issue_linkat(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_LINKAT);
	n.fd = nfd(s.fd);
	n.addr = s.addr;
	n.additional1 = nfd(int32_t(s.len));
	n.additional2 = s.addr2;
	n.syscall_flags = s.hardlink_flags;
	return to_native(r, q, n);
}

Status prep_ftruncate(Ring&, Req& q)
{
	const auto& s = q.sqe;
	return einval_if(s.rw_flags || s.addr || s.len || s.buf_index || s.splice_fd_in || s.addr3);
}

Issued issue_ftruncate(Ring& r, Req& q)
{
	rp_sqe n = native_op(RP_OP_FTRUNCATE);
	n.fd = nfd(q.fd);
	n.offset = q.sqe.off;
	return to_native(r, q, n);
}

Status prep_xattr(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.ioprio || s.buf_index)
		return Status::fail(-lx::EINVAL);
	bool set = q.opcode == lx::OP_SETXATTR || q.opcode == lx::OP_FSETXATTR;
	if (!set && s.xattr_flags)
		return Status::fail(-lx::EINVAL);
	if (set && (s.xattr_flags & ~3u))
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_xattr(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	uint8_t op = q.opcode == lx::OP_GETXATTR    ? RP_OP_GETXATTR
	             : q.opcode == lx::OP_SETXATTR  ? RP_OP_SETXATTR
	             : q.opcode == lx::OP_FGETXATTR ? RP_OP_FGETXATTR
	                                            : RP_OP_FSETXATTR;
	rp_sqe n = native_op(op);
	n.addr = s.addr;         // name
	n.additional1 = s.addr2; // value
	n.len = s.len;
	n.syscall_flags = s.xattr_flags;
	if (op == RP_OP_GETXATTR || op == RP_OP_SETXATTR)
		n.additional2 = s.addr3; // path
	else
		n.fd = nfd(q.fd);
	return to_native(r, q, n);
}

} // namespace ringport::shim
