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

} // extern "C"
