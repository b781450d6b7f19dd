// Where the parts of a ring sit in its memory: SQ header, CQ header, SQ entries, optional index array, CQ
// entries. Shared by rings the OS consumes and rings two processes share through a memfd.
#pragma once

#include <ringport/native_ring.h>

#include <cstddef>
#include <cstdint>

namespace ringport::hosted {

struct RingLayout {
	size_t sq_header = 0, cq_header = sizeof(rp_ring_header);
	size_t sqes = 0, indirect = 0, cqes = 0, total = 0;

	RingLayout(uint32_t sq_entries, uint32_t cq_entries, uint32_t flags, size_t page)
	{
		sqes = align(2 * sizeof(rp_ring_header), 64);
		indirect = sqes + size_t(sq_entries) * sizeof(rp_sqe);
		cqes = align(indirect + ((flags & RP_RING_INDIRECT) ? size_t(sq_entries) * 4 : 0), 64);
		total = align(cqes + size_t(cq_entries) * sizeof(rp_cqe), page);
	}
	static size_t align(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }
};

// Checks ring creation parameters: 0 or -EINVAL.
inline int check_params(uint32_t sq_entries, uint32_t cq_entries, uint32_t flags, uint32_t reserved)
{
	auto pow2 = [](uint32_t n) { return n != 0 && (n & (n - 1)) == 0; };
	if (!pow2(sq_entries) || sq_entries > 32768 || !pow2(cq_entries) || cq_entries < 2 || cq_entries > 65536)
		return -22; // EINVAL
	if ((flags & ~uint32_t(RP_RING_INDIRECT | RP_RING_POLLED)) || reserved != 0)
		return -22;
	return 0;
}

} // namespace ringport::hosted
