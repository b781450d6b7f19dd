// The in-kernel test runner (docs/reference-kernel.md, "Result protocol"): runs the programs the initrd's
// /etc/tests manifest lists, one by one, and reports each on COM2.
#pragma once

#include <stdint.h>

namespace kernel {

// Never returns: ends with "@@RP DONE" and QEMU exit status 33.
[[noreturn]] void run_tests(const char *command_line, const uint8_t *initrd, uint64_t initrd_size);

} // namespace kernel
