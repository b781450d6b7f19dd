// panic(): the reason and a register dump on COM1, "@@RP PANIC <reason>" on COM2, QEMU exit 35.
#include "Arch/panic.hpp"
#include "Arch/cpu.hpp"
#include "Arch/serial.hpp"
#include "Library/print.hpp"
#include "Platform/platform.hpp"

namespace kernel {
namespace {

bool panicking;

void dump_frame(const Frame *f)
{
	print("  rip %016lx  cs %04lx  rflags %016lx  rsp %016lx  ss %04lx\n", f->rip, f->cs, f->rflags, f->rsp,
	      f->ss);
	print("  vector %lu  error %016lx  cr2 %016lx  cr3 %016lx\n", f->vector, f->error_code, cpu::read_cr2(),
	      cpu::read_cr3());
	print("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	print("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
	print("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
	print("  r13 %016lx  r14 %016lx  r15 %016lx\n", f->r13, f->r14, f->r15);
}

// Return addresses along the frame-pointer chain (the kernel is built with -fno-omit-frame-pointer), while
// the chain stays inside the kernel's half; resolve them with llvm-symbolizer -e os/x86_64/rpk.elf.
void backtrace(uint64_t rbp)
{
	print("  backtrace:");
	for (int depth = 0; depth < 16 && rbp >= 0xFFFF800000000000ull && (rbp & 7) == 0; depth++) {
		const uint64_t *slot = reinterpret_cast<const uint64_t *>(rbp);
		print(" %016lx", slot[1]);
		rbp = slot[0];
	}
	print("\n");
}

[[noreturn]] void finish(const char *reason, const Frame *frame)
{
	cpu::disable_interrupts();
	print("\nKERNEL PANIC: %s\n", reason);
	if (frame) {
		dump_frame(frame);
		backtrace(frame->rbp);
	} else {
		uint64_t rsp, rbp;
		asm volatile("mov %%rsp, %0; mov %%rbp, %1" : "=r"(rsp), "=r"(rbp));
		print("  rsp %016lx  rbp %016lx  cr2 %016lx  cr3 %016lx\n", rsp, rbp, cpu::read_cr2(), cpu::read_cr3());
		backtrace(rbp);
	}
	serial::protocol("@@RP PANIC %s", reason);
	exit_qemu(exit_panic);
}

} // namespace

void exit_qemu(uint32_t code)
{
	cpu::outl(0xF4, code);
	// Without the device (a bare QEMU, real hardware): stop here.
	for (;;) {
		cpu::disable_interrupts();
		asm volatile("hlt");
	}
}

void panic(const char *fmt, ...)
{
	char reason[200];
	va_list args;
	va_start(args, fmt);
	format_v(reason, sizeof reason, fmt, args);
	va_end(args);
	if (panicking) // a panic while panicking: do not recurse through a broken printer
		exit_qemu(exit_panic);
	panicking = true;
	finish(reason, nullptr);
}

void panic_with_frame(const Frame *frame, const char *fmt, ...)
{
	char reason[200];
	va_list args;
	va_start(args, fmt);
	format_v(reason, sizeof reason, fmt, args);
	va_end(args);
	if (panicking)
		exit_qemu(exit_panic);
	panicking = true;
	finish(reason, frame);
}

} // namespace kernel
