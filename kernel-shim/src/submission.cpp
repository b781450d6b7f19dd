// Submission: io_uring_enter(2)'s consuming of the SQ (request init with Linux's checks, links assembled,
// chains handed on to chains.cpp), running the ring (run_pending: ready requests, the native enter, native
// completions), and the same run for deferred work on a host thread.
#include "optable.hpp"

namespace ringport::shim {

// Runs everything that can run now: ready requests, the native enter, native completions. Submit context.
void run_pending(Ring& r)
{
	if (r.flags & lx::SETUP_TASKRUN_FLAG)
		__atomic_fetch_and(r.k_sq_flags, ~lx::SQ_TASKRUN, __ATOMIC_RELEASE);
	if (__atomic_load_n(&r.inbox, __ATOMIC_ACQUIRE))
		drain_inbox(r);
	for (;;) {
		for (;;) {
			run_ready(r);
			flush_native(r);
			if (r.collect_due && r.inflight.empty())
				r.collect_due = false; // nothing waits in the OS, so no readiness can be owed to this ring
			if (r.collect_due) {
				// Until the OS has nothing more: what it parked while the native CQ was full comes out as the
				// reaping frees space (thousands of polls woken at once).
				r.collect_due = false;
				for (int round = 0; round < 1024; ++round) {
					rp_host_ring_collect(r.native);
					if (!reap_native(r))
						break;
				}
			}
			reap_native(r);
			if (r.ready.empty() && !r.native_staged)
				break;
		}
		// Multishot poll events a DEFER_TASKRUN ring held back: the reaping above merged newer events of the
		// same poll into them; what is left goes out now (ops_poll.cpp).
		if (!r.hold_task_work)
			flush_held_polls(r);
		commit(r);
		// Publishing can release work: drained chains whose earlier completions were just counted, the links
		// after count timeouts that fired. Linux queues those as task work that runs before this call returns,
		// so they run now too; left on the ready list they would wait for the program's next enter.
		if (r.ready.empty() && !r.native_staged)
			break;
	}
}

namespace {

// sqe_err: a 128-byte opcode that consume_sqes found no room for on a 64-byte SQ (-EINVAL), else 0.
int init_req(Ring& r, Req* q, int sqe_err)
{
	const lx::io_uring_sqe& s = q->sqe;
	q->opcode = s.opcode;
	uint8_t fl = s.flags;
	if (s.opcode >= lx::OP_LAST) {
		q->opcode = lx::OP_NOP;
		return -lx::EINVAL;
	}
	if (fl & lx::SQE_IO_LINK)
		q->state |= REQ_LINK;
	if (fl & lx::SQE_IO_HARDLINK)
		q->state |= REQ_LINK | REQ_HARDLINK;
	if (fl & lx::SQE_CQE_SKIP_SUCCESS)
		q->state |= REQ_SKIP_CQE;
	if (sqe_err)
		return sqe_err; // Linux's order: after the opcode's range, before the flags' checks
	const OpDef& d = kOps[s.opcode];
	if (fl & ~(lx::SQE_FIXED_FILE | lx::SQE_IO_LINK | lx::SQE_IO_HARDLINK | lx::SQE_ASYNC)) {
		if (fl & ~lx::SQE_VALID_FLAGS)
			return -lx::EINVAL;
		if ((fl & lx::SQE_BUFFER_SELECT) && !d.buffer_select)
			return -lx::EOPNOTSUPP;
	}
	// Linux refuses DRAIN on a ring that ever used CQE_SKIP_SUCCESS: skipped CQEs break the drain count.
	if (fl & lx::SQE_CQE_SKIP_SUCCESS)
		r.drain_disabled = true;
	if (fl & lx::SQE_IO_DRAIN) {
		if (r.drain_disabled)
			return -lx::EOPNOTSUPP;
		r.drain_active = true;
		if (r.link_head) {
			r.link_head->state |= REQ_DRAIN;
			r.drain_next = true;
		} else {
			q->state |= REQ_DRAIN;
		}
	}
	if (r.restrictions.active) {
		const Restrictions& rs = r.restrictions;
		if (!(rs.sqe_op[s.opcode / 8] & (1u << (s.opcode % 8))) ||
		    (fl & rs.sqe_flags_required) != rs.sqe_flags_required ||
		    (fl & ~(rs.sqe_flags_allowed | rs.sqe_flags_required)))
			return -lx::EACCES;
	}
	if (r.drain_next && !r.link_head && !(fl & lx::SQE_IO_DRAIN)) {
		r.drain_next = false;
		r.drain_active = true;
		q->state |= REQ_DRAIN;
	}
	if (!d.supported)
		return d.refusal;
	if (!d.ioprio && s.ioprio)
		return -lx::EINVAL;
	if ((r.flags & lx::SETUP_IOPOLL) && !d.iopoll)
		return -lx::EINVAL;
	if (s.personality) {
		// Before the op's prep, as Linux: prep may refuse to run under borrowed credentials (FIXED_FD_INSTALL).
		if (int err = personality_check(r, *q); err)
			return err;
	}
	Status st = d.prep(r, *q);
	return st.err;
}

// An SQE failed init: Linux keeps assembling its link, marked failed, so the whole chain fails together.
int fail_init(Ring& r, Req* q, int err)
{
	q->state |= REQ_FAILED;
	q->res = err;
	Req* head = r.link_head;
	if (head && !(head->state & REQ_FAILED)) {
		head->state |= REQ_FAILED;
		head->res = -lx::ECANCELED;
	}
	if (!(q->state & REQ_LINK)) {
		if (head) {
			r.link_last->link = q;
			r.link_head = nullptr;
			q = head;
		}
		queue_chain(r, q);
		return err;
	}
	if (head)
		r.link_last->link = q;
	else
		r.link_head = q;
	r.link_last = q;
	return 0;
}

int64_t consume_sqes(Ring& r, uint32_t to_submit);

int submit_one(Ring& r, const lx::io_uring_sqe* src, int sqe_err)
{
	// The hot path: a trivial op (a plain NOP: no flags, no injected result) completes right here with 0, no
	// request needed, outside any link or drain.
	if (src->opcode < 64 && ((kTrivialOps >> src->opcode) & 1) && !src->flags && !src->nop_flags && !src->ioprio &&
	    !src->personality && !r.link_head && !r.drain_active && !r.drain_next && !r.restrictions.active) {
		post_cqe(r, src->user_data, 0, 0);
		return 0;
	}
	Req* q = alloc_req(r);
	if (!q)
		return -lx::EAGAIN;
	q->task = rp_host_task_id();
	__builtin_memcpy(&q->sqe, src, sizeof(lx::io_uring_sqe));
	if (int err = init_req(r, q, sqe_err); err)
		return fail_init(r, q, err);
	if (r.link_head) {
		r.link_last->link = q;
		r.link_last = q;
		if (q->state & REQ_LINK)
			return 0;
		q = r.link_head;
		r.link_head = nullptr;
	} else if (q->state & REQ_LINK) {
		r.link_head = r.link_last = q;
		return 0;
	}
	queue_chain(r, q);
	return 0;
}

int64_t submit_sqes(Ring& r, uint32_t to_submit)
{
	if (r.shared) {
		// Other processes consume this SQ too: the head is theirs as much as ours.
		x_lock(r);
		r.sq_head = __atomic_load_n(r.k_sq_head, __ATOMIC_RELAXED);
		int64_t n = consume_sqes(r, to_submit);
		x_unlock(r);
		return n;
	}
	return consume_sqes(r, to_submit);
}

// The 128-byte opcodes are the last two, so one compare finds them on the hot path.
static_assert(lx::OP_NOP128 + 1 == lx::OP_URING_CMD128 && lx::OP_URING_CMD128 + 1 == lx::OP_LAST);

int64_t consume_sqes(Ring& r, uint32_t to_submit)
{
	uint32_t tail = load_acquire(r.k_sq_tail);
	uint32_t avail = tail - r.sq_head;
	if (avail > r.sq_entries)
		avail = r.sq_entries;
	if (!avail)
		return 0;
	uint32_t n = to_submit < avail ? to_submit : avail;
	uint32_t left = n;
	int64_t ret = n;
	uint32_t mask = r.sq_entries - 1;
	do {
		uint32_t idx = r.sq_head++ & mask;
		++r.sq_consumed;
		if (r.sq_array) {
			idx = __atomic_load_n(&r.sq_array[idx], __ATOMIC_RELAXED);
			if (idx >= r.sq_entries) {
				// A bad index is dropped and counted; submission stops there, as on Linux.
				__atomic_store_n(r.k_sq_dropped, *r.k_sq_dropped + 1, __ATOMIC_RELAXED);
				--r.cq_extra;
				break;
			}
		}
		auto* sqe = reinterpret_cast<const lx::io_uring_sqe*>(r.sqes + uint64_t(idx) * r.sqe_size);
		int sqe_err = 0;
		if (__builtin_expect(sqe->opcode >= lx::OP_NOP128, 0) && sqe->opcode < lx::OP_LAST &&
		    !(r.flags & lx::SETUP_SQE128)) {
			// A 128-byte opcode on a ring of 64-byte SQEs (Linux 6.18's rule): only a SQE_MIXED ring takes it, in
			// this slot and the next, which must both be in this batch and must not straddle the end of the SQE
			// array, neither in ring order nor (through the index array) in memory. Otherwise it fails -EINVAL
			// and takes its one slot. The second slot is not an SQE of its own: the drain count skips it.
			bool fits = (r.flags & lx::SETUP_SQE_MIXED) && left >= 2 && (r.sq_head & mask) != 0 && idx != mask;
			if (fits) {
				++r.sq_head;
				--left;
			} else {
				sqe_err = -lx::EINVAL;
			}
		}
		if (submit_one(r, sqe, sqe_err) && !(r.flags & lx::SETUP_SUBMIT_ALL)) {
			--left;
			break;
		}
	} while (--left);
	if (left)
		ret -= left;
	if (r.link_head) {
		// The batch ended inside a link: what was assembled runs as it is.
		Req* head = r.link_head;
		r.link_head = nullptr;
		queue_chain(r, head);
	}
	store_release(r.k_sq_head, r.sq_head);
	return ret;
}

} // namespace

int64_t enter(Ring* rp, uint32_t to_submit, uint32_t min_complete, uint32_t flags, uint64_t arg, size_t argsz)
{
	Ring& r = *rp;
	if (flags & ~kEnterFlags)
		return -lx::EINVAL;
	if (__atomic_load_n(&r.disabled, __ATOMIC_ACQUIRE))
		return -lx::EBADFD;
	// SINGLE_ISSUER: only the submitter may submit (with SQPOLL the SQ thread is the submitter).
	if (r.submitter_task && !(r.flags & lx::SETUP_SQPOLL) && r.submitter_task != rp_host_task_id() &&
	    (to_submit || (r.flags & lx::SETUP_DEFER_TASKRUN)))
		return -lx::EEXIST;
	int64_t ret = 0;
	// A ring with a submission thread: enter wakes it or waits for SQ space, and submits nothing itself.
	const bool sq_thread = (r.flags & lx::SETUP_SQPOLL) && __atomic_load_n(&r.sqpoll, __ATOMIC_ACQUIRE);
	if (sq_thread)
		sqpoll_enter(r, flags);
	r.lock.lock();
	if (int e = own_native(r); e) {
		unlock_ring(r);
		return e;
	}
	r.in_submit = true;
	// Linux runs poll wakeups in the waker: an event that happened before this call is acted on within it,
	// except on a DEFER_TASKRUN ring, where what a wakeup queued runs only when the caller asks for events.
	r.collect_due = !(r.flags & lx::SETUP_DEFER_TASKRUN) || (flags & lx::ENTER_GETEVENTS);
	// And what such a wakeup queued for a multishot poll is posted only then too (ops_poll.cpp).
	r.hold_task_work = (r.flags & lx::SETUP_DEFER_TASKRUN) && !(flags & lx::ENTER_GETEVENTS);
	if (sq_thread) {
		run_pending(r);
		ret = to_submit;
	} else if (r.flags & lx::SETUP_SQPOLL) {
		// No thread here (a forked child; the parent's thread is not ours): enter consumes the whole SQ
		// and reports to_submit, as Linux does for SQPOLL rings.
		(void)submit_sqes(r, r.sq_entries);
		run_pending(r);
		ret = to_submit;
	} else if (to_submit) {
		ret = submit_sqes(r, to_submit);
		run_pending(r);
		if (ret != int64_t(to_submit)) {
			r.hold_task_work = false;
			r.in_submit = false;
			unlock_ring(r);
			return ret;
		}
	} else {
		run_pending(r);
	}
	r.hold_task_work = false;
	if (r.held_polls && !(flags & lx::ENTER_GETEVENTS))
		on_native_notify(&r); // held events are queued task work: a waiter, a poller, the eventfd hear of it
	if (flags & lx::ENTER_GETEVENTS) {
		int ret2 = wait_for_cqes(r, min_complete, flags, arg, argsz);
		if (!ret)
			ret = ret2;
	}
	r.in_submit = false;
	unlock_ring(r);
	return ret;
}

int64_t sqpoll_submit(Ring& r)
{
	bool was = r.in_submit;
	r.in_submit = true;
	r.collect_due = true;
	int64_t n = submit_sqes(r, r.sq_entries);
	run_pending(r);
	r.in_submit = was;
	return n;
}

void run_deferred_work(void* arg)
{
	Ring& r = *static_cast<Ring*>(arg);
	__atomic_store_n(&r.kick_pending, 0, __ATOMIC_RELEASE);
	r.lock.lock();
	if (own_native(r)) {
		unlock_ring(r);
		ring_unref(&r);
		return;
	}
	bool was = r.in_submit;
	r.in_submit = true;
	run_pending(r);
	r.in_submit = was;
	unlock_ring(r);
	ring_unref(&r);
}

} // namespace ringport::shim
