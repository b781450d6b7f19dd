// FILE_INFO fd a1=another fd or UINT64_MAX -> RP_FILE_* bits: the facts about an open file the kernel shim asks
// before it chooses what to submit (whether the file reports readiness, whether two fds name one open file),
// answered from the file description itself, as Linux's io_uring asks its own file objects.
#include "Ring/ring_internal.hpp"

namespace kernel {

namespace {

// Everything but regular files, directories and symlinks (O_PATH) reports readiness, as the hosted OS answers
// (Linux: what epoll accepts).
bool pollable(const File &file)
{
	switch (file.kind()) {
	case FileKind::regular:
	case FileKind::directory:
	case FileKind::symlink:
		return false;
	default:
		return true;
	}
}

} // namespace

OpOutcome op_file_info(NativeRing &ring, const rp_sqe &sqe)
{
	Result<FileRef> file = file_argument(ring, sqe.fd);
	if (!file.ok())
		return OpOutcome::done(-file.error());
	int32_t bits = pollable(*file.value()) ? RP_FILE_POLLABLE : 0;
	if (sqe.additional1 != UINT64_MAX) {
		Result<FileRef> other = file_argument(ring, sqe.additional1);
		if (!other.ok())
			return OpOutcome::done(-other.error());
		if (other.value().get() == file.value().get())
			bits |= RP_FILE_SAME;
	}
	return OpOutcome::done(bits);
}

} // namespace kernel
