// ELF64 loading (elf_loader.hpp): the segments into a fresh address space, after inspect_elf (elf_inspect.cpp).
#include "Tasks/elf_loader.hpp"
#include "Tasks/elf_format.hpp"
#include "Arch/boot_info.hpp"
#include "Library/string.hpp"
#include "Memory/address_space.hpp"
#include "Memory/paging.hpp"

namespace kernel {

using namespace elf;

namespace {

uint32_t protections_of(uint32_t elf_flags)
{
	uint32_t p = 0;
	if (elf_flags & 4)
		p |= protect_read;
	if (elf_flags & 2)
		p |= protect_write;
	if (elf_flags & 1)
		p |= protect_exec;
	return p;
}

// Copies bytes into the space's (already present) pages through the direct map: the pages may be read-only
// to user mode and CR0.WP would stop a direct kernel write.
void copy_into(AddressSpace *space, uint64_t address, const uint8_t *src, uint64_t size)
{
	while (size) {
		uint64_t entry = paging::lookup(space->root, address);
		KERNEL_ASSERT(entry & paging::present);
		uint64_t in_page = address % page_size;
		uint64_t chunk = page_size - in_page;
		if (chunk > size)
			chunk = size;
		memcpy(static_cast<uint8_t *>(physical_to_virtual(entry & paging::address_mask)) + in_page, src, chunk);
		address += chunk;
		src += chunk;
		size -= chunk;
	}
}

} // namespace

Result<LoadedImage> load_elf(AddressSpace *space, const uint8_t *image, uint64_t size)
{
	LoadedImage loaded = TRY(inspect_elf(image, size));
	auto *h = reinterpret_cast<const FileHeader *>(image);
	const ProgramHeader *ph = program_headers(image);
	for (unsigned i = 0; i < h->program_header_count; i++) {
		const ProgramHeader &p = ph[i];
		if (p.type != pt_load || p.memory_size == 0)
			continue;
		uint64_t start = (p.vaddr + loaded.bias) & ~(page_size - 1);
		uint64_t end = (p.vaddr + loaded.bias + p.memory_size + page_size - 1) & ~(page_size - 1);
		uint32_t protections = protections_of(p.flags);
		// A page shared with the previous segment (linkers may pack them) keeps one VMA; it gets the union of
		// both protections.
		while (start < end && vm_find(space, start)) {
			Vma *shared = vm_find(space, start);
			TRY(check(vm_protect(space, start, page_size, shared->protections | protections)));
			start += page_size;
		}
		if (start < end)
			TRY(vm_map(space, start, end - start, protections, map_fixed_noreplace | map_populate, nullptr, 0));
		copy_into(space, p.vaddr + loaded.bias, image + p.offset, p.file_size);
	}
	return loaded;
}

} // namespace kernel
