// Checking an ELF64 image before anything is mapped (elf_loader.hpp's inspect_elf). Kept apart from the loader
// so host unit tests (tests/x86_64/kernel_elf.cpp) run it without an address space.
#include "Library/errno.hpp"
#include "Library/string.hpp"
#include "Memory/address_space.hpp"
#include "Tasks/elf_format.hpp"
#include "Tasks/elf_loader.hpp"

namespace kernel {

using namespace elf;

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

	const ProgramHeader *ph = program_headers(image);
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

} // namespace kernel
