// Threads and the scheduler. One CPU: the kernel is not preemptible (a thread in the kernel runs until it
// blocks, yields or returns to user mode), so kernel data needs no locks, only interrupts off around what the
// timer interrupt also touches (the run queue, sleeping threads' deadlines). User mode is preempted: the 1 kHz
// tick ends a thread's time slice and the switch happens on its way back to user mode.
//
// A thread is a kernel thread (process == nullptr: the test runner, the idle loop) or a user thread of a
// process. Each has its own kernel stack; a user thread's user registers sit in a Frame at its top.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "Arch/frame.hpp"
#include "Library/list.hpp"
#include "Platform/platform.hpp"
#include "Tasks/usage.hpp"

namespace kernel {

enum class ThreadState : uint8_t { ready, running, blocked, dead };

struct WaitQueue;

struct Thread {
	ListNode queue_node;   // the run queue, or the WaitQueue it blocks on
	ListNode timed_node;   // blocked with a deadline: the list the tick scans
	ListNode process_node; // its process's thread list
	int tid{};
	ThreadState state{};
	Process *process{}; // nullptr: a kernel thread
	uint64_t saved_rsp{};
	uint8_t *stack{}; // lowest address; stack_size bytes; nullptr for the boot thread (its stack is the image's)
	size_t stack_size{};
	uint64_t fs_base{}, gs_base{};
	uint64_t clear_child_tid{}; // CLONE_CHILD_CLEARTID / set_tid_address: zeroed and futex-woken at exit
	WaitQueue *waiting_on{};    // while blocked on a queue
	uint64_t wake_deadline_ns{}; // while blocked with a deadline
	bool woken{};                // set by wake(): the block ended by a wake-up, not the deadline
	bool publish_on_block{};     // this system call may have changed state others wait for (wait_for_event)
	bool interruptible{};        // the block ends for a kill or a deliverable signal
	bool exit_requested{};       // another thread's execve ends this one on its way to user mode
	uint32_t slice_ticks{};      // ticks left in its time slice
	uint64_t syscall_number{};   // of the system call in progress (SA_RESTART re-issues it)
	uint64_t signal_mask{};      // blocked signals (bit n-1 for signal n)
	uint64_t saved_signal_mask{}; // rt_sigsuspend-style temporary masks (unused: 0)
	Usage usage;                 // CPU time and switches (usage.hpp)
	uint64_t switched_in_ns{};    // when it last got the CPU
	alignas(16) uint8_t fpu[512] = {}; // FXSAVE image of its user FPU/SSE state while it is switched out

	Frame *user_frame() const { return reinterpret_cast<Frame *>(stack + stack_size - sizeof(Frame)); }
};

// A list of blocked threads (a futex bucket, a parent waiting for children, the event waiters).
struct WaitQueue {
	List<Thread, &Thread::queue_node> threads;
};

// ---- threads ----

// The boot thread becomes the first kernel thread and the idle thread is made; the scheduler starts.
void scheduler_init();
Thread *current_thread();
// A kernel thread running fn(arg) (then exiting): ready to run. nullptr when memory is exhausted.
Thread *create_kernel_thread(void (*fn)(void *), void *arg);
// A thread of process whose first return to user mode loads *frame (copied to its stack): not yet ready
// (start_thread makes it so). Its FPU state is a copy of fpu_image (512 bytes, FXSAVE layout).
Thread *create_user_thread(Process *process, const Frame &frame, const uint8_t *fpu_image);
void start_thread(Thread *thread);
// Ends the current thread: it never runs again; its stack is freed after the switch away.
[[noreturn]] void thread_exit();
// Frees a thread that is dead and switched away from (its stack and itself).
void thread_free(Thread *thread);
int allocate_tid();

// ---- scheduling ----

// Gives up the CPU to the next ready thread (the current one stays ready).
void yield();
// True when the current thread's slice ran out and another is ready: switch on the way to user mode.
bool reschedule_pending();
// Blocks the current thread on queue (nullptr: on no queue, only a deadline or a direct wake) until wake() or
// the absolute CLOCK_MONOTONIC deadline (no_deadline: none). interruptible: also returns at once, or when it
// happens, if the thread's process is killed or a signal it does not block is pending. Returns true when
// woken by wake(), false for the deadline or an interruption. The caller re-checks its condition.
bool block(WaitQueue *queue, uint64_t deadline_ns, bool interruptible);
// Makes a blocked thread ready (no effect on others); safe from interrupt handlers.
void wake(Thread *thread);
// Wakes every thread on the queue / the first n; returns how many.
unsigned wake_all(WaitQueue *queue);
unsigned wake_some(WaitQueue *queue, unsigned n);
// Per-tick work (interrupts off): deadlines of blocked threads, the time slice.
void scheduler_tick();
// Wakes the threads sleeping in wait_for_event so they re-check their conditions (something they may wait
// for changed: a system call finished, a process exited).
void publish_events();

} // namespace kernel
