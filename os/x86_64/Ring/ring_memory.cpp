// Ring memory and lifetime: one physically contiguous page run per ring, laid out as
//
//   0                      SQ header (struct rp_ring_header, 384 bytes)
//   384                    SQEs (64 bytes each)
//   align 128              CQ header
//   + 384                  CQEs (16 bytes each)
//
// so a user ring is one mapping (kernel_calls.h's rp_kernel_ring_view gives the user address of each part),
// and internal rings (the shim's) use the same code without the mapping.
#include "Ring/ring_internal.hpp"

namespace kernel {

namespace {

constexpr size_t align_up(size_t value, size_t alignment) { return (value + alignment - 1) & ~(alignment - 1); }

struct Layout {
	size_t sqes, cq_header, cqes, total;
	Layout(uint32_t sq_entries, uint32_t cq_entries)
	{
		sqes = sizeof(rp_ring_header);
		cq_header = align_up(sqes + size_t(sq_entries) * sizeof(rp_sqe), RP_RING_INDEX_ALIGN);
		cqes = cq_header + sizeof(rp_ring_header);
		total = align_up(cqes + size_t(cq_entries) * sizeof(rp_cqe), page_size);
	}
};
static_assert(sizeof(rp_ring_header) % 64 == 0, "SQEs start on a 64-byte boundary");

// The largest run allocate_page_run hands out.
constexpr size_t max_run = 2u << 20;

} // namespace

// Allocates and initialises a ring for the current process (not yet mapped anywhere). Entry counts are
// checked by the callers, which have different limits.
Result<NativeRing *> allocate_ring(uint32_t sq_entries, uint32_t cq_entries)
{
	Layout layout(sq_entries, cq_entries);
	if (layout.total > max_run)
		return Error(ENOMEM);
	NativeRing *ring = create<NativeRing>();
	if (!ring)
		return Error(ENOMEM);
	void *memory = nullptr;
	ring->pages = allocate_page_run(layout.total, &memory);
	if (!ring->pages) {
		destroy(ring);
		return Error(ENOMEM);
	}
	ring->memory = static_cast<uint8_t *>(memory);
	ring->memory_size = layout.total;
	ring->sq_header = reinterpret_cast<rp_ring_header *>(ring->memory);
	ring->sqes = reinterpret_cast<rp_sqe *>(ring->memory + layout.sqes);
	ring->cq_header = reinterpret_cast<rp_ring_header *>(ring->memory + layout.cq_header);
	ring->cqes = reinterpret_cast<rp_cqe *>(ring->memory + layout.cqes);
	ring->sq_entries = sq_entries;
	ring->cq_entries = cq_entries;
	(void)native::init_header(ring->sq_header, sq_entries, sizeof(rp_sqe), 0);
	(void)native::init_header(ring->cq_header, cq_entries, sizeof(rp_cqe), 0);
	ring->sq = native::SqConsumer(ring->sq_header, ring->sqes);
	ring->cq = native::CqProducer(ring->cq_header, ring->cqes);
	ring->owner = current_process();
	return ring;
}

// Cancels what is pending (posting -ECANCELED into the CQ nobody reads any more) and frees the ring. The
// caller has removed any user mapping it wants gone; mappings left in place keep the pages (page runs are
// reference counted), so a process never sees freed memory.
void free_ring(NativeRing *ring)
{
	ring->destroying = true;
	native::mark_dropped(ring->sq_header);
	native::mark_dropped(ring->cq_header);
	cancel_all_pending(*ring);
	free_pending_index(*ring);
	while (ParkedCompletion *p = ring->parked.pop_front())
		deallocate(p);
	ring->parked_count = 0;
	release_page_run(ring->pages);
	destroy(ring);
}

Result<NativeRing *> create_internal_ring(const NativeRingParams &params, NativeRingView *view)
{
	uint32_t sq = params.sq_entries, cq = params.cq_entries;
	if (!native::is_power_of_two(sq) || !native::is_power_of_two(cq) || cq < 2)
		return Error(EINVAL);
	// The shim asks for generous rings (twice its own sizes); what does not fit one page run is reduced. The
	// shim reads the real counts from the headers: a fuller SQ makes it enter sooner, a fuller CQ parks
	// completions in the kernel, neither loses anything.
	if (sq > 8192)
		sq = 8192;
	if (cq > 32768)
		cq = 32768;
	NativeRing *ring = TRY(allocate_ring(sq, cq));
	ring->internal = true;
	view->sq = ring->sq_header;
	view->sqes = ring->sqes;
	view->cq = ring->cq_header;
	view->cqes = ring->cqes;
	return ring;
}

void destroy_ring(NativeRing *ring)
{
	if (ring)
		free_ring(ring);
}

void set_ring_notify(NativeRing &ring, void (*fn)(void *), void *context)
{
	ring.notify = fn;
	ring.notify_context = context;
}

} // namespace kernel
