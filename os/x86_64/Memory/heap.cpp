// The kernel heap (Platform's allocate/deallocate). Requests up to 2 KiB come from slabs: pages cut into
// equal power-of-two objects, one free list per size, so an object is aligned to its size. Larger ones take
// whole contiguous frames. A tag per physical frame says which (and how many frames), so deallocate needs no
// size and no header. Memory comes back zeroed, as Platform promises.
#include "Arch/boot_info.hpp"
#include "Library/string.hpp"
#include "Memory/physical.hpp"
#include "Platform/platform.hpp"

namespace kernel {
namespace {

constexpr size_t class_count = 8; // 16, 32, ..., 2048 bytes
constexpr size_t smallest_shift = 4;
constexpr size_t max_frames = (4ull << 30) / page_size;

// 0: not the heap's; 1..class_count: a slab page of that class (index + 1); tag_large + n: the first frame of
// n frames of one large allocation.
constexpr uint32_t tag_large = 16;
constinit uint32_t frame_tags[max_frames];

struct FreeObject {
	FreeObject *next;
};
constinit FreeObject *free_lists[class_count];

size_t class_for(size_t need)
{
	size_t c = 0;
	while ((static_cast<size_t>(1) << (c + smallest_shift)) < need)
		c++;
	return c;
}

bool refill(size_t c)
{
	uint64_t frame = physical::allocate(1);
	if (!frame)
		return false;
	frame_tags[frame / page_size] = static_cast<uint32_t>(c + 1);
	size_t object_size = static_cast<size_t>(1) << (c + smallest_shift);
	auto *page = static_cast<char *>(physical_to_virtual(frame));
	for (size_t offset = page_size; offset >= object_size; offset -= object_size) {
		auto *object = reinterpret_cast<FreeObject *>(page + offset - object_size);
		object->next = free_lists[c];
		free_lists[c] = object;
	}
	return true;
}

} // namespace

void *allocate(size_t size, size_t alignment)
{
	if (alignment < 16)
		alignment = 16;
	if (alignment & (alignment - 1))
		return nullptr;
	size_t need = size > alignment ? size : alignment;
	if (need <= (static_cast<size_t>(1) << (class_count - 1 + smallest_shift))) {
		size_t c = class_for(need);
		if (!free_lists[c] && !refill(c))
			return nullptr;
		FreeObject *object = free_lists[c];
		free_lists[c] = object->next;
		memset(object, 0, static_cast<size_t>(1) << (c + smallest_shift));
		return object;
	}
	size_t frames = (size + page_size - 1) / page_size;
	size_t align_frames = alignment > page_size ? alignment / page_size : 1;
	uint64_t first = physical::allocate(frames, align_frames);
	if (!first)
		return nullptr;
	frame_tags[first / page_size] = static_cast<uint32_t>(tag_large + frames);
	void *p = physical_to_virtual(first);
	memset(p, 0, frames * page_size);
	return p;
}

void deallocate(void *ptr)
{
	if (!ptr)
		return;
	uint64_t physical = virtual_to_physical(ptr);
	uint32_t &tag = frame_tags[physical / page_size];
	if (tag >= tag_large) {
		physical::free(physical, tag - tag_large);
		tag = 0;
		return;
	}
	KERNEL_ASSERT(tag >= 1 && tag <= class_count);
	size_t c = tag - 1;
	auto *object = static_cast<FreeObject *>(ptr);
	object->next = free_lists[c];
	free_lists[c] = object;
}

} // namespace kernel
