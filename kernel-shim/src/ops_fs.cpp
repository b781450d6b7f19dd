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

// ---- mapped ops: one native op, fields copied across (the map is in the op table, optable.cpp) ----

namespace {
uint64_t field_from(const Req& q, From f)
{
	const auto& s = q.sqe;
	switch (f) {
	case From::zero: return 0;
	case From::file: return nfd(q.fd);
	case From::dirfd: return nfd(s.fd);
	case From::len_dirfd: return nfd(int32_t(s.len));
	case From::addr: return s.addr;
	case From::addr2: return s.addr2;
	case From::addr3: return s.addr3;
	case From::len: return s.len;
	case From::off: return s.off;
	case From::op_flags: return uint32_t(s.rw_flags);
	case From::addr_or_len: return s.addr ? s.addr : s.len;
	case From::off_or_len: return s.off ? s.off : s.len;
	}
	return 0;
}
} // namespace

// Linux's order: the fields no such op reads, then a fixed directory fd (-EBADF), then the op's own fields.
Status prep_mapped(Ring&, Req& q)
{
	const FieldMap& m = kOps[q.opcode].map;
	const auto& s = q.sqe;
	if (((m.zero & Z_BUF_INDEX) && s.buf_index) || ((m.zero & Z_SPLICE_FD_IN) && s.splice_fd_in) ||
	    ((m.zero & Z_IOPRIO) && s.ioprio))
		return Status::fail(-lx::EINVAL);
	if (m.dirfd_op && (s.flags & lx::SQE_FIXED_FILE))
		return Status::fail(-lx::EBADF);
	if (((m.zero & Z_OFF) && s.off) || ((m.zero & Z_LEN) && s.len) || ((m.zero & Z_OP_FLAGS) && s.rw_flags) ||
	    ((m.zero & Z_ADDR) && s.addr) || ((m.zero & Z_ADDR3) && s.addr3))
		return Status::fail(-lx::EINVAL);
	if (m.flags == From::op_flags && (uint32_t(s.rw_flags) & ~m.flags_allowed))
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_mapped(Ring& r, Req& q)
{
	const FieldMap& m = kOps[q.opcode].map;
	rp_sqe n = native_op(m.native_op);
	n.fd = field_from(q, m.fd);
	n.addr = field_from(q, m.addr);
	n.len = field_from(q, m.len);
	n.offset = field_from(q, m.offset);
	n.additional1 = field_from(q, m.a1);
	n.additional2 = field_from(q, m.a2);
	n.syscall_flags = uint32_t(field_from(q, m.flags));
	return to_native(r, q, n);
}

} // namespace ringport::shim
