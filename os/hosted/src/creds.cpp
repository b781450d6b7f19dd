// Credentials for native entries flagged RP_SQE_CREDS (creds.hpp): snapshots, the per-thread switch, and the
// ring's table of registered credentials.
//
// Linux gives an io_uring request its personality's credentials by pointing the executing task at them. The
// hosted OS cannot point; it can only change a thread's credentials with the calls a process has, within the
// rules those calls enforce. The switch is per thread (raw setresuid/setresgid/setgroups: the kernel keeps
// credentials per thread; glibc's wrappers would broadcast them to every thread of the process), lasts exactly
// as long as the op's execution on that thread, and is undone before the thread runs anything else.
//
// Order matters because each call checks the credentials of the moment: first take euid 0 when the thread may
// (it regains the capabilities a root-owned process keeps in its permitted set), then groups, gids and the
// fs gid while privileged, then the uids, and last the fs uid (setresuid resets it to the new euid). A switch
// is only made when it can be undone: the target keeps uid 0 in one of its three uids (the way back starts by
// taking euid 0 again), or it differs from the current credentials in the fs ids alone. Otherwise, and when the
// host refuses any step, the entry completes -EPERM, which is what a process without the privilege to assume
// those credentials could ever achieve (docs/native-abi.md, "Credentials").
#include "creds.hpp"

#include "internal.hpp"

#include <csignal>
#include <cstdlib>
#include <sys/syscall.h>

namespace ringport::hosted {

thread_local const CredsRef* t_issuing_creds = nullptr;

namespace {
thread_local CredsScope* t_worn = nullptr; // the scope whose borrowed credentials this thread wears now
}

namespace {

long raw(long n, long a = 0, long b = 0, long c = 0, long d = 0) { return linux_syscall(n, a, b, c, d); }

// Makes the calling thread's credentials `to` as far as the host lets it; the caller verifies the result.
void set_thread_creds(const Creds& to, const Creds& from)
{
	(void)raw(SYS_setresuid, -1, 0, -1); // privilege for what follows, when the thread may take it
	if (to.groups != from.groups)
		(void)raw(SYS_setgroups, long(to.groups.size()), long(to.groups.data()));
	(void)raw(SYS_setresgid, to.gid, to.egid, to.sgid);
	(void)raw(SYS_setfsgid, to.fsgid);
	(void)raw(SYS_setresuid, to.uid, to.euid, to.suid);
	(void)raw(SYS_setfsuid, to.fsuid);
}

// Puts the thread back to `saved` when it is not there; aborts when the host will not (see CredsScope).
void restore_exactly(const Creds& saved)
{
	Creds now;
	if (current_creds(now) == 0 && now == saved)
		return;
	set_thread_creds(saved, now);
	Creds back;
	if (current_creds(back) != 0 || !(back == saved))
		std::abort(); // this thread would go on with credentials that are not the process's
}

bool can_return(const Creds& to, const Creds& from)
{
	if (to.uid == 0 || to.euid == 0 || to.suid == 0)
		return true;
	return to.uid == from.uid && to.euid == from.euid && to.suid == from.suid && to.gid == from.gid &&
	       to.egid == from.egid && to.sgid == from.sgid && to.groups == from.groups;
}

} // namespace

int current_creds(Creds& out)
{
	uint32_t ids[3];
	if (long e = raw(SYS_getresuid, long(&ids[0]), long(&ids[1]), long(&ids[2])); e < 0)
		return int(e);
	out.uid = ids[0], out.euid = ids[1], out.suid = ids[2];
	if (long e = raw(SYS_getresgid, long(&ids[0]), long(&ids[1]), long(&ids[2])); e < 0)
		return int(e);
	out.gid = ids[0], out.egid = ids[1], out.sgid = ids[2];
	out.fsuid = uint32_t(raw(SYS_setfsuid, -1)); // -1 changes nothing and answers the current value
	out.fsgid = uint32_t(raw(SYS_setfsgid, -1));
	for (;;) {
		long n = raw(SYS_getgroups, 0, 0);
		if (n < 0)
			return int(n);
		out.groups.resize(size_t(n));
		long got = raw(SYS_getgroups, n, long(out.groups.data()));
		if (got >= 0) {
			out.groups.resize(size_t(got));
			return 0;
		}
		if (got != -EINVAL) // -EINVAL: the set grew between the two calls; read it again
			return int(got);
	}
}

CredsScope::CredsScope(const Creds* target)
{
	if (!target)
		return;
	if (int e = current_creds(saved_); e) {
		err_ = e;
		return;
	}
	if (saved_ == *target)
		return; // already the thread's own: nothing to borrow
	if (!can_return(*target, saved_)) {
		err_ = -EPERM;
		return;
	}
	// No program signal handler may run while the thread wears other credentials. SIGSYS stays open (the
	// glue's system-call trap needs it on every thread), and so does the OS's interrupt (a Cancel of a
	// blocking call), whose handler is the OS's own. The kernel's 64-bit mask is built by hand: libc's
	// sigfillset leaves out its internal signals, and the one libc uses to apply another thread's setuid to
	// this one must wait until the thread wears its own credentials again, or the restore would undo it.
	uint64_t all = ~0ull & ~(1ull << (SIGSYS - 1)) & ~(1ull << (SIGRTMAX - 2 - 1)); // workers.cpp's interrupt
	(void)raw(SYS_rt_sigprocmask, SIG_SETMASK, long(&all), long(&saved_mask_), 8);
	switched_ = true;
	target_ = target;
	outer_ = t_worn;
	t_worn = this;
	set_thread_creds(*target, saved_);
	Creds now;
	if (current_creds(now) != 0 || !(now == *target))
		err_ = -EPERM; // the destructor puts back what the thread had
}

CredsScope::~CredsScope()
{
	if (!switched_)
		return;
	restore_exactly(saved_);
	t_worn = outer_;
	(void)raw(SYS_rt_sigprocmask, SIG_SETMASK, long(&saved_mask_), 0, 8);
}

CredsPause::CredsPause() : scope_(t_worn)
{
	if (scope_)
		restore_exactly(scope_->saved_);
}

CredsPause::~CredsPause()
{
	if (!scope_)
		return;
	Creds now;
	if (current_creds(now) == 0)
		set_thread_creds(*scope_->target_, now);
	Creds again;
	if (current_creds(again) != 0 || !(again == *scope_->target_))
		std::abort(); // they were taken once from this very state: the host changed its mind mid-op
}

int entry_creds(Ring& ring, rp_sqe& sqe, CredsRef* out)
{
	if (sqe.flags & RP_SQE_REGISTERS)
		return -EINVAL;
	{
		std::lock_guard<std::mutex> g(ring.mu);
		auto it = ring.creds.find(sqe.priority);
		if (it == ring.creds.end())
			return -EINVAL;
		*out = it->second;
	}
	sqe.flags &= uint8_t(~RP_SQE_CREDS);
	sqe.priority = 0;
	return 0;
}

} // namespace ringport::hosted

using namespace ringport::hosted;

extern "C" int rp_os_ring_register_creds(rp_os_ring* ring, uint16_t id)
{
	if (!ring || !id)
		return -EINVAL;
	auto c = std::make_shared<Creds>();
	if (int e = current_creds(*c); e)
		return e;
	// Replaced, never erased before the ring goes: an op issued under the old snapshot holds its own reference,
	// and an id is only ever named by an entry the caller checked against its own registrations.
	std::lock_guard<std::mutex> g(ring->mu);
	ring->creds[id] = std::move(c);
	return 0;
}
