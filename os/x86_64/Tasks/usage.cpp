// Resource usage accounting and getrusage(2) (usage.hpp).
#include "Tasks/usage.hpp"

#include "Library/errno.hpp"
#include "Library/string.hpp"
#include "Syscalls/calls.hpp"
#include "Tasks/process.hpp"
#include "Tasks/thread.hpp"

namespace kernel {

namespace {

// A thread's usage including the slice it is running now.
Usage thread_usage(const Thread *t)
{
	Usage u = t->usage;
	if (t == current_thread())
		u.runtime_ns += now_ns(1) - t->switched_in_ns;
	return u;
}

} // namespace

void account_switch(Thread *previous, Thread *next)
{
	uint64_t now = now_ns(1);
	previous->usage.runtime_ns += now - previous->switched_in_ns;
	if (previous->state == ThreadState::blocked)
		previous->usage.nvcsw++;
	else if (previous->state == ThreadState::ready)
		previous->usage.nivcsw++;
	next->switched_in_ns = now;
}

void account_tick(bool from_user)
{
	Thread *t = current_thread();
	if (!t || !t->process)
		return; // kernel threads (the runner, idle) use no process's time
	if (from_user)
		t->usage.user_ticks++;
	else
		t->usage.system_ticks++;
}

void account_thread_exit(Thread *thread)
{
	if (thread->process)
		thread->process->exited_threads.add(thread_usage(thread));
}

Usage account_reap(Process *parent, Process *child)
{
	Usage u = child->exited_threads; // a zombie has no threads left
	u.add(child->children_usage);
	if (parent)
		parent->children_usage.add(u);
	return u;
}

void linux_rusage(const Usage &usage, uint8_t out[144])
{
	// Linux's cputime_adjust: the exact total, split in the ratio of the tick samples.
	uint64_t total = usage.runtime_ns, user = total, system = 0;
	if (usage.system_ticks && usage.user_ticks) {
		// total * s / (s + u) without 128-bit division: exact while s + u < 2^32 ticks (49 days).
		uint64_t s = usage.system_ticks, all = usage.system_ticks + usage.user_ticks;
		while (all >> 32)
			s >>= 1, all >>= 1;
		system = total / all * s + total % all * s / all;
		user = total - system;
	} else if (usage.system_ticks) {
		system = total, user = 0;
	}
	int64_t fields[18] = {};
	fields[0] = int64_t(user / 1000000000ull);            // ru_utime.tv_sec
	fields[1] = int64_t(user % 1000000000ull / 1000);     // ru_utime.tv_usec
	fields[2] = int64_t(system / 1000000000ull);          // ru_stime
	fields[3] = int64_t(system % 1000000000ull / 1000);
	// fields[4 .. 15]: ru_maxrss .. ru_nsignals, not kept (0, as Linux leaves the obsolete ones).
	fields[16] = int64_t(usage.nvcsw);
	fields[17] = int64_t(usage.nivcsw);
	static_assert(sizeof fields == 144);
	memcpy(out, fields, sizeof fields);
}

// getrusage (98): RUSAGE_SELF (0) every thread of the process, the ended ones included; RUSAGE_CHILDREN (-1)
// the children (and their descendants) it waited for; RUSAGE_THREAD (1) the calling thread.
long sys_getrusage(int64_t who, uint64_t user_usage)
{
	Usage u;
	Thread *self = current_thread();
	Process *p = current();
	switch (who) {
	case 0:
		u = p->exited_threads;
		for (Thread *t : p->threads)
			u.add(thread_usage(t));
		break;
	case -1:
		u = p->children_usage;
		break;
	case 1:
		u = thread_usage(self);
		break;
	default:
		return -EINVAL;
	}
	uint8_t out[144];
	linux_rusage(u, out);
	return copy_to_user(user_usage, out, sizeof out) ? -EFAULT : 0;
}

} // namespace kernel
