// wait4/waitid's core (process.hpp's wait_child) and the process-group calls. Only exits are reported (no
// stopped or continued children: there is no job control).
#include "Library/errno.hpp"
#include "Syscalls/calls.hpp"
#include "Tasks/process.hpp"

namespace kernel {

void reap_zombie(Process *p); // process.cpp

namespace {
bool matches(const Process *child, int idtype, int id)
{
	switch (idtype) {
	case 0: // P_ALL
		return true;
	case 1: // P_PID
		return child->pid == id;
	case 2: // P_PGID
		return child->pgid == id;
	default:
		return false;
	}
}
} // namespace

long wait_child(int idtype, int id, bool no_hang, bool keep, int *status, Usage *usage)
{
	Process *self = current();
	for (;;) {
		bool any = false;
		for (Process *child : self->children) {
			if (!matches(child, idtype, id))
				continue;
			any = true;
			if (child->state == ProcessState::zombie) {
				int pid = child->pid;
				*status = child->wait_status;
				Usage used = keep ? account_reap(nullptr, child) : account_reap(self, child);
				if (usage)
					*usage = used;
				if (!keep)
					reap_zombie(child);
				return pid;
			}
		}
		if (!any)
			return -ECHILD;
		if (no_hang)
			return 0;
		// Nothing to report: a pending signal (a handler, a kill) ends the call with EINTR, as Linux's do_wait
		// checks only after the children (a child's exit and its SIGCHLD arrive together; the zombie wins).
		Thread *t = current_thread();
		if (self->dying || (self->pending_signals & ~t->signal_mask))
			return -EINTR;
		block(&self->child_events, no_deadline, true);
	}
}

long sys_wait4(int64_t pid, uint64_t user_status, uint64_t options, uint64_t user_rusage)
{
	constexpr uint64_t wnohang = 1, wuntraced = 2, wcontinued = 8, wnothread = 0x20000000, wall = 0x40000000,
	                   wclone = 0x80000000;
	if (options & ~(wnohang | wuntraced | wcontinued | wnothread | wall | wclone))
		return -EINVAL;
	int idtype, id;
	if (pid == -1) {
		idtype = 0, id = 0;
	} else if (pid > 0) {
		idtype = 1, id = int(pid);
	} else if (pid == 0) {
		idtype = 2, id = current()->pgid;
	} else {
		if (pid == INT64_MIN || -pid > 0x7FFFFFFF)
			return -ESRCH;
		idtype = 2, id = int(-pid);
	}
	int status = 0;
	Usage usage;
	long r = wait_child(idtype, id, options & wnohang, false, &status, &usage);
	if (r > 0) {
		if (user_status && copy_to_user(user_status, &status, sizeof status))
			return -EFAULT;
		uint8_t rusage[144];
		linux_rusage(usage, rusage);
		if (user_rusage && copy_to_user(user_rusage, rusage, sizeof rusage))
			return -EFAULT;
	}
	return r;
}

namespace {
// waitid(2)'s body; none_yet: with WNOHANG, -EAGAIN (nothing written) instead of 0 when nothing is to report.
long waitid_common(uint64_t idtype, uint64_t id, uint64_t user_info, uint64_t options, uint64_t user_rusage,
                   bool none_yet);
} // namespace

long sys_waitid(uint64_t idtype, uint64_t id, uint64_t user_info, uint64_t options, uint64_t user_rusage)
{
	return waitid_common(idtype, id, user_info, options, user_rusage, false);
}

namespace {
long waitid_common(uint64_t idtype, uint64_t id, uint64_t user_info, uint64_t options, uint64_t user_rusage,
                   bool none_yet)
{
	constexpr uint64_t wnohang = 1, wstopped = 2, wexited = 4, wcontinued = 8, wnowait = 0x01000000,
	                   wnothread = 0x20000000, wall = 0x40000000, wclone = 0x80000000;
	if (options & ~(wnohang | wstopped | wexited | wcontinued | wnowait | wnothread | wall | wclone))
		return -EINVAL;
	if (!(options & (wexited | wstopped | wcontinued)))
		return -EINVAL;
	if (idtype > 2 && idtype != 3)
		return -EINVAL;
	int type = int(idtype);
	int target = int(id);
	if (idtype == 3) { // P_PIDFD: no pidfds here
		return -EBADF;
	}
	if (idtype == 2 && id == 0)
		target = current()->pgid;
	if (!(options & wexited)) {
		// Only stops/continues asked for: there are none to report, and none will come (no job control).
		if ((options & wnohang) && !none_yet)
			return 0;
		return -ECHILD;
	}
	int status = 0;
	Usage usage; // stays zero when nothing was reported (WNOHANG), as Linux clears it
	long r = wait_child(type, target, options & wnohang, options & wnowait, &status, &usage);
	if (r < 0)
		return r;
	if (r == 0 && none_yet)
		return -EAGAIN;
	if (user_info) {
		struct {
			int32_t signo, error, code, pad;
			int32_t pid, uid, status;
			uint8_t rest[100];
		} info{};
		static_assert(sizeof info == 128);
		if (r > 0) {
			info.signo = 17; // SIGCHLD
			info.pid = int32_t(r);
			info.uid = 1000;
			if (status & 0x7F) {
				info.code = 2; // CLD_KILLED
				info.status = status & 0x7F;
			} else {
				info.code = 1; // CLD_EXITED
				info.status = (status >> 8) & 0xFF;
			}
		}
		if (copy_to_user(user_info, &info, sizeof info))
			return -EFAULT;
	}
	uint8_t rusage[144];
	linux_rusage(usage, rusage);
	if (user_rusage && copy_to_user(user_rusage, rusage, sizeof rusage))
		return -EFAULT;
	return 0;
}
} // namespace

long sys_getppid()
{
	Process *p = current();
	return p->parent ? p->parent->pid : 1; // the runner stands where init would
}

long sys_setpgid(int64_t pid, int64_t pgid)
{
	Process *self = current();
	if (pgid < 0)
		return -EINVAL;
	Process *target = pid == 0 ? self : find_process(int(pid));
	if (!target || (target != self && target->parent != self))
		return -ESRCH;
	target->pgid = pgid == 0 ? target->pid : int(pgid);
	return 0;
}

long sys_getpgid(int64_t pid)
{
	Process *target = pid == 0 ? current() : find_process(int(pid));
	if (!target)
		return -ESRCH;
	return target->pgid;
}

long sys_setsid()
{
	Process *self = current();
	if (self->pgid == self->pid)
		return -EPERM;
	self->sid = self->pgid = self->pid;
	return self->pid;
}

long sys_getsid(int64_t pid)
{
	Process *target = pid == 0 ? current() : find_process(int(pid));
	if (!target)
		return -ESRCH;
	return target->sid;
}

} // namespace kernel

