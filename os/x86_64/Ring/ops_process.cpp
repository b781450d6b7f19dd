// RP_OP_WAITPID and RP_OP_FUTEX (native_ring.h). Both may block, and both run inline in the submitting thread:
// the executor calls them from the thread's own RP_SYS_RING_ENTER, and a wait that is not satisfied yet sleeps
// that thread (interruptibly) until a child changes state or a wake arrives, as the blocking system call
// would. This is what the C library's synchronous calls (waitpid, pthread locks) need: submit one SQE, wait
// for its CQE. The cost: later SQEs of the same submission start after the wait ends, and a linked TIMEOUT
// cannot cut a wait short (timed futex waits use futex(2) with its timeout instead).
#include "Ring/ops_process.hpp"

namespace kernel {

OpOutcome op_waitpid(NativeRing &, const rp_sqe &sqe)
{
	// fd=id, syscall_flags=idtype (P_*), len=options (W*), addr=siginfo_t* -> 0
	if (sqe.len > 0xFFFFFFFFull)
		return OpOutcome::done(-EINVAL);
	return OpOutcome::done(wait_child_info(sqe.syscall_flags, sqe.fd, sqe.addr, uint32_t(sqe.len)));
}

OpOutcome op_futex_native(NativeRing &, const rp_sqe &sqe)
{
	bool is_private = sqe.syscall_flags & RP_FUTEX_PRIVATE_FLAG;
	uint32_t op = sqe.syscall_flags & ~RP_FUTEX_PRIVATE_FLAG;
	uint32_t bitset = uint32_t(sqe.additional1);
	switch (op) {
	case RP_FUTEX_WAIT:
		if (sqe.offset > 0xFFFFFFFFull)
			return OpOutcome::done(-EINVAL);
		return OpOutcome::done(futex_wait(sqe.addr, uint32_t(sqe.offset), no_deadline, bitset, is_private));
	case RP_FUTEX_WAKE:
		return OpOutcome::done(
			futex_wake(sqe.addr, sqe.len > 0x7FFFFFFF ? 0x7FFFFFFFu : uint32_t(sqe.len), bitset, is_private));
	case RP_FUTEX_WAITV:
		if (sqe.syscall_flags & RP_FUTEX_PRIVATE_FLAG)
			return OpOutcome::done(-EINVAL); // each entry carries its own private flag
		if (sqe.len == 0 || sqe.len > RP_FUTEX_WAITV_MAX)
			return OpOutcome::done(-EINVAL);
		return OpOutcome::done(futex_waitv(sqe.addr, uint32_t(sqe.len), no_deadline));
	default:
		return OpOutcome::done(-EINVAL);
	}
}

} // namespace kernel
