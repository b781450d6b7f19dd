// GDT, TSS and IDT (descriptors.hpp).
#include "Arch/descriptors.hpp"
#include "Arch/frame.hpp"

#include <stddef.h>

extern "C" {
// interrupt_entry.S: one stub per vector 0..47.
extern const uint64_t interrupt_stubs[48];
// syscall_entry.S reads it on every system call.
extern uint64_t syscall_kernel_stack;
}

namespace kernel::descriptors {
namespace {

struct [[gnu::packed]] TaskState {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t io_map_base;
};
static_assert(sizeof(TaskState) == 104);

struct [[gnu::packed]] GateDescriptor {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_middle;
	uint32_t offset_high;
	uint32_t reserved;
};
static_assert(sizeof(GateDescriptor) == 16);

struct [[gnu::packed]] TablePointer {
	uint16_t limit;
	uint64_t base;
};

constinit TaskState task_state{};
constinit uint64_t gdt[7] = {
	0,
	0x00AF9A000000FFFF, // 0x08 kernel code, 64-bit
	0x00CF92000000FFFF, // 0x10 kernel data
	0x00CFF2000000FFFF, // 0x18 user data (DPL 3): sysret's SS = STAR[63:48] + 8
	0x00AFFA000000FFFF, // 0x20 user code, 64-bit (DPL 3): sysret's CS = STAR[63:48] + 16
	0,                  // 0x28 TSS (two slots), filled in at init
	0,
};
constinit GateDescriptor idt[256]{};

alignas(16) constinit uint8_t double_fault_stack[16384]{};

void set_gate(unsigned vector, uint64_t handler, uint8_t ist, uint8_t dpl)
{
	GateDescriptor &g = idt[vector];
	g.offset_low = static_cast<uint16_t>(handler);
	g.selector = kernel_code_selector;
	g.ist = ist;
	g.type = static_cast<uint8_t>(0x8E | (dpl << 5)); // present, 64-bit interrupt gate (IF cleared on entry)
	g.offset_middle = static_cast<uint16_t>(handler >> 16);
	g.offset_high = static_cast<uint32_t>(handler >> 32);
	g.reserved = 0;
}

} // namespace

void init()
{
	uint64_t base = reinterpret_cast<uint64_t>(&task_state);
	uint64_t limit = sizeof(TaskState) - 1;
	task_state.io_map_base = sizeof(TaskState); // no I/O permission bitmap: user port I/O faults
	task_state.ist[0] = reinterpret_cast<uint64_t>(double_fault_stack + sizeof double_fault_stack);
	gdt[5] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xF) << 48) |
	         (((base >> 24) & 0xFF) << 56);
	gdt[6] = base >> 32;

	TablePointer gdt_pointer{sizeof gdt - 1, reinterpret_cast<uint64_t>(gdt)};
	asm volatile("lgdt %0\n\t"
	             "pushq %1\n\t"
	             "leaq 1f(%%rip), %%rax\n\t"
	             "pushq %%rax\n\t"
	             "lretq\n"
	             "1:\n\t"
	             "movl %2, %%eax\n\t"
	             "movl %%eax, %%ds\n\t"
	             "movl %%eax, %%es\n\t"
	             "movl %%eax, %%ss\n\t"
	             "xorl %%eax, %%eax\n\t"
	             "movl %%eax, %%fs\n\t"
	             "movl %%eax, %%gs\n\t"
	             "ltr %w3"
	             :
	             : "m"(gdt_pointer), "i"(static_cast<uint64_t>(kernel_code_selector)),
	               "i"(static_cast<uint32_t>(kernel_data_selector)), "r"(tss_selector)
	             : "rax", "memory");

	for (unsigned v = 0; v < 48; v++) {
		uint8_t ist = v == 8 ? 1 : 0; // #DF runs on its own stack: the faulting stack may be the problem
		uint8_t dpl = v == 3 ? 3 : 0; // int3 from user code is a breakpoint (SIGTRAP), not a #GP
		set_gate(v, interrupt_stubs[v], ist, dpl);
	}
	TablePointer idt_pointer{sizeof idt - 1, reinterpret_cast<uint64_t>(idt)};
	asm volatile("lidt %0" : : "m"(idt_pointer));
}

void set_kernel_stack(uint64_t top)
{
	task_state.rsp[0] = top;
	syscall_kernel_stack = top;
}

} // namespace kernel::descriptors
