// Scheduling parameters a program reads and sets: getpriority/setpriority (the nice value) and
// sched_getaffinity/sched_setaffinity. The reference kernel is uniprocessor with one round-robin class, so
// neither changes how threads run; both keep Linux's interface exactly, because programs (fio calls nice()
// and sched_getaffinity() for every job) treat a failure as fatal.
//
// The nice value is kept per process (Linux keeps it per thread; PRIO_PROCESS on a thread id reaches its
// process here), inherited across fork and kept across execve, as on Linux.
#include "Library/errno.hpp"
#include "Platform/platform.hpp"
#include "Syscalls/calls.hpp"
#include "Tasks/process.hpp"
#include "Tasks/thread.hpp"

namespace kernel {
namespace {

constexpr uint64_t prio_process = 0, prio_pgrp = 1, prio_user = 2;
constexpr unsigned rlimit_nice = 13;
constexpr int user_id = 1000; // every process (identity_calls.cpp)

// The process a pid or thread id names (0: the caller's), or nullptr.
Process *process_named(uint64_t id)
{
	int wanted = static_cast<int>(id);
	if (wanted == 0)
		return current();
	if (wanted < 0)
		return nullptr;
	for (Process *p : all_processes()) {
		if (p->pid == wanted)
			return p;
		for (Thread *t : p->threads)
			if (t->tid == wanted)
				return p;
	}
	return nullptr;
}

// Whether process p is one of the targets of (which, who); which is already known valid.
bool targeted(Process *p, uint64_t which, uint64_t who, Process *named)
{
	if (p->state != ProcessState::alive)
		return false;
	switch (which) {
	case prio_process:
		return p == named;
	case prio_pgrp:
		return p->pgid == (who ? static_cast<int>(who) : current()->pgid);
	default: // prio_user: every process belongs to uid 1000
		return true;
	}
}

// Validates (which, who) and finds the PRIO_PROCESS target: -EINVAL for an unknown which, -ESRCH when
// PRIO_PROCESS or PRIO_USER names nobody.
long prepare(uint64_t which, uint64_t who, Process **named)
{
	*named = nullptr;
	if (which > prio_user)
		return -EINVAL;
	if (which == prio_process && !(*named = process_named(who)))
		return -ESRCH;
	if (which == prio_user && who != 0 && static_cast<int>(who) != user_id)
		return -ESRCH;
	return 0;
}

} // namespace

// Linux returns 20 - nice (1..40) so that no result looks like an error; the highest priority (lowest nice)
// among the targets.
long sys_getpriority(uint64_t which, uint64_t who)
{
	Process *named;
	if (long r = prepare(which, who, &named))
		return r;
	long best = -ESRCH;
	for (Process *p : all_processes())
		if (targeted(p, which, who, named) && 20 - p->nice > best)
			best = 20 - p->nice;
	return best;
}

// Sets every target's nice value to `value` clamped to -20..19. Lowering it (raising the priority) is
// allowed up to the target's RLIMIT_NICE (20 - nice <= the soft limit; nobody has CAP_SYS_NICE), else that
// target is skipped and the call answers -EACCES, as Linux's set_one_prio.
long sys_setpriority(uint64_t which, uint64_t who, uint64_t value)
{
	Process *named;
	if (long r = prepare(which, who, &named))
		return r;
	int nice = static_cast<int>(value);
	nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
	long result = -ESRCH;
	for (Process *p : all_processes()) {
		if (!targeted(p, which, who, named))
			continue;
		if (nice < p->nice && static_cast<uint64_t>(20 - nice) > p->limits[rlimit_nice].soft) {
			result = -EACCES;
			continue;
		}
		p->nice = nice;
		if (result == -ESRCH)
			result = 0;
	}
	return result;
}

// One CPU: the mask has bit 0 only. Linux copies out its cpumask size (8 bytes with one CPU) and returns it;
// a length shorter than that or not a multiple of 8 is -EINVAL.
long sys_sched_getaffinity(uint64_t pid, uint64_t length, uint64_t user_mask)
{
	if (length < sizeof(uint64_t) || (length & (sizeof(uint64_t) - 1)))
		return -EINVAL;
	if (!process_named(pid))
		return -ESRCH;
	uint64_t mask = 1;
	if (copy_to_user(user_mask, &mask, sizeof mask))
		return -EFAULT;
	return sizeof mask;
}

// Accepted when the mask includes CPU 0. As Linux, the mask is read first (its first 8 bytes, fewer when
// the length is shorter, the rest counting as zero: -EFAULT if unreadable), then the thread is looked up;
// a mask of no online CPU is -EINVAL.
long sys_sched_setaffinity(uint64_t pid, uint64_t length, uint64_t user_mask)
{
	uint64_t mask = 0;
	if (copy_from_user(&mask, user_mask, length < sizeof mask ? length : sizeof mask))
		return -EFAULT;
	if (!process_named(pid))
		return -ESRCH;
	return (mask & 1) ? 0 : -EINVAL;
}

} // namespace kernel
