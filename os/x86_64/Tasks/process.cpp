// Processes (process.hpp): starting a test's root process, thread and process exit, zombies, the kill of a
// whole test tree at its timeout, and the last steps before user mode.
#include "Tasks/process.hpp"
#include "Arch/clock.hpp"
#include "Arch/cpu.hpp"
#include "Library/print.hpp"
#include "Library/string.hpp"
#include "Memory/address_space.hpp"
#include "Syscalls/hooks.hpp"
#include "Tasks/elf_loader.hpp"
#include "Tasks/user_stack.hpp"

namespace kernel {

bool deferred_pending();              // deferred.cpp
void drop_deferred(Process *process); // deferred.cpp
void interrupt_thread(Thread *thread); // scheduler.cpp
bool deliver_signals(Frame *frame);   // signals.cpp: true when it changed the frame or the process
void futex_wake_address(uint64_t address, unsigned count); // futex.cpp: a private wake in the current process
void check_thread_stack(Thread *thread);                  // thread.cpp

namespace {

constinit List<Process, &Process::all_node> processes;
constinit WaitQueue runner_events; // the runner waits here for its test's processes to end

// The test being run: its root pid, deadline and kill.
int test_root;
uint64_t test_deadline_ms;
bool test_killed;
uint64_t test_kill_ms;
constexpr uint64_t kill_grace_ms = 10000;

int encode_status(Process *p) { return p->kill_signal ? (p->kill_signal & 0x7F) : ((p->exit_code & 0xFF) << 8); }

// The last thread of p is exiting (p is current): tear down everything but the zombie's status.
void process_teardown(Process *p)
{
	cpu::enable_interrupts();
	ring_process_exit();
	shim_process_exit();
	run_deferred();
	if (p->files)
		filesystem_process_exit(p->files);
	p->files = nullptr;
	run_deferred();
	drop_deferred(p);
	cpu::disable_interrupts();
	address_space_activate(nullptr);
	cpu::enable_interrupts();
	address_space_destroy(p->space);
	p->space = nullptr;
	p->alarm_deadline_ns = 0;
	// Children become orphans: the runner reaps them. PR_SET_PDEATHSIG children get their signal.
	while (Process *child = p->children.pop_front()) {
		child->parent = nullptr;
		if (child->state == ProcessState::zombie)
			wake_all(&runner_events);
		else if (child->parent_death_signal)
			send_signal(child, child->parent_death_signal);
	}
	p->wait_status = encode_status(p);
	cpu::disable_interrupts();
	p->state = ProcessState::zombie;
	// A parent that ignores SIGCHLD (SIG_IGN, or SA_NOCLDWAIT) never sees zombies, as on Linux: the child goes
	// to the runner's reaping and the parent's wait4 finds one child fewer (ECHILD when none is left).
	if (p->parent) {
		const SignalAction &chld = p->parent->actions[17 - 1];
		if (chld.handler == 1 || (chld.flags & 2 /* SA_NOCLDWAIT */)) {
			Process *parent = p->parent;
			parent->children.remove(p);
			p->parent = nullptr;
			wake_all(&parent->child_events);
			notify_child_watches(parent);
		}
	}
	if (p->parent) {
		if (p->exit_signal)
			send_signal(p->parent, p->exit_signal);
		wake_all(&p->parent->child_events);
		notify_child_watches(p->parent);
	} else {
		wake_all(&runner_events);
	}
	publish_events();
}

// The current user thread ends: its clear_child_tid is zeroed and woken; the last thread out tears the
// process down.
[[noreturn]] void user_thread_exit()
{
	Thread *self = current_thread();
	Process *p = self->process;
	cpu::enable_interrupts();
	if (self->clear_child_tid && p->space) {
		uint32_t zero = 0;
		if (copy_to_user(self->clear_child_tid, &zero, sizeof zero) == 0)
			futex_wake_address(self->clear_child_tid, 1);
	}
	cpu::disable_interrupts();
	account_thread_exit(self);
	p->threads.remove(self);
	if (--p->live_threads == 0)
		process_teardown(p);
	else
		publish_events();
	cpu::disable_interrupts();
	thread_exit();
}

void mark_dying(Process *p, int signal, int exit_code)
{
	if (p->dying || p->state == ProcessState::zombie)
		return;
	p->dying = true;
	p->kill_signal = signal;
	p->exit_code = exit_code;
	p->kill_requested_ms = clock::monotonic_ms();
	for (Thread *t : p->threads)
		if (t != current_thread())
			interrupt_thread(t);
}

} // namespace

List<Process, &Process::all_node> &all_processes() { return processes; }

Process *current()
{
	Thread *t = current_thread();
	return t ? t->process : nullptr;
}
Process *current_process() { return current(); }
FdTable *current_fd_table()
{
	Process *p = current();
	return p ? p->files : nullptr;
}
uint64_t open_files_limit()
{
	Process *p = current();
	return p ? p->limits[7].soft : 1024;
}
uint64_t file_size_limit()
{
	Process *p = current();
	return p ? p->limits[1].soft : unlimited; // RLIMIT_FSIZE
}
void signal_current(int signal)
{
	if (Process *p = current())
		send_signal(p, signal);
}
void *&process_slot(ProcessSlot slot)
{
	Process *p = current();
	KERNEL_ASSERT(p);
	return p->slots[static_cast<unsigned>(slot)];
}
bool stop_requested()
{
	Process *p = current();
	return p && (p->dying || current_thread()->exit_requested);
}
bool signal_pending()
{
	Process *p = current();
	return p && (p->pending_signals & ~current_thread()->signal_mask);
}
const char *current_program_name()
{
	Process *p = current();
	return p ? p->name : "kernel";
}

Process *find_process(int pid)
{
	for (Process *p : processes)
		if (p->pid == pid)
			return p;
	return nullptr;
}

void kill_process(Process *process, int signal)
{
	bool were = cpu::interrupts_enabled();
	cpu::disable_interrupts();
	mark_dying(process, signal, 0);
	if (were)
		cpu::enable_interrupts();
}

void exit_current(int status)
{
	cpu::disable_interrupts();
	mark_dying(current(), 0, status & 0xFF);
	user_thread_exit();
}

void kill_current(int signal)
{
	print("rpk: %s killed by signal %d\n", current()->name, signal);
	cpu::disable_interrupts();
	mark_dying(current(), signal, 0);
	user_thread_exit();
}

// sys_exit (60): this thread only; the process ends with its last thread, as Linux.
[[noreturn]] void exit_thread(int status)
{
	Process *p = current();
	if (p->live_threads == 1) {
		cpu::disable_interrupts();
		mark_dying(p, 0, status & 0xFF);
	}
	user_thread_exit();
}

void return_to_user(Frame *frame)
{
	// Interrupts off on entry and exit; each step below may enable them while it works. Threads sleeping in
	// wait_for_event are woken to look again when this was a system call or deferred work ran: their
	// conditions change in system calls and in the completions deferred work posts (after the call itself).
	bool publish = frame->vector == syscall_vector;
	for (;;) {
		Process *p = current();
		if (!p)
			return;
		// Native-ring timers due while the program ran, before the work they defer (ring engineer's hook).
		ring_timer_tick();
		if (deferred_pending()) {
			cpu::enable_interrupts();
			run_deferred();
			cpu::disable_interrupts();
			publish = true;
			continue;
		}
		if (publish) {
			publish_events();
			publish = false;
		}
		if (p->dying || current_thread()->exit_requested)
			user_thread_exit();
		if (reschedule_pending()) {
			yield();
			continue;
		}
		if (deliver_signals(frame))
			continue;
		return;
	}
}

// Tasks/ part of the 1 kHz tick (interrupts off): CPU-time samples, scheduling, the test's timeout, alarms.
void timer_interrupt(bool from_user)
{
	check_thread_stack(current_thread()); // an overflow of the interrupted thread's kernel stack panics here
	account_tick(from_user);
	scheduler_tick();
	uint64_t now = clock::monotonic_ms();
	if (test_root && !test_killed && test_deadline_ms && now >= test_deadline_ms) {
		test_killed = true;
		test_kill_ms = now;
		print("rpk: test %d timed out: killing its processes\n", test_root);
		// Where each thread was, for the log: a hang's first clue.
		for (Process *p : processes) {
			if (p->test != test_root || p->state != ProcessState::alive)
				continue;
			for (Thread *t : p->threads)
				print("rpk:   pid %d tid %d %s, pending %lx mask %lx, user rip %016lx rax %ld\n", p->pid, t->tid,
				      t->state == ThreadState::blocked ? (t->waiting_on ? "blocked on a queue" : "blocked")
				      : t->state == ThreadState::ready ? "ready" : "running",
				      p->pending_signals, t->signal_mask, t->user_frame()->rip, static_cast<int64_t>(t->user_frame()->rax));
		}
		for (Process *p : processes)
			if (p->test == test_root && p->state == ProcessState::alive)
				mark_dying(p, 9, 0);
	}
	uint64_t now_nanoseconds = now_ns(1);
	for (Process *p : processes) {
		if (p->alarm_deadline_ns && now_nanoseconds >= p->alarm_deadline_ns && p->state == ProcessState::alive) {
			p->alarm_deadline_ns = 0;
			send_signal(p, 14); // SIGALRM
		}
	}
}

Process *new_process(Process *parent)
{
	auto *p = create<Process>();
	if (!p)
		return nullptr;
	p->pid = allocate_tid();
	p->state = ProcessState::alive;
	if (parent) {
		p->parent = parent;
		p->pgid = parent->pgid;
		p->sid = parent->sid;
		p->test = parent->test;
		memcpy(p->name, parent->name, sizeof p->name);
		memcpy(p->limits, parent->limits, sizeof p->limits);
		p->nice = parent->nice;
		memcpy(p->actions, parent->actions, sizeof p->actions);
		parent->children.push_back(p);
	} else {
		p->pgid = p->sid = p->test = p->pid;
		for (ResourceLimit &limit : p->limits)
			limit = {unlimited, unlimited};
		p->limits[7] = {1024, 1024};          // RLIMIT_NOFILE
		p->limits[3] = {8ull << 20, unlimited}; // RLIMIT_STACK: what a Linux shell gives
	}
	processes.push_back(p);
	return p;
}

namespace {

void reap(Process *p)
{
	if (p->parent)
		p->parent->children.remove(p);
	processes.remove(p);
	destroy(p);
}

bool tree_alive(int test)
{
	for (Process *p : processes)
		if (p->test == test && p->state == ProcessState::alive)
			return true;
	return false;
}

} // namespace

// Reaps a zombie for wait4/waitid (wait.cpp).
void reap_zombie(Process *p) { reap(p); }

ProgramResult run_program(const char *name, const uint8_t *image, uint64_t image_size, const char *const *argv,
                          const char *const *envp, uint64_t timeout_ms, int *error)
{
	*error = 0;
	Process *p = new_process(nullptr);
	if (!p) {
		*error = -ENOMEM;
		return {};
	}
	copy_string(p->name, name, sizeof p->name);
	p->space = address_space_create();
	if (!p->space) {
		reap(p);
		*error = -ENOMEM;
		return {};
	}
	// The loader writes into the new address space: the runner borrows it meanwhile.
	address_space_activate(p->space);
	uint64_t stack = 0;
	Result<LoadedImage> loaded = load_elf(p->space, image, image_size);
	if (loaded.ok()) {
		p->space->brk_start = p->space->brk_end = (loaded.value().end + page_size - 1) & ~(page_size - 1);
		Result<uint64_t> built = build_user_stack(p->space, loaded.value(), argv, envp);
		if (built.ok())
			stack = built.value();
		else
			*error = -built.error();
	} else {
		*error = -loaded.error();
	}
	if (!*error) {
		p->files = filesystem_process_start("/t");
		if (!p->files)
			*error = -ENOMEM;
	}
	Thread *main_thread = nullptr;
	if (!*error) {
		Frame frame{};
		frame.rip = loaded.value().entry;
		frame.cs = user_code_selector;
		frame.rflags = 0x202; // IF
		frame.rsp = stack;
		frame.ss = user_data_selector;
		main_thread = create_user_thread(p, frame, nullptr);
		if (!main_thread)
			*error = -ENOMEM;
	}
	address_space_activate(nullptr);
	if (*error) {
		address_space_destroy(p->space);
		if (p->files)
			filesystem_process_exit(p->files);
		reap(p);
		return {};
	}
	main_thread->tid = p->pid;

	cpu::disable_interrupts();
	test_root = p->pid;
	test_killed = false;
	test_deadline_ms = timeout_ms ? clock::monotonic_ms() + timeout_ms : 0;
	cpu::enable_interrupts();
	start_thread(main_thread);

	// Wait for the root to end, then for the rest of its tree (killed now: a test's processes do not outlive
	// it), then reap everything the test left.
	int test = p->pid;
	while (p->state != ProcessState::zombie)
		block(&runner_events, now_ns(1) + 100000000ull, false);
	for (Process *q : processes)
		if (q->test == test && q->state == ProcessState::alive)
			kill_process(q, 9);
	uint64_t killed_at = clock::monotonic_ms();
	while (tree_alive(test)) {
		block(&runner_events, now_ns(1) + 100000000ull, false);
		if (clock::monotonic_ms() - killed_at > kill_grace_ms)
			panic("test %s: a process did not stop within %lu ms of its kill (a wait ignores stop_requested)",
			      name, kill_grace_ms);
	}
	if (test_killed && clock::monotonic_ms() - test_kill_ms > kill_grace_ms)
		print("rpk: warning: test %s took %lu ms to die after its timeout\n", name,
		      clock::monotonic_ms() - test_kill_ms);
	cpu::disable_interrupts();
	test_root = 0;
	test_deadline_ms = 0;
	cpu::enable_interrupts();
	ProgramResult result;
	if (p->wait_status & 0x7F)
		result = {0, p->wait_status & 0x7F};
	else
		result = {(p->wait_status >> 8) & 0xFF, 0};
	for (Process *q = processes.front(); q;) {
		Process *next = List<Process, &Process::all_node>::next(q);
		if (q->test == test)
			reap(q);
		q = next;
	}
	return result;
}

} // namespace kernel
