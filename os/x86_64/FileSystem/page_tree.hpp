// Sparse storage for a ramfs file: a radix tree of 4 KiB pages keyed by page index, 512 slots per node (one
// page each), growing in height only as far as the highest index written. A pwrite at 4 GiB allocates one data
// page and three small interior nodes, not 4 GiB; pages never written read as zeros (holes).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "Library/result.hpp"

namespace kernel {

class PageTree {
public:
	static constexpr size_t page_bytes = 4096;
	static constexpr unsigned slot_bits = 9;
	static constexpr unsigned max_height = 4; // 2^36 pages: files up to 256 TiB
	static constexpr uint64_t max_pages = uint64_t(1) << (slot_bits * max_height);

	constexpr PageTree() = default;
	PageTree(const PageTree &) = delete;
	PageTree &operator=(const PageTree &) = delete;
	~PageTree() { remove_from(0); }

	// The page at index, or nullptr (a hole).
	uint8_t *find(uint64_t index) const;
	// The page at index, allocating a zeroed one (and interior nodes) when absent; *created says which.
	// ENOMEM when memory is exhausted, EFBIG when index >= max_pages.
	Result<uint8_t *> find_or_add(uint64_t index, bool *created);
	// Frees every page with index >= first (truncation); remove_from(0) empties the tree.
	void remove_from(uint64_t first);
	// Pages held (for st_blocks).
	uint64_t page_count() const { return pages_; }

private:
	struct Node {
		void *slots[1u << slot_bits];
	};
	static uint64_t capacity(unsigned height) { return uint64_t(1) << (slot_bits * height); }
	void prune(Node *node, unsigned level, uint64_t base, uint64_t first);
	void free_subtree(Node *node, unsigned level);

	Node *root_ = nullptr;
	unsigned height_ = 0; // 0: empty; 1: root's slots are pages; h: root covers 512^h pages
	uint64_t pages_ = 0;
};

} // namespace kernel
