// The timer queue: parked Timeout ops with their CLOCK_MONOTONIC deadlines. Nothing fires from the timer
// interrupt itself (an interrupt handler must not touch rings); the 1 kHz tick only ends a halt, and the wait
// loops (enter, the shim's waits) and run_ready_ops() call run_due_timers(), so a timer fires at most a tick
// late while anybody waits, and at the next system call otherwise.
//
// An unsorted list scanned for the earliest deadline: a process has a handful of timers at a time (tests use
// up to a few hundred), and the scan keeps arming and cancelling O(1).
#include "Ring/ring_internal.hpp"
#include "Syscalls/hooks.hpp"

namespace kernel {

namespace {

using TimerList = List<PendingOp, &PendingOp::timer_node>;
constinit TimerList timers;
bool firing = false;

// The earliest timer (the first armed among equal deadlines, the order Linux fires them in); with
// only_current, the earliest of the current process's rings.
PendingOp *earliest(bool only_current = false)
{
	PendingOp *best = nullptr;
	for (PendingOp *op : timers)
		if ((!best || op->deadline < best->deadline) && (!only_current || in_owner_context(*op->ring)))
			best = op;
	return best;
}

} // namespace

void arm_timer(PendingOp &op) { timers.push_back(&op); }

void disarm_timer(PendingOp &op) { timers.remove(&op); }

uint64_t next_timer_deadline()
{
	// Only the current process's timers: the caller is a wait loop of this process, and another process's
	// due timer fires only in that process, so waking for it would spin this thread without end (a parked
	// FUTEX/WAITPID keeps a thread in its enter while another process sleeps on a TIMEOUT).
	PendingOp *first = earliest(true);
	return first ? first->deadline : no_deadline;
}

void ring_timer_tick()
{
	// Ops made ready by another process's call (its write to a shared pipe) complete here, in their owner.
	if (ready_ops_waiting())
		run_ready_ops();
	if (!timers.empty())
		run_due_timers();
}

void run_due_timers()
{
	if (firing)
		return;
	firing = true;
	uint64_t now = now_ns(1);
	// Only the current process's timers fire here: their completions may write its memory. Another process's
	// fire on that process's own next tick, wait or system call.
	while (PendingOp *op = earliest(true)) {
		if (op->deadline > now)
			break;
		finish_pending(*op, -ETIME, 0); // disarms it
	}
	firing = false;
}

} // namespace kernel
