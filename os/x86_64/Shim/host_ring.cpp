// host.h, the native ring: the shim's native rings are internal rings of the kernel's own executor (Ring/),
// the same code that serves user rings, without a user mapping.
#include "Ring/ring.hpp"
#include "Shim/shim_internal.hpp"

using namespace kernel;

namespace {
NativeRing *native(rp_host_ring *ring) { return reinterpret_cast<NativeRing *>(ring); }
} // namespace

extern "C" {

int rp_host_ring_create(const rp_host_ring_params *params, rp_host_ring **out, rp_host_ring_view *view)
{
	if (params->flags || params->reserved)
		return -EINVAL;
	NativeRingView v{};
	Result<NativeRing *> ring = create_internal_ring({params->sq_entries, params->cq_entries}, &v);
	if (!ring.ok())
		return -ring.error();
	*out = reinterpret_cast<rp_host_ring *>(ring.value());
	view->sq = v.sq;
	view->sqes = v.sqes;
	view->cq = v.cq;
	view->cqes = v.cqes;
	return 0;
}

int rp_host_ring_enter(rp_host_ring *ring, uint32_t min_complete)
{
	return int(enter_ring(*native(ring), min_complete, UINT64_MAX));
}

void rp_host_ring_collect(rp_host_ring *ring) { collect_ring(*native(ring)); }

void rp_host_ring_set_notify(rp_host_ring *ring, void (*fn)(void *), void *ctx) { set_ring_notify(*native(ring), fn, ctx); }

void rp_host_ring_destroy(rp_host_ring *ring) { destroy_ring(native(ring)); }

// Only a forked child abandons a ring, and part 1 has no fork; if one ever did, freeing is still right here,
// as nothing else runs the ring.
void rp_host_ring_abandon(rp_host_ring *ring) { destroy_ring(native(ring)); }

} // extern "C"
