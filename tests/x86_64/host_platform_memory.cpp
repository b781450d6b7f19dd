// Platform's anonymous-memory calls on the host (the ring's tests link this beside host_platform.cpp): the
// host's own mmap(2) and madvise(2), which have the very checks and errnos the kernel copies.
#include <errno.h>
#include <sys/mman.h>

#include "Platform/platform.hpp"

namespace kernel {

long mmap_anonymous(uint64_t user_address, uint64_t length, uint32_t protections, uint32_t flags)
{
	void *p = ::mmap(reinterpret_cast<void *>(user_address), length, int(protections), int(flags | MAP_ANONYMOUS), -1, 0);
	return p == MAP_FAILED ? -long(errno) : long(reinterpret_cast<uint64_t>(p));
}

int madvise_user(uint64_t user_address, uint64_t length, uint32_t advice)
{
	return ::madvise(reinterpret_cast<void *>(user_address), length, int(advice)) ? -errno : 0;
}

} // namespace kernel
