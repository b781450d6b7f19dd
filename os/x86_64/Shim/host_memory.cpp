// host.h, memory: the shim's bookkeeping on the kernel heap, ring memory in page runs the program can map,
// and user copies through Platform's fault-safe routines.
#include "Library/string.hpp"
#include "Shim/shim_internal.hpp"

using namespace kernel;

extern "C" {

void *rp_host_alloc(size_t size)
{
	// Platform's heap hands out zeroed memory.
	return allocate(size ? size : 1, 64);
}

void rp_host_free(void *ptr, size_t) { deallocate(ptr); }

int rp_host_region_create(size_t size, rp_host_region **out, void **address)
{
	if (size == 0 || (size & (page_size - 1)))
		return -EINVAL;
	auto *region = create<rp_host_region>();
	if (!region)
		return -ENOMEM;
	region->run = allocate_page_run(size, &region->address);
	if (!region->run) {
		destroy(region);
		return -ENOMEM;
	}
	region->size = size;
	*out = region;
	*address = region->address;
	return 0;
}

void rp_host_region_destroy(rp_host_region *region)
{
	if (!region)
		return;
	release_page_run(region->run); // mappings keep their own references
	destroy(region);
}

int rp_host_copy_from_user(void *dst, uint64_t user_src, size_t size) { return copy_from_user(dst, user_src, size); }

int rp_host_copy_to_user(uint64_t user_dst, const void *src, size_t size) { return copy_to_user(user_dst, src, size); }

/*
 * Pinning (host.h): the program's pages in the range are replaced by a page run holding the same bytes, mapped at
 * the same addresses (MAP_FIXED); the shim keeps the run's kernel view and one reference, so the bytes stay
 * valid, in any address space, after the program unmaps its range, as Linux's pinned frames do. The copy in and
 * back out proves every page readable and writable (-EFAULT otherwise, as Linux's FOLL_WRITE pin). What differs
 * from Linux: after fork the run is shared between parent and child (Linux gives the child a private copy of
 * pinned anonymous pages), and a range larger than the largest contiguous run (2 MiB), or one the run cannot
 * be mapped over, is only checked, then used at the program's own addresses: the kernel has no reference count
 * on single frames yet, so such a range must stay mapped by the program while the ring lives.
 */
struct rp_host_pin {
	kernel::PageRun *run; // nullptr: a large range used in place
	size_t size;
};

int rp_host_pin_user(uint64_t addr, uint64_t len, rp_host_pin **out, void **view)
{
	if (!addr || !len || addr + len < addr)
		return -EFAULT;
	uint64_t start = addr & ~uint64_t(page_size - 1);
	uint64_t end = (addr + len + page_size - 1) & ~uint64_t(page_size - 1);
	size_t size = size_t(end - start);
	auto *pin = create<rp_host_pin>();
	if (!pin)
		return -ENOMEM;
	pin->size = size;
	void *kernel_view = nullptr;
	pin->run = allocate_page_run(size, &kernel_view);
	if (!pin->run) {
		// Too large for one run: checked in place, page by page, by the same copy in and out.
		uint8_t bounce[256];
		for (uint64_t at = start; at < end; at += page_size)
			if (copy_from_user(bounce, at, sizeof bounce) || copy_to_user(at, bounce, sizeof bounce)) {
				destroy(pin);
				return -EFAULT;
			}
		*out = pin;
		*view = reinterpret_cast<void *>(addr);
		return 0;
	}
	if (copy_from_user(kernel_view, start, size) || copy_to_user(start, kernel_view, size)) {
		release_page_run(pin->run);
		destroy(pin);
		return -EFAULT;
	}
	auto mapped = map_page_run(pin->run, 0, size, start, protect_read | protect_write, map_fixed);
	if (!mapped.ok()) {
		// The run cannot take the range's place (a platform with one address space cannot map it elsewhere):
		// the range, checked above, is used in place, as a large one is.
		release_page_run(pin->run);
		pin->run = nullptr;
		*out = pin;
		*view = reinterpret_cast<void *>(addr);
		return 0;
	}
	*out = pin;
	*view = static_cast<uint8_t *>(kernel_view) + (addr - start);
	return 0;
}

void rp_host_unpin_user(rp_host_pin *pin)
{
	if (!pin)
		return;
	if (pin->run)
		release_page_run(pin->run); // the program's mapping, if it is still there, holds its own reference
	destroy(pin);
}

} // extern "C"
