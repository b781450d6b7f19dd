// EPOLL_WAIT (Linux 6.15): harvests the ready events of the epoll fd sqe.fd into sqe.addr (at most sqe.len).
// Linux tries at once and, with nothing ready, waits for the epoll fd to become readable (its poll machinery),
// so the CQE never reports 0 events; the OS does the same on a native EPOLL_WAIT with RP_SQE_WAIT_READY.
// maxevents out of range and a file that is not an epoll fd are epoll_wait's own -EINVAL.
#include "ops_common.hpp"

namespace ringport::shim {

Status prep_epoll_wait(Ring&, Req& q)
{
	const auto& s = q.sqe;
	return einval_if(s.off || s.rw_flags || s.buf_index || s.splice_fd_in);
}

Issued issue_epoll_wait(Ring& r, Req& q)
{
	rp_sqe n = native_op(RP_OP_EPOLL_WAIT);
	n.fd = nfd(q.fd);
	n.addr = q.sqe.addr;
	n.len = q.sqe.len;
	n.flags |= RP_SQE_WAIT_READY;
	return to_native(r, q, n);
}

} // namespace ringport::shim
