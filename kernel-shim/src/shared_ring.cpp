// Rings shared across fork. Linux shares one io_uring instance between the processes that hold it, and each
// request runs in the context of the task that submitted it. Here each process keeps its own copy of the shim
// state and its own native ring (its OS), so each executes what it submits, while the Linux-visible ring
// memory (a MAP_SHARED region) is really shared: CQEs are posted and SQEs consumed under a lock word in that
// memory, and waiters sleep on a wake word there with futexes that reach across processes.
//
// The words sit in a page of the shim's own beside the ring (SharedPage below, mapped shared by every process
// of the ring), never in the ring memory the program maps: a program that writes over the io_rings padding
// (any byte of its mapping is the program's to write) must not be able to make another io_uring_enter sleep
// forever on a lock word it set. A ring becomes shared at its first fork and stays so; until then none of this
// runs.
#include "optable.hpp"

namespace ringport::shim {

namespace {

Mutex g_live_lock; // guards g_live; taken before any ring's lock
Ring* g_live;
uint32_t g_shared; // rings of this process that were ever shared: none, and exit and exec have nothing to do

constexpr uint64_t kMs = 1000000;
// exec: how long the native cancels may take before the requests are completed regardless.
constexpr uint64_t kCancelWait = 2000 * kMs;
// exit: how long a process stays for its plain timeouts to fire (Linux keeps running them after the exit).
constexpr uint64_t kExitLinger = 5000 * kMs;
// exit and exec: how long to wait for a lock (a signal handler may have interrupted its holder) before going
// without cancelling.
constexpr uint64_t kLockWait = 1000 * kMs;

uint32_t* ring_word(Ring& r, uint32_t off) { return reinterpret_cast<uint32_t*>(r.rings + off); }

} // namespace

// ---- cancellation across processes ----
// On Linux ASYNC_CANCEL finds requests by user_data, fd or opcode in the whole ring. Here a request lives in
// the process that submitted it, so a cancel that does not find its target at home (or that cancels all) is
// posted to a mailbox in a page every sharing process maps; each other process's watch thread cancels its
// own matches there and answers. A target found elsewhere counts as cancelled (0) as soon as its process has
// asked its OS to cancel it; -EALREADY is not reported across processes. Its own CQE follows from its process.

inline constexpr uint32_t kCancelSlots = 32;

struct CancelSlot {
	uint32_t asked;    // 1 while the request is open
	uint32_t from;     // member number of the asking process
	uint64_t answered; // members that answered
	uint64_t expected; // members asked (those that leave meanwhile are not waited for)
	uint32_t found;    // requests cancelled in the other processes
	uint32_t flags;    // ASYNC_CANCEL_*
	int32_t fd;
	uint8_t opcode;
	bool fd_fixed;
	uint64_t user_data;
	uint64_t owner;    // the asking ASYNC_CANCEL (its native user_data: pointer and generation)
	uint64_t asked_at; // CLOCK_MONOTONIC
};

struct CancelBox {
	uint32_t seq;    // bumped and woken on every ask and answer: the watch threads sleep on it
	uint32_t lock;   // guards the slots and the masks
	uint64_t in_use; // member numbers (bit n-1) held by processes that share the ring
	uint64_t active; // members that have used the ring (only they can have requests to cancel)
	CancelSlot slots[kCancelSlots];
	// The ring's cross-process words (Ring::x_lock_word and the rest point here), out of the program's mapping.
	uint32_t ring_lock; // the CQ/SQ lock
	uint32_t ring_wake; // the wake word sleepers in io_uring_enter wait on
	uint32_t ring_waiters;
	uint32_t ring_attached;
};
static_assert(sizeof(CancelBox) <= 4096, "the mailbox fits its page");

namespace {

// A process that died without exiting (a signal) never answers: its share of an ask is given up after this.
constexpr uint64_t kAnswerWait = 1000 * kMs;

void box_bump(CancelBox* b)
{
	__atomic_fetch_add(&b->seq, 1, __ATOMIC_SEQ_CST);
	rp_host_wake_shared(&b->seq, 1u << 30);
}

// Cancels this process's requests that an ask from another process names. Lock held, submit context.
uint32_t cancel_here(Ring& r, const CancelSlot& s)
{
	CancelSpec c{s.user_data, s.fd, s.flags, s.opcode, s.fd_fixed};
	bool all = s.flags & (lx::ASYNC_CANCEL_ALL | lx::ASYNC_CANCEL_ANY);
	uint32_t found = 0;
	for (Req* q = r.inflight.head; q;) {
		Req* next = q->next;
		if (!(q->state & (REQ_DONE | REQ_CANCELING)) && !kOps[q->opcode].is_cancel && cancel_matches(r, c, q)) {
			++found;
			cancel_quietly(r, q);
			if (!all)
				break;
		}
		q = next;
	}
	return found;
}

// The asking ASYNC_CANCEL learns what the other processes found.
void answer_owner(Ring& r, const CancelSlot& s)
{
	Req* q = native_req(s.owner);
	if (q->gen != uint16_t(s.owner >> 48) || !kOps[q->opcode].is_cancel || (q->state & REQ_DONE) ||
	    !q->u.cancel.outstanding)
		return; // it ended meanwhile (its process left the ring)
	if (s.found > 1)
		q->u.cancel.canceled += s.found - 1;
	done_async_cancel(r, *q, TAG_CANCEL_RESULT, s.found ? 0 : -lx::ENOENT, 0);
}

// Answers the other processes' open asks and settles this process's own. Lock held, submit context. Returns
// when to look again for an answer that may never come.
uint64_t service_box(Ring& r, bool leaving)
{
	CancelBox* b = r.x_box;
	uint64_t due = UINT64_MAX;
	if (!b || !r.x_member)
		return due;
	uint64_t me = 1ull << (r.x_member - 1);
	uint64_t now = rp_host_now_ns(lx::CLOCK_MONOTONIC_);
	bool answered = false;
	word_lock(&b->lock, true);
	for (CancelSlot& s : b->slots) {
		if (!__atomic_load_n(&s.asked, __ATOMIC_ACQUIRE))
			continue;
		if (s.from != r.x_member) {
			if (!(s.answered & me)) {
				s.found += leaving ? 0 : cancel_here(r, s);
				s.answered |= me;
				answered = true;
			}
			continue;
		}
		bool all = s.flags & (lx::ASYNC_CANCEL_ALL | lx::ASYNC_CANCEL_ANY);
		bool waiting = s.expected & b->active & ~s.answered;
		if (leaving || !waiting || (s.found && !all) || now >= s.asked_at + kAnswerWait) {
			if (!leaving)
				answer_owner(r, s);
			__atomic_store_n(&s.asked, 0, __ATOMIC_RELEASE);
		} else if (s.asked_at + kAnswerWait < due) {
			due = s.asked_at + kAnswerWait;
		}
	}
	if (leaving) {
		b->in_use &= ~me; // a process asking now does not wait for this one
		b->active &= ~me;
		r.x_member = 0;
		answered = true;
	}
	word_unlock(&b->lock, true);
	if (answered)
		box_bump(b);
	return due;
}

// A free member number (1..64), 0 when every one is taken: a further process takes no part in cross cancels.
uint32_t take_member(CancelBox* b)
{
	if (!b)
		return 0;
	uint32_t n = 0;
	word_lock(&b->lock, true);
	if (~b->in_use) {
		uint32_t bit = uint32_t(__builtin_ctzll(~b->in_use));
		b->in_use |= 1ull << bit;
		n = bit + 1;
	}
	word_unlock(&b->lock, true);
	return n;
}

// This process uses the ring: it may hold requests others want cancelled, so they wait for its answers.
void mark_active(Ring& r)
{
	CancelBox* b = r.x_box;
	if (!b || !r.x_member)
		return;
	word_lock(&b->lock, true);
	b->active |= 1ull << (r.x_member - 1);
	word_unlock(&b->lock, true);
}

bool always(Ring&, void*) { return true; }

// The watch thread: something changed in the mailbox.
uint64_t on_box_change(void* arg)
{
	Ring& r = *static_cast<Ring*>(arg);
	r.lock.lock();
	bool was = r.in_submit;
	r.in_submit = true;
	uint64_t due = r.left ? UINT64_MAX : service_box(r, false);
	(void)run_until(r, always, nullptr, 0); // issues the cancels, posts what they completed
	r.in_submit = was;
	unlock_ring(r);
	return due;
}

void start_watch(Ring& r)
{
	if (r.native && r.x_box && r.x_member && !r.x_watch)
		r.x_watch = rp_host_watch_start(&r.x_box->seq, on_box_change, &r);
}

// Switches a ring to shared mode and counts one more process on it (the child about to be forked). Lock held.
void share(Ring& r)
{
	if (!r.x_region) {
		void* page = nullptr;
		if (rp_host_region_create(4096, &r.x_region, &page) == 0) {
			r.x_box = static_cast<CancelBox*>(page);
			r.x_member = 1;
			r.x_box->in_use = 1;
			r.x_box->active = 1;
		}
	}
	if (!r.shared) {
		// Anything staged but unpublished goes out now: from here on nothing is staged privately.
		if (r.cq_tail != __atomic_load_n(r.k_cq_tail, __ATOMIC_RELAXED))
			store_release(r.k_cq_tail, r.cq_tail);
		if (CancelBox* b = r.x_box) {
			r.x_lock_word = &b->ring_lock;
			r.x_waiters = &b->ring_waiters;
			r.x_attached = &b->ring_attached;
			r.wake_word = &b->ring_wake;
		} else {
			// No page could be had (the host is out of memory): the io_rings padding is the only memory every
			// process shares. A program that scribbles on it can then stall this ring, as before.
			r.x_lock_word = ring_word(r, layout::shared_lock);
			r.x_waiters = ring_word(r, layout::shared_waiters);
			r.x_attached = ring_word(r, layout::shared_attached);
			r.wake_word = ring_word(r, layout::shared_wake);
		}
		__atomic_store_n(r.x_attached, 1, __ATOMIC_RELAXED);
		r.shared = true;
		__atomic_fetch_add(&g_shared, 1, __ATOMIC_RELAXED);
		// Threads of this process asleep on the private word re-check and sleep on the shared one.
		__atomic_fetch_add(&r.wake_seq, 1, __ATOMIC_SEQ_CST);
		rp_host_wake(&r.wake_seq, 1u << 30);
	}
	__atomic_fetch_add(r.x_attached, 1, __ATOMIC_SEQ_CST);
	r.x_child_member = take_member(r.x_box);
}

void free_overflow_list(OverflowCqe* o)
{
	while (o) {
		OverflowCqe* next = o->next;
		rp_host_free(o, sizeof(*o));
		o = next;
	}
}

// The child's copy: everything in flight, staged or queued belongs to the parent, which completes it. The
// child gets its own native ring and starts from the shared heads and tails.
void adopt_in_child(Ring& r)
{
	r.lock.reset();
	// The child's own native ring (and watch thread) come with its first use of the ring (own_native): a
	// child that never touches the ring, as most do before exec or exit, costs no thread.
	rp_host_ring_abandon(r.native);
	r.native = nullptr;
	r.nsq = native::SqProducer();
	r.ncq = native::CqConsumer();
	r.native_staged = 0;
	r.drain_active = r.drain_next = false;
	r.in_submit = false;
	r.posted_async = false;
	r.waiters = 0;
	r.reap_request = 0;
	r.kick_pending = 0;
	r.wake_owed = 0;
	r.x_lock_depth = 0;
	r.x_unsignalled = 0;
	r.sq_head = __atomic_load_n(r.k_sq_head, __ATOMIC_ACQUIRE);
	r.cq_tail = __atomic_load_n(r.k_cq_tail, __ATOMIC_ACQUIRE);
	rp_host_watch_stop(r.x_watch); // the parent's thread: the child's copy is only forgotten
	r.x_watch = nullptr;
	sqpoll_forget(r); // likewise the SQPOLL thread: the child's enter submits for itself
	r.x_member = r.x_child_member;
	r.left = false;
}

// The requests, overflowed CQEs and messages a child copied are the parent's: dropped at the child's first
// use of the ring (not in the fork handler, which would touch, and so copy, every page they are on).
void drop_parents_work(Ring& r)
{
	forget_requests(r);
	// The parent posts the tags of what it retired; the child only closes its copies of the retired files.
	rsrc_teardown(r);
	r.inflight = {};
	r.ready = {};
	r.deferred = {};
	r.timeouts = {};
	r.timers = {};
	r.link_head = r.link_last = nullptr;
	if (r.poll_hash)
		__builtin_memset(r.poll_hash, 0, sizeof(Req*) * (r.poll_hash_mask + 1));
	free_overflow_list(r.overflow_head);
	r.overflow_head = r.overflow_tail = nullptr;
	r.overflow_count = 0;
	free_overflow_list(__atomic_exchange_n(&r.inbox, nullptr, __ATOMIC_ACQ_REL));
}

bool nothing_left(Ring& r, void*) { return !has_requests_of(r, kEveryTask); }

// A request whose native cancel did not come back in time: its process is going away, so it is completed
// now (nothing of it can post afterwards).
void force_complete(Ring& r)
{
	while (Req* q = r.inflight.head) {
		clear_inflight(r, q);
		complete(r, q, -lx::ECANCELED);
	}
	run_ready(r);
	commit(r);
}

// This process stops executing its requests on r: each gets a CQE that the processes staying can reap.
void leave(Ring& r, Leaving why)
{
	if (!__atomic_load_n(&r.shared, __ATOMIC_ACQUIRE))
		return;
	if (!r.lock.lock_until(rp_host_now_ns(lx::CLOCK_MONOTONIC_) + kLockWait))
		return;
	if (r.left) {
		unlock_ring(r);
		return;
	}
	r.left = true;
	bool watched = __atomic_load_n(r.x_attached, __ATOMIC_SEQ_CST) > 1; // someone else may read the CQ
	if (watched && r.native) {
		bool was = r.in_submit;
		r.in_submit = true;
		uint64_t now = rp_host_now_ns(lx::CLOCK_MONOTONIC_);
		bool done = false;
		if (why == Leaving::exit) {
			cancel_requests_of(r, kEveryTask, true); // a process here has only its own
			done = run_until(r, nothing_left, nullptr, now + kExitLinger) == 0;
			now = rp_host_now_ns(lx::CLOCK_MONOTONIC_);
		}
		if (!done) {
			cancel_requests_of(r, kEveryTask, false);
			if (run_until(r, nothing_left, nullptr, now + kCancelWait) != 0)
				force_complete(r);
		}
		r.in_submit = was;
	}
	// Open asks from the others need no answer from here any more, and this process's own are closed.
	(void)service_box(r, true);
	__atomic_fetch_sub(r.x_attached, 1, __ATOMIC_SEQ_CST);
	kick_waiters(r); // the CQEs are out: sleepers in the other processes look
	unlock_ring(r);
}

// Runs fn on every ring of this process, each held by a reference, when any was ever shared.
void for_each_live(void (*fn)(Ring&, Leaving), Leaving why)
{
	if (!__atomic_load_n(&g_shared, __ATOMIC_RELAXED))
		return; // never forked with a ring: nothing to leave (and no lock or allocation at exit)
	struct Call {
		void (*fn)(Ring&, Leaving);
		Leaving why;
	} call{fn, why};
	for_each_ring([](Ring& r, void* c) { static_cast<Call*>(c)->fn(r, static_cast<Call*>(c)->why); }, &call);
}

} // namespace

// Runs fn on every live ring, each held by a reference, without holding g_live_lock while fn runs.
void for_each_ring(void (*fn)(Ring&, void*), void* ctx)
{
	if (!g_live_lock.lock_until(rp_host_now_ns(lx::CLOCK_MONOTONIC_) + kLockWait))
		return;
	uint32_t n = 0;
	for (Ring* r = g_live; r; r = r->live_next)
		++n;
	auto** rings = n ? static_cast<Ring**>(rp_host_alloc(sizeof(Ring*) * n)) : nullptr;
	uint32_t k = 0;
	if (rings)
		for (Ring* r = g_live; r; r = r->live_next) {
			// A ring whose last reference is gone is being destroyed: it must not be revived.
			uint32_t refs = __atomic_load_n(&r->refs, __ATOMIC_RELAXED);
			while (refs && !__atomic_compare_exchange_n(&r->refs, &refs, refs + 1, true, __ATOMIC_ACQ_REL,
			                                            __ATOMIC_RELAXED))
				;
			if (refs)
				rings[k++] = r;
		}
	g_live_lock.unlock();
	for (uint32_t i = 0; i < k; ++i) {
		fn(*rings[i], ctx);
		ring_unref(rings[i]);
	}
	if (rings)
		rp_host_free(rings, sizeof(Ring*) * n);
}

int sleep_on_ring(Ring& r, uint32_t seq, uint64_t deadline, const void* sigmask, size_t sigmask_size)
{
	if (!r.shared)
		return rp_host_wait(r.wake_word, seq, deadline, sigmask, sigmask_size);
	uint32_t* word = r.wake_word;
	// Bounded: a ring shared across fork is woken by whichever process posts, and a process that dies or
	// stops between bumping the word and waking (or a program that scribbles on shared memory) must cost a
	// slice, never a hang. The slice's end is a spurious wake-up (0): the caller looks at the CQ again.
	// (shim_fork's child_reaps_parent_request hanging under clang ASan was no lost wake-up: with gdb on the
	// hung pair, the child had its CQE and sat at exit in LeakSanitizer's LockAllocator, and its new OS thread
	// in ASan's allocator, on an allocator lock that a thread of the parent held mid-malloc at the fork; clang
	// 14's ASan runtime takes no allocator locks around fork. 2 hangs in 19 runs, with and without slices. The
	// fork gate, os/hosted/include/ringport/fork_gate.hpp, keeps the OS's threads out of the allocator at a fork.)
	constexpr uint64_t kSlice = 100000000; // 100 ms
	uint64_t now = rp_host_now_ns(lx::CLOCK_MONOTONIC_);
	bool sliced = deadline > now + kSlice; // UINT64_MAX (none) included
	uint64_t until = sliced ? now + kSlice : deadline;
	__atomic_fetch_add(r.x_waiters, 1, __ATOMIC_SEQ_CST);
	int rc = 0;
	if (__atomic_load_n(word, __ATOMIC_SEQ_CST) == seq)
		rc = rp_host_wait_shared(word, seq, until, sigmask, sigmask_size);
	__atomic_fetch_sub(r.x_waiters, 1, __ATOMIC_SEQ_CST);
	if (rc == -lx::ETIME && sliced)
		rc = 0;
	return rc;
}

int own_native(Ring& r)
{
	if (r.native)
		return 0;
	rp_host_ring_view view{};
	if (int e = rp_host_ring_create(&r.native_params, &r.native, &view); e) {
		r.native = nullptr;
		return e;
	}
	drop_parents_work(r);
	mark_active(r);
	r.nsq = native::SqProducer(view.sq, view.sqes);
	r.ncq = native::CqConsumer(view.cq, view.cqes);
	rp_host_ring_set_notify(r.native, on_native_notify, &r);
	start_watch(r);
	return 0;
}

void live_add(Ring* r)
{
	g_live_lock.lock();
	r->live_prev = nullptr;
	r->live_next = g_live;
	if (g_live)
		g_live->live_prev = r;
	g_live = r;
	g_live_lock.unlock();
}

void live_remove(Ring* r)
{
	g_live_lock.lock();
	if (r->live_prev)
		r->live_prev->live_next = r->live_next;
	else if (g_live == r)
		g_live = r->live_next;
	if (r->live_next)
		r->live_next->live_prev = r->live_prev;
	r->live_next = r->live_prev = nullptr;
	g_live_lock.unlock();
}

void shared_release(Ring& r)
{
	// The last reference of this process went (close): the other processes keep the ring, so this one's
	// requests end here with CQEs they can see. No lingering: close must not sleep for timers.
	leave(r, Leaving::exec);
	rp_host_watch_stop(r.x_watch);
	r.x_watch = nullptr;
	// The page stays mapped until shared_free: the lock and wake words in it serve until the native ring is gone.
}

void shared_free(Ring& r)
{
	if (r.x_region)
		rp_host_region_destroy(r.x_region);
	r.x_region = nullptr;
	r.x_box = nullptr;
}

bool ask_other_processes(Ring& r, Req* owner, const CancelSpec& c)
{
	CancelBox* b = r.x_box;
	if (!b || !r.x_member || r.left)
		return false;
	bool asked = false;
	word_lock(&b->lock, true);
	uint64_t others = b->active & ~(1ull << (r.x_member - 1));
	for (CancelSlot& s : b->slots) {
		if (!others || __atomic_load_n(&s.asked, __ATOMIC_ACQUIRE))
			continue;
		s = CancelSlot{};
		s.from = r.x_member;
		s.expected = others;
		s.flags = c.flags;
		s.fd = c.fd;
		s.opcode = c.opcode;
		s.fd_fixed = c.fd_fixed;
		s.user_data = c.user_data;
		s.owner = native_user_data(owner, TAG_MAIN);
		s.asked_at = rp_host_now_ns(lx::CLOCK_MONOTONIC_);
		__atomic_store_n(&s.asked, 1, __ATOMIC_RELEASE);
		asked = true;
		break;
	}
	word_unlock(&b->lock, true);
	if (asked)
		box_bump(b);
	return asked;
}

void fork_prepare()
{
	g_live_lock.lock();
	for (Ring* r = g_live; r; r = r->live_next) {
		// One being destroyed (waiting for g_live_lock to unlist itself) is not shared.
		r->fork_locked = __atomic_load_n(&r->refs, __ATOMIC_ACQUIRE) != 0;
		if (r->fork_locked) {
			r->lock.lock();
			share(*r);
		}
	}
}

void fork_parent()
{
	for (Ring* r = g_live; r; r = r->live_next)
		if (r->fork_locked) {
			r->fork_locked = false;
			start_watch(*r);
			unlock_ring(*r);
		}
	g_live_lock.unlock();
}

void fork_child()
{
	g_live_lock.reset();
	for (Ring* r = g_live; r;) {
		Ring* next = r->live_next;
		if (r->fork_locked) {
			r->fork_locked = false;
			adopt_in_child(*r);
			start_watch(*r);
		} else {
			live_remove(r); // the parent's thread destroying it does not exist here: the copy is left as it is
		}
		r = next;
	}
}

void leave_shared_rings(Leaving why) { for_each_live(leave, why); }

void rejoin_shared_rings()
{
	for_each_live(
	    [](Ring& r, Leaving) {
		    r.lock.lock();
		    if (r.shared && r.left) {
			    r.left = false;
			    __atomic_fetch_add(r.x_attached, 1, __ATOMIC_SEQ_CST);
			    r.x_member = take_member(r.x_box);
			    if (r.native)
				    mark_active(r);
		    }
		    unlock_ring(r);
	    },
	    Leaving::exec);
}

} // namespace ringport::shim
