// The readiness family: POLL (one result) and REGISTER_EVENTS (a stream). Both look at the file's poll bits
// at once and otherwise park on its readiness waiters; the file wakes them from inside the call that changed
// its readiness (a pipe write, an eventfd write, a CQ post on an io_uring fd), and run_ready_ops() re-examines
// them before that call returns.
//
// Results are Linux's: the bits asked for plus POLLERR and POLLHUP, which are always reported. A file that
// cannot be polled at all (O_PATH, POLLNVAL) is -EBADF, as io_uring refuses such fds.
#include "Ring/ring_internal.hpp"

namespace kernel {

namespace {

uint32_t interesting(uint32_t mask, uint32_t events) { return mask & (events | POLLERR_ | POLLHUP_); }

// Parks sqe on file's readiness; -ENOMEM when no op can be had.
OpOutcome park_on(NativeRing &ring, const rp_sqe &sqe, PendingKind kind, FileRef file)
{
	PendingOp *op = park(ring, sqe, kind);
	if (!op)
		return OpOutcome::done(-ENOMEM);
	op->file = static_cast<FileRef &&>(file);
	wait_for_readiness(*op);
	return OpOutcome::wait();
}

} // namespace

OpOutcome op_poll(NativeRing &ring, const rp_sqe &sqe)
{
	Result<FileRef> file = file_argument(ring, sqe.fd);
	if (!file.ok())
		return OpOutcome::done(-file.error());
	uint32_t mask = file.value()->poll();
	if (mask & POLLNVAL_)
		return OpOutcome::done(-EBADF);
	if (uint32_t ready = interesting(mask, sqe.syscall_flags))
		return OpOutcome::done(ready);
	return park_on(ring, sqe, PendingKind::poll, file.release_value());
}

// A stream: one RP_CQE_EVENT completion now if the file is ready, then one per wake-up that finds it ready
// (new data or room arriving), until Cancel ends it with RP_CQE_LAST_UPDATE and -ECANCELED.
OpOutcome op_register_events(NativeRing &ring, const rp_sqe &sqe)
{
	Result<FileRef> file = file_argument(ring, sqe.fd);
	if (!file.ok())
		return OpOutcome::done(-file.error(), RP_CQE_LAST_UPDATE);
	uint32_t mask = file.value()->poll();
	if (mask & POLLNVAL_)
		return OpOutcome::done(-EBADF, RP_CQE_LAST_UPDATE);
	if (uint32_t ready = interesting(mask, sqe.syscall_flags))
		post_completion(ring, sqe.user_data, ready, RP_CQE_EVENT);
	return park_on(ring, sqe, PendingKind::events, file.release_value());
}

void recheck_readiness(PendingOp &op)
{
	uint32_t ready = interesting(op.file->poll(), op.sqe.syscall_flags);
	if (!ready)
		return; // a wake-up that did not concern us (the other direction changed)
	if (op.kind == PendingKind::poll)
		finish_pending(op, ready, 0);
	else
		post_async_completion(*op.ring, op.sqe.user_data, ready, RP_CQE_EVENT);
}

} // namespace kernel
