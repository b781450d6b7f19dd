// Core ops that never reach the OS: NOP and FILES_UPDATE.
#include "ops_common.hpp"

namespace ringport::shim {

Status prep_nop(Ring& r, Req& q)
{
	if (q.sqe.nop_flags & ~(lx::NOP_INJECT_RESULT | lx::NOP_CQE32))
		return Status::fail(-lx::EINVAL);
	if (q.sqe.nop_flags & lx::NOP_CQE32) {
		// A big CQE needs a ring that can hold one; its two extra words come from off and addr, as Linux takes them.
		if (!(r.flags & (lx::SETUP_CQE32 | lx::SETUP_CQE_MIXED)))
			return Status::fail(-lx::EINVAL);
		const uint64_t extra[2] = {q.sqe.off, q.sqe.addr};
		__builtin_memcpy(q.big, extra, sizeof(extra));
	}
	return kOk;
}

// NOP (and NOP128, the same op in a 128-byte SQE) completes in the shim: there is nothing for an OS to execute
// (Linux completes it inline too). On a mixed CQ a big CQE is marked CQE_F_32, which makes the poster use two slots.
Issued issue_nop(Ring& r, Req& q)
{
	int32_t res = (q.sqe.nop_flags & lx::NOP_INJECT_RESULT) ? int32_t(q.sqe.len) : 0;
	uint32_t cflags = ((q.sqe.nop_flags & lx::NOP_CQE32) && (r.flags & lx::SETUP_CQE_MIXED)) ? lx::CQE_F_32 : 0;
	return Issued::now(res, cflags);
}

Status prep_files_update(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if ((s.flags & lx::SQE_FIXED_FILE) || s.rw_flags || s.splice_fd_in)
		return Status::fail(-lx::EINVAL);
	if (!s.len)
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_files_update(Ring& r, Req& q)
{
	// Same rules as REGISTER_FILES_UPDATE, applied from the ring.
	return Issued::now(files_update_from_op(r, uint32_t(q.sqe.off), q.sqe.addr, q.sqe.len));
}

Status prep_fixed_fd_install(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.off || s.addr || s.len || s.buf_index || s.splice_fd_in || s.addr3)
		return Status::fail(-lx::EINVAL);
	if (!(s.flags & lx::SQE_FIXED_FILE))
		return Status::fail(-lx::EBADF); // only a fixed file can be installed
	if (s.install_fd_flags & ~lx::FIXED_FD_NO_CLOEXEC)
		return Status::fail(-lx::EINVAL);
	if (q.state & REQ_CREDS)
		return Status::fail(-lx::EPERM); // an fd is installed for the task itself, never under a personality
	return kOk;
}

// A fixed file becomes an ordinary fd again: the lowest free number, close-on-exec unless asked otherwise.
Issued issue_fixed_fd_install(Ring& r, Req& q)
{
	rp_sqe n = native_op(RP_OP_DUP);
	n.fd = nfd(q.fd);
	n.syscall_flags = (q.sqe.install_fd_flags & lx::FIXED_FD_NO_CLOEXEC) ? 0 : lx::O_CLOEXEC_;
	n.offset = ~0ull;
	return to_native(r, q, n);
}

} // namespace ringport::shim
