// The memory family: MMAP, MUNMAP and MADVISE on the submitter's address space, through Platform.
#include "Ring/ring_internal.hpp"

namespace kernel {

namespace {
constexpr uint32_t map_shared = 0x01, map_private = 0x02, map_type = 0x0f, map_anonymous = 0x20;
}

// MMAP addr=hint len fd offset flags=MAP_* a1=PROT_* -> the address (an extended completion). A file's own
// mapping hook serves fd mappings (the io_uring fd's rings); anonymous memory is the kernel's to give.
OpOutcome op_mmap(NativeRing &ring, const rp_sqe &sqe)
{
	uint32_t flags = sqe.syscall_flags;
	uint32_t type = flags & map_type;
	if (sqe.len == 0 || (type != map_shared && type != map_private) || (sqe.offset & (page_size - 1)))
		return OpOutcome::done(-EINVAL);
	if (flags & map_anonymous)
		return OpOutcome::done(-EOPNOTSUPP); // Platform has no anonymous mappings to offer the ring yet
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

// MADVISE: advice is only advice; a known value on an aligned range succeeds, as Linux's does for memory it
// may ignore. MADV_DONTNEED's zeroing would need Platform to drop pages, which it does not offer yet.
OpOutcome op_madvise(NativeRing &, const rp_sqe &sqe)
{
	if (sqe.addr & (page_size - 1))
		return OpOutcome::done(-EINVAL);
	uint32_t advice = sqe.syscall_flags;
	bool known = advice <= 4 /* NORMAL RANDOM SEQUENTIAL WILLNEED DONTNEED */ || (advice >= 8 && advice <= 25);
	return OpOutcome::done(known ? 0 : -EINVAL);
}

} // namespace kernel
