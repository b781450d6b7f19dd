// The memory family: MMAP, MUNMAP and MADVISE on the submitter's address space, through Platform.
#include "Ring/ring_internal.hpp"

namespace kernel {

namespace {
constexpr uint32_t map_shared = 0x01, map_private = 0x02, map_type = 0x0f, map_anonymous_flag = 0x20;
}

// MMAP addr=hint len fd offset flags=MAP_* a1=PROT_* -> the address (an extended completion). Anonymous
// memory is Platform's map_anonymous, with mmap(2)'s rules (newlib's sbrk maps its heap this way, with
// MAP_FIXED_NOREPLACE at a hint); a file's own mapping hook serves fd mappings (the io_uring fd's rings).
OpOutcome op_mmap(NativeRing &ring, const rp_sqe &sqe)
{
	uint32_t flags = sqe.syscall_flags;
	if (flags & map_anonymous_flag)
		return OpOutcome::done(mmap_anonymous(sqe.addr, sqe.len, uint32_t(sqe.additional1), flags));
	uint32_t type = flags & map_type;
	if (sqe.len == 0 || (type != map_shared && type != map_private) || (sqe.offset & (page_size - 1)))
		return OpOutcome::done(-EINVAL);
	Result<FileRef> file = file_argument(ring, sqe.fd);
	if (!file.ok())
		return OpOutcome::done(-file.error());
	// The Linux MAP_* flags go to the file unchanged (as filesystem_mmap passes them).
	return OpOutcome::from(file.value()->mmap(sqe.addr, sqe.len, uint32_t(sqe.additional1), flags, sqe.offset));
}

OpOutcome op_munmap(NativeRing &, const rp_sqe &sqe)
{
	if ((sqe.addr & (page_size - 1)) || sqe.len == 0)
		return OpOutcome::done(-EINVAL);
	return OpOutcome::done(unmap_user(sqe.addr, sqe.len));
}

// MADVISE addr len flags=MADV_* -> 0: madvise(2)'s rules through Platform.
OpOutcome op_madvise(NativeRing &, const rp_sqe &sqe)
{
	return OpOutcome::done(madvise_user(sqe.addr, sqe.len, sqe.syscall_flags));
}

} // namespace kernel