namespace kernel {
long wait_child_info(uint32_t idtype, uint64_t id, uint64_t user_info, uint32_t options)
{
	return sys_waitid(idtype, id, user_info, options, 0);
}

long try_wait_child_info(uint32_t idtype, uint64_t id, uint64_t user_info, uint32_t options)
{
	constexpr uint32_t wnohang = 1;
	return waitid_common(idtype, id, user_info, options | wnohang, 0, true);
}

ChildWatch *watch_children(ParkWoken woken, void *context)
{
	auto *watch = create<ChildWatch>();
	if (!watch)
		return nullptr;
	watch->woken = woken;
	watch->context = context;
	watch->process = current();
	watch->process->child_watches.push_back(watch);
	return watch;
}

void unwatch_children(ChildWatch *watch)
{
	if (!watch)
		return;
	watch->process->child_watches.remove(watch);
	destroy(watch);
}

void notify_child_watches(Process *parent)
{
	// The callbacks only queue their ops (nothing is unlinked while this walks).
	for (ChildWatch *watch : parent->child_watches)
		watch->woken(watch->context, 0);
}
} // namespace kernel

namespace kernel {
// prctl(2): the options programs use here. PR_SET_NAME/PR_GET_NAME name the process (15 bytes and a NUL, as
// Linux's comm), PR_SET_PDEATHSIG/PR_GET_PDEATHSIG (the signal is sent when the parent exits), and
// PR_SET_DUMPABLE/PR_GET_DUMPABLE (accepted: there are no core dumps). Anything else: -EINVAL, as Linux for an
// unknown option.
long sys_prctl(uint64_t option, uint64_t a1, uint64_t, uint64_t, uint64_t)
{
	Process *self = current();
	switch (option) {
	case 1: // PR_SET_PDEATHSIG
		if (a1 > signal_count)
			return -EINVAL;
		self->parent_death_signal = int(a1);
		return 0;
	case 2: { // PR_GET_PDEATHSIG
		int value = self->parent_death_signal;
		return copy_to_user(a1, &value, sizeof value) ? -EFAULT : 0;
	}
	case 3: // PR_GET_DUMPABLE
		return 1;
	case 4: // PR_SET_DUMPABLE
		return a1 <= 1 ? 0 : -EINVAL;
	case 15: { // PR_SET_NAME
		char name[16];
		long n = strncpy_from_user(name, a1, sizeof name);
		if (n == -EFAULT)
			return -EFAULT;
		name[15] = '\0';
		for (size_t i = 0; i < sizeof name; i++) {
			self->name[i] = name[i];
			if (!name[i])
				break;
		}
		return 0;
	}
	case 16: { // PR_GET_NAME
		char name[16] = {};
		for (size_t i = 0; i < 15 && self->name[i]; i++)
			name[i] = self->name[i];
		return copy_to_user(a1, name, sizeof name) ? -EFAULT : 0;
	}
	default:
		return -EINVAL;
	}
}
} // namespace kernel
