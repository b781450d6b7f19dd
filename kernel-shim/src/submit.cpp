// io_uring_enter(2): consuming the SQ, request init, links, drain, issue, and waiting for completions.
#include "optable.hpp"

namespace ringport::shim {

void flush_overflow(Ring& r);

// ---- request pool: chunks from the host, recycled through a free list (no allocation per request) ----

struct ReqChunk {
	ReqChunk* next;
	uint8_t pad[56];
	Req reqs[63];
};

Req* alloc_req(Ring& r)
{
	if (!r.free_reqs) {
		auto* c = alloc_zeroed<ReqChunk>();
		if (!c)
			return nullptr;
		c->next = r.req_chunks;
		r.req_chunks = c;
		for (Req& q : c->reqs) {
			q.next = r.free_reqs;
			r.free_reqs = &q;
		}
	}
	Req* q = r.free_reqs;
	r.free_reqs = q->next;
	uint16_t gen = uint16_t(q->gen + 1);
	__builtin_memset(q, 0, sizeof(Req));
	q->gen = gen;
	q->ring = &r;
	q->fd = -1;
	rsrc_hold(r, q);
	return q;
}

void free_req_chunks(Ring& r)
{
	while (ReqChunk* c = r.req_chunks) {
		r.req_chunks = c->next;
		rp_host_free(c, sizeof(ReqChunk));
	}
}

void forget_requests(Ring& r)
{
	r.free_reqs = nullptr;
	for (ReqChunk* c = r.req_chunks; c; c = c->next)
		for (Req& q : c->reqs) {
			if (q.heap && !(q.state & REQ_DONE))
				rp_host_free(q.heap, q.heap_size);
			q.heap = nullptr;
			q.rsrc = nullptr;
			q.state = REQ_DONE;
			q.next = r.free_reqs;
			r.free_reqs = &q;
		}
}

void free_req_if_unused(Ring& r, Req* q)
{
	if (!(q->state & REQ_DONE) || q->native_refs || (q->state & REQ_INFLIGHT))
		return;
	if (q->heap) {
		rp_host_free(q->heap, q->heap_size);
		q->heap = nullptr;
	}
	rsrc_release(r, q);
	q->next = r.free_reqs;
	r.free_reqs = q;
}

void mark_inflight(Ring& r, Req* q)
{
	if (!(q->state & REQ_INFLIGHT)) {
		q->state |= REQ_INFLIGHT;
		r.inflight.push_back(q);
	}
}

void clear_inflight(Ring& r, Req* q)
{
	if (q->state & REQ_INFLIGHT) {
		q->state &= ~REQ_INFLIGHT;
		r.inflight.remove(q);
	}
}

Result<int32_t> resolve_fd(Ring& r, const Req& q, int32_t fd, bool fixed)
{
	(void)q;
	if (!fixed)
		return fd;
	if (fd < 0 || uint32_t(fd) >= r.nr_files || r.files[fd] < 0)
		return Result<int32_t>::error(-lx::EBADF);
	return r.files[fd];
}

// ---- completion of a request and its chain ----

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
		post_cqe(r, q->sqe.user_data, int32_t(res), cflags, (r.cqe_size == 32) ? q->big : nullptr);
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

namespace {

// Runs everything that can run now: ready requests, the native enter, native completions. Submit context.
void process(Ring& r)
{
	if (r.flags & lx::SETUP_TASKRUN_FLAG)
		__atomic_fetch_and(r.k_sq_flags, ~lx::SQ_TASKRUN, __ATOMIC_RELEASE);
	if (__atomic_load_n(&r.inbox, __ATOMIC_ACQUIRE))
		drain_inbox(r);
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
	commit(r);
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

int init_req(Ring& r, Req* q)
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
	if (s.personality)
		return -lx::EINVAL; // no personalities registered (REGISTER_PERSONALITY is refused)
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

int submit_one(Ring& r, const lx::io_uring_sqe* src)
{
	// The hot path: an op that can complete without a request (a plain NOP) does, outside any link or drain.
	if (src->opcode < lx::OP_LAST && kOps[src->opcode].fast && !r.link_head && !r.drain_active && !r.drain_next &&
	    !r.restrictions.active && kOps[src->opcode].fast(r, *src))
		return 0;
	Req* q = alloc_req(r);
	if (!q)
		return -lx::EAGAIN;
	__builtin_memcpy(&q->sqe, src, sizeof(lx::io_uring_sqe));
	if (int err = init_req(r, q); err)
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
		if (submit_one(r, sqe) && !(r.flags & lx::SETUP_SUBMIT_ALL)) {
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

struct WaitArgs {
	bool has_ts;
	lx::kernel_timespec ts;
	uint64_t min_wait_ns;
	uint64_t sigmask;
	size_t sigmask_size;
};

int parse_wait_args(uint32_t flags, uint64_t arg, size_t argsz, WaitArgs* w)
{
	*w = WaitArgs{};
	if (!(flags & lx::ENTER_EXT_ARG)) {
		w->sigmask = arg;
		w->sigmask_size = argsz;
		if (arg && argsz != lx::KERNEL_SIGSET_SIZE)
			return -lx::EINVAL;
		return 0;
	}
	if (flags & lx::ENTER_EXT_ARG_REG) {
		if (argsz != sizeof(lx::io_uring_reg_wait))
			return -lx::EINVAL;
		return -lx::EFAULT; // no registered wait region (REGISTER_MEM_REGION is refused)
	}
	if (argsz != sizeof(lx::io_uring_getevents_arg))
		return -lx::EINVAL;
	lx::io_uring_getevents_arg a;
	if (Status s = copy_in(&a, arg); !s.ok())
		return s.err;
	w->min_wait_ns = uint64_t(a.min_wait_usec) * 1000;
	w->sigmask = a.sigmask;
	w->sigmask_size = a.sigmask_sz;
	if (a.sigmask && a.sigmask_sz != lx::KERNEL_SIGSET_SIZE)
		return -lx::EINVAL;
	if (a.ts) {
		if (Status s = copy_in(&w->ts, a.ts); !s.ok())
			return s.err;
		w->has_ts = true;
	}
	return 0;
}

inline uint32_t cq_ready_user(const Ring& r) { return load_acquire(r.k_cq_tail) - load_acquire(r.k_cq_head); }

// Linux's io_cqring_wait. Lock held on entry and exit (dropped while sleeping).
int wait_cq(Ring& r, uint32_t min_events, uint32_t flags, const WaitArgs& w)
{
	if (r.overflow_head) {
		flush_overflow(r);
		commit(r);
	}
	if (cq_ready_user(r) >= min_events)
		return 0;
	if (w.has_ts && (w.ts.tv_sec < 0 || w.ts.tv_nsec < 0 || w.ts.tv_nsec >= 1000000000))
		return -lx::EINVAL;
	uint64_t start = rp_host_now_ns(lx::CLOCK_MONOTONIC_);
	uint64_t deadline = UINT64_MAX;
	if (w.has_ts) {
		uint64_t t = uint64_t(w.ts.tv_sec) * 1000000000ull + uint64_t(w.ts.tv_nsec);
		deadline = (flags & lx::ENTER_ABS_TIMER) ? t : start + t;
	}
	uint64_t min_deadline = w.min_wait_ns ? start + w.min_wait_ns : 0;
	uint32_t cq_tail_at_start = load_acquire(r.k_cq_tail);
	uint64_t fired_at_start = r.timeouts_fired;
	uint32_t need = min_events;
	int ret = 0;
	for (;;) {
		// Read before looking at the CQ: another process posts without this ring's lock, and its post changes
		// the word after its tail, so a CQE missed below cannot be slept through.
		uint32_t seq = __atomic_load_n(r.wake_word, __ATOMIC_SEQ_CST);
		process(r);
		if (r.overflow_head) {
			flush_overflow(r);
			commit(r);
		}
		uint32_t ready = cq_ready_user(r);
		if (ready >= need || r.timeouts_fired != fired_at_start)
			break;
		__atomic_fetch_add(&r.waiters, 1, __ATOMIC_SEQ_CST);
		r.in_submit = false;
		unlock_ring(r);
		uint64_t until = min_deadline && min_deadline < deadline ? min_deadline : deadline;
		int rc = 0;
		if (__atomic_load_n(r.wake_word, __ATOMIC_SEQ_CST) == seq &&
		    !__atomic_load_n(&r.reap_request, __ATOMIC_SEQ_CST))
			rc = sleep_on_ring(r, seq, until, w.sigmask ? reinterpret_cast<const void*>(w.sigmask) : nullptr,
			                   w.sigmask_size);
		// Counted as a waiter until it holds the lock: a poster in between wakes it rather than handing the
		// ring work to the host's helper thread, which would only contend for the lock (process() runs it).
		r.lock.lock();
		__atomic_fetch_sub(&r.waiters, 1, __ATOMIC_SEQ_CST);
		r.in_submit = true;
		if (rc == -lx::EINTR) {
			ret = -lx::EINTR;
			break;
		}
		if (rc == -lx::ETIME) {
			if (min_deadline && until == min_deadline) {
				// The minimum wait is over: any completion is now enough.
				min_deadline = 0;
				process(r);
				if (cq_ready_user(r) || load_acquire(r.k_cq_tail) != cq_tail_at_start || deadline == UINT64_MAX)
					break;
				need = 1;
				continue;
			}
			ret = -lx::ETIME;
			break;
		}
	}
	process(r);
	return cq_ready_user(r) ? 0 : ret;
}

} // namespace

int64_t enter(Ring* rp, uint32_t to_submit, uint32_t min_complete, uint32_t flags, uint64_t arg, size_t argsz)
{
	Ring& r = *rp;
	constexpr uint32_t kValid = lx::ENTER_GETEVENTS | lx::ENTER_SQ_WAKEUP | lx::ENTER_SQ_WAIT | lx::ENTER_EXT_ARG |
	                            lx::ENTER_REGISTERED_RING | lx::ENTER_ABS_TIMER | lx::ENTER_EXT_ARG_REG;
	if (flags & ~kValid)
		return -lx::EINVAL;
	if (__atomic_load_n(&r.disabled, __ATOMIC_ACQUIRE))
		return -lx::EBADFD;
	// SINGLE_ISSUER: only the submitter may submit (with SQPOLL the SQ thread is the submitter).
	if (r.submitter_task && !(r.flags & lx::SETUP_SQPOLL) && r.submitter_task != rp_host_task_id() &&
	    (to_submit || (r.flags & lx::SETUP_DEFER_TASKRUN)))
		return -lx::EEXIST;
	int64_t ret = 0;
	r.lock.lock();
	if (int e = own_native(r); e) {
		unlock_ring(r);
		return e;
	}
	r.in_submit = true;
	// Linux runs poll wakeups in the waker: an event that happened before this call is acted on within it,
	// except on a DEFER_TASKRUN ring, where what a wakeup queued runs only when the caller asks for events.
	r.collect_due = !(r.flags & lx::SETUP_DEFER_TASKRUN) || (flags & lx::ENTER_GETEVENTS);
	if (r.flags & lx::SETUP_SQPOLL) {
		// The SQ thread of this shim sleeps until woken (SQ_NEED_WAKEUP stays set), and every enter wakes
		// it: it consumes the whole SQ, and enter reports to_submit, as Linux does for SQPOLL rings.
		(void)submit_sqes(r, r.sq_entries);
		process(r);
		ret = to_submit;
	} else if (to_submit) {
		ret = submit_sqes(r, to_submit);
		process(r);
		if (ret != int64_t(to_submit)) {
			r.in_submit = false;
			unlock_ring(r);
			return ret;
		}
	} else {
		process(r);
	}
	if (flags & lx::ENTER_GETEVENTS) {
		WaitArgs w;
		int ret2 = parse_wait_args(flags, arg, argsz, &w);
		if (!ret2)
			ret2 = wait_cq(r, min_complete < r.cq_entries ? min_complete : r.cq_entries, flags, w);
		if (!ret)
			ret = ret2;
	}
	r.in_submit = false;
	unlock_ring(r);
	return ret;
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
	process(r);
	r.in_submit = was;
	unlock_ring(r);
	ring_unref(&r);
}

// Used by REGISTER_SYNC_CANCEL: runs the ring until pred(ctx) holds or the deadline passes. Lock held.
int run_until(Ring& r, bool (*pred)(Ring&, void*), void* ctx, uint64_t deadline)
{
	bool was = r.in_submit;
	r.in_submit = true;
	int ret = 0;
	for (;;) {
		process(r);
		if (pred(r, ctx))
			break;
		uint32_t seq = __atomic_load_n(r.wake_word, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&r.waiters, 1, __ATOMIC_SEQ_CST);
		r.in_submit = false;
		unlock_ring(r);
		int rc = 0;
		if (__atomic_load_n(r.wake_word, __ATOMIC_SEQ_CST) == seq &&
		    !__atomic_load_n(&r.reap_request, __ATOMIC_SEQ_CST))
			rc = sleep_on_ring(r, seq, deadline, nullptr, 0);
		__atomic_fetch_sub(&r.waiters, 1, __ATOMIC_SEQ_CST);
		r.lock.lock();
		r.in_submit = true;
		if (rc) {
			ret = rc;
			break;
		}
	}
	r.in_submit = was;
	return ret;
}

} // namespace ringport::shim
