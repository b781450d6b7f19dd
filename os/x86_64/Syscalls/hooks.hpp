// Entry points the kernel calls in the portable subsystems: system calls it routes to them and process
// start/exit. Ring/ implements the ring_* functions, Shim/ the io_uring_* ones, FileSystem/ the filesystem_*
// ones. Until a subsystem lands, Syscalls/weak_hooks.cpp answers with weak stubs (-ENOSYS, or nothing to do),
// so the kernel always links; a strong definition in the subsystem replaces the stub.
//
// System-call hooks take the raw register values and return the value for rax (>= 0, or -errno); they run in
// the calling process, with user pointers to be read through Platform's copy functions.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel {

class FdTable;

// ---- Ring/: the native ring (os/abi/include/ringport/kernel_calls.h) ----
long ring_setup(uint64_t user_params, uint64_t user_view);                       // RP_SYS_RING_SETUP
long ring_enter(uint64_t handle, uint64_t min_complete, uint64_t flags, uint64_t timeout_ns); // RP_SYS_RING_ENTER
long ring_destroy(uint64_t handle);                                              // RP_SYS_RING_DESTROY
// The current process is exiting (or was killed): cancel and destroy its native rings. Runs before its fds
// are closed and before its address space goes.
void ring_process_exit();
// Fires the native rings' due timers (Timeout ops). Called in process context on every return to user mode and
// in every idle wait, so a timer fires within a tick while a program spins on its CQ or sleeps in poll(2).
// Cheap when nothing is due. (Added by the ring engineer.)
void ring_timer_tick();

// ---- Schemes/: userspace scheme servers (kernel-to-userspace attachment) ----
long scheme_create(uint64_t user_name, uint64_t user_view); // RP_SYS_SCHEME_CREATE

// ---- Shim/: Linux io_uring (425, 426, 427) ----
long io_uring_setup(uint64_t entries, uint64_t user_params);
long io_uring_enter(uint64_t fd, uint64_t to_submit, uint64_t min_complete, uint64_t flags, uint64_t user_arg,
                    uint64_t arg_size);
long io_uring_register(uint64_t fd, uint64_t opcode, uint64_t user_arg, uint64_t nr_args);
// The current process is exiting: after ring_process_exit, before its fds are closed.
void shim_process_exit();
// The current process is calling execve (past the point of no return, its old address space still active):
// cancel its io_uring requests, as Linux's exec does (io_uring_task_cancel). Its io_uring fds stay open
// unless close-on-exec (closed right after this hook). Default: nothing.
void shim_process_exec();

// ---- FileSystem/ ----
// Once at boot, before the first process: seed the ramfs from the USTAR initrd (kernel memory, stays valid).
void filesystem_init(const void *initrd, size_t size);
// A new process: its fd table with fds 0, 1, 2 on the console (0 reads EOF) and cwd at `cwd`.
// nullptr when memory is exhausted.
FdTable *filesystem_process_start(const char *cwd);
// The current process is exiting: close every fd and free the table.
void filesystem_process_exit(FdTable *table);
// close(2) on the current process's table: 0 or -EBADF.
long filesystem_close(uint64_t fd);
// mmap(2) of a file (the io_uring fd at IORING_OFF_*): the file's mmap hook maps pages into the current
// process (Platform's map_page_run). Returns the user address or -errno (-ENODEV: file cannot be mapped).
long filesystem_mmap(uint64_t fd, uint64_t user_address, uint64_t length, uint32_t protections, uint32_t flags,
                     uint64_t offset);

} // namespace kernel
