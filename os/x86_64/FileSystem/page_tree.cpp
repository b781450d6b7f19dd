#include "FileSystem/page_tree.hpp"

#include "Library/errno.hpp"
#include "Platform/platform.hpp"

namespace kernel {

namespace {
constexpr uint64_t slot_mask = (1u << PageTree::slot_bits) - 1;
}

uint8_t *PageTree::find(uint64_t index) const
{
	if (!root_ || index >= capacity(height_))
		return nullptr;
	Node *node = root_;
	for (unsigned level = height_; level > 1; --level) {
		node = static_cast<Node *>(node->slots[(index >> (slot_bits * (level - 1))) & slot_mask]);
		if (!node)
			return nullptr;
	}
	return static_cast<uint8_t *>(node->slots[index & slot_mask]);
}

Result<uint8_t *> PageTree::find_or_add(uint64_t index, bool *created)
{
	*created = false;
	if (index >= max_pages)
		return Error(EFBIG);
	// Grow: the old root becomes slot 0 of a new root until the index fits (an empty tree just starts at the
	// height the index needs).
	while (!root_ || index >= capacity(height_)) {
		Node *top = static_cast<Node *>(allocate(sizeof(Node), page_size));
		if (!top)
			return Error(ENOMEM);
		if (root_) {
			top->slots[0] = root_;
			++height_;
		} else {
			height_ = 1;
			while (index >= capacity(height_))
				++height_;
		}
		root_ = top;
	}
	Node *node = root_;
	for (unsigned level = height_; level > 1; --level) {
		void *&slot = node->slots[(index >> (slot_bits * (level - 1))) & slot_mask];
		if (!slot) {
			slot = allocate(sizeof(Node), page_size);
			if (!slot)
				return Error(ENOMEM);
		}
		node = static_cast<Node *>(slot);
	}
	void *&leaf = node->slots[index & slot_mask];
	if (!leaf) {
		leaf = allocate(page_bytes, page_size); // zeroed
		if (!leaf)
			return Error(ENOMEM);
		++pages_;
		*created = true;
	}
	return static_cast<uint8_t *>(leaf);
}

void PageTree::free_subtree(Node *node, unsigned level)
{
	for (void *&slot : node->slots) {
		if (!slot)
			continue;
		if (level == 1) {
			deallocate(slot);
			--pages_;
		} else {
			free_subtree(static_cast<Node *>(slot), level - 1);
		}
		slot = nullptr;
	}
	deallocate(node);
}

void PageTree::prune(Node *node, unsigned level, uint64_t base, uint64_t first)
{
	uint64_t span = capacity(level - 1); // pages under each slot
	for (uint64_t i = 0; i <= slot_mask; ++i) {
		void *&slot = node->slots[i];
		uint64_t start = base + i * span;
		if (!slot || start + span <= first)
			continue;
		if (start >= first) {
			if (level == 1) {
				deallocate(slot);
				--pages_;
			} else {
				free_subtree(static_cast<Node *>(slot), level - 1);
			}
			slot = nullptr;
		} else {
			prune(static_cast<Node *>(slot), level - 1, start, first); // straddles the cut
		}
	}
}

void PageTree::remove_from(uint64_t first)
{
	if (!root_)
		return;
	if (first == 0) {
		free_subtree(root_, height_);
		root_ = nullptr;
		height_ = 0;
		return;
	}
	if (first < capacity(height_))
		prune(root_, height_, 0, first);
}

} // namespace kernel
