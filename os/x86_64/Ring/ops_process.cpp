// RP_OP_WAITPID and RP_OP_FUTEX (native_ring.h). A wait that is not satisfied at submission does not block the
// submitting thread: it parks as a pending op of the ring, as a poll does, and completes from the call that
// satisfies it - a futex wake (Tasks/futex.cpp calls futex_op_woken) or a child's exit (Tasks/wait.cpp calls
// child_op_woken) - so an io_uring program may submit IORING_OP_FUTEX_WAIT or WAITID and carry on, and
// Cancel, a linked timeout's cancel and ring teardown end the wait with -ECANCELED (drop_pending takes the
// waiters off). The C library's synchronous calls (waitpid, pthread locks) submit one SQE and sleep in their
// enter until its CQE is there, so they behave as the blocking calls did, except that a signal no longer ends
// the wait with -EINTR: the handler runs (the enter returns to user space) and the wait goes on, as Linux's
// io_uring waits do. Timed futex waits use futex(2) with its timeout, which still sleeps in the thread.
#include "Ring/ops_process.hpp"

namespace kernel {

namespace {
constexpr uint32_t wnohang = 1;

// Parks sqe as a `kind` op; the caller registers its waiters. nullptr (then -ENOMEM) when memory is short or
// the ring is being destroyed.
PendingOp *park_wait(NativeRing &ring, const rp_sqe &sqe, PendingKind kind)
{
	return park(ring, sqe, kind);
}
} // namespace

OpOutcome op_waitpid(NativeRing &ring, const rp_sqe &sqe)
{
	// fd=id, syscall_flags=idtype (P_*), len=options (W*), addr=siginfo_t* -> 0
	if (sqe.len > 0xFFFFFFFFull)
		return OpOutcome::done(-EINVAL);
	uint32_t options = uint32_t(sqe.len);
	if (options & wnohang)
		return OpOutcome::done(wait_child_info(sqe.syscall_flags, sqe.fd, sqe.addr, options));
	long r = try_wait_child_info(sqe.syscall_flags, sqe.fd, sqe.addr, options);
	if (r != -EAGAIN)
		return OpOutcome::done(r);
	PendingOp *op = park_wait(ring, sqe, PendingKind::waitpid);
	if (!op)
		return OpOutcome::done(-ENOMEM);
	op->child_watch = watch_children(child_op_woken, op);
	if (!op->child_watch) {
		drop_pending(*op);
		return OpOutcome::done(-ENOMEM);
	}
	return OpOutcome::wait();
}

void retry_waitpid(PendingOp &op)
{
	// Runs in the owner's context (run_ready_ops), so the siginfo lands in its memory.
	long r = try_wait_child_info(op.sqe.syscall_flags, op.sqe.fd, op.sqe.addr, uint32_t(op.sqe.len));
	if (r != -EAGAIN)
		finish_pending(op, r, 0);
}

OpOutcome op_futex_native(NativeRing &ring, const rp_sqe &sqe)
{
	bool is_private = sqe.syscall_flags & RP_FUTEX_PRIVATE_FLAG;
	uint32_t op = sqe.syscall_flags & ~RP_FUTEX_PRIVATE_FLAG;
	uint32_t bitset = uint32_t(sqe.additional1);
	PendingOp *parked = nullptr;
	long r;
	switch (op) {
	case RP_FUTEX_WAIT:
		if (sqe.offset > 0xFFFFFFFFull)
			return OpOutcome::done(-EINVAL);
		// Parked first, so the waiter can name it; dropped again when the word differs or is unreadable.
		parked = park_wait(ring, sqe, PendingKind::futex);
		if (!parked)
			return OpOutcome::done(-ENOMEM);
		r = futex_park(sqe.addr, uint32_t(sqe.offset), bitset, is_private, futex_op_woken, parked,
		               &parked->futex);
		break;
	case RP_FUTEX_WAKE:
		return OpOutcome::done(
			futex_wake(sqe.addr, sqe.len > 0x7FFFFFFF ? 0x7FFFFFFFu : uint32_t(sqe.len), bitset, is_private));
	case RP_FUTEX_WAITV:
		if (sqe.syscall_flags & RP_FUTEX_PRIVATE_FLAG)
			return OpOutcome::done(-EINVAL); // each entry carries its own private flag
		if (sqe.len == 0 || sqe.len > RP_FUTEX_WAITV_MAX)
			return OpOutcome::done(-EINVAL);
		parked = park_wait(ring, sqe, PendingKind::futex);
		if (!parked)
			return OpOutcome::done(-ENOMEM);
		r = futex_park_vector(sqe.addr, uint32_t(sqe.len), futex_op_woken, parked, &parked->futex);
		break;
	default:
		return OpOutcome::done(-EINVAL);
	}
	if (r < 0) {
		drop_pending(*parked);
		return OpOutcome::done(r);
	}
	return OpOutcome::wait();
}

} // namespace kernel
