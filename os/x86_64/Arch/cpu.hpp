// Thin wrappers over the x86_64 instructions the kernel needs (port I/O, MSRs, control registers, TSC).
#pragma once

#include <stdint.h>

namespace kernel::cpu {

inline void outb(uint16_t port, uint8_t value) { asm volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
inline void outl(uint16_t port, uint32_t value) { asm volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }
inline uint8_t inb(uint16_t port)
{
	uint8_t value;
	asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

inline uint64_t read_msr(uint32_t msr)
{
	uint32_t low, high;
	asm volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(msr));
	return (static_cast<uint64_t>(high) << 32) | low;
}
inline void write_msr(uint32_t msr, uint64_t value)
{
	asm volatile("wrmsr" : : "c"(msr), "a"(static_cast<uint32_t>(value)), "d"(static_cast<uint32_t>(value >> 32)));
}

inline uint64_t rdtsc()
{
	uint32_t low, high;
	asm volatile("rdtsc" : "=a"(low), "=d"(high));
	return (static_cast<uint64_t>(high) << 32) | low;
}

inline uint64_t read_cr2()
{
	uint64_t v;
	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
inline uint64_t read_cr3()
{
	uint64_t v;
	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
inline void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
inline void invalidate_page(uint64_t address) { asm volatile("invlpg (%0)" : : "r"(address) : "memory"); }

inline void enable_interrupts() { asm volatile("sti" ::: "memory"); }
inline void disable_interrupts() { asm volatile("cli" ::: "memory"); }
inline bool interrupts_enabled()
{
	uint64_t flags;
	asm volatile("pushfq; popq %0" : "=r"(flags));
	return flags & (1u << 9);
}
// sti takes effect after the next instruction, so "sti; hlt" cannot lose an interrupt that arrives between.
inline void enable_interrupts_and_halt() { asm volatile("sti; hlt" ::: "memory"); }

inline constexpr uint32_t msr_efer = 0xC0000080, msr_star = 0xC0000081, msr_lstar = 0xC0000082,
                          msr_fmask = 0xC0000084, msr_fs_base = 0xC0000100, msr_gs_base = 0xC0000101,
                          msr_kernel_gs_base = 0xC0000102;

} // namespace kernel::cpu
