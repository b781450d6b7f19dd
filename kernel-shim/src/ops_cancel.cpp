// Cancel family: ASYNC_CANCEL (by user_data, fd, opcode, any, all); REGISTER_SYNC_CANCEL shares the matching.
// Timeouts are cancelled in the shim; everything else through a native Cancel of its operation.
#include "ops_common.hpp"

namespace ringport::shim {

namespace {
constexpr uint32_t kCancelFlags = lx::ASYNC_CANCEL_ALL | lx::ASYNC_CANCEL_FD | lx::ASYNC_CANCEL_ANY |
                                  lx::ASYNC_CANCEL_FD_FIXED | lx::ASYNC_CANCEL_USERDATA | lx::ASYNC_CANCEL_OP;
} // namespace

bool cancel_matches(Ring& r, const CancelSpec& c, const Req* q)
{
	if (c.flags & lx::ASYNC_CANCEL_ANY)
		return true;
	if (c.flags & lx::ASYNC_CANCEL_FD) {
		int32_t fd = c.fd;
		if (c.fd_fixed) {
			if (fd < 0 || uint32_t(fd) >= r.nr_files)
				return false;
			fd = r.files[fd];
		}
		if (q->fd != fd || !kOps[q->opcode].needs_file)
			return false;
	}
	if ((c.flags & lx::ASYNC_CANCEL_OP) && q->opcode != c.opcode)
		return false;
	bool by_user_data = (c.flags & lx::ASYNC_CANCEL_USERDATA) || !(c.flags & (lx::ASYNC_CANCEL_FD | lx::ASYNC_CANCEL_OP));
	return !by_user_data || q->sqe.user_data == c.user_data;
}

Status cancel_prep_spec(CancelSpec* c, uint64_t addr, int32_t fd, uint32_t flags, uint32_t opcode, bool fixed_ok)
{
	(void)fixed_ok;
	if (flags & ~kCancelFlags)
		return Status::fail(-lx::EINVAL);
	*c = CancelSpec{addr, -1, flags, 0, false};
	if (flags & lx::ASYNC_CANCEL_FD) {
		if (flags & lx::ASYNC_CANCEL_ANY)
			return Status::fail(-lx::EINVAL);
		c->fd = fd;
		c->fd_fixed = flags & lx::ASYNC_CANCEL_FD_FIXED;
	}
	if (flags & lx::ASYNC_CANCEL_OP) {
		if (flags & lx::ASYNC_CANCEL_ANY)
			return Status::fail(-lx::EINVAL);
		if (opcode >= lx::OP_LAST)
			return Status::fail(-lx::EINVAL);
		c->opcode = uint8_t(opcode);
	}
	return kOk;
}

int64_t cancel_start(Ring& r, const CancelSpec& c, Req* owner)
{
	bool all = c.flags & (lx::ASYNC_CANCEL_ALL | lx::ASYNC_CANCEL_ANY);
	int64_t found = 0;
	for (Req* q = r.inflight.head; q;) {
		Req* next = q->next;
		if (q != owner && !(q->state & (REQ_DONE | REQ_CANCELING)) && cancel_matches(r, c, q)) {
			++found;
			const OpDef& d = kOps[q->opcode];
			if (d.cancel_counts)
				owner->u.cancel.counts = true;
			if (d.cancel && d.cancel(r, q)) {
				++owner->u.cancel.canceled;
			} else if (q->state & REQ_MULTISHOT) {
				// A multishot read/receive/accept ends at its next native completion once marked, whichever of
				// its native operations is current: found is cancelled, as on Linux.
				(void)cancel_native(r, q, q, TAG_CANCEL_QUIET);
				++owner->u.cancel.canceled;
			} else if (cancel_native(r, q, owner, TAG_CANCEL_RESULT).ok()) {
				++owner->u.cancel.outstanding;
			}
			if (!all)
				break;
		}
		q = next;
	}
	return found ? found : -lx::ENOENT;
}

void cancel_quietly(Ring& r, Req* q)
{
	const OpDef& d = kOps[q->opcode];
	if (!(d.cancel && d.cancel(r, q)))
		(void)cancel_native(r, q, q, TAG_CANCEL_QUIET);
}

Status prep_async_cancel(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.off || s.splice_fd_in)
		return Status::fail(-lx::EINVAL);
	CancelSpec c;
	RP_TRY(cancel_prep_spec(&c, s.addr, s.fd, s.cancel_flags, s.len, true));
	q.u.cancel.addr = c.user_data;
	q.u.cancel.fd = c.fd;
	q.u.cancel.flags = c.flags;
	q.u.cancel.opcode = c.opcode;
	q.u.cancel.all = (c.flags & (lx::ASYNC_CANCEL_ALL | lx::ASYNC_CANCEL_ANY)) != 0;
	return kOk;
}

namespace {
int64_t cancel_result(const Req& q)
{
	if (q.u.cancel.all)
		return q.u.cancel.canceled;
	if (q.u.cancel.canceled)
		return q.u.cancel.counts ? 1 : 0;
	return q.u.cancel.first_error ? q.u.cancel.first_error : -lx::ENOENT;
}
} // namespace

Issued issue_async_cancel(Ring& r, Req& q)
{
	CancelSpec c{q.u.cancel.addr, q.u.cancel.fd, q.u.cancel.flags, q.u.cancel.opcode,
	             (q.u.cancel.flags & lx::ASYNC_CANCEL_FD_FIXED) != 0};
	int64_t found = cancel_start(r, c, &q);
	// A ring shared across fork: the other processes' requests are theirs to cancel.
	if (r.shared && (found < 0 || q.u.cancel.all) && ask_other_processes(r, &q, c))
		++q.u.cancel.outstanding;
	if (found < 0 && !q.u.cancel.outstanding)
		return Issued::now(q.u.cancel.all ? 0 : found);
	if (q.u.cancel.outstanding)
		return Issued::later();
	return Issued::now(cancel_result(q));
}

void done_async_cancel(Ring& r, Req& q, NativeTag tag, int64_t res, uint32_t)
{
	if (tag != TAG_CANCEL_RESULT)
		return;
	--q.u.cancel.outstanding;
	if (res == 0)
		++q.u.cancel.canceled;
	else if (res == -lx::EALREADY && !q.u.cancel.first_error)
		q.u.cancel.first_error = -lx::EALREADY;
	if (!q.u.cancel.outstanding && !(q.state & (REQ_DONE | REQ_NO_CQE)))
		complete(r, &q, cancel_result(q));
}

} // namespace ringport::shim
