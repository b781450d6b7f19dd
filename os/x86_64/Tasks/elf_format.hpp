// ELF64 file structures and constants the loader reads (the System V gABI and the x86_64 psABI).
#pragma once

#include <stdint.h>

namespace kernel::elf {

struct FileHeader {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, program_header_offset, section_header_offset;
	uint32_t flags;
	uint16_t header_size, program_header_size, program_header_count;
	uint16_t section_header_size, section_header_count, section_name_index;
};
static_assert(sizeof(FileHeader) == 64);

struct ProgramHeader {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, file_size, memory_size, align;
};
static_assert(sizeof(ProgramHeader) == 56);

inline constexpr uint32_t pt_load = 1, pt_interp = 3, pt_phdr = 6;
inline constexpr uint32_t pf_x = 1, pf_w = 2, pf_r = 4;
inline constexpr uint16_t et_exec = 2, et_dyn = 3, em_x86_64 = 62;

inline const ProgramHeader *program_headers(const uint8_t *image)
{
	auto *h = reinterpret_cast<const FileHeader *>(image);
	return reinterpret_cast<const ProgramHeader *>(image + h->program_header_offset);
}

} // namespace kernel::elf
