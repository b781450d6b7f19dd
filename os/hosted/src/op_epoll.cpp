// EpollWait: harvests the events ready on an epoll fd. Inline when some are ready; otherwise (with
// RP_SQE_WAIT_READY) the reactor waits for the epoll fd itself to become readable and harvests again, so a
// completion always carries at least one event. Without the flag, none ready is -EAGAIN.
#include "internal.hpp"

#include <cerrno>
#include <sys/epoll.h>
#include <sys/syscall.h>

namespace ringport::hosted {

namespace {

int64_t harvest(const rp_sqe& s, int fd)
{
	// A zero timeout never sleeps; maxevents and the fd's kind are epoll_wait's to check (-EINVAL). The events
	// array may not be the embedding's private memory (-EFAULT, as Linux's access_ok after maxevents).
	const int32_t max = int32_t(s.len);
	if (max > 0 && max <= int32_t(INT32_MAX / sizeof(epoll_event)) && user_range(s.addr, uint64_t(max) * sizeof(epoll_event)))
		return -EFAULT;
	return linux_syscall(SYS_epoll_pwait, fd, long(s.addr), long(int32_t(s.len)), 0, 0, 8);
}

Issue epoll_retry(Ring&, Op& op)
{
	int64_t r = harvest(op.sqe, op.fd);
	if (r == 0 || r == -EAGAIN)
		return Issue::later();
	return Issue::complete(r);
}
const OpKind epoll_kind{epoll_retry, nullptr, nullptr};

} // namespace

Issue op_epoll_wait(Ring& ring, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd) || fd < 0)
		return Issue::complete(-EBADF);
	int64_t r = harvest(sqe, fd);
	if (r != 0)
		return Issue::complete(r);
	if (!(sqe.flags & RP_SQE_WAIT_READY))
		return Issue::complete(-EAGAIN);
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, &epoll_kind);
	return ring.watch_or_drop_locked(op, fd, EPOLLIN);
}

} // namespace ringport::hosted
