// The scheduler (thread.hpp): a FIFO run queue, round robin with a 10 ms slice, an idle thread that halts when
// nothing is ready. Switching saves the outgoing thread's user FPU state (the kernel itself never touches FPU
// registers) and loads the incoming thread's kernel stack (TSS.RSP0 and the syscall entry's stack), address
// space and FS/GS bases.
#include "Arch/cpu.hpp"
#include "Arch/descriptors.hpp"
#include "Memory/address_space.hpp"
#include "Syscalls/hooks.hpp"
#include "Tasks/process.hpp"
#include "Tasks/thread.hpp"

extern "C" void switch_context(uint64_t *save_rsp, uint64_t new_rsp);

namespace kernel {

void check_thread_stack(Thread *thread); // thread.cpp

namespace {

constexpr uint32_t slice = 10; // ticks (ms)

constinit List<Thread, &Thread::queue_node> run_queue;
constinit List<Thread, &Thread::timed_node> timed;
constinit WaitQueue event_waiters;
Thread *running_thread;
Thread *idle_thread;
Thread *dead_thread; // switched away from for the last time: freed by whoever runs next
bool need_reschedule;

// Interrupts off for a scope, restored after (the timer touches the run queue and deadlines).
struct InterruptsOff {
	bool were_enabled;
	InterruptsOff() : were_enabled(cpu::interrupts_enabled()) { cpu::disable_interrupts(); }
	~InterruptsOff()
	{
		if (were_enabled)
			cpu::enable_interrupts();
	}
};

void load_thread_state(Thread *next)
{
	if (next->stack)
		descriptors::set_kernel_stack(reinterpret_cast<uint64_t>(next->stack + next->stack_size));
	AddressSpace *space = next->process ? next->process->space : nullptr;
	if (space != current_address_space())
		address_space_activate(space);
	if (next->process) {
		cpu::write_msr(cpu::msr_fs_base, next->fs_base);
		cpu::write_msr(cpu::msr_gs_base, next->gs_base);
	}
}

// Interrupts off. The current thread's state is already what it should be (ready and queued, blocked, dead).
void switch_to_next()
{
	Thread *previous = running_thread;
	Thread *next = run_queue.pop_front();
	if (!next)
		next = idle_thread;
	need_reschedule = false;
	next->slice_ticks = slice;
	if (next == previous) {
		next->state = ThreadState::running;
		return;
	}
	check_thread_stack(previous);
	account_switch(previous, next);
	if (previous->process)
		asm volatile("fxsave %0" : "=m"(previous->fpu));
	if (previous->state == ThreadState::dead)
		dead_thread = previous;
	next->state = ThreadState::running;
	running_thread = next;
	load_thread_state(next);
	if (next->process)
		asm volatile("fxrstor %0" : : "m"(next->fpu));
	switch_context(&previous->saved_rsp, next->saved_rsp);
	// Back in `previous`, switched to again later (or a new thread's bootstrap does the same).
	if (dead_thread && dead_thread != running_thread) {
		Thread *dead = dead_thread;
		dead_thread = nullptr;
		thread_free(dead);
	}
}

void make_ready(Thread *thread)
{
	thread->state = ThreadState::ready;
	if (thread != idle_thread)
		run_queue.push_back(thread);
}

void idle_loop(void *)
{
	for (;;) {
		cpu::disable_interrupts();
		if (!run_queue.empty()) {
			idle_thread->state = ThreadState::ready; // not queued: it runs when nothing else can
			switch_to_next();
		}
		cpu::enable_interrupts_and_halt();
	}
}

} // namespace

// After the first switch into a new thread (thread.cpp's bootstrap): what switch_to_next does after its
// switch_context returns.
void finish_first_switch()
{
	if (dead_thread && dead_thread != running_thread) {
		Thread *dead = dead_thread;
		dead_thread = nullptr;
		thread_free(dead);
	}
}

void scheduler_set_boot_thread(Thread *boot) { running_thread = boot; }

void scheduler_start_idle()
{
	idle_thread = create_kernel_thread(idle_loop, nullptr);
	KERNEL_ASSERT(idle_thread);
	// create_kernel_thread queued it; the idle thread is never on the run queue.
	InterruptsOff off;
	run_queue.remove(idle_thread);
	idle_thread->state = ThreadState::ready;
}

Thread *current_thread() { return running_thread; }

void start_thread(Thread *thread)
{
	InterruptsOff off;
	make_ready(thread);
}

void yield()
{
	InterruptsOff off;
	make_ready(running_thread);
	switch_to_next();
}

bool reschedule_pending() { return need_reschedule; }

void thread_exit_switch()
{
	cpu::disable_interrupts();
	running_thread->state = ThreadState::dead;
	switch_to_next();
	__builtin_unreachable();
}

bool interrupted(Thread *thread); // signals.cpp: a kill or a deliverable signal is pending

bool block(WaitQueue *queue, uint64_t deadline_ns, bool interruptible)
{
	InterruptsOff off;
	Thread *self = running_thread;
	KERNEL_ASSERT(self != idle_thread);
	if (interruptible && interrupted(self))
		return false;
	if (deadline_ns != no_deadline && now_ns(1) >= deadline_ns)
		return false;
	self->woken = false;
	self->interruptible = interruptible;
	self->state = ThreadState::blocked;
	self->waiting_on = queue;
	if (queue)
		queue->threads.push_back(self);
	self->wake_deadline_ns = deadline_ns;
	if (deadline_ns != no_deadline)
		timed.push_back(self);
	switch_to_next();
	return self->woken;
}

namespace {
void end_block(Thread *thread, bool woken)
{
	if (thread->state != ThreadState::blocked)
		return;
	if (thread->waiting_on) {
		thread->waiting_on->threads.remove(thread);
		thread->waiting_on = nullptr;
	}
	if (thread->timed_node.linked())
		timed.remove(thread);
	thread->woken = woken;
	make_ready(thread);
}
} // namespace

void wake(Thread *thread)
{
	InterruptsOff off;
	end_block(thread, true);
}

void interrupt_thread(Thread *thread)
{
	InterruptsOff off;
	if (thread->state == ThreadState::blocked && thread->interruptible)
		end_block(thread, false);
}

unsigned wake_some(WaitQueue *queue, unsigned n)
{
	InterruptsOff off;
	unsigned count = 0;
	while (count < n) {
		Thread *t = queue->threads.front();
		if (!t)
			break;
		end_block(t, true);
		count++;
	}
	return count;
}

unsigned wake_all(WaitQueue *queue) { return wake_some(queue, ~0u); }

void scheduler_tick()
{
	uint64_t now = now_ns(1);
	for (Thread *t = timed.front(); t;) {
		Thread *next = List<Thread, &Thread::timed_node>::next(t);
		if (t->wake_deadline_ns <= now)
			end_block(t, false);
		t = next;
	}
	Thread *self = running_thread;
	if (self && self != idle_thread) {
		if (self->slice_ticks)
			self->slice_ticks--;
		if (!self->slice_ticks && !run_queue.empty())
			need_reschedule = true;
	}
}

void publish_events()
{
	if (!event_waiters.threads.empty())
		wake_all(&event_waiters);
}

// Platform's one way to block, now a real sleep: the thread waits among the event waiters until something
// may have changed (the end of another thread's system call, a process exit, publish_events), its deadline,
// or a kill. A safety cap of 20 ms bounds every sleep, so a change nobody publishes (a subsystem that changes
// state without a system call finishing) costs latency, never a hang. Callers loop and re-check, as before.
void wait_for_event(uint64_t deadline_ns)
{
	ring_timer_tick(); // native-ring timers (ring engineer's hook): their completions may be what is awaited
	run_deferred();
	Thread *self = running_thread;
	if (!self || self == idle_thread || !self->process) {
		// A kernel thread outside any process (or before the scheduler): the old halt.
		bool was_enabled = cpu::interrupts_enabled();
		cpu::enable_interrupts_and_halt();
		if (!was_enabled)
			cpu::disable_interrupts();
		return;
	}
	if (self->publish_on_block) {
		// What this system call did so far may be what others wait for: let them look before we sleep.
		self->publish_on_block = false;
		publish_events();
	}
	constexpr uint64_t cap_ns = 20000000;
	uint64_t now = now_ns(1);
	uint64_t until = deadline_ns;
	if (until == no_deadline || until > now + cap_ns)
		until = now + cap_ns;
	bool was_enabled = cpu::interrupts_enabled();
	block(&event_waiters, until, true);
	if (was_enabled)
		cpu::enable_interrupts();
}

} // namespace kernel
