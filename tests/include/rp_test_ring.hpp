// A native ring pair in ordinary memory, for tests.
#pragma once
#include <ringport/native_ring.hpp>

#include <cstdlib>
#include <cstring>

namespace rp_test {

template <class Entry>
struct OwnedRing {
	rp_ring_header* header = nullptr;
	Entry* entries = nullptr;
	uint32_t* indirect = nullptr;

	explicit OwnedRing(uint32_t count, uint32_t flags = 0, uint64_t start_index = 0)
	{
		header = static_cast<rp_ring_header*>(std::aligned_alloc(128, sizeof(rp_ring_header)));
		entries = static_cast<Entry*>(std::calloc(count, sizeof(Entry)));
		if (flags & RP_RING_INDIRECT)
			indirect = static_cast<uint32_t*>(std::calloc(count, sizeof(uint32_t)));
		(void)ringport::native::init_header(header, count, sizeof(Entry), flags);
		header->head = header->tail = start_index;
	}
	~OwnedRing()
	{
		std::free(header);
		std::free(entries);
		std::free(indirect);
	}
	OwnedRing(const OwnedRing&) = delete;
	OwnedRing& operator=(const OwnedRing&) = delete;

	ringport::native::Producer<Entry> producer() { return {header, entries, indirect}; }
	ringport::native::Consumer<Entry> consumer() { return {header, entries, indirect}; }
};

inline rp_sqe make_sqe(uint8_t opcode, uint64_t user_data)
{
	rp_sqe s{};
	s.opcode = opcode;
	s.user_data = user_data;
	return s;
}

} // namespace rp_test
