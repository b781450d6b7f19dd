// The initial user stack as Linux's execve lays it out (fs/binfmt_elf.c create_elf_tables), from the top:
// the strings (execfn, argv, envp, "x86_64"), 16 random bytes (AT_RANDOM), padding, then at a 16-byte aligned
// RSP: argc, argv[] and NULL, envp[] and NULL, the auxv pairs ending in AT_NULL.
#pragma once

#include <stdint.h>

#include "Library/result.hpp"
#include "Tasks/elf_loader.hpp"

namespace kernel {

struct AddressSpace;

// Maps the stack VMA and writes the layout; space must be the active address space. Returns the initial RSP.
Result<uint64_t> build_user_stack(AddressSpace *space, const LoadedImage &image, const char *const *argv,
                                  const char *const *envp);

} // namespace kernel
