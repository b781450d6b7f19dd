// The multishot state machine, one for every multishot request that takes a new item per native completion:
// READ_MULTISHOT, RECV/RECVMSG with IORING_RECV_MULTISHOT and ACCEPT with IORING_ACCEPT_MULTISHOT.
//
// Each item is a CQE with F_MORE while the CQ has room. It ends (a final CQE without F_MORE) at EOF (a result of
// 0 where the op says so), on an error, when no buffer is left (-ENOBUFS), when the CQ is full (that result
// completes it) or when cancelled. Buffers are taken only once data is there: a no-wait attempt that would
// block gives its buffer back and waits for readiness (a native Poll, TAG_READY) before selecting again.
#include "ops_common.hpp"

namespace ringport::shim {

void done_multishot(Ring& r, Req& q, NativeTag tag, int64_t res)
{
	const OpDef& d = kOps[q.opcode];
	const bool canceling = q.state & REQ_CANCELING;
	if (tag == TAG_READY) {
		q.waiting_ready = false;
		// A cancelled read or receive first takes what already arrived (Linux would have, as it arrived).
		if (!(canceling && d.mshot_drains) && (res < 0 || canceling)) {
			complete(r, &q, res < 0 ? res : -lx::ECANCELED);
			return;
		}
	} else if (res == -lx::EAGAIN && !canceling) {
		// Nothing there: give the buffer back and wait for readiness.
		recycle_buffer(r, q);
		if (!await_readiness(r, q))
			complete(r, &q, -lx::ENOMEM);
		return;
	} else if (res < 0 || (res == 0 && d.mshot_zero_ends)) {
		recycle_buffer(r, q);
		complete(r, &q, canceling && (res == -lx::EAGAIN || res == -lx::ENOBUFS) ? -lx::ECANCELED : res);
		return;
	} else {
		if (d.mshot_result)
			res = d.mshot_result(r, q, res);
		uint32_t cflags = (q.selected ? finish_buffer(r, q, res) : 0) | q.item_cflags;
		if (res < 0 || !post_cqe_if_room(r, q.sqe.user_data, int32_t(res), cflags | lx::CQE_F_MORE)) {
			complete(r, &q, res, cflags);
			return;
		}
		++r.cq_extra;
		if (canceling && !d.mshot_drains) {
			complete(r, &q, -lx::ECANCELED);
			return;
		}
	}
	// The next item: it may be there already (a cancelled request takes it and then ends). Every attempt first
	// tries without waiting.
	q.sel_waited = false;
	Issued again = d.issue(r, q);
	if (!again.pending)
		complete(r, &q, canceling && again.res < 0 ? -lx::ECANCELED : again.res, again.cflags);
}

} // namespace ringport::shim
