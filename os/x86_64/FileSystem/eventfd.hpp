// eventfd(2): a 64-bit counter behind an fd. write adds (blocking or EAGAIN while the sum would pass
// 0xfffffffffffffffe), read returns the counter and zeroes it, or with EFD_SEMAPHORE returns 1 and decrements
// (blocking or EAGAIN at zero). Buffers must hold 8 bytes (EINVAL). Readiness: POLLIN while the counter is
// non-zero, POLLOUT while one more can be added; waiters run inside the write (or signal) that changed it.
#pragma once

#include "FileSystem/file.hpp"

namespace kernel {

// eventfd2(2) without installing: EINVAL for flags other than EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC
// (the last is the installer's business); ENOMEM.
Result<File *> eventfd_create(uint32_t initial, uint32_t flags);

// The kernel's eventfd_signal(): adds n to the counter without blocking (the shim signals a registered
// eventfd when it posts completions). EINVAL when file is not an eventfd; a sum that would pass the maximum
// saturates there, as Linux's eventfd_signal does.
Result<void> eventfd_signal(File *file, uint64_t n);

} // namespace kernel
