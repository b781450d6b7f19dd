// Poll family: POLL_ADD (one shot on the native Poll, multishot on RegisterEvents) and POLL_REMOVE
// (removal and in-place update).
#include "ops_common.hpp"

namespace ringport::shim {

namespace {

// Linux always reports these, asked for or not.
constexpr uint32_t kAlwaysReported = lx::POLLERR_ | lx::POLLHUP_ | lx::POLLNVAL_;

NativeTag poll_tag(const Req& q) { return q.u.poll.phase ? TAG_RETRY : TAG_MAIN; }

Issued arm(Ring& r, Req& q)
{
	bool multi = q.state & REQ_POLL_MULTI;
	rp_sqe n = native_op(multi ? RP_OP_REGISTER_EVENTS : RP_OP_POLL);
	n.fd = nfd(q.fd);
	n.syscall_flags = q.u.poll.events & 0xffff;
	if (multi && !(q.sqe.flags & lx::SQE_FIXED_FILE)) {
		q.u.poll.wake_fd = q.fd;
		q.u.poll.wakes_seen = rp_host_uring_wakes(q.fd);
	} else {
		q.u.poll.wake_fd = -1;
	}
	return to_native(r, q, n, poll_tag(q));
}

Req* find_poll(Ring& r, uint64_t user_data) { return poll_hash_find(r, user_data); }

} // namespace

// ---- armed polls by user_data (Ring::poll_hash) ----

namespace {
inline uint32_t hash_ud(uint64_t ud, uint32_t mask)
{
	ud ^= ud >> 33;
	ud *= 0xff51afd7ed558ccdull;
	ud ^= ud >> 33;
	return uint32_t(ud) & mask;
}
} // namespace

void poll_hash_add(Ring& r, Req* q)
{
	if (!r.poll_hash) {
		uint32_t n = round_up_pow2(r.cq_entries < 64 ? 64 : r.cq_entries);
		r.poll_hash = static_cast<Req**>(rp_host_alloc(sizeof(Req*) * n));
		if (!r.poll_hash)
			return; // lookups fall back to the inflight list
		r.poll_hash_mask = n - 1;
	}
	Req*& head = r.poll_hash[hash_ud(q->sqe.user_data, r.poll_hash_mask)];
	q->hnext = head;
	if (head)
		head->hlink = &q->hnext;
	q->hlink = &head;
	head = q;
	q->state |= REQ_HASHED;
}

void poll_hash_del(Ring&, Req* q)
{
	if (!(q->state & REQ_HASHED))
		return;
	q->state &= ~REQ_HASHED;
	*q->hlink = q->hnext;
	if (q->hnext)
		q->hnext->hlink = q->hlink;
	q->hnext = nullptr;
	q->hlink = nullptr;
}

Req* poll_hash_find(Ring& r, uint64_t ud)
{
	if (!r.poll_hash) {
		for (Req* c = r.inflight.head; c; c = c->next)
			if (c->opcode == lx::OP_POLL_ADD && c->sqe.user_data == ud && !(c->state & (REQ_DONE | REQ_CANCELING)))
				return c;
		return nullptr;
	}
	for (Req* c = r.poll_hash[hash_ud(ud, r.poll_hash_mask)]; c; c = c->hnext)
		if (c->sqe.user_data == ud && !(c->state & (REQ_DONE | REQ_CANCELING)))
			return c;
	return nullptr;
}

Status prep_poll_add(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.buf_index || s.off || s.addr)
		return Status::fail(-lx::EINVAL);
	uint32_t flags = s.len;
	if (flags & ~(lx::POLL_ADD_MULTI | lx::POLL_ADD_LEVEL))
		return Status::fail(-lx::EINVAL);
	if ((flags & lx::POLL_ADD_MULTI) && (s.flags & lx::SQE_CQE_SKIP_SUCCESS))
		return Status::fail(-lx::EINVAL);
	if (flags & lx::POLL_ADD_MULTI)
		q.state |= REQ_POLL_MULTI;
	q.u.poll.events = s.poll32_events;
	q.u.poll.held = 0;
	return kOk;
}

Issued issue_poll_add(Ring& r, Req& q)
{
	Issued is;
	if ((q.state & REQ_POLL_MULTI) && r.eventfd >= 0) {
		// A multishot poll on the ring's own registered eventfd would fire on every CQE it causes: Linux makes
		// such a poll one-shot when io_uring's signal triggers it. Here every trigger of that eventfd counts as
		// ours. The OS says whether the file is that eventfd; its answer arms the poll.
		q.u.poll.probing = true;
		is = probe_file(r, q, r.eventfd);
	} else {
		is = arm(r, q);
	}
	if (is.pending)
		poll_hash_add(r, &q);
	return is;
}

