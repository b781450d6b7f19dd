// Mmap, Munmap, Madvise: inline system calls on the caller's address space. Mmap's result is an address and
// completes as an extended pair.
#include "internal.hpp"

#include <cerrno>
#include <sys/mman.h>

namespace ringport::hosted {

Issue op_mmap(Ring&, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd))
		fd = -1; // anonymous maps ignore it; file maps then fail with EBADF
	void* p = os_mmap(reinterpret_cast<void*>(uintptr_t(sqe.addr)), size_t(sqe.len), int(sqe.additional1),
	               int(sqe.syscall_flags), fd, off_t(sqe.offset));
	if (p == MAP_FAILED)
		return Issue::complete(fail());
	return Issue::complete(int64_t(uintptr_t(p)));
}

Issue op_munmap(Ring&, const rp_sqe& sqe)
{
	return Issue::complete(os_munmap(reinterpret_cast<void*>(uintptr_t(sqe.addr)), size_t(sqe.len)) < 0 ? fail() : 0);
}

Issue op_madvise(Ring&, const rp_sqe& sqe)
{
	int r = madvise(reinterpret_cast<void*>(uintptr_t(sqe.addr)), size_t(sqe.len), int(sqe.syscall_flags));
	return Issue::complete(r < 0 ? fail() : 0);
}

} // namespace ringport::hosted
