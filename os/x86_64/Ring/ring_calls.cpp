// The native ring's system calls (os/abi/include/ringport/kernel_calls.h): RP_SYS_RING_SETUP maps a new ring
// into the caller, RP_SYS_RING_ENTER runs it, RP_SYS_RING_DESTROY ends it. A process's rings hang off its
// Platform process slot; handles are small numbers, never reused while the process lives.
#include <ringport/kernel_calls.h>

#include "Ring/ring_internal.hpp"
#include "Syscalls/hooks.hpp"

namespace kernel {

namespace {

struct ProcessRings {
	List<NativeRing, &NativeRing::process_node> rings;
	int64_t next_handle = 0;
};

ProcessRings *process_rings(bool create_if_missing)
{
	void *&slot = process_slot(ProcessSlot::rings);
	if (!slot && create_if_missing)
		slot = create<ProcessRings>();
	return static_cast<ProcessRings *>(slot);
}

NativeRing *find_ring(uint64_t handle)
{
	ProcessRings *rings = process_rings(false);
	if (!rings)
		return nullptr;
	for (NativeRing *ring : rings->rings)
		if (uint64_t(ring->handle) == handle)
			return ring;
	return nullptr;
}

bool valid_count(uint32_t n, uint32_t low, uint32_t high) { return n >= low && n <= high && native::is_power_of_two(n); }

} // namespace

long ring_setup(uint64_t user_params, uint64_t user_view)
{
	rp_kernel_ring_params params;
	if (copy_from_user(&params, user_params, sizeof(params)))
		return -EFAULT;
	if (!valid_count(params.sq_entries, 1, 4096) || !valid_count(params.cq_entries, 2, 8192) || params.flags ||
	    params.reserved)
		return -EINVAL;
	ProcessRings *rings = process_rings(true);
	if (!rings)
		return -ENOMEM;
	Result<NativeRing *> made = allocate_ring(params.sq_entries, params.cq_entries);
	if (!made.ok())
		return -made.error();
	NativeRing *ring = made.value();
	Result<uint64_t> mapped = map_page_run(ring->pages, 0, ring->memory_size, 0, protect_read | protect_write, 0);
	if (!mapped.ok()) {
		free_ring(ring);
		return -mapped.error();
	}
	uint64_t base = mapped.value();
	ring->user_address = base;
	auto user = [&](const void *kernel_part) { return base + uint64_t(static_cast<const uint8_t *>(kernel_part) - ring->memory); };
	rp_kernel_ring_view view{};
	view.sq = user(ring->sq_header);
	view.sqes = user(ring->sqes);
	view.cq = user(ring->cq_header);
	view.cqes = user(ring->cqes);
	view.base = base;
	view.size = ring->memory_size;
	if (copy_to_user(user_view, &view, sizeof(view))) {
		(void)unmap_user(base, ring->memory_size);
		free_ring(ring);
		return -EFAULT;
	}
	ring->handle = rings->next_handle++;
	rings->rings.push_back(ring);
	return ring->handle;
}

long ring_enter(uint64_t handle, uint64_t min_complete, uint64_t flags, uint64_t timeout_ns)
{
	NativeRing *ring = find_ring(handle);
	if (!ring)
		return -EBADF;
	if (flags)
		return -EINVAL;
	uint32_t min = min_complete > UINT32_MAX ? UINT32_MAX : uint32_t(min_complete);
	return enter_ring(*ring, min, timeout_ns);
}

long ring_destroy(uint64_t handle)
{
	NativeRing *ring = find_ring(handle);
	if (!ring)
		return -EBADF;
	process_rings(false)->rings.remove(ring);
	(void)unmap_user(ring->user_address, ring->memory_size);
	free_ring(ring);
	return 0;
}

void ring_process_exit()
{
	ProcessRings *rings = process_rings(false);
	if (!rings)
		return;
	// The address space goes next and takes the mappings (and their page references) with it.
	while (NativeRing *ring = rings->rings.pop_front())
		free_ring(ring);
	destroy(rings);
	process_slot(ProcessSlot::rings) = nullptr;
}

} // namespace kernel
