// CQ posting: Linux CQEs into the Linux-layout CQ, overflow kept in order (NODROP) and flushed, and commit():
// publishing the tail, then what follows a publish (count timeouts, drained chains, the eventfd, pollers of the
// ring fd, waiters).
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

// A 32-byte CQE on a CQE_MIXED ring (cflags carry CQE_F_32): two consecutive 16-byte slots that never straddle the
// ring's end. With one slot left before the wrap that slot first gets a 16-byte CQE_F_SKIP filler (user_data 0,
// res 0) for the program to step over, as Linux does even when the big CQE itself then finds no room and
// overflows. The filler is not a completion: drain and count timeouts do not see it. false: no room, overflow it.
bool write_big_cqe(Ring& r, uint64_t user_data, int32_t res, uint32_t cflags, const uint32_t* big)
{
	uint32_t slot = r.cq_tail & (r.cq_entries - 1);
	if (slot + 1 == r.cq_entries) {
		if (cq_used(r) >= r.cq_entries)
			return false;
		auto* pad = reinterpret_cast<lx::io_uring_cqe*>(r.cqes + uint64_t(slot) * 16);
		pad->user_data = 0;
		pad->res = 0;
		pad->flags = lx::CQE_F_SKIP;
		++r.cq_tail;
		slot = 0;
	}
	if (cq_used(r) + 2 > r.cq_entries)
		return false;
	auto* c = reinterpret_cast<lx::io_uring_cqe*>(r.cqes + uint64_t(slot) * 16);
	c->user_data = user_data;
	c->res = res;
	c->flags = cflags;
	auto* extra = reinterpret_cast<uint32_t*>(c + 1);
	for (int i = 0; i < 4; ++i)
		extra[i] = big ? big[i] : 0;
	r.cq_tail += 2;
	++r.cq_posted;
	return true;
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
	uint32_t tail_before = r.cq_tail;
	bool room = cq_used(r) < r.cq_entries;
	if (room && (cflags & lx::CQE_F_32))
		room = write_big_cqe(r, user_data, res, cflags, big);
	else if (room)
		write_cqe(r, user_data, res, cflags, big);
	if (r.cq_tail != tail_before) {
		// Published at once, a SKIP filler too (it stays even when the big CQE after it found no room).
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
	else if (__builtin_expect(!(cflags & lx::CQE_F_32), 1))
		write_cqe(r, user_data, res, cflags, big); // the one test a 16-byte CQE pays for mixed rings
	else if (!write_big_cqe(r, user_data, res, cflags, big))
		overflow(r, user_data, res, cflags, big);
}

bool post_cqe_if_room(Ring& r, uint64_t user_data, int32_t res, uint32_t cflags, const uint32_t* big)
{
	if (r.overflow_head)
		return false;
	if (r.shared)
		return post_shared(r, user_data, res, cflags, big);
	if (cq_used(r) >= r.cq_entries)
		return false;
	if (cflags & lx::CQE_F_32)
		return write_big_cqe(r, user_data, res, cflags, big);
	write_cqe(r, user_data, res, cflags, big);
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
			if (!(o->cqe.flags & lx::CQE_F_32))
				write_cqe(r, o->cqe.user_data, o->cqe.res, o->cqe.flags, big);
			else if (!write_big_cqe(r, o->cqe.user_data, o->cqe.res, o->cqe.flags, big))
				break; // the same wrap rule as a fresh post; it stays first in line
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

void commit(Ring& r)
{
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
	// After the flushes above, which can make drained chains ready.
	if (!r.in_submit && (r.native_staged || !r.ready.empty())) {
		// Work that needs a native enter (link successors, retries, re-armed timers, released drains): a waiter
		// in enter does it; otherwise a host thread is asked to, as Linux runs task work without the program
		// entering.
		wake_waiters(r);
		if (!__atomic_load_n(&r.waiters, __ATOMIC_SEQ_CST) && !(r.flags & lx::SETUP_DEFER_TASKRUN) &&
		    !__atomic_exchange_n(&r.kick_pending, 1, __ATOMIC_ACQ_REL)) {
			ring_ref(&r);
			rp_host_defer(run_deferred_work, &r);
		}
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

} // namespace ringport::shim
