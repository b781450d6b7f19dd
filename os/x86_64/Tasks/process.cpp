// Running one program to completion (process.hpp): address space, ELF, stack, fds, then user mode; exit and
// kill come back here through context_resume.
#include "Tasks/process.hpp"
#include "Arch/clock.hpp"
#include "Arch/cpu.hpp"
#include "Arch/descriptors.hpp"
#include "Library/print.hpp"
#include "Library/string.hpp"
#include "Memory/address_space.hpp"
#include "Memory/physical.hpp"
#include "Syscalls/hooks.hpp"
#include "Tasks/elf_loader.hpp"
#include "Tasks/user_stack.hpp"

extern "C" {
struct Context {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
};
int context_save(Context *context) __attribute__((returns_twice));
[[noreturn]] void context_resume(Context *context, long value);
[[noreturn]] void enter_user(kernel::Frame *frame);
}

namespace kernel {

bool deferred_pending(); // Tasks/deferred.cpp

namespace {

constexpr size_t kernel_stack_size = 64 * 1024;
alignas(16) constinit uint8_t process_kernel_stack[kernel_stack_size];

// A clean FPU/SSE state for each program (FCW 0x37F, MXCSR 0x1F80, registers zero), loaded with fxrstor: the
// kernel itself never touches these registers (-mgeneral-regs-only), so a program's state simply stays in the
// CPU while it runs, and the next program must not inherit it.
alignas(16) constinit uint8_t clean_fpu_state[512] = {0x7F, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                      0,    0,    0, 0, 0, 0, 0, 0, 0x80, 0x1F, 0, 0};

// The lowest words of the process's kernel stack hold a known pattern; the timer and every exit check it, so
// an overflow (there is no guard page: the kernel image is mapped with 2 MiB pages) panics instead of silently
// corrupting what lies below the stack.
constexpr uint64_t stack_canary = 0x5354414b43414e59ull; // "STAKCANY"
constexpr unsigned canary_words = 8;

void arm_stack_canary()
{
	auto *words = reinterpret_cast<uint64_t *>(process_kernel_stack);
	for (unsigned i = 0; i < canary_words; i++)
		words[i] = stack_canary;
}

void check_stack_canary()
{
	auto *words = reinterpret_cast<const uint64_t *>(process_kernel_stack);
	for (unsigned i = 0; i < canary_words; i++)
		if (words[i] != stack_canary)
			panic("the process kernel stack (%lu KiB) overflowed", static_cast<uint64_t>(kernel_stack_size / 1024));
}

Context runner;
Process *running;
ProgramResult finished;
int next_pid = 100;
constexpr uint64_t kill_grace_ms = 10000;

[[noreturn]] void finish(int exit_code, int signal)
{
	// Process context on the process's kernel stack, whatever brought us here; the hooks may wait.
	check_stack_canary();
	cpu::enable_interrupts();
	running->deadline_ms = 0;
	ring_process_exit();
	shim_process_exit();
	run_deferred();
	if (running->files)
		filesystem_process_exit(running->files);
	running->files = nullptr;
	run_deferred();
	finished = {exit_code, signal};
	check_stack_canary();
	cpu::disable_interrupts();
	context_resume(&runner, 1);
}

} // namespace

Process *current() { return running; }
Process *current_process() { return running; }
FdTable *current_fd_table() { return running ? running->files : nullptr; }
uint64_t open_files_limit() { return running ? running->limits[7].soft : 1024; }
void *&process_slot(ProcessSlot slot)
{
	KERNEL_ASSERT(running);
	return running->slots[static_cast<unsigned>(slot)];
}
bool stop_requested() { return running && running->kill_signal; }
const char *current_program_name() { return running ? running->name : "kernel"; }

void exit_current(int status) { finish(status & 0xFF, 0); }

void kill_current(int signal)
{
	print("rpk: %s killed by signal %d\n", running->name, signal);
	finish(0, signal);
}

void return_to_user(Frame *)
{
	if (!running)
		return;
	if (deferred_pending()) {
		cpu::enable_interrupts();
		run_deferred();
		cpu::disable_interrupts();
	}
	if (running->kill_signal)
		kill_current(running->kill_signal);
}

// Tasks/ part of the 1 kHz tick: the running program's timeout.
void timer_interrupt()
{
	if (!running)
		return;
	check_stack_canary();
	uint64_t now = clock::monotonic_ms();
	if (!running->kill_signal && running->deadline_ms && now >= running->deadline_ms) {
		running->kill_signal = 9;
		running->kill_requested_ms = now;
		print("rpk: %s timed out\n", running->name);
	}
	// A kill is finished on the way back to user mode; a system call that keeps waiting despite
	// stop_requested() would hold the whole run hostage, so that is a kernel bug.
	if (running->kill_signal && running->kill_requested_ms && now - running->kill_requested_ms > kill_grace_ms)
		panic("%s did not stop within %lu ms of its kill (a wait ignores stop_requested)", running->name,
		      kill_grace_ms);
}

ProgramResult run_program(const char *name, const uint8_t *image, uint64_t image_size, const char *const *argv,
                          const char *const *envp, uint64_t timeout_ms, int *error)
{
	*error = 0;
	auto *process = create<Process>();
	if (!process) {
		*error = -ENOMEM;
		return {};
	}
	process->pid = next_pid++;
	copy_string(process->name, name, sizeof process->name);
	for (ResourceLimit &limit : process->limits)
		limit = {unlimited, unlimited};
	process->limits[7] = {1024, 1024};          // RLIMIT_NOFILE
	process->limits[3] = {8ull << 20, unlimited}; // RLIMIT_STACK: what a Linux shell gives
	process->space = address_space_create();
	if (!process->space) {
		destroy(process);
		*error = -ENOMEM;
		return {};
	}
	arm_stack_canary(); // before running is set: the timer checks it from then on
	running = process;
	address_space_activate(process->space);

	uint64_t stack = 0;
	Result<LoadedImage> loaded = load_elf(process->space, image, image_size);
	if (loaded.ok()) {
		process->space->brk_start = process->space->brk_end = (loaded.value().end + page_size - 1) & ~(page_size - 1);
		Result<uint64_t> built = build_user_stack(process->space, loaded.value(), argv, envp);
		if (built.ok())
			stack = built.value();
		else
			*error = -built.error();
	} else {
		*error = -loaded.error();
	}
	if (!*error) {
		process->files = filesystem_process_start("/t");
	}

	if (!*error) {
		process->deadline_ms = timeout_ms ? clock::monotonic_ms() + timeout_ms : 0;
		uint64_t top = reinterpret_cast<uint64_t>(process_kernel_stack + kernel_stack_size);
		descriptors::set_kernel_stack(top);
		cpu::write_msr(cpu::msr_fs_base, 0);
		cpu::write_msr(cpu::msr_gs_base, 0);
		asm volatile("fxrstor %0" : : "m"(clean_fpu_state));
		if (context_save(&runner) == 0) {
			auto *frame = reinterpret_cast<Frame *>(top - sizeof(Frame));
			memset(frame, 0, sizeof *frame);
			frame->rip = loaded.value().entry;
			frame->cs = user_code_selector;
			frame->rflags = 0x202; // IF
			frame->rsp = stack;
			frame->ss = user_data_selector;
			cpu::disable_interrupts();
			enter_user(frame);
		}
		// Back from finish(): interrupts are off, we are on the runner's stack again.
		cpu::enable_interrupts();
	}

	running = nullptr;
	address_space_activate(nullptr);
	address_space_destroy(process->space);
	if (process->files)
		filesystem_process_exit(process->files);
	destroy(process);
	return finished;
}

} // namespace kernel
