// Kernel panics (Platform's panic is the portable entry) and QEMU's isa-debug-exit.
#pragma once

#include "Arch/frame.hpp"

namespace kernel {

// isa-debug-exit at port 0xF4: QEMU exits with status (code << 1) | 1.
inline constexpr uint32_t exit_done = 0x10;  // all tests ran: QEMU status 33
inline constexpr uint32_t exit_panic = 0x11; // kernel panic: QEMU status 35
[[noreturn]] void exit_qemu(uint32_t code);

// A panic with the registers of an exception taken in kernel mode.
[[noreturn]] void panic_with_frame(const Frame *frame, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

} // namespace kernel
