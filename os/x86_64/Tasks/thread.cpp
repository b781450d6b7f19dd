// Thread objects (thread.hpp): kernel stacks with an overflow canary, the first frame a new thread starts from,
// thread exit and freeing. The boot thread (kernel_main's, on the image's boot stack) becomes the first kernel
// thread: the test runner.
#include "Arch/cpu.hpp"
#include "Library/string.hpp"
#include "Tasks/process.hpp"
#include "Tasks/thread.hpp"

extern "C" void thread_trampoline();

namespace kernel {

// A clean FPU/SSE state (FCW 0x37F, MXCSR 0x1F80): what a new program and a signal handler start with.
alignas(16) extern const uint8_t clean_fpu_image[512] = {0x7F, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                         0,    0,    0, 0, 0, 0, 0, 0, 0x80, 0x1F, 0, 0};

void scheduler_set_boot_thread(Thread *boot); // scheduler.cpp
void scheduler_start_idle();
void finish_first_switch();
[[noreturn]] void thread_exit_switch();

namespace {

// 64 KiB: the shim and the ring executor nest a few frames deep with on-stack SQEs and iovecs.
constexpr size_t kernel_stack_size = 64 * 1024;
// The lowest words of each kernel stack hold a pattern, checked at every switch and tick: there is no guard
// page (the heap hands out direct-map memory), so an overflow panics instead of corrupting a neighbour.
constexpr uint64_t stack_canary = 0x5354414b43414e59ull; // "STAKCANY"
constexpr unsigned canary_words = 8;

constinit Thread boot_thread;
int next_tid = 100;


Thread *new_thread(void (*fn)(void *), void *arg)
{
	auto *t = create<Thread>();
	if (!t)
		return nullptr;
	t->stack = static_cast<uint8_t *>(allocate(kernel_stack_size, page_size));
	if (!t->stack) {
		destroy(t);
		return nullptr;
	}
	t->stack_size = kernel_stack_size;
	auto *words = reinterpret_cast<uint64_t *>(t->stack);
	for (unsigned i = 0; i < canary_words; i++)
		words[i] = stack_canary;
	// The first switch_context into the thread pops r15, r14, r13 (arg), r12 (fn), rbx, rbp and returns to
	// thread_trampoline. Below the user frame's room, 16-byte aligned so the trampoline's call is aligned.
	uint64_t top = reinterpret_cast<uint64_t>(t->stack + t->stack_size) - sizeof(Frame);
	top &= ~15ull;
	auto *initial = reinterpret_cast<uint64_t *>(top) - 8;
	initial[0] = 0;                                         // r15
	initial[1] = 0;                                         // r14
	initial[2] = reinterpret_cast<uint64_t>(arg);           // r13
	initial[3] = reinterpret_cast<uint64_t>(fn);            // r12
	initial[4] = 0;                                         // rbx
	initial[5] = 0;                                         // rbp
	initial[6] = reinterpret_cast<uint64_t>(thread_trampoline);
	initial[7] = 0;
	t->saved_rsp = reinterpret_cast<uint64_t>(initial);
	t->state = ThreadState::blocked; // not runnable until started
	memcpy(t->fpu, clean_fpu_image, sizeof t->fpu);
	return t;
}

extern "C" [[noreturn]] void enter_user(Frame *frame);

// A user thread's first run: straight to user mode through its frame (return_to_user first: a kill or a
// signal may already be pending).
void user_thread_entry(void *arg)
{
	auto *t = static_cast<Thread *>(arg);
	cpu::disable_interrupts();
	Frame *frame = t->user_frame();
	return_to_user(frame);
	enter_user(frame);
}

} // namespace

void check_thread_stack(Thread *thread)
{
	if (!thread || !thread->stack)
		return;
	auto *words = reinterpret_cast<const uint64_t *>(thread->stack);
	for (unsigned i = 0; i < canary_words; i++)
		if (words[i] != stack_canary)
			panic("thread %d's kernel stack (%lu KiB) overflowed", thread->tid,
			      static_cast<uint64_t>(thread->stack_size / 1024));
}

extern "C" [[noreturn]] void thread_bootstrap(void (*fn)(void *), void *arg)
{
	finish_first_switch();
	cpu::enable_interrupts();
	fn(arg);
	thread_exit();
}

int allocate_tid() { return next_tid++; }

void scheduler_init()
{
	boot_thread.tid = 0;
	boot_thread.state = ThreadState::running;
	scheduler_set_boot_thread(&boot_thread);
	scheduler_start_idle();
}

Thread *create_kernel_thread(void (*fn)(void *), void *arg)
{
	Thread *t = new_thread(fn, arg);
	if (!t)
		return nullptr;
	t->tid = allocate_tid();
	start_thread(t);
	return t;
}

Thread *create_user_thread(Process *process, const Frame &frame, const uint8_t *fpu_image)
{
	Thread *t = new_thread(nullptr, nullptr);
	if (!t)
		return nullptr;
	// The entry needs the thread itself: rewrite the first frame's fn/arg.
	auto *initial = reinterpret_cast<uint64_t *>(t->saved_rsp);
	initial[2] = reinterpret_cast<uint64_t>(t);
	initial[3] = reinterpret_cast<uint64_t>(user_thread_entry);
	t->process = process;
	*t->user_frame() = frame;
	if (fpu_image)
		memcpy(t->fpu, fpu_image, sizeof t->fpu);
	process->threads.push_back(t);
	process->live_threads++;
	return t;
}

void thread_free(Thread *thread)
{
	if (thread == &boot_thread)
		return;
	deallocate(thread->stack);
	destroy(thread);
}

void thread_exit() { thread_exit_switch(); }

} // namespace kernel
