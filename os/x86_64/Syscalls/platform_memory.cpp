// Platform's anonymous-memory calls (map_anonymous, advise_user) for the native ring's MMAP and MADVISE
// opcodes: the same code as the mmap(2) and madvise(2) system calls, so both paths have Linux's checks.
// (Added by the ring engineer.)
#include "Platform/platform.hpp"
#include "Syscalls/calls.hpp"

namespace kernel {

long mmap_anonymous(uint64_t user_address, uint64_t length, uint32_t protections, uint32_t flags)
{
	constexpr uint32_t linux_map_anonymous = 0x20;
	return sys_mmap(user_address, length, protections, flags | linux_map_anonymous, ~uint64_t(0), 0);
}

int madvise_user(uint64_t user_address, uint64_t length, uint32_t advice)
{
	return static_cast<int>(sys_madvise(user_address, length, advice));
}

} // namespace kernel
