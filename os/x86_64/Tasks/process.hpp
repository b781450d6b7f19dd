// Processes: an address space, an fd table (FileSystem/), the subsystems' per-process slots, resource limits,
// signal dispositions, its threads, its parent and children. A process that exits stays a zombie holding its
// wait status until its parent (or, for the test's root and orphans, the test runner) reaps it.
//
// Every process belongs to the test that started it (its `test`: the root process's pid); the runner kills a
// test's whole tree at its timeout and reaps what is left when the root is gone.
#pragma once

#include <stdint.h>

#include "Arch/frame.hpp"
#include "Platform/platform.hpp"
#include "Tasks/thread.hpp"

namespace kernel {

struct AddressSpace;

struct ResourceLimit {
	uint64_t soft, hard;
};
inline constexpr unsigned resource_limit_count = 16; // Linux's RLIM_NLIMITS
inline constexpr uint64_t unlimited = ~0ull;         // RLIM_INFINITY
inline constexpr unsigned signal_count = 64;         // Linux's _NSIG

// struct sigaction as the x86_64 kernel takes it (rt_sigaction): handler, flags, restorer, mask.
struct SignalAction {
	uint64_t handler; // 0 SIG_DFL, 1 SIG_IGN, else the handler's address
	uint64_t flags;   // SA_*
	uint64_t restorer;
	uint64_t mask;
};

enum class ProcessState : uint8_t { alive, zombie };

// A parked WAITPID of the native ring (Platform's watch_children): told when a child may have changed state.
struct ChildWatch {
	ListNode node;
	ParkWoken woken;
	void *context;
	Process *process; // whose children it watches
};

struct Process {
	ListNode all_node;   // every process (the runner's and kill()'s view)
	ListNode child_node; // its parent's children
	int pid, pgid, sid;
	int test; // the root pid of the test it belongs to
	char name[64];
	ProcessState state;
	Process *parent; // nullptr: the test's root or an orphan (the runner reaps it)
	List<Process, &Process::child_node> children;
	List<Thread, &Thread::process_node> threads;
	unsigned live_threads;
	WaitQueue child_events; // threads in wait4/waitid for a child of this process
	List<ChildWatch, &ChildWatch::node> child_watches; // parked WAITPID ops of its rings
	AddressSpace *space;
	FdTable *files;
	void *slots[static_cast<unsigned>(ProcessSlot::count)];
	ResourceLimit limits[resource_limit_count];
	int exit_signal;   // sent to the parent at exit (SIGCHLD for fork)
	bool dying;        // exit_group, SIGKILL or a fatal signal: every thread exits on its way to user mode
	int kill_signal;   // the signal that kills it (0: exit_group with exit_code)
	int exit_code;     // exit_group's status (0..255)
	bool deferred_running; // run_deferred is on some thread's stack for this process
	uint64_t kill_requested_ms;
	int wait_status;   // zombie: Linux's wait status (exit code << 8, or the signal)
	uint64_t pending_signals; // bit n-1 for signal n
	SignalAction actions[signal_count];
	uint64_t alarm_deadline_ns; // 0: no alarm
	int parent_death_signal;    // PR_SET_PDEATHSIG
	int nice;                   // getpriority/setpriority (Syscalls/scheduler_calls.cpp)
	Usage exited_threads;       // what its ended threads used (RUSAGE_SELF adds the live ones)
	Usage children_usage;       // RUSAGE_CHILDREN: the reaped children and their reaped descendants
};

// What a finished program left: exit status (0..255) and the signal that killed it (0: a normal exit).
struct ProgramResult {
	int exit_code;
	int signal;
};

// Runs a static ELF image as a new process tree with argv/envp and a timeout, until its root process exits
// and every process it left is gone (killed when the root ends). error: set when it could not start.
ProgramResult run_program(const char *name, const uint8_t *image, uint64_t image_size, const char *const *argv,
                          const char *const *envp, uint64_t timeout_ms, int *error);

Process *current();
const char *current_program_name();
Process *find_process(int pid);
// Every process, for kill() and the runner.
List<Process, &Process::all_node> &all_processes();

// exit_group: ends every thread of the current process with status; never returns.
[[noreturn]] void exit_current(int status);
// Kills the current process with signal (a fatal fault, a default-action signal); never returns.
[[noreturn]] void kill_current(int signal);
// Marks process for death by signal (SIGKILL, a fatal default action) and wakes its threads.
void kill_process(Process *process, int signal);
// Queues signal for process (kill(2), alarm, SIGCHLD): a handler, the default action or nothing, when one of
// its threads next returns to user mode. Safe from the timer interrupt.
void send_signal(Process *process, int signal);

// The last step before any return to user mode: deferred work, a pending kill, preemption, signal delivery.
void return_to_user(Frame *frame);

// A new process as a copy of the current one (fork): address space copied (shared memory shared), fd table
// shared per open file, signal dispositions kept; its one thread returns 0 from the call whose frame is given.
// Returns the child's pid or -errno.
long fork_current(const Frame &frame, int exit_signal);
// clone(CLONE_VM|CLONE_THREAD...): a new thread in the current process. Returns the tid or -errno.
long clone_thread(const Frame &frame, uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid,
                  uint64_t tls);

// wait4/waitid's core: finds a child matching (idtype: 0 any, 1 pid, 2 pgid; id), waits unless no_hang.
// Returns the reaped child's pid (its status in *status, raw Linux encoding), 0 with no_hang and nothing to
// report, -ECHILD, -EINTR. keep: leave it a zombie (WNOWAIT). usage (may be nullptr): the child's resource
// usage, its own and its waited-for descendants' (wait4's rusage).
long wait_child(int idtype, int id, bool no_hang, bool keep, int *status, Usage *usage);
// Tells parent's parked WAITPID ops (child_watches) that a child may have changed state (wait.cpp).
void notify_child_watches(Process *parent);

} // namespace kernel
