// ELF64 loading (elf_loader.hpp).
#include "Tasks/elf_loader.hpp"
#include "Arch/boot_info.hpp"
#include "Library/string.hpp"
#include "Memory/address_space.hpp"
#include "Memory/paging.hpp"

namespace kernel {
namespace {

struct FileHeader {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, program_header_offset, section_header_offset;
	uint32_t flags;
	uint16_t header_size, program_header_size, program_header_count;
	uint16_t section_header_size, section_header_count, section_name_index;
};

struct ProgramHeader {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, file_size, memory_size, align;
};

constexpr uint32_t pt_load = 1, pt_interp = 3, pt_phdr = 6;
constexpr uint16_t et_exec = 2, et_dyn = 3, em_x86_64 = 62;

const ProgramHeader *headers(const uint8_t *image) {
	auto *h = reinterpret_cast<const FileHeader *>(image);
	return reinterpret_cast<const ProgramHeader *>(image + h->program_header_offset);
}

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

Result<LoadedImage> inspect_elf(const uint8_t *image, uint64_t size)
{
	if (size < sizeof(FileHeader))
		return Error(ENOEXEC);
	auto *h = reinterpret_cast<const FileHeader *>(image);
	if (memcmp(h->ident, "\x7f" "ELF", 4) != 0 || h->ident[4] != 2 /* 64-bit */ || h->ident[5] != 1 /* LE */)
		return Error(ENOEXEC);
	if ((h->type != et_exec && h->type != et_dyn) || h->machine != em_x86_64)
		return Error(ENOEXEC);
	if (h->program_header_size != sizeof(ProgramHeader) || h->program_header_count == 0 ||
	    h->program_header_offset > size ||
	    static_cast<uint64_t>(h->program_header_count) * sizeof(ProgramHeader) > size - h->program_header_offset ||
	    h->program_header_offset % 8)
		return Error(ENOEXEC);

	const ProgramHeader *ph = headers(image);
	uint64_t lowest = UINT64_MAX, highest = 0;
	uint64_t phdr_vaddr = 0;
	bool have_phdr = false;
	for (unsigned i = 0; i < h->program_header_count; i++) {
		const ProgramHeader &p = ph[i];
		if (p.type == pt_interp)
			return Error(ENOEXEC); // dynamically linked: no loader here
		if (p.type == pt_phdr) {
			phdr_vaddr = p.vaddr;
			have_phdr = true;
		}
		if (p.type != pt_load || p.memory_size == 0)
			continue;
		if (p.file_size > p.memory_size || p.offset > size || p.file_size > size - p.offset)
			return Error(ENOEXEC);
		if (p.vaddr % page_size != p.offset % page_size)
			return Error(ENOEXEC);
		if (p.vaddr >= user_space_end || p.memory_size > user_space_end - p.vaddr)
			return Error(ENOEXEC);
		if (p.vaddr < lowest)
			lowest = p.vaddr;
		if (p.vaddr + p.memory_size > highest)
			highest = p.vaddr + p.memory_size;
		// Program headers inside this segment's file bytes: that is where they appear in memory.
		if (!have_phdr && h->program_header_offset >= p.offset &&
		    h->program_header_offset < p.offset + p.file_size)
			phdr_vaddr = p.vaddr + (h->program_header_offset - p.offset);
	}
	if (lowest == UINT64_MAX)
		return Error(ENOEXEC);
	uint64_t bias = h->type == et_dyn && lowest < user_space_start ? pie_load_bias : 0;
	if (bias + lowest < user_space_start || highest + bias > mmap_top)
		return Error(ENOEXEC);
	LoadedImage out{};
	out.entry = h->entry + bias;
	out.program_headers = phdr_vaddr ? phdr_vaddr + bias : 0;
	out.program_header_count = h->program_header_count;
	out.program_header_size = sizeof(ProgramHeader);
	out.end = highest + bias;
	out.bias = bias;
	return out;
}

Result<LoadedImage> load_elf(AddressSpace *space, const uint8_t *image, uint64_t size)
{
	LoadedImage loaded = TRY(inspect_elf(image, size));
	auto *h = reinterpret_cast<const FileHeader *>(image);
	const ProgramHeader *ph = headers(image);
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
