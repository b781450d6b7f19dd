// Sync family: FSYNC and SYNC_FILE_RANGE.
#include "ops_common.hpp"

namespace ringport::shim {

Status prep_fsync(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.addr || s.buf_index || s.splice_fd_in)
		return Status::fail(-lx::EINVAL);
	if (s.fsync_flags & ~lx::FSYNC_DATASYNC)
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_fsync(Ring& r, Req& q)
{
	rp_sqe n = native_op((q.sqe.fsync_flags & lx::FSYNC_DATASYNC) ? RP_OP_FDATASYNC : RP_OP_FSYNC);
	n.fd = nfd(q.fd);
	return to_native(r, q, n);
}

Status prep_sync_file_range(Ring&, Req& q)
{
	const auto& s = q.sqe;
	return einval_if(s.addr || s.buf_index || s.splice_fd_in);
}

Issued issue_sync_file_range(Ring& r, Req& q)
{
	rp_sqe n = native_op(RP_OP_SYNC_RANGE);
	n.fd = nfd(q.fd);
	n.offset = q.sqe.off;
	n.len = q.sqe.len;
	n.syscall_flags = q.sqe.sync_range_flags;
	return to_native(r, q, n);
}

} // namespace ringport::shim
