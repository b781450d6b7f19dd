// Cancel's lookup: parked ops indexed by user_data. A program may park tens of thousands of ops on one ring
// (upstream's poll-cancel-ton arms 30000 polls and cancels them one by one), so Cancel must not walk them all.
// Chained buckets, each in arrival order, so the first match is the oldest op with that user_data (the one
// Cancel ends); the table doubles as the ring fills and is rebuilt from the ring's pending list, which keeps
// that order. While no table can be allocated, Cancel walks the pending list instead.
#include "Ring/ring_internal.hpp"

namespace kernel {

namespace {

using Bucket = List<PendingOp, &PendingOp::index_node>;
constexpr uint32_t first_buckets = 64, max_buckets = 1u << 16;

uint32_t bucket_of(const NativeRing &ring, uint64_t user_data)
{
	// Fibonacci hashing: user_data values are often pointers with tag bits, whose low bits say little.
	return uint32_t((user_data * 0x9e3779b97f4a7c15ull) >> 32) & ring.index_mask;
}

// Replaces the table with one of `buckets` buckets holding every pending op, in arrival order. False (the old
// table stays) when memory is short.
bool rebuild(NativeRing &ring, uint32_t buckets)
{
	auto *table = static_cast<Bucket *>(allocate(buckets * sizeof(Bucket), alignof(Bucket)));
	if (!table)
		return false;
	for (uint32_t i = 0; i < buckets; i++)
		new (&table[i]) Bucket();
	deallocate(ring.index); // its lists' nodes are overwritten below
	ring.index = table;
	ring.index_mask = buckets - 1;
	for (PendingOp *op : ring.pending)
		table[bucket_of(ring, op->sqe.user_data)].push_back(op);
	return true;
}

} // namespace

void index_pending(NativeRing &ring, PendingOp &op)
{
	ring.pending_count++;
	if (!ring.index) {
		(void)rebuild(ring, first_buckets); // indexes op too, as it is on the pending list
		return;
	}
	ring.index[bucket_of(ring, op.sqe.user_data)].push_back(&op);
	uint32_t buckets = ring.index_mask + 1;
	if (ring.pending_count > 2 * buckets && buckets < max_buckets)
		(void)rebuild(ring, buckets * 2);
}

void unindex_pending(NativeRing &ring, PendingOp &op)
{
	ring.pending_count--;
	if (ring.index)
		ring.index[bucket_of(ring, op.sqe.user_data)].remove(&op);
}

PendingOp *find_pending(NativeRing &ring, uint64_t user_data)
{
	if (ring.index) {
		for (PendingOp *op : ring.index[bucket_of(ring, user_data)])
			if (op->sqe.user_data == user_data)
				return op;
		return nullptr;
	}
	for (PendingOp *op : ring.pending)
		if (op->sqe.user_data == user_data)
			return op;
	return nullptr;
}

void free_pending_index(NativeRing &ring)
{
	deallocate(ring.index);
	ring.index = nullptr;
	ring.index_mask = 0;
}

} // namespace kernel
