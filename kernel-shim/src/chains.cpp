// Chains: how a request finishes and what that does to the requests linked after it (IO_LINK, IO_HARDLINK,
// link timeouts through their op's hooks), the ready list the successors wait on, issue, and drain (IO_DRAIN):
// a chain that must wait for earlier completions waits on Ring::deferred.
#include "optable.hpp"

namespace ringport::shim {

namespace {

// Every remaining request of a broken chain completes: its own init error if it had one, else -ECANCELED.
void fail_links(Ring& r, bool silent, Req* link)
{
	while (link) {
		Req* next = link->link;
		link->link = nullptr;
		int64_t res = (link->state & REQ_FAILED) ? link->res : -lx::ECANCELED;
		link->state |= REQ_FAILED;
		if (silent)
			link->state |= REQ_NO_CQE;
		else
			link->state &= ~REQ_SKIP_CQE;
		complete(r, link, res);
		link = next;
	}
}

} // namespace

void complete(Ring& r, Req* q, int64_t res, uint32_t cflags)
{
	if (q->state & REQ_DONE)
		return;
	if (q->selected)
		cflags |= finish_buffer(r, *q, res);
	poll_hash_del(r, q);
	q->res = res;
	q->cflags = cflags;
	clear_inflight(r, q);
	bool failed = (q->state & REQ_FAILED) || res < 0 ||
	              ((q->state & REQ_SHORT_FAILS) && res >= 0 && uint64_t(res) < q->expected);
	if (q->state & REQ_NOT_FAILURE)
		failed = false;
	bool skip_chain_cqes = false;
	if (failed) {
		q->state |= REQ_FAILED;
		if (q->state & REQ_SKIP_CQE) {
			// Linux: a failure always shows, and then the cancelled rest of the chain stays silent.
			q->state &= ~REQ_SKIP_CQE;
			skip_chain_cqes = true;
		}
	}
	if (q->state & REQ_NOTIF)
		cflags |= lx::CQE_F_MORE;
	if (!(q->state & (REQ_SKIP_CQE | REQ_NO_CQE)))
		post_cqe(r, q->sqe.user_data, int32_t(res), cflags,
		         (r.cqe_size == 32 || (cflags & lx::CQE_F_32)) ? q->big : nullptr);
	else if (q->state & REQ_SKIP_CQE)
		--r.cq_extra;
	if (q->state & REQ_NOTIF)
		post_send_notification(r, *q, res);
	q->state |= REQ_DONE;

	// An armed link timeout does not own the rest of the chain: its target hands it on when it finishes.
	const bool armed_guard = kOps[q->opcode].guards_link && q->peer;
	Req* next = armed_guard ? nullptr : q->link;
	if (next)
		q->link = nullptr;
	if (next && kOps[next->opcode].guards_link)
		next = link_timeout_target_done(r, next); // the guarded request finished: its link timeout goes
	if (next) {
		if (failed && !(q->state & REQ_HARDLINK)) {
			fail_links(r, skip_chain_cqes, next);
		} else {
			make_ready(r, next);
		}
	}
	if (!armed_guard)
		free_req_if_unused(r, q);
}

void make_ready(Ring& r, Req* q)
{
	r.ready.push_back(q);
	if (!r.in_submit)
		wake_waiters(r);
}

void issue(Ring& r, Req* q)
{
	if (q->state & REQ_FAILED) {
		// Failed at init: the whole chain fails without running (hard links included).
		q->state &= ~REQ_HARDLINK;
		complete(r, q, q->res);
		return;
	}
	const OpDef& d = kOps[q->opcode];
	if (d.needs_file) {
		Result<int32_t> fd = resolve_fd(r, *q, q->sqe.fd, q->sqe.flags & lx::SQE_FIXED_FILE);
		if (!fd.ok()) {
			complete(r, q, fd.err());
			return;
		}
		q->fd = fd.value();
	}
	Issued is = d.issue(r, *q);
	if (!is.pending) {
		complete(r, q, is.res, is.cflags);
		return;
	}
	mark_inflight(r, q);
	if (q->link && kOps[q->link->opcode].guards_link && !q->link->peer)
		arm_link_timeout(r, q->link, q);
}

void run_ready(Ring& r)
{
	while (Req* q = r.ready.pop_front()) {
		if (q->state & REQ_COMPLETE_ONLY) {
			q->state &= ~REQ_COMPLETE_ONLY;
			complete(r, q, q->res);
		} else {
			issue(r, q);
		}
	}
}

void complete_later(Ring& r, Req* q, int64_t res)
{
	clear_inflight(r, q);
	q->state |= REQ_CANCELING | REQ_COMPLETE_ONLY;
	q->res = res;
	make_ready(r, q);
}

bool need_defer(const Ring& r, const Req* q) { return (q->state & REQ_DRAIN) && q->seq + r.cq_extra != r.cq_posted; }

// A complete chain (or single request) is ready to go: drain rules, then issue.
void queue_chain(Ring& r, Req* head)
{
	uint64_t n = 0;
	for (Req* c = head; c; c = c->link)
		++n;
	head->seq = r.sq_consumed - n;
	if ((head->state & REQ_FAILED) || !r.drain_active) {
		issue(r, head);
		return;
	}
	if (!need_defer(r, head) && r.deferred.empty()) {
		r.drain_active = false;
		issue(r, head);
		return;
	}
	r.deferred.push_back(head);
}


void flush_deferred(Ring& r)
{
	while (Req* q = r.deferred.head) {
		if ((q->state & REQ_DRAIN) && q->seq + r.cq_extra != r.cq_posted)
			break;
		r.deferred.remove(q);
		make_ready(r, q);
	}
}

} // namespace ringport::shim
