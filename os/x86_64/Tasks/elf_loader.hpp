// The ELF64 loader: static x86_64 executables (ET_EXEC) and static PIE (ET_DYN without PT_INTERP, loaded at
// a fixed bias; the program relocates itself). Segments are copied from the image into fresh, eagerly filled
// anonymous memory with their own protections. Everything in the file is checked before use: a malformed
// image gives -ENOEXEC, never a kernel fault.
#pragma once

#include <stdint.h>

#include "Library/result.hpp"

namespace kernel {

struct AddressSpace;

struct LoadedImage {
	uint64_t entry;
	uint64_t program_headers; // user address of the program headers (AT_PHDR)
	uint64_t program_header_count;
	uint64_t program_header_size;
	uint64_t end;  // first byte after the highest segment (the brk start)
	uint64_t bias; // added to every address (0 for ET_EXEC)
};

inline constexpr uint64_t pie_load_bias = 0x555555554000ull; // where Linux puts a PIE without ASLR

// Checks the headers only (the host unit test exercises this without an address space).
Result<LoadedImage> inspect_elf(const uint8_t *image, uint64_t size);
Result<LoadedImage> load_elf(AddressSpace *space, const uint8_t *image, uint64_t size);

} // namespace kernel