void done_poll_add(Ring& r, Req& q, NativeTag tag, int64_t res, uint32_t nflags)
{
	if (q.state & REQ_DONE)
		return;
	if (tag == TAG_PROBE) {
		q.u.poll.probing = false;
		if (res < 0 || (q.state & REQ_CANCELING)) {
			complete(r, &q, res < 0 ? res : -lx::ECANCELED);
			return;
		}
		if (res & RP_FILE_SAME)
			q.state &= ~REQ_POLL_MULTI;
		Issued is = arm(r, q);
		if (!is.pending)
			complete(r, &q, is.res);
		return;
	}
	if (tag != poll_tag(q))
		return; // the native poll an update replaced
	uint32_t mask = uint32_t(res) & (q.u.poll.events | kAlwaysReported);
	if (res < 0) {
		if (!(nflags & RP_CQE_EVENT))
			complete(r, &q, res);
		return;
	}
	if (!(q.state & REQ_POLL_MULTI)) {
		complete(r, &q, mask);
		return;
	}
	if ((nflags & RP_CQE_EVENT) && q.u.poll.wake_fd >= 0 &&
	    rp_host_uring_wakes(q.u.poll.wake_fd) != q.u.poll.wakes_seen) {
		// Woken by an io_uring posting (on a ring fd, or through an epoll set holding one): Linux turns the
		// multishot poll one-shot there, as its CQE would otherwise wake it again, and so on for ever.
		if (!(q.state & REQ_CANCELING))
			(void)cancel_native(r, &q, &q, TAG_CANCEL_QUIET);
		complete(r, &q, mask | q.u.poll.held);
		return;
	}
	if (nflags & RP_CQE_EVENT) {
		// On a DEFER_TASKRUN ring Linux queues a multishot poll's wakeup as task work, run only when the
		// program asks for events (an enter with GETEVENTS), where it polls the file once for everything that
		// happened meanwhile. An event met in a submit-only enter waits for that (flush_held_polls), and what
		// arrives before it merges into one CQE, as the file's readiness then would.
		if (r.hold_task_work) {
			if (!q.u.poll.held)
				++r.held_polls;
			q.u.poll.held |= mask;
			return;
		}
		post_poll_event(r, q, mask | q.u.poll.held);
		return;
	}
	complete(r, &q, res ? mask : -lx::ECANCELED);
}

void post_poll_event(Ring& r, Req& q, uint32_t mask)
{
	q.u.poll.held = 0;
	// A multishot event: keep going while the CQ has room, else end the stream with this event.
	if (post_cqe_if_room(r, q.sqe.user_data, int32_t(mask), lx::CQE_F_MORE)) {
		++r.cq_extra;
		return;
	}
	if (!(q.state & REQ_CANCELING))
		(void)cancel_native(r, &q, &q, TAG_CANCEL_QUIET);
	complete(r, &q, mask);
}

void flush_held_polls(Ring& r)
{
	if (!r.held_polls)
		return;
	r.held_polls = 0;
	for (Req* c = r.inflight.head; c;) {
		Req* next = c->next; // completing c (a full CQ ends its stream) takes it off the list
		if (c->opcode == lx::OP_POLL_ADD && c->u.poll.held && !(c->state & REQ_DONE))
			post_poll_event(r, *c, c->u.poll.held);
		c = next;
	}
}

Status prep_poll_remove(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.buf_index || s.splice_fd_in)
		return Status::fail(-lx::EINVAL);
	uint32_t flags = s.len;
	if (flags & ~(lx::POLL_UPDATE_EVENTS | lx::POLL_UPDATE_USER_DATA | lx::POLL_ADD_MULTI))
		return Status::fail(-lx::EINVAL);
	if (flags == lx::POLL_ADD_MULTI)
		return Status::fail(-lx::EINVAL);
	if (!(flags & lx::POLL_UPDATE_USER_DATA) && s.off)
		return Status::fail(-lx::EINVAL);
	if (!(flags & lx::POLL_UPDATE_EVENTS) && s.poll32_events)
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_poll_remove(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	Req* t = find_poll(r, s.addr);
	if (!t)
		return Issued::now(-lx::ENOENT);
	uint32_t flags = s.len;
	// Either way the armed native poll goes.
	(void)cancel_native(r, t, t, TAG_CANCEL_QUIET);
	if (!(flags & (lx::POLL_UPDATE_EVENTS | lx::POLL_UPDATE_USER_DATA))) {
		complete_later(r, t, -lx::ECANCELED);
		return Issued::now(0);
	}
	// Update in place: new events and/or user_data, re-armed under the other tag.
	t->state &= ~REQ_CANCELING;
	if (flags & lx::POLL_UPDATE_EVENTS) {
		t->u.poll.events = s.poll32_events;
		if (flags & lx::POLL_ADD_MULTI)
			t->state |= REQ_POLL_MULTI;
		else
			t->state &= ~REQ_POLL_MULTI;
	}
	if (flags & lx::POLL_UPDATE_USER_DATA) {
		poll_hash_del(r, t);
		t->sqe.user_data = s.off;
		poll_hash_add(r, t);
	}
	if (t->u.poll.probing)
		return Issued::now(0); // not armed yet: the probe's answer arms it with what was just set
	t->u.poll.phase ^= 1;
	Issued again = arm(r, *t);
	if (!again.pending)
		complete(r, t, again.res);
	return Issued::now(0);
}

} // namespace ringport::shim
