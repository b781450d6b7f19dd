// Waitpid. Reaping is tried inline (a WNOWAIT peek, then the real waitid only when something is there, so a
// caller's siginfo is written exactly once). A pending wait for one child waits on a pidfd in the reactor;
// P_ALL, P_PGID and waits for stop/continue events (which a pidfd does not signal) are re-checked on the
// reactor's 2 ms retry tick. No thread is ever parked per waiter.
#include "internal.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>

namespace ringport::hosted {

namespace {

// *ready says whether the wait is over; the return value is then its result.
int64_t try_reap(const rp_sqe& s, bool* ready)
{
	*ready = true;
	// Linux's waitid refuses an idtype beyond P_PIDFD with EINVAL; such a value cannot even be converted to
	// idtype_t (outside the enum's range: undefined behaviour, which UBSan reports).
	if (s.syscall_flags > uint32_t(P_PIDFD))
		return -EINVAL;
	const idtype_t idtype = idtype_t(s.syscall_flags);
	const id_t id = id_t(s.fd);
	const int options = int(s.len);
	auto* info = reinterpret_cast<siginfo_t*>(uintptr_t(s.addr));
	*ready = true;
	// A siginfo in the embedding's private memory: as Linux, the child is reaped and the answer is -EFAULT
	// (the kernel's copy-out fails); the OS reaps into its own buffer.
	siginfo_t lost;
	const bool refused = user_range(s.addr, sizeof(siginfo_t));
	if (refused)
		info = &lost;
	auto done = [&](int r) -> int64_t { return r < 0 ? fail() : refused ? -EFAULT : 0; };
	if (options & WNOHANG)
		return done(waitid(idtype, id, info, options));
	siginfo_t peek;
	memset(&peek, 0, sizeof peek);
	if (waitid(idtype, id, &peek, options | WNOHANG | WNOWAIT) < 0)
		return fail();
	if (peek.si_pid == 0) {
		*ready = false;
		return 0;
	}
	return done(waitid(idtype, id, info, options | WNOHANG));
}

Issue waitpid_retry(Ring&, Op& op)
{
	bool ready;
	int64_t r = try_reap(op.sqe, &ready);
	return ready ? Issue::complete(r) : Issue::later();
}

const OpKind waitpid_kind{waitpid_retry, nullptr, nullptr};

} // namespace

Issue op_waitpid(Ring& ring, const rp_sqe& sqe)
{
	bool ready;
	int64_t r = try_reap(sqe, &ready);
	if (ready)
		return Issue::complete(r);
	const int options = int(sqe.len);
	const bool exit_only = !(options & (WSTOPPED | WCONTINUED));
	int watch_fd = -1, owned = -1;
	if (exit_only && sqe.syscall_flags == P_PID) {
		owned = int(sys(SYS_pidfd_open, pid_t(sqe.fd), 0));
		watch_fd = owned;
	} else if (exit_only && sqe.syscall_flags == P_PIDFD) {
		to_fd(sqe.fd, &watch_fd);
	}
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, &waitpid_kind);
	op->owned_fd = owned;
	if (watch_fd >= 0) {
		op->fd = watch_fd;
		op->events = EPOLLIN;
		if (ring.to_watch_locked(op) == 0)
			return Issue::later();
	}
	if (int e = ring.to_retry_locked(op); e < 0) {
		ring.drop_locked(op);
		return Issue::complete(e);
	}
	return Issue::later();
}

} // namespace ringport::hosted
