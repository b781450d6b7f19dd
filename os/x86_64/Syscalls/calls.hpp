// The system calls the kernel serves itself, one family per file; table.cpp maps numbers to them and routes
// the ring and io_uring numbers to the subsystems' hooks (hooks.hpp). Every function takes raw register values
// and returns rax: >= 0, or -errno (Linux numbers).
#pragma once

#include <stdint.h>

#include "Arch/frame.hpp"

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
[[noreturn]] void sys_exit_group(uint64_t status);
long sys_futex(uint64_t address, uint64_t op, uint64_t value, uint64_t timeout, uint64_t address2, uint64_t value3);
long sys_futex_waitv(uint64_t user_waiters, uint64_t count, uint64_t flags, uint64_t timeout, uint64_t clock);

// Tasks/fork.cpp, Tasks/wait.cpp: processes
long sys_clone(const Frame &frame, uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid,
               uint64_t tls);
long sys_execve(Frame *frame, uint64_t user_path, uint64_t user_argv, uint64_t user_envp);
long sys_wait4(int64_t pid, uint64_t user_status, uint64_t options, uint64_t user_rusage);
long sys_waitid(uint64_t idtype, uint64_t id, uint64_t user_info, uint64_t options, uint64_t user_rusage);
long sys_getppid();
long sys_getrusage(int64_t who, uint64_t user_usage); // Tasks/usage.cpp
long sys_prctl(uint64_t option, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);
long sys_setpgid(int64_t pid, int64_t pgid);
long sys_getpgid(int64_t pid);
long sys_setsid();
long sys_getsid(int64_t pid);

// Tasks/signals.cpp
long sys_rt_sigaction(uint64_t signal, uint64_t user_new, uint64_t user_old, uint64_t set_size);
long sys_rt_sigprocmask(uint64_t how, uint64_t user_set, uint64_t user_old, uint64_t set_size);
long sys_rt_sigpending(uint64_t user_set, uint64_t set_size);
void sys_rt_sigreturn(Frame *frame);
long sys_kill(int64_t pid, uint64_t signal);
long sys_tgkill(int64_t tgid, int64_t tid, uint64_t signal);
long sys_alarm(uint64_t seconds);

// identity_calls.cpp
long sys_getuid();
long sys_getrlimit(uint64_t resource, uint64_t user_limit);
long sys_setrlimit(uint64_t resource, uint64_t user_limit);
long sys_prlimit64(uint64_t pid, uint64_t resource, uint64_t user_new, uint64_t user_old);

// scheduler_calls.cpp
long sys_getpriority(uint64_t which, uint64_t who);
long sys_setpriority(uint64_t which, uint64_t who, uint64_t value);
long sys_sched_getaffinity(uint64_t pid, uint64_t length, uint64_t user_mask);
long sys_sched_setaffinity(uint64_t pid, uint64_t length, uint64_t user_mask);

// file_calls.cpp: Linux's file system calls onto FileSystem/syscalls.hpp; -ENOSYS for other numbers
long file_call(uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);

// time_calls.cpp: clocks, sleeps, poll/ppoll; -ENOSYS for other numbers
long time_call(uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);

} // namespace kernel
