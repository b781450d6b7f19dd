// Timeout family: TIMEOUT (relative, absolute, count, multishot), TIMEOUT_REMOVE (and updates) and
// LINK_TIMEOUT. Timers are native Timeout ops; counts are the shim's, checked whenever CQEs are produced.
#include "ops_common.hpp"

namespace ringport::shim {

namespace {

NativeTag timer_tag(const Req& q) { return q.timer_phase ? TAG_RETRY : TAG_TIMER; }

Status read_timespec(uint64_t addr, uint64_t* ns)
{
	lx::kernel_timespec ts;
	if (rp_host_copy_from_user(&ts, addr, sizeof(ts)))
		return Status::fail(-lx::EFAULT);
	if (ts.tv_sec < 0 || ts.tv_nsec < 0)
		return Status::fail(-lx::EINVAL);
	*ns = uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
	return kOk;
}

uint32_t native_timer_flags(uint32_t flags)
{
	uint32_t f = 0;
	if (flags & lx::TIMEOUT_ABS)
		f |= RP_TIMEOUT_ABS;
	if (flags & lx::TIMEOUT_BOOTTIME)
		f |= RP_TIMEOUT_BOOTTIME;
	if (flags & lx::TIMEOUT_REALTIME)
		f |= RP_TIMEOUT_REALTIME;
	return f;
}

Status arm_timer(Ring& r, Req& q)
{
	rp_sqe n = native_op(RP_OP_TIMEOUT);
	n.offset = q.u.timeout.ns;
	n.syscall_flags = native_timer_flags(q.u.timeout.flags);
	RP_TRY(push_native(r, &q, timer_tag(q), n));
	q.state |= REQ_TIMER_ARMED;
	return kOk;
}

void disarm_timer(Ring& r, Req& q)
{
	if (!(q.state & REQ_TIMER_ARMED))
		return;
	q.state &= ~REQ_TIMER_ARMED;
	rp_sqe n = native_op(RP_OP_CANCEL);
	n.addr = native_user_data(&q, timer_tag(q));
	(void)push_native(r, &q, TAG_CANCEL_QUIET, n);
	q.timer_phase ^= 1; // whatever the old timer reports now is stale
}

void forget(Ring& r, Req& q)
{
	if (q.tnext || q.tprev || r.timers.head == &q)
		r.timers.remove(&q);
}

bool count_listed(Ring& r, Req& q)
{
	for (Req* t = r.timeouts.head; t; t = t->tnext)
		if (t == &q)
			return true;
	return false;
}

Status prep_common(Req& q, bool link)
{
	const auto& s = q.sqe;
	if (s.buf_index || s.len != 1 || s.splice_fd_in)
		return Status::fail(-lx::EINVAL);
	if (link && s.off)
		return Status::fail(-lx::EINVAL);
	uint32_t flags = s.timeout_flags;
	if (flags & ~(lx::TIMEOUT_ABS | lx::TIMEOUT_CLOCK_MASK | lx::TIMEOUT_ETIME_SUCCESS | lx::TIMEOUT_MULTISHOT))
		return Status::fail(-lx::EINVAL);
	if (__builtin_popcount(flags & lx::TIMEOUT_CLOCK_MASK) > 1)
		return Status::fail(-lx::EINVAL);
	if ((flags & lx::TIMEOUT_MULTISHOT) && (flags & lx::TIMEOUT_ABS))
		return Status::fail(-lx::EINVAL);
	q.u.timeout.flags = flags;
	return read_timespec(s.addr, &q.u.timeout.ns);
}

} // namespace

Status prep_timeout(Ring&, Req& q) { return prep_common(q, false); }

Issued issue_timeout(Ring& r, Req& q)
{
	uint32_t off = uint32_t(q.sqe.off);
	if (q.u.timeout.flags & lx::TIMEOUT_MULTISHOT) {
		q.u.timeout.repeats = off;
	} else if (off) {
		// Completes after `off` more CQEs (timeouts that fired do not count), sorted by target.
		q.u.timeout.target_seq = (r.cq_posted - r.timeouts_fired) + off;
		Req* pos = r.timeouts.tail;
		while (pos && pos->u.timeout.target_seq > q.u.timeout.target_seq)
			pos = pos->tprev;
		r.timeouts.insert_after(pos, &q);
	}
	if (Status s = arm_timer(r, q); !s.ok()) {
		if (count_listed(r, q))
			r.timeouts.remove(&q);
		return Issued::now(s.err);
	}
	return Issued::later();
}

void done_timeout(Ring& r, Req& q, NativeTag tag, int64_t res, uint32_t)
{
	if (q.state & REQ_DONE || tag != timer_tag(q) || !(q.state & REQ_TIMER_ARMED))
		return; // a disarmed or replaced timer (its stale result arrives under the other phase's tag)
	q.state &= ~REQ_TIMER_ARMED;
	++r.timeouts_fired; // a timeout's CQE never counts towards count timeouts, whatever its result
	if (res != -lx::ETIME) {
		// The OS could not keep the timer (out of resources): the timeout ends with that error rather than
		// never completing.
		if (count_listed(r, q))
			r.timeouts.remove(&q);
		complete(r, &q, res);
		return;
	}
	if (q.u.timeout.flags & lx::TIMEOUT_MULTISHOT) {
		bool last = q.u.timeout.repeats == 1;
		if (!last) {
			// Multishot timeout CQEs may overflow (Linux posts them as aux CQEs that can overflow).
			post_cqe(r, q.sqe.user_data, -lx::ETIME, lx::CQE_F_MORE);
			++r.cq_extra;
			if (q.u.timeout.repeats)
				--q.u.timeout.repeats;
			q.timer_phase ^= 1;
			if (arm_timer(r, q).ok())
				return;
		}
	}
	if (count_listed(r, q))
		r.timeouts.remove(&q);
	if (q.u.timeout.flags & lx::TIMEOUT_ETIME_SUCCESS)
		q.state |= REQ_NOT_FAILURE; // -ETIME does not break its link
	complete(r, &q, -lx::ETIME);
}

bool plain_timeout(const Req* q)
{
	return q->opcode == lx::OP_TIMEOUT && !q->sqe.off && !(q->u.timeout.flags & lx::TIMEOUT_MULTISHOT) && !q->link;
}

void flush_count_timeouts(Ring& r)
{
	while (Req* t = r.timeouts.head) {
		uint64_t seq = r.cq_posted - r.timeouts_fired;
		if (seq < t->u.timeout.target_seq)
			break;
		r.timeouts.remove(t);
		++r.timeouts_fired; // timeout CQEs never count towards other timeouts (Linux's cq_timeouts)
		// The count was reached first: the timer is no longer needed.
		if (t->state & REQ_TIMER_ARMED) {
			t->state &= ~REQ_TIMER_ARMED;
			(void)cancel_native(r, t, t, TAG_CANCEL_QUIET);
		}
		complete(r, t, 0);
	}
}

bool cancel_timeout_req(Ring& r, Req* q)
{
	if (q->opcode != lx::OP_TIMEOUT || (q->state & REQ_DONE))
		return false;
	disarm_timer(r, *q);
	if (count_listed(r, *q))
		r.timeouts.remove(q);
	complete_later(r, q, -lx::ECANCELED);
	return true;
}

Status prep_timeout_remove(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.buf_index || s.len || s.splice_fd_in)
		return Status::fail(-lx::EINVAL);
	uint32_t flags = s.timeout_flags;
	if (flags & lx::TIMEOUT_UPDATE_MASK) {
		if (__builtin_popcount(flags & lx::TIMEOUT_CLOCK_MASK) > 1)
			return Status::fail(-lx::EINVAL);
		if (flags & ~(lx::TIMEOUT_UPDATE_MASK | lx::TIMEOUT_ABS | lx::TIMEOUT_CLOCK_MASK))
			return Status::fail(-lx::EINVAL);
		return read_timespec(s.addr2, &q.u.timeout.ns);
	}
	if (flags)
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_timeout_remove(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	uint32_t flags = s.timeout_flags;
	bool link = flags & lx::LINK_TIMEOUT_UPDATE;
	// Link timeouts are on Ring::timers while armed; TIMEOUTs are inflight requests.
	Req* t = nullptr;
	if (link) {
		for (Req* c = r.timers.head; c && !t; c = c->tnext)
			if (c->sqe.user_data == s.addr && !(c->state & REQ_DONE))
				t = c;
	} else {
		for (Req* c = r.inflight.head; c && !t; c = c->next)
			if (c->opcode == lx::OP_TIMEOUT && c->sqe.user_data == s.addr && !(c->state & (REQ_DONE | REQ_CANCELING)))
				t = c;
	}
	if (!t)
		return Issued::now(-lx::ENOENT);
	if (!(flags & lx::TIMEOUT_UPDATE_MASK)) {
		cancel_timeout_req(r, t);
		return Issued::now(0);
	}
	if (link && (t->state & REQ_LT_FIRED))
		return Issued::now(-lx::EALREADY);
	disarm_timer(r, *t);
	t->u.timeout.ns = q.u.timeout.ns;
	t->u.timeout.flags = (t->u.timeout.flags & ~(lx::TIMEOUT_ABS | lx::TIMEOUT_CLOCK_MASK)) |
	                     (flags & (lx::TIMEOUT_ABS | lx::TIMEOUT_CLOCK_MASK));
	if (Status st = arm_timer(r, *t); !st.ok())
		return Issued::now(st.err);
	return Issued::now(0);
}

Status prep_link_timeout(Ring& r, Req& q)
{
	if (!r.link_head)
		return Status::fail(-lx::EINVAL); // must follow the request it guards
	return prep_common(q, true);
}

// Never issued on its own: it is armed when the request before it starts.
Issued issue_link_timeout(Ring&, Req&) { return Issued::now(-lx::ECANCELED); }

void arm_link_timeout(Ring& r, Req* lt, Req* target)
{
	lt->peer = target;
	lt->u.timeout.target_op = target->opcode;
	r.timers.push_back(lt);
	if (!arm_timer(r, *lt).ok()) {
		forget(r, *lt);
		lt->peer = nullptr;
	}
}

namespace {
void disarm_link_timeout(Ring& r, Req* lt)
{
	disarm_timer(r, *lt);
	forget(r, *lt);
	// -ECANCELED, but not a failure: with CQE_SKIP_SUCCESS the CQE stays hidden, as on Linux.
	lt->state |= REQ_NOT_FAILURE;
	complete(r, lt, -lx::ECANCELED);
}
} // namespace

Req* link_timeout_target_done(Ring& r, Req* lt)
{
	Req* next = lt->link;
	lt->link = nullptr;
	if (lt->peer) {
		// The target finished first: the link timeout is cancelled.
		if (!(lt->state & REQ_LT_FIRED))
			disarm_link_timeout(r, lt);
		lt->peer = nullptr;
		free_req_if_unused(r, lt);
	} else if (lt->state & REQ_FAILED) {
		// Never armed (the request finished inline or failed first): its own init error...
		complete(r, lt, lt->res);
	} else {
		// ...or cancelled.
		lt->state |= REQ_NOT_FAILURE;
		complete(r, lt, -lx::ECANCELED);
	}
	return next;
}

void done_link_timeout(Ring& r, Req& lt, NativeTag tag, int64_t res, uint32_t)
{
	if (lt.state & REQ_DONE)
		return;
	if (tag == TAG_CANCEL_RESULT) {
		// The OS may not know the target's operation yet when it is being handed between its threads (seen
		// with a retried read): ask again while the target is still in flight.
		Req* target = lt.peer;
		if (res == -lx::ENOENT && target && !(target->state & REQ_DONE) && target->native_refs &&
		    lt.u.timeout.repeats < 64) {
			++lt.u.timeout.repeats;
			if (cancel_native(r, target, &lt, TAG_CANCEL_RESULT).ok())
				return;
		}
		// The guarded request was asked to stop; the link timeout reports how that went. Linux's waitid and
		// futex cancellation count what they removed, and that count becomes the result.
		if (res == 0 && kOps[lt.u.timeout.target_op].cancel_counts)
			res = 1;
		lt.state |= REQ_NOT_FAILURE; // a fired timeout's CQE obeys CQE_SKIP_SUCCESS
		complete(r, &lt, (res == 0 || res == -lx::ENOENT) ? -lx::ETIME : res);
		return;
	}
	if (tag != timer_tag(lt) || !(lt.state & REQ_TIMER_ARMED))
		return;
	lt.state &= ~REQ_TIMER_ARMED;
	lt.state |= REQ_LT_FIRED;
	forget(r, lt);
	Req* target = lt.peer;
	if (res != -lx::ETIME) {
		// The OS could not keep the timer: the guard cannot bound the request any more, so it stops it as a
		// fired timeout would, and the link timeout reports the OS's error instead of never completing.
		if (target && !(target->state & REQ_DONE))
			(void)cancel_native(r, target, &lt, TAG_CANCEL_QUIET);
		complete(r, &lt, res);
		return;
	}
	if (target && !(target->state & REQ_DONE) && cancel_native(r, target, &lt, TAG_CANCEL_RESULT).ok())
		return;
	lt.state |= REQ_NOT_FAILURE;
	complete(r, &lt, -lx::ETIME);
}

} // namespace ringport::shim
