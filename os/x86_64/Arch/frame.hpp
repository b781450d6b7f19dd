// The register frame every kernel entry builds on the stack (interrupt_entry.S, syscall_entry.S): the general
// registers pushed by the stub, then the vector and error code, then what the CPU pushes for an interrupt
// (a system call's stub pushes the same five words, so one iretq path returns from both).
#pragma once

#include <stdint.h>

namespace kernel {

struct Frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;     // interrupt vector, or syscall_vector for a system call
	uint64_t error_code; // pushed by the CPU for some exceptions, else 0
	uint64_t rip, cs, rflags, rsp, ss;

	bool from_user() const { return (cs & 3) == 3; }
};
static_assert(sizeof(Frame) == 22 * 8);

// Not an IDT vector in use: marks frames built by the syscall entry.
inline constexpr uint64_t syscall_vector = 0x180;

// Segment selectors (descriptors.cpp). The order is fixed by syscall/sysret (STAR).
inline constexpr uint16_t kernel_code_selector = 0x08, kernel_data_selector = 0x10, user_data_selector = 0x1B,
                          user_code_selector = 0x23, tss_selector = 0x28;

} // namespace kernel
