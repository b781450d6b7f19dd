// What the PVH boot hands over (struct hvm_start_info, Xen's public arch-x86/hvm/start_info.h, version 1):
// the command line, the initrd (module 0) and the e820 memory map. Copied into kernel memory first thing, so
// nothing later depends on where QEMU put the originals.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel {

struct MemoryRange {
	uint64_t start, size;
	uint32_t type; // 1: usable RAM
};

struct BootInfo {
	char command_line[1024];
	uint64_t initrd_physical, initrd_size; // 0 when no -initrd
	MemoryRange ranges[64];
	size_t range_count;
};

// Parses the start info at its physical address (identity- and direct-mapped at this point).
void read_boot_info(uint64_t start_info_physical, BootInfo &out);

// The direct map of physical memory: physical address p is at direct_map_base + p.
inline constexpr uint64_t direct_map_base = 0xFFFF800000000000ull;
inline constexpr uint64_t kernel_virtual_base = 0xFFFFFFFF80000000ull;
inline void *physical_to_virtual(uint64_t physical) { return reinterpret_cast<void *>(direct_map_base + physical); }
inline uint64_t virtual_to_physical(const void *p)
{
	uint64_t v = reinterpret_cast<uint64_t>(p);
	return v >= kernel_virtual_base ? v - kernel_virtual_base : v - direct_map_base;
}

} // namespace kernel
