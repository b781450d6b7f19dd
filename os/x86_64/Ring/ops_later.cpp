// Opcodes whose subsystem the kernel does not have yet (sockets) or has no use for yet (xattrs, splice/tee):
// -EOPNOTSUPP, an honest refusal the shim passes on. (WAITPID and FUTEX: ops_process.cpp.)
#include "Ring/ring_internal.hpp"

namespace kernel {

OpOutcome op_not_yet(NativeRing &, const rp_sqe &) { return OpOutcome::done(-EOPNOTSUPP); }

} // namespace kernel
