// The native ring's process and futex opcodes (the tasks engineer's, ops_process.cpp): RP_OP_WAITPID and
// RP_OP_FUTEX onto the kernel's waitid and futex code through Platform.
#pragma once

#include "Ring/ring_internal.hpp"

namespace kernel {

OpOutcome op_waitpid(NativeRing &, const rp_sqe &);
OpOutcome op_futex_native(NativeRing &, const rp_sqe &);

} // namespace kernel
