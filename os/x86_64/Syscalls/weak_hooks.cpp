// Weak stand-ins for the subsystem hooks (hooks.hpp): the kernel links and boots before Ring/, Shim/ and
// FileSystem/ provide them. Each subsystem's strong definition replaces its stub at link time.
#include "Syscalls/hooks.hpp"
#include "Library/errno.hpp"

namespace kernel {

#define WEAK __attribute__((weak))

WEAK long ring_setup(uint64_t, uint64_t) { return -ENOSYS; }
WEAK long ring_enter(uint64_t, uint64_t, uint64_t, uint64_t) { return -ENOSYS; }
WEAK long ring_destroy(uint64_t) { return -ENOSYS; }
WEAK void ring_process_exit() {}

WEAK long io_uring_setup(uint64_t, uint64_t) { return -ENOSYS; }
WEAK long io_uring_enter(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return -ENOSYS; }
WEAK long io_uring_register(uint64_t, uint64_t, uint64_t, uint64_t) { return -ENOSYS; }
WEAK void shim_process_exit() {}

WEAK void filesystem_init(const void *, size_t) {}
WEAK FdTable *filesystem_process_start(const char *) { return nullptr; }
WEAK void filesystem_process_exit(FdTable *) {}
WEAK long filesystem_close(uint64_t) { return -EBADF; }
WEAK long filesystem_mmap(uint64_t, uint64_t, uint64_t, uint32_t, uint32_t, uint64_t) { return -ENODEV; }

} // namespace kernel
