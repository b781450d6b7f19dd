// The core family: NOP and CANCEL.
#include "Ring/ring_internal.hpp"

namespace kernel {

OpOutcome op_nop(NativeRing &, const rp_sqe &) { return OpOutcome::done(0); }

// CANCEL addr=user_data: the oldest parked op of this ring with that user_data ends with -ECANCELED (a stream
// with RP_CQE_LAST_UPDATE) and Cancel says 0; none is -ENOENT. Every op of this kernel is either finished or
// parked, never running on another thread, so -EALREADY does not arise.
OpOutcome op_cancel(NativeRing &ring, const rp_sqe &sqe)
{
	PendingOp *op = find_pending(ring, sqe.addr);
	if (!op)
		return OpOutcome::done(-ENOENT);
	finish_pending(*op, -ECANCELED, op->kind == PendingKind::events ? RP_CQE_LAST_UPDATE : 0);
	return OpOutcome::done(0);
}

} // namespace kernel
