// The GDT (kernel/user segments in the order syscall/sysret need, and the TSS), the TSS (the stack an
// interrupt from user mode lands on, and IST1 for double faults) and the IDT.
#pragma once

#include <stdint.h>

namespace kernel::descriptors {

void init();
// The stack the CPU switches to on an interrupt or system call from user mode (TSS.RSP0 and the syscall
// entry's stack): the top of the running process's kernel stack.
void set_kernel_stack(uint64_t top);

} // namespace kernel::descriptors
