// Per-process address spaces: a page-table root and a sorted list of VMAs (virtual memory areas), each either
// anonymous demand-zero memory (a page appears, zeroed, at its first touch) or a window on a PageRun (ring
// memory, mapped eagerly). Lower half only: [64 KiB, 0x800000000000).
//
// User layout: the ELF at its link address (0x400000 for static programs), the brk heap after it, mmap
// placed top-down below mmap_top (or at a free hint, as Linux), the 8 MiB stack just below user_stack_top.
#pragma once

#include <stdint.h>

#include "Library/list.hpp"
#include "Platform/platform.hpp"

namespace kernel {

inline constexpr uint64_t user_space_end = 0x0000800000000000ull;
inline constexpr uint64_t user_space_start = 0x10000; // Linux's default mmap_min_addr
inline constexpr uint64_t user_stack_top = 0x00007FFFFFFFF000ull;
inline constexpr uint64_t user_stack_size = 8ull << 20;
inline constexpr uint64_t mmap_top = 0x00007FF000000000ull;

// vm_map's flag beyond Platform's map_fixed and map_fixed_noreplace (Linux's value).
inline constexpr uint32_t map_populate = 0x8000;

struct Vma {
	ListNode node;
	uint64_t start, end; // page aligned, end exclusive
	uint32_t protections; // PROT_*
	PageRun *run;         // nullptr: anonymous
	uint64_t run_offset;  // of start, inside run
};

struct AddressSpace {
	uint64_t root;
	List<Vma, &Vma::node> vmas; // sorted, non-overlapping
	uint64_t brk_start, brk_end;
};

AddressSpace *address_space_create();
// Unmaps everything and frees the tables. Must not be the active address space.
void address_space_destroy(AddressSpace *space);
// Switches CR3 (nullptr: the kernel's tables) and makes space the current one.
void address_space_activate(AddressSpace *space);
AddressSpace *current_address_space();

// mmap: length > 0 (rounded up to pages). address: 0 (choose), a hint, or exact with map_fixed (replacing) or
// map_fixed_noreplace (-EEXIST on overlap). run: map that PageRun from run_offset, else anonymous memory.
// Returns the address; EINVAL, ENOMEM, EEXIST.
Result<uint64_t> vm_map(AddressSpace *space, uint64_t address, uint64_t length, uint32_t protections,
                        uint32_t flags, PageRun *run, uint64_t run_offset);
// munmap: 0 or -EINVAL (unaligned, out of range). Holes are fine.
int vm_unmap(AddressSpace *space, uint64_t address, uint64_t length);
// mprotect: 0, -EINVAL, -ENOMEM (part of the range is not mapped).
int vm_protect(AddressSpace *space, uint64_t address, uint64_t length, uint32_t protections);
// madvise(MADV_DONTNEED): anonymous pages in the range become demand-zero again. 0, -EINVAL, -ENOMEM.
int vm_discard(AddressSpace *space, uint64_t address, uint64_t length);
// brk(2): the new break, or the old one when the request cannot be met.
uint64_t vm_brk(AddressSpace *space, uint64_t new_end);
// The VMA containing address, or nullptr.
Vma *vm_find(AddressSpace *space, uint64_t address);

// A page fault on a user address in the current address space: true when it was a first touch of a
// demand-zero page that the access is allowed on (now filled in), false for a real fault.
bool resolve_user_fault(uint64_t address, uint64_t error_code);

} // namespace kernel
