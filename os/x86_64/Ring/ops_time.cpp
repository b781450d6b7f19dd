// The time family: TIMEOUT offset=nanoseconds flags=RP_TIMEOUT_* -> -ETIME when the deadline passes. Relative
// timeouts and BOOTTIME run on CLOCK_MONOTONIC (nothing suspends, so the two are one clock); an absolute
// REALTIME deadline is turned into a monotonic one when armed (nothing sets the clock either).
#include "Ring/ring_internal.hpp"

namespace kernel {

namespace {
constexpr uint32_t clock_realtime = 0, clock_monotonic = 1, clock_boottime = 7;
}

OpOutcome op_timeout(NativeRing &ring, const rp_sqe &sqe)
{
	constexpr uint32_t known = RP_TIMEOUT_ABS | RP_TIMEOUT_BOOTTIME | RP_TIMEOUT_REALTIME;
	uint32_t flags = sqe.syscall_flags;
	if ((flags & ~known) || ((flags & RP_TIMEOUT_BOOTTIME) && (flags & RP_TIMEOUT_REALTIME)) ||
	    int64_t(sqe.offset) < 0)
		return OpOutcome::done(-EINVAL);
	uint32_t clock = (flags & RP_TIMEOUT_REALTIME) ? clock_realtime
	                 : (flags & RP_TIMEOUT_BOOTTIME) ? clock_boottime
	                                                 : clock_monotonic;
	uint64_t now_mono = now_ns(clock_monotonic);
	uint64_t deadline;
	if (flags & RP_TIMEOUT_ABS) {
		uint64_t now_clock = clock == clock_monotonic ? now_mono : now_ns(clock);
		if (sqe.offset <= now_clock)
			return OpOutcome::done(-ETIME); // already past: completes at once
		deadline = now_mono + (sqe.offset - now_clock);
	} else {
		if (sqe.offset == 0)
			return OpOutcome::done(-ETIME);
		deadline = sqe.offset > no_deadline - now_mono ? no_deadline - 1 : now_mono + sqe.offset;
	}
	PendingOp *op = park(ring, sqe, PendingKind::timeout);
	if (!op)
		return OpOutcome::done(-ENOMEM);
	op->deadline = deadline;
	arm_timer(*op);
	return OpOutcome::wait();
}

} // namespace kernel
