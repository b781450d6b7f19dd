// Waiting: io_uring_enter's GETEVENTS (Linux's io_cqring_wait: timeouts, min_wait, signal masks, EXT_ARG) and
// REGISTER_SYNC_CANCEL's wait. The thread sleeps on the ring's wake word and runs the ring whenever it wakes.
#include "optable.hpp"

namespace ringport::shim {

namespace {

struct WaitArgs {
	bool has_ts;
	lx::kernel_timespec ts;
	uint64_t min_wait_ns;
	uint64_t sigmask;
	size_t sigmask_size;
};

int parse_wait_args(Ring& r, uint32_t flags, uint64_t arg, size_t argsz, WaitArgs* w)
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
		// arg is a byte offset into the registered wait region (REGISTER_MEM_REGION with REG_WAIT_ARG).
		if (argsz != sizeof(lx::io_uring_reg_wait))
			return -lx::EINVAL;
		lx::io_uring_reg_wait rw;
		if (int e = read_reg_wait(r, arg, &rw))
			return e;
		if (rw.flags & ~lx::REG_WAIT_TS)
			return -lx::EINVAL;
		w->min_wait_ns = uint64_t(rw.min_wait_usec) * 1000;
		w->sigmask = rw.sigmask;
		w->sigmask_size = rw.sigmask_sz;
		if (rw.sigmask && rw.sigmask_sz != lx::KERNEL_SIGSET_SIZE)
			return -lx::EINVAL;
		if (rw.flags & lx::REG_WAIT_TS) {
			w->ts = rw.ts;
			w->has_ts = true;
		}
		return 0;
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
	if (w.sigmask) {
		// Linux reads the mask here, once it is going to sleep: one it cannot read is -EFAULT.
		uint64_t mask;
		if (rp_host_copy_from_user(&mask, w.sigmask, sizeof(mask)))
			return -lx::EFAULT;
	}
	uint64_t start = rp_host_now_ns(lx::CLOCK_MONOTONIC_);
	uint64_t deadline = UINT64_MAX;
	if (w.has_ts) {
		uint64_t t = uint64_t(w.ts.tv_sec) * 1000000000ull + uint64_t(w.ts.tv_nsec);
		deadline = start + t;
		if (flags & lx::ENTER_ABS_TIMER) {
			// An absolute time on the ring's clock (REGISTER_CLOCK: MONOTONIC or BOOTTIME), made monotonic.
			uint64_t now = r.clockid ? rp_host_now_ns(r.clockid) : start;
			deadline = t > now ? start + (t - now) : start;
		}
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
		run_pending(r);
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
		// A minimum wait runs its full length even past the general timeout (Linux arms only the min timer
		// first, and when it fires with the timeout already due, the wait ends there).
		uint64_t until = min_deadline ? min_deadline : deadline;
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
				run_pending(r);
				if (cq_ready_user(r) || load_acquire(r.k_cq_tail) != cq_tail_at_start || deadline == UINT64_MAX)
					break;
				if (deadline <= until) { // the general timeout passed during the minimum wait
					ret = -lx::ETIME;
					break;
				}
				need = 1;
				continue;
			}
			ret = -lx::ETIME;
			break;
		}
	}
	run_pending(r);
	return cq_ready_user(r) ? 0 : ret;
}

} // namespace

int wait_for_cqes(Ring& r, uint32_t min_events, uint32_t flags, uint64_t arg, size_t argsz)
{
	WaitArgs w;
	int ret = parse_wait_args(r, flags, arg, argsz, &w);
	if (!ret)
		ret = wait_cq(r, min_events < r.cq_entries ? min_events : r.cq_entries, flags, w);
	return ret;
}

// Used by REGISTER_SYNC_CANCEL: runs the ring until pred(ctx) holds or the deadline passes. Lock held.
int run_until(Ring& r, bool (*pred)(Ring&, void*), void* ctx, uint64_t deadline)
{
	bool was = r.in_submit;
	r.in_submit = true;
	int ret = 0;
	for (;;) {
		run_pending(r);
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
