// The native queue: native SQEs produced for requests (user_data = request | tag), native cancels, the native
// enter, and native completions dispatched to their op's native_done. on_native_notify is the entry from an OS
// thread that posted completions while the program was not inside io_uring_enter.
#include "optable.hpp"

namespace ringport::shim {

uint64_t native_user_data(const Req* q, NativeTag tag)
{
	uint64_t p = reinterpret_cast<uint64_t>(q) & 0x0000ffffffffffffull;
	return (uint64_t(q->gen) << 48) | p | tag;
}

Req* native_req(uint64_t ud)
{
	// Sign-extend bit 47 back, so kernel (upper-half) addresses survive the round trip.
	int64_t p = int64_t((ud & 0x0000ffffffffffc0ull) << 16) >> 16;
	return reinterpret_cast<Req*>(p);
}

Status push_native(Ring& r, Req* q, NativeTag tag, const rp_sqe& in)
{
	rp_sqe s = in;
	s.user_data = native_user_data(q, tag);
	// IOSQE_ASYNC: Linux starts the request on an io-wq worker, never inline; the OS's workers do the same with
	// the request's first own operation (not its probes, readiness polls, timers or cancels). What follows (a
	// multishot's next read, an attempt after readiness) runs as usual, as Linux's retries after a poll do.
	if (tag == TAG_MAIN && (q->sqe.flags & lx::SQE_ASYNC) && !(q->state & REQ_PUNTED)) {
		s.flags |= RP_SQE_ASYNC;
		q->state |= REQ_PUNTED;
	}
	if ((q->state & REQ_BORROW_CREDS) && s.opcode != RP_OP_CANCEL && s.opcode != RP_OP_TIMEOUT) {
		// Under a personality the process no longer has: the OS runs the request's operations with the snapshot
		// it took under the same id (personality.cpp). Its cancels and timers need none, and must work even
		// when the OS could no longer take the credentials.
		s.flags |= RP_SQE_CREDS;
		s.priority = uint16_t(q->sqe.personality);
	}
	rp_ring_error e = r.nsq.push(s);
	if (e == RP_RING_FULL && r.in_submit) {
		flush_native(r);
		e = r.nsq.push(s);
	}
	if (e != RP_RING_OK)
		return Status::fail(e == RP_RING_FULL ? -lx::EAGAIN : -lx::EIO);
	++q->native_refs;
	++r.native_staged;
	if (tag == TAG_MAIN || tag == TAG_RETRY || tag == TAG_READY || tag == TAG_PROBE)
		q->cur_tag = uint8_t(tag);
	return kOk;
}

Status cancel_native(Ring& r, Req* target, Req* owner, NativeTag tag)
{
	rp_sqe s{};
	s.opcode = RP_OP_CANCEL;
	s.addr = native_user_data(target, kOps[target->opcode].timer ? TAG_TIMER : NativeTag(target->cur_tag));
	target->state |= REQ_CANCELING;
	return push_native(r, owner, tag, s);
}

void flush_native(Ring& r)
{
	if (!r.native_staged)
		return;
	if (!r.in_submit) {
		// An OS thread cannot enter: wake the submitting thread's waiter, which enters for it.
		wake_waiters(r);
		return;
	}
	(void)r.nsq.publish();
	r.native_staged = 0;
	(void)rp_host_ring_enter(r.native, 0);
}

void put_native(Ring& r, Req* q)
{
	--q->native_refs;
	free_req_if_unused(r, q);
}

namespace {
void dispatch(Ring& r, uint64_t ud, int64_t res, uint32_t nflags)
{
	Req* q = native_req(ud);
	auto tag = NativeTag(ud & TAG_MASK);
	const OpDef& d = kOps[q->opcode];
	switch (tag) {
	case TAG_MAIN:
	case TAG_RETRY:
	case TAG_READY:
	case TAG_PROBE:
	case TAG_AUX:
	case TAG_TIMER:
	case TAG_CANCEL_RESULT:
		if (tag == TAG_MAIN && !d.native_done) {
			if (!(q->state & REQ_DONE))
				complete(r, q, res);
		} else if (d.native_done) {
			d.native_done(r, *q, tag, res, nflags);
		}
		break;
	case TAG_CANCEL_QUIET:
	default:
		break;
	}
	if (!(nflags & RP_CQE_EVENT))
		put_native(r, q);
}
} // namespace

bool reap_native(Ring& r)
{
	__atomic_store_n(&r.reap_request, 0, __ATOMIC_SEQ_CST);
	bool any = false;
	for (;;) {
		rp_cqe c;
		int64_t res;
		rp_ring_error e = native::pop_completion(r.ncq, &c, &res);
		if (e != RP_RING_OK)
			break;
		any = true;
		dispatch(r, c.user_data, res, c.flags);
	}
	if (any)
		(void)r.ncq.release();
	return any;
}

void unlock_ring(Ring& r)
{
	for (;;) {
		r.lock.unlock();
		if (__atomic_exchange_n(&r.wake_owed, 0, __ATOMIC_ACQ_REL))
			wake_now(r);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&r.reap_request, __ATOMIC_SEQ_CST) || (r.flags & lx::SETUP_DEFER_TASKRUN))
			return;
		if (!r.lock.try_lock())
			return;
		r.posted_async = true;
		reap_native(r);
		commit(r);
	}
}

// The notify callback: an OS thread posted native completions.
void on_native_notify(void* ctx)
{
	Ring& r = *static_cast<Ring*>(ctx);
	__atomic_store_n(&r.reap_request, 1, __ATOMIC_SEQ_CST);
	if (r.flags & lx::SETUP_DEFER_TASKRUN) {
		// Completions are posted only inside enter: wake a waiter, and tell a poller there is work.
		kick_waiters(r);
		if (void* cookie = __atomic_load_n(&r.poll_cookie, __ATOMIC_ACQUIRE))
			rp_host_ring_posted(cookie);
		// TASKRUN_FLAG tells a program that peeks the CQ that it has to enter for its completions.
		if (r.flags & lx::SETUP_TASKRUN_FLAG)
			__atomic_fetch_or(r.k_sq_flags, lx::SQ_TASKRUN, __ATOMIC_RELEASE);
		// Linux signals a registered eventfd as soon as work is queued for a DEFER_TASKRUN ring.
		int efd = __atomic_load_n(&r.eventfd, __ATOMIC_ACQUIRE);
		if (efd >= 0 && !(__atomic_load_n(r.k_cq_flags, __ATOMIC_RELAXED) & lx::CQ_EVENTFD_DISABLED))
			(void)rp_host_eventfd_signal(efd);
		return;
	}
	if (!r.lock.try_lock())
		return; // the holder reaps before it unlocks (unlock_ring)
	r.posted_async = true;
	if (r.shared || own_native(r)) {
		reap_native(r);
		commit(r);
		unlock_ring(r);
		return;
	}
	// Linux runs what a completion sets off (a multishot read's next attempt, its wait for readiness, a link's
	// successor) as task work right away, inside the waker's call. Handing it to the helper thread instead
	// (commit's deferral) let a pipe written every millisecond merge two writes into one read whenever the
	// helper ran late, so the thread that posted (the writer's own call collecting readiness, the reactor, a
	// worker; none holds an OS lock here) does the native enter itself.
	bool was = r.in_submit;
	r.in_submit = true;
	reap_native(r);
	run_pending(r);
	r.in_submit = was;
	unlock_ring(r);
}

} // namespace ringport::shim
