// interrupt_dispatch: IRQs, and exceptions. An exception in user mode kills the program with Linux's signal
// for it (a page fault first gets a chance to be a demand-zero fill); in kernel mode a page fault inside a
// user copy jumps to the copy's fixup (-EFAULT), anything else panics with a register dump.
#include "Arch/clock.hpp"
#include "Arch/cpu.hpp"
#include "Arch/frame.hpp"
#include "Arch/panic.hpp"
#include "Arch/pic.hpp"
#include "Library/print.hpp"
#include "Memory/address_space.hpp"
#include "Memory/user_copy.hpp"
#include "Tasks/process.hpp"

namespace kernel {

[[noreturn]] void fault_signal(Frame *frame, int signal); // Tasks/signals.cpp

namespace {

const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
	"device not available", "double fault", "coprocessor segment overrun", "invalid TSS", "segment not present",
	"stack fault", "general protection", "page fault", "reserved 15", "x87 floating point", "alignment check",
	"machine check", "SIMD floating point", "virtualization", "control protection", "reserved 22",
	"reserved 23", "reserved 24", "reserved 25", "reserved 26", "reserved 27", "hypervisor injection",
	"VMM communication", "security", "reserved 31",
};

// Linux's signal for a user-mode exception (arch/x86/kernel/traps.c's choices).
int signal_for(uint64_t vector)
{
	switch (vector) {
	case 0:  // #DE
	case 16: // #MF
	case 19: // #XM
		return 8; // SIGFPE
	case 1:
	case 3:
		return 5; // SIGTRAP
	case 6:
		return 4; // SIGILL
	case 17:
		return 7; // SIGBUS
	default:
		return 11; // SIGSEGV: #GP, #SS, #NP, #PF, bound, overflow...
	}
}

void exception(Frame *frame)
{
	uint64_t vector = frame->vector;
	if (vector == 14) {
		uint64_t address = cpu::read_cr2();
		// User addresses can fault from user mode or from the kernel's user copies; both may be a demand-zero
		// page not filled yet. Interrupts go back on: filling may allocate, and a fault is process context.
		if (address < user_space_end && (frame->from_user() || user_copy_fixup(frame->rip))) {
			cpu::enable_interrupts();
			bool resolved = resolve_user_fault(address, frame->error_code);
			cpu::disable_interrupts();
			if (resolved)
				return; // retry the instruction
		}
		if (!frame->from_user()) {
			if (uint64_t fixup = user_copy_fixup(frame->rip)) {
				frame->rip = fixup;
				return;
			}
			panic_with_frame(frame, "page fault at %016lx in the kernel (error %lx)", address, frame->error_code);
		}
		print("rpk: %s: SIGSEGV at %016lx (rip %016lx, error %lx)\n", current_program_name(), address, frame->rip,
		      frame->error_code);
		fault_signal(frame, 11);
	}
	if (!frame->from_user())
		panic_with_frame(frame, "%s in the kernel", exception_names[vector & 31]);
	int signal = signal_for(vector);
	print("rpk: %s: %s at rip %016lx: signal %d\n", current_program_name(), exception_names[vector & 31], frame->rip,
	      signal);
	fault_signal(frame, signal);
}

} // namespace

extern "C" void interrupt_dispatch(Frame *frame)
{
	uint64_t vector = frame->vector;
	if (vector >= pic::vector_base && vector < pic::vector_base + 16u) {
		unsigned irq = static_cast<unsigned>(vector - pic::vector_base);
		if (!pic::spurious(irq)) {
			pic::end_of_interrupt(irq);
			if (irq == 0)
				clock::tick((frame->cs & 3) == 3);
		}
	} else {
		exception(frame);
	}
	if (frame->from_user())
		return_to_user(frame);
}

} // namespace kernel
