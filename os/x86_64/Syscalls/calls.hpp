// The system calls the kernel serves itself, one family per file; table.cpp maps numbers to them and routes
// the ring and io_uring numbers to the subsystems' hooks (hooks.hpp). Every function takes raw register values
// and returns rax: >= 0, or -errno (Linux numbers).
#pragma once

#include <stdint.h>

namespace kernel {

// memory_calls.cpp
long sys_mmap(uint64_t address, uint64_t length, uint64_t protections, uint64_t flags, uint64_t fd, uint64_t offset);
long sys_mprotect(uint64_t address, uint64_t length, uint64_t protections);
long sys_munmap(uint64_t address, uint64_t length);
long sys_brk(uint64_t address);
long sys_madvise(uint64_t address, uint64_t length, uint64_t advice);

// process_calls.cpp
long sys_getpid();
long sys_gettid();
[[noreturn]] void sys_exit(uint64_t status);
long sys_set_tid_address(uint64_t address);
long sys_arch_prctl(uint64_t code, uint64_t address);
long sys_futex(uint64_t address, uint64_t op, uint64_t value, uint64_t timeout, uint64_t address2, uint64_t value3);

// identity_calls.cpp
long sys_getuid();
long sys_getrlimit(uint64_t resource, uint64_t user_limit);
long sys_setrlimit(uint64_t resource, uint64_t user_limit);
long sys_prlimit64(uint64_t pid, uint64_t resource, uint64_t user_new, uint64_t user_old);

} // namespace kernel
