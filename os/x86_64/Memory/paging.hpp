// 4-level page tables. The kernel's half (PML4 entries 256..511: the direct map and the kernel image) is set
// up at boot and shared by every address space; each process owns its user half (entries 0..255).
#pragma once

#include <stdint.h>

namespace kernel::paging {

inline constexpr uint64_t present = 1, writable = 2, user = 4, huge = 0x80, no_execute = 1ull << 63;
inline constexpr uint64_t address_mask = 0x000FFFFFFFFFF000ull;

// At boot: drop the identity map the boot stub needed, so the lower half is free for user space.
void init();
// The kernel's own PML4 (physical address): the address space of the runner between programs.
uint64_t kernel_root();
// A new PML4 sharing the kernel half; 0 when memory is exhausted.
uint64_t create_root();
// Frees the page-table pages of the user half and the PML4 (not the frames mapped: their owners free them).
void destroy_root(uint64_t root);
// Maps one 4 KiB page; false when a table page cannot be allocated. Replaces what was mapped there.
bool map(uint64_t root, uint64_t virt, uint64_t phys, uint64_t flags);
// The page-table entry of virt (0 when nothing is mapped), and its removal (returns the old entry).
uint64_t lookup(uint64_t root, uint64_t virt);
uint64_t unmap(uint64_t root, uint64_t virt);
// Rewrites the flags of a present entry (keeps the frame); false when nothing is mapped.
bool protect(uint64_t root, uint64_t virt, uint64_t flags);
// Flushes virt from the TLB when root is the active address space.
void flush(uint64_t root, uint64_t virt);

} // namespace kernel::paging
