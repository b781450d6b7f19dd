// The kernel services the portable subsystems (FileSystem/, Ring/, Shim/) may use: nothing else of the kernel
// is visible to them. The kernel implements this file in Memory/, Arch/ and Tasks/; host unit tests implement
// it over libc in tests/x86_64/host_platform.cpp, so the same subsystem sources compile for both.
//
// Conventions: errors are negative Linux errnos (Library/errno.hpp) where a function returns int/long, or a
// Result<T> (Library/result.hpp). User addresses are uint64_t and never dereferenced directly: they go through
// the copy functions below, which turn a bad pointer into -EFAULT as Linux does. Part 1 runs one process with
// one thread, so nothing here takes locks; interrupt handlers only ever touch the timer and the console.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "Library/placement.hpp"
#include "Library/result.hpp"

namespace kernel {

class FdTable; // the filesystem engineer's (FileSystem/): the per-process file descriptor table
struct Process; // opaque to the portable subsystems

inline constexpr size_t page_size = 4096;

// ---- kernel heap ----------------------------------------------------------------------------------------

// Zeroed memory aligned to `alignment` (a power of two up to page_size; at least 16); nullptr when exhausted.
void *allocate(size_t size, size_t alignment = 16);
// Frees what allocate() returned (nullptr is ignored). The heap remembers the size.
void deallocate(void *ptr);

// new/delete for kernel objects over allocate(): create<T>(args...) returns nullptr when memory is exhausted.
template <typename T, typename... Args>
T *create(Args &&...args)
{
	void *memory = allocate(sizeof(T), alignof(T) < 16 ? 16 : alignof(T));
	if (!memory)
		return nullptr;
	// Parentheses when T has a matching constructor, else braces (aggregates; clang 14 lacks C++20's
	// parenthesised aggregate initialisation).
	if constexpr (requires { T(static_cast<Args &&>(args)...); })
		return new (memory) T(static_cast<Args &&>(args)...);
	else
		return new (memory) T{static_cast<Args &&>(args)...};
}
template <typename T>
void destroy(T *object)
{
	if (object) {
		object->~T();
		deallocate(object);
	}
}

// ---- user memory ----------------------------------------------------------------------------------------

// Copy between kernel memory and the current process's memory: 0, or -EFAULT when any byte of the user range
// is unmapped, not accessible to the user, not writable (copy_to_user) or not canonical. A fault part-way may
// leave the destination partly written (as Linux). Demand-zero pages are filled in as needed.
int copy_from_user(void *dst, uint64_t user_src, size_t size);
int copy_to_user(uint64_t user_dst, const void *src, size_t size);
// Writes size zero bytes to user memory: 0 or -EFAULT.
int clear_user(uint64_t user_dst, size_t size);
// Whether [user_address, user_address + length) is entirely mapped in the current process (anonymous or ring
// memory; the kernel has no file-backed mappings): 0, or -EFAULT when any page is not (io_uring buffer
// registration's pin check). length 0: 0.
int check_user_range(uint64_t user_address, uint64_t length);
// Copies a NUL-terminated user string into dst[size]: its length (< size; dst is terminated), -ENAMETOOLONG
// when no NUL occurs in the first size bytes, or -EFAULT.
long strncpy_from_user(char *dst, uint64_t user_src, size_t size);

// ---- time -----------------------------------------------------------------------------------------------

// Nanoseconds on a Linux clock: 0 CLOCK_REALTIME (since 1970, from the CMOS RTC at boot), 1 CLOCK_MONOTONIC
// and 7 CLOCK_BOOTTIME (since boot; the same clock here, as nothing suspends). Other ids: UINT64_MAX
// (check with valid_clock first).
uint64_t now_ns(uint32_t clock_id);
inline bool valid_clock(uint32_t clock_id) { return clock_id == 0 || clock_id == 1 || clock_id == 7; }
inline constexpr uint64_t no_deadline = UINT64_MAX;

// ---- waiting and deferred work --------------------------------------------------------------------------

// The one way to block: runs deferred work (run_deferred), then puts the calling thread to sleep until
// something may have changed what it waits for - the end of any other thread's system call, a process exit,
// a timer - or until the absolute CLOCK_MONOTONIC deadline_ns, or a kill. Other threads and processes run
// meanwhile. Returns after one wake-up (spurious ones included; a sleep never exceeds 20 ms): callers loop,
// re-checking their condition, their deadline and stop_requested():
//
//   while (!ready()) {
//       if (stop_requested()) return -EINTR;
//       if (now_ns(1) >= deadline) return -ETIME;
//       wait_for_event(deadline);
//   }
void wait_for_event(uint64_t deadline_ns);

// True when the current process is being killed (SIGKILL, exit_group by another thread, its test timed out):
// every wait loop must give up (-EINTR) so the system call returns and the thread can exit on the way out.
bool stop_requested();
// True when the current thread has a signal pending that it does not block: a wait that a signal interrupts
// (a user ring's enter, as Linux's io_uring_enter) gives up with -EINTR so the handler runs on the way out.
bool signal_pending();

// Queues fn(arg) to run soon in the current process's context (never inside an interrupt): before a system
// call of that process returns to user space, and in its wait_for_event; never in another process's address
// space (work queued outside any process runs anywhere). Runs in the order queued; fn may queue more. The kernel's
// stand-in for Linux's task work (completions that write user memory run in the submitter's address space).
// Not callable from interrupt handlers. Returns false only when memory is exhausted.
bool defer(void (*fn)(void *arg), void *arg);
// Runs everything queued so far (and what that queues); the kernel calls it, subsystems rarely need to.
void run_deferred();

// ---- pages for rings and mappings into the current process ----------------------------------------------

// Physically contiguous, zeroed pages the kernel owns and can map into user address spaces (ring memory).
// Reference counted: the creator's reference plus one per mapping; the pages are freed when the last is gone,
// so a ring stays valid while any process maps it even after its fd is closed (as Linux).
struct PageRun;

// size: a multiple of page_size, at most 2 MiB. *kernel_address receives the kernel's view (the direct map).
// nullptr when no contiguous run is free.
PageRun *allocate_page_run(size_t size, void **kernel_address);
// Drops the creator's reference.
void release_page_run(PageRun *run);
size_t page_run_size(const PageRun *run);

// Linux PROT_* and the MAP_* flags map_page_run understands.
inline constexpr uint32_t protect_read = 1, protect_write = 2, protect_exec = 4;
inline constexpr uint32_t map_fixed = 0x10;            // MAP_FIXED: exactly there, replacing what is there
inline constexpr uint32_t map_fixed_noreplace = 0x100000; // MAP_FIXED_NOREPLACE: exactly there, else -EEXIST

// Maps [offset, offset + length) of run (page aligned, inside the run) into the current process with the given
// protections. user_address 0: the kernel picks a free range; otherwise user_address is a hint (used when the
// range is free) or, with map_fixed / map_fixed_noreplace, the exact place; other flag bits are ignored, so a
// caller may pass mmap's flags. length is rounded up to pages. Returns the user address, or -ENOMEM, -EINVAL,
// -EEXIST.
// Unmapping (munmap, process exit) drops the mapping's reference.
Result<uint64_t> map_page_run(PageRun *run, uint64_t offset, size_t length, uint64_t user_address,
                              uint32_t protections, uint32_t flags);
// munmap: removes every mapping in [user_address, user_address + length) of the current process. 0 or -EINVAL.
int unmap_user(uint64_t user_address, size_t length);

// ---- anonymous memory (added by the ring engineer for the native MMAP/MADVISE opcodes) --------------------

// mmap(2) of anonymous memory in the current process, with Linux's flags, checks and errnos (hints, MAP_FIXED,
// MAP_FIXED_NOREPLACE, MAP_POPULATE): the user address, or -errno. newlib's sbrk grows its heap this way.
long mmap_anonymous(uint64_t user_address, uint64_t length, uint32_t protections, uint32_t flags);
// madvise(2) in the current process: 0 or -errno (MADV_DONTNEED zeroes anonymous pages).
int madvise_user(uint64_t user_address, uint64_t length, uint32_t advice);

// ---- the current process --------------------------------------------------------------------------------

Process *current_process();
// The current process's fd table (created by the kernel at process start through the FileSystem's interface,
// destroyed at exit); nullptr outside a process.
FdTable *current_fd_table();

// The current process's RLIMIT_NOFILE soft limit (1024 unless the program lowered it): fd numbers must stay
// below it (EMFILE). The kernel keeps the limit (getrlimit/setrlimit/prlimit64).
uint64_t open_files_limit();

// The current process's RLIMIT_FSIZE soft limit in bytes (UINT64_MAX: unlimited). A write or an extension
// (write, pwrite, fallocate, truncate up) that would take a regular file past it must, as Linux: send the
// process SIGXFSZ (signal_current(25)) and fail with EFBIG when nothing can be written (the starting offset is
// at or past the limit), or write only up to the limit.
uint64_t file_size_limit();
// Sends signal to the current process (delivered before its system call returns: a handler, the default
// action - SIGXFSZ's kills - or nothing if ignored).
void signal_current(int signal);

// Per-process pointers the subsystems own, so they keep state per process without the kernel knowing its
// type. The kernel clears them at process start; at exit it calls the subsystems' exit hooks
// (Syscalls/hooks.hpp) which must free what they hang here.
enum class ProcessSlot : uint32_t {
	rings,  // Ring/: the process's native rings
	shim,   // Shim/: io_uring state
	filesystem, // FileSystem/: cwd and the like, if not in the FdTable
	count,
};
void *&process_slot(ProcessSlot slot);

// ---- processes and futexes (Tasks/): what the native Waitpid and Futex ops call ----

// waitid(2) in the current process: idtype P_ALL 0 / P_PID 1 / P_PGID 2, options W*, the siginfo_t written at
// user_info (may be 0). 0, -ECHILD, -EINVAL, -EFAULT, -EINTR (a signal or a kill). Blocks (without WNOHANG).
long wait_child_info(uint32_t idtype, uint64_t id, uint64_t user_info, uint32_t options);
// Futex words of the current process (Tasks/futex.cpp): private ones keyed by (address space, address),
// shared ones in shared memory by physical address. Waits block the calling thread and are interruptible
// (-EINTR); deadline_ns is absolute CLOCK_MONOTONIC or no_deadline. bitset 0 means all.
long futex_wait(uint64_t address, uint32_t expected, uint64_t deadline_ns, uint32_t bitset, bool is_private);
long futex_wake(uint64_t address, uint32_t count, uint32_t bitset, bool is_private);
// entries: struct futex_waitv[count] in user memory; the index of the woken entry.
long futex_waitv(uint64_t user_entries, uint32_t count, uint64_t deadline_ns);
// Wakes up to count waiters on a shared futex word that lies in a page run user space maps, named by the run
// and the word's offset: the kernel's own wake, with no user address (Schemes/ wakes a server sleeping on its
// request ring's tail). Returns how many were woken.
long futex_wake_page_run(PageRun *run, size_t offset, uint32_t count);

// Parked waits: what the native ring's FUTEX and WAITPID ops use instead of blocking the submitting thread
// (Ring/ops_process.cpp). Nothing here sleeps. `woken(context, index)` is called from inside the call that
// caused the wake (a futex wake, a child's exit - possibly in another process's context) and must only queue
// work; it may be called more than once. The handle stays valid until its unpark/unwatch.
using ParkWoken = void (*)(void *context, uint32_t index);
struct FutexPark; // Tasks/futex.cpp's (the host tests' own in tests/x86_64/)
// Queues a wait on the word at address of the current process that calls woken(context, 0) on a matching
// wake: 0 with *park set, or -EAGAIN (the word differs), -EFAULT, -EINVAL (misaligned), -ENOMEM.
long futex_park(uint64_t address, uint32_t expected, uint32_t bitset, bool is_private, ParkWoken woken,
                void *context, FutexPark **park);
// futex_waitv's entries parked the same way: woken(context, index of the woken entry).
long futex_park_vector(uint64_t user_entries, uint32_t count, ParkWoken woken, void *context, FutexPark **park);
// Takes every waiter of park off its futexes and frees it.
void futex_unpark(FutexPark *park);
struct ChildWatch;
// Calls woken(context, 0) whenever a child of the current process may have changed state (it exited, or left
// the process's children), until unwatch_children. nullptr when memory is exhausted.
ChildWatch *watch_children(ParkWoken woken, void *context);
void unwatch_children(ChildWatch *watch);
// wait_child_info without blocking: -EAGAIN (user_info untouched) when nothing is to be reported yet, else what
// wait_child_info answers. options must not hold WNOHANG.
long try_wait_child_info(uint32_t idtype, uint64_t id, uint64_t user_info, uint32_t options);

// ---- console --------------------------------------------------------------------------------------------

// Writes to the console (COM1; host tests: a capture buffer). Also what /dev/console and fds 0-2 use.
void console_write(const char *text, size_t length);

// Stops the machine with a reason (COM1 register dump, "@@RP PANIC <reason>" on COM2, QEMU exit 35). For
// broken kernel invariants only; a bad user request is an error return, a faulting program is killed.
[[noreturn]] void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

} // namespace kernel

// Asserts an invariant of the kernel itself (not of user input): panics with the file, line and expression.
#define KERNEL_ASSERT(condition)                                                                        \
	do {                                                                                                \
		if (!(condition))                                                                               \
			::kernel::panic("assertion failed: %s at %s:%d", #condition, __FILE__, __LINE__);          \
	} while (0)
