// Bitmap frame allocator (physical.hpp).
#include "Memory/physical.hpp"
#include "Library/print.hpp"
#include "Library/string.hpp"
#include "Platform/platform.hpp"

extern "C" char kernel_physical_start[], kernel_physical_end[];

namespace kernel::physical {
namespace {

constexpr size_t max_frames = (4ull << 30) / page_size; // the boot direct map covers 4 GiB
// 1 = used or not RAM. Starts all used; init frees the usable ranges.
constinit uint64_t used[max_frames / 64];
size_t frame_limit; // frames above it are never free
size_t free_count, total_count;
size_t hint;

bool is_used(size_t frame) { return used[frame / 64] & (1ull << (frame % 64)); }
void set_used(size_t frame) { used[frame / 64] |= 1ull << (frame % 64); }
void set_free(size_t frame) { used[frame / 64] &= ~(1ull << (frame % 64)); }

void reserve(uint64_t start, uint64_t end)
{
	for (uint64_t f = start / page_size; f < (end + page_size - 1) / page_size && f < max_frames; f++) {
		if (!is_used(f)) {
			set_used(f);
			free_count--;
			total_count--;
		}
	}
}

} // namespace

void init(const BootInfo &boot)
{
	memset(used, 0xFF, sizeof used);
	for (size_t i = 0; i < boot.range_count; i++) {
		const MemoryRange &r = boot.ranges[i];
		if (r.type != 1)
			continue;
		uint64_t first = (r.start + page_size - 1) / page_size;
		uint64_t last = (r.start + r.size) / page_size; // exclusive
		if (last > max_frames)
			last = max_frames;
		for (uint64_t f = first; f < last; f++) {
			if (is_used(f)) {
				set_free(f);
				free_count++;
				total_count++;
			}
		}
		if (last > frame_limit)
			frame_limit = last;
	}
	reserve(0, 1ull << 20); // real-mode leftovers, the PVH start info, BIOS areas
	reserve(reinterpret_cast<uint64_t>(kernel_physical_start), reinterpret_cast<uint64_t>(kernel_physical_end));
	if (boot.initrd_size)
		reserve(boot.initrd_physical, boot.initrd_physical + boot.initrd_size);
	hint = 0;
	print("memory: %lu MiB usable, %lu MiB free\n", total_count * page_size >> 20, free_count * page_size >> 20);
}

uint64_t allocate(size_t count, size_t align)
{
	if (count == 0 || count > free_count)
		return 0;
	if (align == 0)
		align = 1;
	if (count == 1 && align == 1) {
		for (size_t scanned = 0; scanned < frame_limit; scanned++) {
			size_t f = (hint + scanned) % frame_limit;
			if (!is_used(f)) {
				set_used(f);
				free_count--;
				hint = f + 1;
				return static_cast<uint64_t>(f) * page_size;
			}
		}
		return 0;
	}
	for (size_t f = 0; f + count <= frame_limit; f += align) {
		size_t n = 0;
		while (n < count && !is_used(f + n))
			n++;
		if (n == count) {
			for (size_t i = 0; i < count; i++)
				set_used(f + i);
			free_count -= count;
			return static_cast<uint64_t>(f) * page_size;
		}
	}
	return 0;
}

uint64_t allocate_zeroed_page()
{
	uint64_t p = allocate(1);
	if (p)
		memset(physical_to_virtual(p), 0, page_size);
	return p;
}

void free(uint64_t physical, size_t count)
{
	size_t first = physical / page_size;
	for (size_t f = first; f < first + count; f++) {
		KERNEL_ASSERT(f < frame_limit && is_used(f));
		set_free(f);
	}
	free_count += count;
}

size_t free_frames() { return free_count; }
size_t total_frames() { return total_count; }

} // namespace kernel::physical
