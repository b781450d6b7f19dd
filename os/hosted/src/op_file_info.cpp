// FileInfo: the facts about an open file a ring consumer may need before it chooses what to submit (whether the
// file reports readiness; whether two fds name one open file). Inline: one fstat, and one kcmp when asked.
#include "internal.hpp"

#include <cerrno>
#include <sys/stat.h>
#include <sys/syscall.h>

namespace ringport::hosted {

Issue op_file_info(Ring&, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd) || fd < 0)
		return Issue::complete(-EBADF);
	struct stat st;
	if (long r = linux_syscall(SYS_fstat, fd, long(&st)); r < 0)
		return Issue::complete(r);
	int64_t bits = 0;
	// Regular files, directories and block devices have no readiness (epoll refuses them); everything else does.
	if (!(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode)))
		bits |= RP_FILE_POLLABLE;
	if (sqe.additional1 != UINT64_MAX) {
		int other;
		if (!to_fd(sqe.additional1, &other) || other < 0)
			return Issue::complete(-EBADF);
		constexpr long kKcmpFile = 0;
		long pid = linux_syscall(SYS_getpid);
		long r = linux_syscall(SYS_kcmp, pid, pid, kKcmpFile, fd, other);
		if (r < 0)
			return Issue::complete(r);
		if (r == 0)
			bits |= RP_FILE_SAME;
	}
	return Issue::complete(bits);
}

} // namespace ringport::hosted
