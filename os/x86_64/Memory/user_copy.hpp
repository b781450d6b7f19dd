// Fault-safe access to user memory. The copy loops (user_copy.S) are the only kernel instructions allowed to
// fault on a user address: the exception table pairs each with a fixup that makes the copy return what it
// could not copy; Platform's copy_from_user & co. turn that into -EFAULT.
#pragma once

#include <stdint.h>

namespace kernel {

// The fixup address for a faulting kernel instruction, or 0 when rip is not a user-access instruction.
uint64_t user_copy_fixup(uint64_t rip);

} // namespace kernel
