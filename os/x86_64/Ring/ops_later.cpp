// Opcodes whose subsystem part 2 brings (sockets, Waitpid, Futex waits) or the kernel has no use for yet
// (xattrs, splice/tee): -EOPNOTSUPP, an honest refusal the shim passes on.
#include "Ring/ring_internal.hpp"

namespace kernel {

OpOutcome op_not_yet(NativeRing &, const rp_sqe &) { return OpOutcome::done(-EOPNOTSUPP); }

// FUTEX: one thread per process in part 1, so nobody can be waiting on a futex and a Wake wakes nobody: 0.
// Wait and Waitv need a second thread to ever return, which part 2 brings.
OpOutcome op_futex(NativeRing &, const rp_sqe &sqe)
{
	uint32_t op = sqe.syscall_flags & ~RP_FUTEX_PRIVATE_FLAG;
	if (op == RP_FUTEX_WAKE)
		return OpOutcome::done(0);
	if (op == RP_FUTEX_WAIT || op == RP_FUTEX_WAITV)
		return OpOutcome::done(-EOPNOTSUPP);
	return OpOutcome::done(-EINVAL);
}

} // namespace kernel
