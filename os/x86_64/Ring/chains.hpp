// Chains and ring registers in the kernel's executor (chains.cpp): the hooks ring_enter.cpp (consumption),
// pending.cpp (a parked step's completion) and ring_arguments.cpp (a step's copied paths) call.
#pragma once

#include "Ring/ring_internal.hpp"

namespace kernel {

// Whether sqe (just popped, flags already checked) starts a chain: it uses registers or the next entry is
// flagged RP_SQE_CHAIN.
bool starts_chain(NativeRing &ring, const rp_sqe &sqe);
// Consumes the CHAIN entries after first (at most *left - 1; *left is decreased by what it took) and starts
// the chain. Returns how many entries it consumed beyond first.
long run_chain(NativeRing &ring, const rp_sqe &first, uint32_t *left);
// A parked step of a chain finished with result (its completion is posted): the rest continues.
void chain_step_finished(void *chain, int64_t result);
// While a chain step's handler runs: the kernel copy of the path that was at user_path when the entry was
// consumed, or nullptr.
const char *chain_path(uint64_t user_path);

} // namespace kernel
