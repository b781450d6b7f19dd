// Poll (one shot) and RegisterEvents (a multishot readiness stream). Both wait on the reactor; poll(2) event
// bits equal epoll's for everything a caller can ask for, so the mask passes through unchanged.
#include "internal.hpp"

#include <cerrno>
#include <poll.h>
#include <sys/epoll.h>

namespace ringport::hosted {

namespace {

// Bits a caller may wait for; EPOLLET/EPOLLONESHOT and friends are the reactor's business.
constexpr uint32_t pollable_bits = EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLRDNORM | EPOLLRDBAND |
                                   EPOLLWRNORM | EPOLLWRBAND | EPOLLMSG | EPOLLRDHUP;

Issue poll_retry(Ring&, Op& op) { return Issue::complete(int64_t(op.ready)); }

const OpKind poll_kind{poll_retry, nullptr, nullptr};

Issue watch(Ring& ring, const rp_sqe& sqe, int fd, uint32_t events, bool stream)
{
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, &poll_kind);
	op->stream = stream;
	// A stream that never started still ends with its last update.
	return ring.watch_or_drop_locked(op, fd, events, stream ? RP_CQE_LAST_UPDATE : 0);
}

} // namespace

Issue op_poll(Ring& ring, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd) || fd < 0)
		return Issue::complete(-EBADF);
	const uint32_t events = sqe.syscall_flags & pollable_bits;
	readiness_hook(fd);
	pollfd p{fd, short(events & 0xffff), 0};
	if (poll_now(&p, 1) < 0)
		return Issue::complete(fail());
	if (p.revents & POLLNVAL)
		return Issue::complete(-EBADF);
	if (p.revents)
		return Issue::complete(uint16_t(p.revents));
	return watch(ring, sqe, fd, events, false);
}

Issue op_register_events(Ring& ring, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd) || fd < 0)
		return Issue::complete(-EBADF, RP_CQE_LAST_UPDATE);
	const uint32_t events = sqe.syscall_flags & pollable_bits;
	// Registering re-polls the fd: readiness present now arrives as the stream's first event.
	return watch(ring, sqe, fd, events, true);
}

} // namespace ringport::hosted
