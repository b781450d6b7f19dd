// The process: one at a time in part 1, run to completion by the test runner. A process owns an address
// space, an fd table (FileSystem/), the subsystems' per-process slots, its resource limits and, while it runs,
// a deadline after which the timer kills it with SIGKILL.
#pragma once

#include <stdint.h>

#include "Arch/frame.hpp"
#include "Platform/platform.hpp"

namespace kernel {

struct AddressSpace;

struct ResourceLimit {
	uint64_t soft, hard;
};
inline constexpr unsigned resource_limit_count = 16; // Linux's RLIM_NLIMITS
inline constexpr uint64_t unlimited = ~0ull;         // RLIM_INFINITY

struct Process {
	int pid;
	char name[64];
	AddressSpace *space;
	FdTable *files;
	void *slots[static_cast<unsigned>(ProcessSlot::count)];
	ResourceLimit limits[resource_limit_count];
	uint64_t fs_base, gs_base;
	uint64_t clear_child_tid; // set_tid_address; nothing reads it until threads exist
	uint64_t deadline_ms;     // monotonic ms after which the timer kills it (0: none)
	int kill_signal;          // pending kill: finished on the way back to user mode
	uint64_t kill_requested_ms;
};

// What a finished program left: exit status (0..255) and the signal that killed it (0: a normal exit).
struct ProgramResult {
	int exit_code;
	int signal;
};

// Runs a static ELF image (in kernel memory) as a new process with argv/envp and a timeout, until it exits or
// is killed. error: set when the program could not start (e.g. -ENOEXEC, -ENOMEM), then the result is unused.
ProgramResult run_program(const char *name, const uint8_t *image, uint64_t image_size, const char *const *argv,
                          const char *const *envp, uint64_t timeout_ms, int *error);

Process *current();
const char *current_program_name();

// Ends the current process (from a system call, or an exception or interrupt from user mode) and resumes the
// runner. Interrupts may be disabled on entry; the exit hooks run with them enabled.
[[noreturn]] void exit_current(int status);
[[noreturn]] void kill_current(int signal);

// The last step before any return to user mode: runs deferred work and finishes a pending kill.
void return_to_user(Frame *frame);

} // namespace kernel
