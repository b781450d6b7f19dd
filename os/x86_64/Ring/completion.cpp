// Posting completions. Results wider than the 32-bit status travel as extended pairs (native_ring.hpp's
// post_completion); a completion that finds the CQ full - or its head scribbled by the consumer - is parked in
// kernel memory, in order, and moved into the ring as the consumer frees space. Later completions queue
// behind parked ones, so the consumer always sees them in the order they happened.
#include "Ring/ring_internal.hpp"

namespace kernel {

namespace {

// A consumer that never reads its CQ cannot make the kernel hold unbounded memory for it: past this many
// parked completions, new ones are dropped and counted in the CQ header's dropped word.
constexpr uint64_t max_parked = 1u << 16;

bool park_completion(NativeRing &ring, uint64_t user_data, int64_t result, uint32_t flags)
{
	if (ring.parked_count >= max_parked)
		return false;
	auto *p = static_cast<ParkedCompletion *>(allocate(sizeof(ParkedCompletion)));
	if (!p)
		return false;
	new (p) ParkedCompletion{};
	p->user_data = user_data;
	p->result = result;
	p->flags = flags;
	ring.parked.push_back(p);
	ring.parked_count++;
	return true;
}

} // namespace

void post_completion(NativeRing &ring, uint64_t user_data, int64_t result, uint32_t flags)
{
	if (ring.parked.empty() && native::post_completion(ring.cq, user_data, result, flags) == RP_RING_OK)
		return;
	if (!park_completion(ring, user_data, result, flags))
		__atomic_fetch_add(&ring.cq_header->dropped, 1, __ATOMIC_RELAXED);
}

void flush_parked(NativeRing &ring)
{
	while (ParkedCompletion *p = ring.parked.front()) {
		if (native::post_completion(ring.cq, p->user_data, p->result, p->flags) != RP_RING_OK)
			break;
		ring.parked.remove(p);
		ring.parked_count--;
		deallocate(p);
	}
}

void publish_completions(NativeRing &ring)
{
	if (ring.cq.staged_tail() == ring.cq_published)
		return;
	// Nobody sleeps on the tail word in this kernel (waiters re-check in the idle loop), so the producer's
	// "wake needed" answer is not acted on.
	(void)ring.cq.publish();
	ring.cq_published = ring.cq.staged_tail();
}

void post_async_completion(NativeRing &ring, uint64_t user_data, int64_t result, uint32_t flags)
{
	post_completion(ring, user_data, result, flags);
	publish_completions(ring);
	if (ring.notify && !ring.destroying)
		ring.notify(ring.notify_context);
}

int64_t unconsumed_completions(NativeRing &ring)
{
	uint64_t head = __atomic_load_n(&ring.cq_header->head, __ATOMIC_ACQUIRE);
	uint64_t used = ring.cq_published - head;
	if (used > ring.cq_entries)
		return -EINVAL;
	return int64_t(used + ring.parked_count);
}

} // namespace kernel
