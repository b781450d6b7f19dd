// The physical page allocator: one bit per 4 KiB frame of RAM below 4 GiB (the direct map's reach), usable
// ranges from the PVH e820 map minus the first MiB, the kernel image and the initrd. Single pages come from a
// moving hint; contiguous runs (rings, up to 2 MiB) from a first-fit scan.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "Arch/boot_info.hpp"

namespace kernel::physical {

void init(const BootInfo &boot);
// count contiguous frames whose first frame number is a multiple of align (frames); the physical address, or 0
// when no such run is free. Not zeroed.
uint64_t allocate(size_t count, size_t align = 1);
// One zeroed frame, 0 when none is free.
uint64_t allocate_zeroed_page();
void free(uint64_t physical, size_t count);
size_t free_frames();
size_t total_frames();

} // namespace kernel::physical
