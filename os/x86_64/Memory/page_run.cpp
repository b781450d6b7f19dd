// Physically contiguous, zeroed, reference-counted page runs (ring memory) and map_page_run/unmap_user.
#include "Memory/page_run.hpp"
#include "Arch/boot_info.hpp"
#include "Library/string.hpp"
#include "Memory/address_space.hpp"
#include "Memory/physical.hpp"

namespace kernel {

struct PageRun {
	uint64_t physical;
	size_t size;
	uint32_t references;
};

PageRun *allocate_page_run(size_t size, void **kernel_address)
{
	if (size == 0 || size % page_size || size > (2u << 20))
		return nullptr;
	auto *run = create<PageRun>();
	if (!run)
		return nullptr;
	size_t frames = size / page_size;
	// Align a run to its own size rounded down to a power of two (up to 2 MiB): large runs then never
	// straddle odd boundaries, which keeps the bitmap's free space less fragmented.
	size_t align = 1;
	while (align * 2 <= frames)
		align *= 2;
	uint64_t physical = physical::allocate(frames, align);
	if (!physical)
		physical = physical::allocate(frames, 1);
	if (!physical) {
		destroy(run);
		return nullptr;
	}
	memset(physical_to_virtual(physical), 0, size);
	*run = {physical, size, 1};
	*kernel_address = physical_to_virtual(physical);
	return run;
}

void page_run_hold(PageRun *run) { run->references++; }

void page_run_drop(PageRun *run)
{
	KERNEL_ASSERT(run->references > 0);
	if (--run->references == 0) {
		physical::free(run->physical, run->size / page_size);
		destroy(run);
	}
}

uint64_t page_run_physical(const PageRun *run) { return run->physical; }

void release_page_run(PageRun *run) { page_run_drop(run); }

size_t page_run_size(const PageRun *run) { return run->size; }

Result<uint64_t> map_page_run(PageRun *run, uint64_t offset, size_t length, uint64_t user_address,
                              uint32_t protections, uint32_t flags)
{
	AddressSpace *space = current_address_space();
	if (!space)
		return Error(EINVAL);
	// As mmap, a length that is not a page multiple covers the whole last page.
	size_t rounded = (length + page_size - 1) & ~(page_size - 1);
	if (length == 0 || offset % page_size || offset > run->size || rounded > run->size - offset)
		return Error(EINVAL);
	uint32_t placement = flags & (map_fixed | map_fixed_noreplace);
	return vm_map(space, user_address, rounded, protections, placement, run, offset);
}

int unmap_user(uint64_t user_address, size_t length)
{
	AddressSpace *space = current_address_space();
	if (!space)
		return -EINVAL;
	return vm_unmap(space, user_address, length);
}

} // namespace kernel
