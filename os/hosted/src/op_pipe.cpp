// Pipe: a new pipe, both ends written to the submitter's int[2] (read end first). Inline: one pipe2.
#include "internal.hpp"

#include <cerrno>
#include <sys/syscall.h>

namespace ringport::hosted {

Issue op_pipe(Ring&, const rp_sqe& sqe)
{
	int fds[2];
	if (long r = linux_syscall(SYS_pipe2, long(fds), long(sqe.syscall_flags)); r < 0)
		return Issue::complete(r);
	if (int e = copy_out(sqe.addr, fds, sizeof(fds)); e < 0) {
		// Nobody can learn the numbers: the pipe is gone again, as if it had never been made.
		linux_syscall(SYS_close, fds[0]);
		linux_syscall(SYS_close, fds[1]);
		return Issue::complete(e);
	}
	return Issue::complete(0);
}

} // namespace ringport::hosted
