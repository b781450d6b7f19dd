// The completion side: posting Linux CQEs (with NODROP overflow), publishing them, count timeouts and drain
// release, eventfd signalling, and reaping the native CQ.
#include "optable.hpp"

namespace ringport::shim {

namespace {

inline uint32_t cq_used(const Ring& r) { return r.cq_tail - load_acquire(r.k_cq_head); }

inline void write_cqe(Ring& r, uint64_t user_data, int32_t res, uint32_t cflags, const uint32_t* big)
{
	uint32_t slot = r.cq_tail & (r.cq_entries - 1);
	auto* c = reinterpret_cast<lx::io_uring_cqe*>(r.cqes + uint64_t(slot) * r.cqe_size);
	c->user_data = user_data;
	c->res = res;
	c->flags = cflags;
	if (r.cqe_size == 32) {
		auto* extra = reinterpret_cast<uint32_t*>(c + 1);
		for (int i = 0; i < 4; ++i)
			extra[i] = big ? big[i] : 0;
	}
	++r.cq_tail;
	++r.cq_posted;
}

void overflow(Ring& r, uint64_t user_data, int32_t res, uint32_t cflags, const uint32_t* big)
{
	auto* o = alloc_zeroed<OverflowCqe>();
	if (!o) {
		// Nowhere to keep it: counted as dropped, as Linux does when its allocation fails.
		__atomic_fetch_add(r.k_cq_overflow, 1, __ATOMIC_RELAXED);
		--r.cq_extra;
		return;
	}
	o->cqe = {user_data, res, cflags};
	if (big)
		__builtin_memcpy(o->big, big, 16);
	if (r.overflow_tail)
		r.overflow_tail->next = o;
	else {
		r.overflow_head = o;
		__atomic_fetch_or(r.k_sq_flags, lx::SQ_CQ_OVERFLOW, __ATOMIC_RELAXED);
	}
	r.overflow_tail = o;
	__atomic_fetch_add(&r.overflow_count, 1, __ATOMIC_RELAXED);
}

} // namespace

// A ring shared across processes: the tail is read and published under the cross-process lock, so each
// CQE is visible at once (there is no staging across processes). false when the CQ is full.
bool post_shared(Ring& r, uint64_t user_data, int32_t res, uint32_t cflags, const uint32_t* big)
{
	x_lock(r);
	r.cq_tail = __atomic_load_n(r.k_cq_tail, __ATOMIC_RELAXED);
	bool room = cq_used(r) < r.cq_entries;
	if (room) {
		write_cqe(r, user_data, res, cflags, big);
		store_release(r.k_cq_tail, r.cq_tail);
		++r.x_unsignalled;
	}
	x_unlock(r);
	return room;
}

void post_cqe(Ring& r, uint64_t user_data, int32_t res, uint32_t cflags, const uint32_t* big)
{
	// Earlier overflowed completions go first: never post around them.
	if (r.overflow_head)
		overflow(r, user_data, res, cflags, big);
	else if (r.shared) {
		if (!post_shared(r, user_data, res, cflags, big))
			overflow(r, user_data, res, cflags, big);
	} else if (cq_used(r) >= r.cq_entries)
		overflow(r, user_data, res, cflags, big);
	else
		write_cqe(r, user_data, res, cflags, big);
}

bool post_cqe_if_room(Ring& r, uint64_t user_data, int32_t res, uint32_t cflags)
{
	if (r.overflow_head)
		return false;
	if (r.shared)
		return post_shared(r, user_data, res, cflags, nullptr);
	if (cq_used(r) >= r.cq_entries)
		return false;
	write_cqe(r, user_data, res, cflags, nullptr);
	return true;
}

// Moves overflowed completions into the ring while it has room (enter with GETEVENTS does this).
void flush_overflow(Ring& r)
{
	while (OverflowCqe* o = r.overflow_head) {
		auto* big = reinterpret_cast<const uint32_t*>(o->big);
		if (r.shared) {
			if (!post_shared(r, o->cqe.user_data, o->cqe.res, o->cqe.flags, big))
				break;
		} else {
			if (cq_used(r) >= r.cq_entries)
				break;
			write_cqe(r, o->cqe.user_data, o->cqe.res, o->cqe.flags, big);
		}
		r.overflow_head = o->next;
		if (!r.overflow_head)
			r.overflow_tail = nullptr;
		__atomic_fetch_sub(&r.overflow_count, 1, __ATOMIC_RELAXED);
		rp_host_free(o, sizeof(*o));
	}
	if (!r.overflow_head)
		__atomic_fetch_and(r.k_sq_flags, ~lx::SQ_CQ_OVERFLOW, __ATOMIC_RELAXED);
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

void flush_deferred(Ring& r)
{
	while (Req* q = r.deferred.head) {
		if ((q->state & REQ_DRAIN) && q->seq + r.cq_extra != r.cq_posted)
			break;
		r.deferred.remove(q);
		make_ready(r, q);
	}
}

void commit(Ring& r)
{
	if (!r.in_submit && (r.native_staged || !r.ready.empty())) {
		// Work that needs a native enter (link successors, retries, re-armed timers): a waiter in enter does
		// it; otherwise a host thread is asked to, as Linux runs task work without the program entering.
		wake_waiters(r);
		if (!__atomic_load_n(&r.waiters, __ATOMIC_SEQ_CST) && !(r.flags & lx::SETUP_DEFER_TASKRUN) &&
		    !__atomic_exchange_n(&r.kick_pending, 1, __ATOMIC_ACQ_REL)) {
			ring_ref(&r);
			rp_host_defer(run_deferred_work, &r);
		}
	}
	uint32_t published = __atomic_load_n(r.k_cq_tail, __ATOMIC_RELAXED);
	for (int round = 0; round < 64; ++round) {
		uint64_t before = r.cq_posted;
		if (!r.timeouts.empty())
			flush_count_timeouts(r);
		if (r.drain_active && !r.deferred.empty())
			flush_deferred(r);
		if (r.cq_posted == before)
			break;
	}
	bool fresh = r.shared ? r.x_unsignalled != 0 : r.cq_tail != published;
	if (!fresh && !r.overflow_head)
		return;
	if (!r.shared)
		store_release(r.k_cq_tail, r.cq_tail);
	r.x_unsignalled = 0;
	if (r.eventfd >= 0 && fresh &&
	    !(__atomic_load_n(r.k_cq_flags, __ATOMIC_RELAXED) & lx::CQ_EVENTFD_DISABLED) &&
	    (!r.eventfd_async || r.posted_async))
		(void)rp_host_eventfd_signal(r.eventfd);
	r.posted_async = false;
	if (void* cookie = __atomic_load_n(&r.poll_cookie, __ATOMIC_ACQUIRE))
		rp_host_ring_posted(cookie);
	wake_waiters(r);
}

// ---- native side ----

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

} // namespace ringport::shim
