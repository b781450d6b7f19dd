// Mmap, Munmap, Madvise: inline system calls on the caller's address space. Mmap's result is an address and
// completes as an extended pair. The embedding's private memory (rp_os_add_private_range) is not the
// program's to map over, unmap or advise on: Linux's answers for a kernel range (MAP_FIXED -ENOMEM, munmap
// -EINVAL, madvise -ENOMEM, the range not being the program's mapping).
#include "internal.hpp"

#include <cerrno>
#include <sys/mman.h>

namespace ringport::hosted {

Issue op_mmap(Ring&, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd))
		fd = -1; // anonymous maps ignore it; file maps then fail with EBADF
	if ((sqe.syscall_flags & MAP_FIXED) && sqe.len && private_overlaps(sqe.addr, sqe.len))
		return Issue::complete(-ENOMEM);
	void* p = os_mmap(reinterpret_cast<void*>(uintptr_t(sqe.addr)), size_t(sqe.len), int(sqe.additional1),
	               int(sqe.syscall_flags), fd, off_t(sqe.offset));
	if (p == MAP_FAILED)
		return Issue::complete(fail());
	return Issue::complete(int64_t(uintptr_t(p)));
}

Issue op_munmap(Ring&, const rp_sqe& sqe)
{
	if (private_overlaps(sqe.addr, sqe.len))
		return Issue::complete(-EINVAL);
	return Issue::complete(os_munmap(reinterpret_cast<void*>(uintptr_t(sqe.addr)), size_t(sqe.len)) < 0 ? fail() : 0);
}

Issue op_madvise(Ring&, const rp_sqe& sqe)
{
	if (!(sqe.addr & 4095) && sqe.len && private_overlaps(sqe.addr, sqe.len)) {
		// Linux judges the advice before the range: a zero length asks for just that.
		if (madvise(reinterpret_cast<void*>(uintptr_t(sqe.addr)), 0, int(sqe.syscall_flags)) < 0)
			return Issue::complete(fail());
		return Issue::complete(-ENOMEM);
	}
	int r = madvise(reinterpret_cast<void*>(uintptr_t(sqe.addr)), size_t(sqe.len), int(sqe.syscall_flags));
	return Issue::complete(r < 0 ? fail() : 0);
}

} // namespace ringport::hosted
