// SQPOLL: the submission thread. A ring set up with IORING_SETUP_SQPOLL gets a host thread (rp_host_watch)
// that consumes the SQ the program publishes, so the program submits without entering. Linux's rules:
//
// - After it last found work the thread stays awake for sq_thread_idle milliseconds (0 means one second),
//   looking for new SQEs; then it sets IORING_SQ_NEED_WAKEUP in the SQ flags and sleeps.
// - It does not sleep while SQEs are waiting: the flag is set first, then the tail is looked at again, so a
//   program that published an SQE and then saw the flag clear is served (liburing's sq_ring_needs_enter pairs
//   its barrier with this one).
// - io_uring_enter with IORING_ENTER_SQ_WAKEUP wakes it (the flag is cleared once it runs); enter itself
//   submits nothing and returns to_submit; IORING_ENTER_SQ_WAIT sleeps until the SQ has a free entry.
// - A disabled ring (R_DISABLED) is not submitted from until IORING_REGISTER_ENABLE_RINGS.
//
// The thread looks as Linux's does from outside: named iou-sqp-<tid of the task that set the ring up>, and with
// SQ_AFF kept on sq_thread_cpu (it says so itself on its first pass, before it looks at the SQ).
//
// Linux spins while awake; this thread looks every 20 us right after work and less often (up to every
// 0.5 ms) the longer it finds none, which keeps an awake but idle thread from taking a CPU. A forked child
// has no copy of the thread (Linux's thread belongs to the ring's creator): its enter submits itself.
#include "optable.hpp"

namespace ringport::shim {

struct SqPoll {
	rp_host_watch* watch;
	uint32_t wake;       // bumped by IORING_ENTER_SQ_WAKEUP; the thread runs when it changes
	uint32_t seen_wake;  // the value the thread last acted on
	uint32_t space;      // bumped after the thread consumed SQEs: IORING_ENTER_SQ_WAIT sleeps on it
	uint32_t sq_waiters; // threads in IORING_ENTER_SQ_WAIT
	uint64_t idle_ns;
	uint64_t last_work; // CLOCK_MONOTONIC ns of the last SQE found (or wakeup)
	uint64_t creator;   // rp_host_task_id of the thread that set the ring up: the thread's name says it
	int32_t cpu;        // SQ_AFF's CPU, or -1
	bool described;     // the first pass named (and pinned) the thread
};

namespace {

constexpr uint64_t kMinLook = 20000, kMaxLook = 500000; // ns between looks while awake

uint32_t sq_pending(Ring& r) { return load_acquire(r.k_sq_tail) - load_acquire(r.k_sq_head); }

// "iou-sqp-" and the creator's id in decimal: what Linux's thread shows in /proc/<tid>/comm.
void describe_thread(SqPoll& s)
{
	char name[32] = "iou-sqp-";
	char digits[20];
	int n = 0;
	uint64_t v = s.creator;
	do {
		digits[n++] = char('0' + v % 10);
		v /= 10;
	} while (v && n < 20);
	int at = 8;
	while (n)
		name[at++] = digits[--n];
	name[at] = 0;
	(void)rp_host_thread_describe(name, s.cpu); // SQ_AFF's CPU was checked at setup; a name is cosmetic
	s.described = true;
}

uint64_t sq_thread_pass(void* arg)
{
	Ring& r = *static_cast<Ring*>(arg);
	SqPoll& s = *r.sqpoll;
	if (!s.described)
		describe_thread(s);
	uint64_t now = rp_host_now_ns(1 /* CLOCK_MONOTONIC */);
	uint32_t wake = __atomic_load_n(&s.wake, __ATOMIC_ACQUIRE);
	if (wake != s.seen_wake) {
		s.seen_wake = wake;
		s.last_work = now;
		__atomic_fetch_and(r.k_sq_flags, ~lx::SQ_NEED_WAKEUP, __ATOMIC_SEQ_CST);
	}
	const bool enabled = !__atomic_load_n(&r.disabled, __ATOMIC_ACQUIRE);
	if (enabled && sq_pending(r)) {
		r.lock.lock();
		int64_t n = 0;
		if (!r.dead && !own_native(r))
			n = sqpoll_submit(r);
		unlock_ring(r);
		if (n > 0) {
			s.last_work = now;
			__atomic_fetch_add(&s.space, 1, __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&s.sq_waiters, __ATOMIC_SEQ_CST))
				rp_host_wake(&s.space, 1u << 30);
		}
	}
	const uint64_t idle_end = s.last_work + s.idle_ns;
	if (now < idle_end) {
		uint64_t look = (now - s.last_work) / 8;
		look = look < kMinLook ? kMinLook : look > kMaxLook ? kMaxLook : look;
		return now + look < idle_end ? now + look : idle_end;
	}
	// Idle long enough: say so, then make sure nothing slipped in before the flag was visible.
	__atomic_fetch_or(r.k_sq_flags, lx::SQ_NEED_WAKEUP, __ATOMIC_SEQ_CST);
	if (enabled && sq_pending(r)) {
		__atomic_fetch_and(r.k_sq_flags, ~lx::SQ_NEED_WAKEUP, __ATOMIC_SEQ_CST);
		s.last_work = now;
		return now; // again at once
	}
	return UINT64_MAX; // until IORING_ENTER_SQ_WAKEUP
}

} // namespace

int sqpoll_start(Ring& r, uint32_t idle_ms, int32_t cpu)
{
	auto* s = alloc_zeroed<SqPoll>();
	if (!s)
		return -lx::ENOMEM;
	s->creator = rp_host_task_id();
	s->cpu = cpu;
	s->idle_ns = uint64_t(idle_ms ? idle_ms : 1000) * 1000000ull;
	s->last_work = rp_host_now_ns(1);
	r.sqpoll = s;
	s->watch = rp_host_watch_start(&s->wake, sq_thread_pass, &r);
	if (!s->watch) {
		r.sqpoll = nullptr;
		rp_host_free(s, sizeof(*s));
		return -lx::ENOMEM;
	}
	return 0;
}

void sqpoll_stop(Ring& r)
{
	if (!r.sqpoll)
		return;
	rp_host_watch_stop(r.sqpoll->watch); // joins; in a forked child only forgets the parent's thread
	rp_host_free(r.sqpoll, sizeof(SqPoll));
	r.sqpoll = nullptr;
}

void sqpoll_forget(Ring& r)
{
	if (!r.sqpoll)
		return;
	rp_host_watch_stop(r.sqpoll->watch); // a forked child's copy: the thread is the parent's
	rp_host_free(r.sqpoll, sizeof(SqPoll));
	r.sqpoll = nullptr;
}

void sqpoll_enter(Ring& r, uint32_t flags)
{
	SqPoll& s = *r.sqpoll;
	if (flags & lx::ENTER_SQ_WAKEUP) {
		__atomic_fetch_add(&s.wake, 1, __ATOMIC_SEQ_CST);
		rp_host_wake_shared(&s.wake, 1);
	}
	if (!(flags & lx::ENTER_SQ_WAIT))
		return;
	// Until the SQ has a free entry (the thread consumed some); a signal ends the wait, as on Linux.
	__atomic_fetch_add(&s.sq_waiters, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		uint32_t seq = __atomic_load_n(&s.space, __ATOMIC_SEQ_CST);
		if (sq_pending(r) < r.sq_entries)
			break;
		if (rp_host_wait(&s.space, seq, UINT64_MAX, nullptr, 0) == -lx::EINTR)
			break;
	}
	__atomic_fetch_sub(&s.sq_waiters, 1, __ATOMIC_SEQ_CST);
}

} // namespace ringport::shim
