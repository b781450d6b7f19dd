// Nop, Timeout and Cancel.
//
// A timeout sits in the reactor's per-clock deadline map; the clock's timerfd is armed (absolute) at the
// earliest deadline. Cancel finds the first in-flight op with the given user_data: one still waiting completes
// with -ECANCELED; one already running on a worker completes normally and Cancel says -EALREADY.
#include "internal.hpp"

#include <cerrno>
#include <ctime>

namespace ringport::hosted {

Issue op_nop(Ring&, const rp_sqe&) { return Issue::complete(0); }

namespace {
const OpKind timeout_kind{nullptr, nullptr, nullptr};
}

Issue op_timeout(Ring& ring, const rp_sqe& sqe)
{
	const uint32_t f = sqe.syscall_flags;
	if (f & ~uint32_t(RP_TIMEOUT_ABS | RP_TIMEOUT_BOOTTIME | RP_TIMEOUT_REALTIME))
		return Issue::complete(-EINVAL);
	if ((f & RP_TIMEOUT_BOOTTIME) && (f & RP_TIMEOUT_REALTIME))
		return Issue::complete(-EINVAL);
	if (int64_t(sqe.offset) < 0)
		return Issue::complete(-EINVAL);
	const clockid_t clock = (f & RP_TIMEOUT_BOOTTIME) ? CLOCK_BOOTTIME : (f & RP_TIMEOUT_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	timespec ts{};
	clock_gettime(clock, &ts);
	const int64_t now = int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
	int64_t deadline = int64_t(sqe.offset);
	if (!(f & RP_TIMEOUT_ABS))
		deadline = __builtin_add_overflow(now, deadline, &deadline) ? INT64_MAX : deadline;
	if (deadline <= now)
		return Issue::complete(-ETIME);
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, &timeout_kind);
	op->clock = clock;
	op->deadline = deadline;
	if (int e = ring.to_timer_locked(op); e < 0) {
		ring.drop_locked(op);
		return Issue::complete(e);
	}
	return Issue::later();
}

Issue op_cancel(Ring& ring, const rp_sqe& sqe)
{
	std::lock_guard<std::mutex> g(ring.mu);
	return Issue::complete(ring.cancel_locked(sqe.addr));
}

} // namespace ringport::hosted
