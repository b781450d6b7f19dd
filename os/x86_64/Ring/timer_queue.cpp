// The timer queue: parked Timeout ops with their CLOCK_MONOTONIC deadlines. Nothing fires from the timer
// interrupt itself (an interrupt handler must not touch rings); the 1 kHz tick only ends a halt, and the wait
// loops (enter, the shim's waits) and run_ready_ops() call run_due_timers(), so a timer fires at most a tick
// late while anybody waits, and at the next system call otherwise.
//
// An unsorted list scanned for the earliest deadline: a process has a handful of timers at a time (tests use
// up to a few hundred), and the scan keeps arming and cancelling O(1).
#include "Ring/ring_internal.hpp"

namespace kernel {

namespace {

using TimerList = List<PendingOp, &PendingOp::timer_node>;
constinit TimerList timers;
bool firing = false;

// The earliest timer (the first armed among equal deadlines, the order Linux fires them in).
PendingOp *earliest()
{
	PendingOp *best = nullptr;
	for (PendingOp *op : timers)
		if (!best || op->deadline < best->deadline)
			best = op;
	return best;
}

} // namespace

void arm_timer(PendingOp &op) { timers.push_back(&op); }

void disarm_timer(PendingOp &op) { timers.remove(&op); }

uint64_t next_timer_deadline()
{
	PendingOp *first = earliest();
	return first ? first->deadline : no_deadline;
}

void run_due_timers()
{
	if (firing)
		return;
	firing = true;
	uint64_t now = now_ns(1);
	while (PendingOp *op = earliest()) {
		if (op->deadline > now)
			break;
		// A Timeout op of another process's ring waits for its owner (see run_ready_ops).
		if (!in_owner_context(*op->ring)) {
			timers.remove(op);
			op->deadline = now + 1000000;
			timers.push_back(op);
			break;
		}
		finish_pending(*op, -ETIME, 0); // disarms it
	}
	firing = false;
}

} // namespace kernel
