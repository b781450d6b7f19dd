// The two 16550 UARTs QEMU gives us: COM1 (0x3F8) is the console (kernel log, programs' stdout/stderr), COM2
// (0x2F8) carries only the test runner's protocol lines ("@@RP ..."). Output only, polled: QEMU's -serial
// file: sink never makes us wait.
#pragma once

#include <stddef.h>

namespace kernel::serial {

inline constexpr unsigned short com1 = 0x3F8, com2 = 0x2F8;

void init(unsigned short port);
void write(unsigned short port, const char *text, size_t length);
// Formats a line onto COM2 (the protocol port).
void protocol(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

} // namespace kernel::serial
