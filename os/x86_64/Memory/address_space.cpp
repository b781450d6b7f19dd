// Address spaces and VMAs (address_space.hpp).
#include "Memory/address_space.hpp"
#include "Arch/boot_info.hpp"
#include "Arch/cpu.hpp"
#include "Memory/page_run.hpp"
#include "Memory/paging.hpp"
#include "Memory/physical.hpp"

namespace kernel {
namespace {

using VmaList = List<Vma, &Vma::node>;

AddressSpace *current_space;

uint64_t page_up(uint64_t v) { return (v + page_size - 1) & ~(page_size - 1); }

// Leaf flags for a VMA's protections. PROT_NONE pages stay present for the kernel (their contents survive an
// mprotect round trip) but lose the user bit, so any user access faults.
uint64_t pte_flags(uint32_t protections)
{
	uint64_t flags = paging::present;
	if (protections & (protect_read | protect_write | protect_exec))
		flags |= paging::user;
	if (protections & protect_write)
		flags |= paging::writable;
	if (!(protections & protect_exec))
		flags |= paging::no_execute;
	return flags;
}

bool overlaps_any(AddressSpace *space, uint64_t start, uint64_t end)
{
	for (Vma *v : space->vmas)
		if (v->start < end && start < v->end)
			return true;
	return false;
}

// Highest free range of length below mmap_top (Linux's top-down allocator); 0 when none.
uint64_t find_free(AddressSpace *space, uint64_t length)
{
	uint64_t high = mmap_top;
	for (Vma *v = space->vmas.back(); v; v = VmaList::previous(v)) {
		if (v->start >= high)
			continue;
		if (v->end <= high && high - v->end >= length)
			return high - length;
		high = v->start < high ? v->start : high;
	}
	return high >= user_space_start + length ? high - length : 0;
}

void insert_sorted(AddressSpace *space, Vma *vma)
{
	Vma *position = space->vmas.front();
	while (position && position->start < vma->start)
		position = VmaList::next(position);
	space->vmas.insert_before(position, vma);
}

// Splits v at address (strictly inside): v keeps [start, address), the new VMA after it gets the rest.
bool split(AddressSpace *space, Vma *v, uint64_t address)
{
	Vma *tail = create<Vma>();
	if (!tail)
		return false;
	tail->start = address;
	tail->end = v->end;
	tail->protections = v->protections;
	tail->run = v->run;
	tail->run_offset = v->run_offset + (address - v->start);
	if (tail->run)
		page_run_hold(tail->run);
	v->end = address;
	space->vmas.insert_before(VmaList::next(v), tail);
	return true;
}

// Unmaps [start, end) inside v: anonymous frames go back to the allocator, run frames stay with the run.
void release_pages(AddressSpace *space, Vma *v, uint64_t start, uint64_t end)
{
	for (uint64_t page = start; page < end; page += page_size) {
		uint64_t old = paging::unmap(space->root, page);
		if ((old & paging::present) && !v->run)
			physical::free(old & paging::address_mask, 1);
	}
}

void remove_vma(AddressSpace *space, Vma *v)
{
	release_pages(space, v, v->start, v->end);
	space->vmas.remove(v);
	if (v->run)
		page_run_drop(v->run);
	destroy(v);
}

bool fill_page(AddressSpace *space, Vma *v, uint64_t page)
{
	uint64_t phys;
	if (v->run) {
		phys = page_run_physical(v->run) + v->run_offset + (page - v->start);
	} else {
		phys = physical::allocate_zeroed_page();
		if (!phys)
			return false;
	}
	if (!paging::map(space->root, page, phys, pte_flags(v->protections))) {
		if (!v->run)
			physical::free(phys, 1);
		return false;
	}
	return true;
}

// Splits VMAs so that start and end fall on VMA boundaries; false when memory ran out.
bool split_range(AddressSpace *space, uint64_t start, uint64_t end)
{
	for (Vma *v = space->vmas.front(); v && v->start < end; v = VmaList::next(v)) {
		if (v->start < start && start < v->end && !split(space, v, start))
			return false;
		if (v->start < end && end < v->end && !split(space, v, end))
			return false;
	}
	return true;
}

bool range_fully_mapped(AddressSpace *space, uint64_t start, uint64_t end)
{
	uint64_t covered = start;
	for (Vma *v : space->vmas) {
		if (v->end <= covered)
			continue;
		if (v->start > covered)
			return false;
		covered = v->end;
		if (covered >= end)
			return true;
	}
	return covered >= end;
}

bool valid_range(uint64_t address, uint64_t length)
{
	return address % page_size == 0 && length > 0 && address < user_space_end &&
	       page_up(length) <= user_space_end - address;
}

} // namespace

AddressSpace *address_space_create()
{
	auto *space = create<AddressSpace>();
	if (!space)
		return nullptr;
	space->root = paging::create_root();
	if (!space->root) {
		destroy(space);
		return nullptr;
	}
	return space;
}

void address_space_destroy(AddressSpace *space)
{
	KERNEL_ASSERT(space != current_space);
	while (Vma *v = space->vmas.front())
		remove_vma(space, v);
	paging::destroy_root(space->root);
	destroy(space);
}

void address_space_activate(AddressSpace *space)
{
	current_space = space;
	cpu::write_cr3(space ? space->root : paging::kernel_root());
}

AddressSpace *current_address_space() { return current_space; }

Vma *vm_find(AddressSpace *space, uint64_t address)
{
	for (Vma *v : space->vmas) {
		if (address < v->start)
			return nullptr;
		if (address < v->end)
			return v;
	}
	return nullptr;
}

Result<uint64_t> vm_map(AddressSpace *space, uint64_t address, uint64_t length, uint32_t protections,
                        uint32_t flags, PageRun *run, uint64_t run_offset)
{
	if (length == 0 || length > user_space_end)
		return Error(EINVAL);
	length = page_up(length);
	bool exact = flags & (map_fixed | map_fixed_noreplace);
	if (exact) {
		if (address % page_size || address < user_space_start || address > user_space_end - length)
			return Error(EINVAL);
		if (overlaps_any(space, address, address + length)) {
			if (flags & map_fixed_noreplace)
				return Error(EEXIST);
			int unmapped = vm_unmap(space, address, length);
			if (unmapped < 0)
				return Error(-unmapped);
		}
	} else {
		address &= ~(page_size - 1);
		bool hint_usable = address >= user_space_start && address <= user_space_end - length &&
		                   !overlaps_any(space, address, address + length);
		if (!hint_usable)
			address = find_free(space, length);
		if (!address)
			return Error(ENOMEM);
	}

	// Grow the anonymous VMA just below when it matches (brk and repeated small mmaps stay one VMA).
	Vma *before = nullptr;
	for (Vma *v : space->vmas)
		if (v->end == address)
			before = v;
	if (!run && before && !before->run && before->protections == protections && !(flags & map_populate)) {
		before->end = address + length;
		return address;
	}

	Vma *v = create<Vma>();
	if (!v)
		return Error(ENOMEM);
	v->start = address;
	v->end = address + length;
	v->protections = protections;
	v->run = run;
	v->run_offset = run_offset;
	if (run)
		page_run_hold(run);
	insert_sorted(space, v);
	if (run || (flags & map_populate)) {
		for (uint64_t page = v->start; page < v->end; page += page_size) {
			if (!fill_page(space, v, page)) {
				remove_vma(space, v);
				return Error(ENOMEM);
			}
		}
	}
	return address;
}

int vm_unmap(AddressSpace *space, uint64_t address, uint64_t length)
{
	if (!valid_range(address, length))
		return -EINVAL;
	uint64_t end = address + page_up(length);
	if (!split_range(space, address, end))
		return -ENOMEM;
	Vma *v = space->vmas.front();
	while (v && v->start < end) {
		Vma *next = VmaList::next(v);
		if (v->start >= address)
			remove_vma(space, v);
		v = next;
	}
	return 0;
}

int vm_protect(AddressSpace *space, uint64_t address, uint64_t length, uint32_t protections)
{
	if (address % page_size)
		return -EINVAL;
	if (length == 0)
		return 0;
	if (!valid_range(address, length))
		return -ENOMEM;
	uint64_t end = address + page_up(length);
	if (!range_fully_mapped(space, address, end))
		return -ENOMEM;
	if (!split_range(space, address, end))
		return -ENOMEM;
	for (Vma *v : space->vmas) {
		if (v->start < address || v->start >= end)
			continue;
		v->protections = protections;
		for (uint64_t page = v->start; page < v->end; page += page_size)
			paging::protect(space->root, page, pte_flags(protections));
	}
	return 0;
}

int vm_discard(AddressSpace *space, uint64_t address, uint64_t length)
{
	if (address % page_size)
		return -EINVAL;
	if (length == 0)
		return 0;
	if (!valid_range(address, length))
		return -EINVAL;
	uint64_t end = address + page_up(length);
	if (!range_fully_mapped(space, address, end))
		return -ENOMEM;
	for (Vma *v : space->vmas) {
		if (v->run || v->end <= address || v->start >= end)
			continue;
		uint64_t from = v->start > address ? v->start : address;
		uint64_t to = v->end < end ? v->end : end;
		release_pages(space, v, from, to);
	}
	return 0;
}

uint64_t vm_brk(AddressSpace *space, uint64_t new_end)
{
	if (new_end < space->brk_start)
		return space->brk_end;
	uint64_t old_top = page_up(space->brk_end);
	uint64_t new_top = page_up(new_end);
	if (new_top > old_top) {
		if (new_top > mmap_top || overlaps_any(space, old_top, new_top))
			return space->brk_end;
		if (!vm_map(space, old_top, new_top - old_top, protect_read | protect_write, map_fixed_noreplace, nullptr,
		            0)
		         .ok())
			return space->brk_end;
	} else if (new_top < old_top) {
		vm_unmap(space, new_top, old_top - new_top);
	}
	space->brk_end = new_end;
	return new_end;
}

bool resolve_user_fault(uint64_t address, uint64_t error_code)
{
	AddressSpace *space = current_space;
	if (!space)
		return false;
	if (error_code & 1) // present: a protection violation (no copy-on-write in part 1)
		return false;
	Vma *v = vm_find(space, address);
	if (!v)
		return false;
	uint32_t needed = (error_code & 2) ? protect_write : (error_code & 16) ? protect_exec : protect_read;
	// On x86 a writable or executable page is also readable.
	uint32_t allowed = v->protections;
	if (allowed & (protect_write | protect_exec))
		allowed |= protect_read;
	if (!(allowed & needed))
		return false;
	return fill_page(space, v, address & ~(page_size - 1));
}

} // namespace kernel
