// Resource usage (getrusage(2), the rusage of wait4/waitid): CPU time and context switches per thread, summed
// over a process's threads and over the children it waited for, as Linux counts them.
//
// CPU time is measured, not sampled: every switch adds the time since the thread was switched in (TSC), so
// utime + stime is exact. How that total splits into user and system time comes from the 1 kHz tick, which
// notes the mode it interrupted, and the split is Linux's cputime_adjust: the measured total in the ratio
// of the samples (all of it user time while no tick has hit either side).
#pragma once

#include <stdint.h>

namespace kernel {

struct Thread;
struct Process;

struct Usage {
	uint64_t runtime_ns = 0;   // on the CPU
	uint64_t user_ticks = 0;   // ticks that interrupted it in user mode
	uint64_t system_ticks = 0; // ... in the kernel
	uint64_t nvcsw = 0;        // switches away because it blocked
	uint64_t nivcsw = 0;       // switches away while it could still run (preemption, sched_yield)

	void add(const Usage &other)
	{
		runtime_ns += other.runtime_ns;
		user_ticks += other.user_ticks;
		system_ticks += other.system_ticks;
		nvcsw += other.nvcsw;
		nivcsw += other.nivcsw;
	}
};

// The scheduler switches from previous to next (next != previous; interrupts off): previous's time on the
// CPU ends, and its switch counts as voluntary when it blocked, involuntary when it is still ready.
void account_switch(Thread *previous, Thread *next);
// The tick (interrupts off) found the running thread in user mode (from_user) or in the kernel.
void account_tick(bool from_user);
// A thread of a process ends: what it used stays with the process (RUSAGE_SELF after it is gone).
void account_thread_exit(Thread *thread);
// A parent reaps child: the child's usage, its own and its reaped descendants', moves to the parent's
// RUSAGE_CHILDREN. Returns that sum (wait4's rusage).
Usage account_reap(Process *parent, Process *child);

// Linux's struct rusage (x86_64, 144 bytes) for usage.
void linux_rusage(const Usage &usage, uint8_t out[144]);

} // namespace kernel
