// Splice and Tee. Tried inline with SPLICE_F_NONBLOCK; when that would block, the op waits on the reactor for
// whichever end is not ready (input readable, output writable) and is retried there. SPLICE_F_NONBLOCK from the
// caller asks for -EAGAIN instead of waiting.
#include "internal.hpp"

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>

namespace ringport::hosted {

namespace {

int fd_or_bad(uint64_t field)
{
	int fd;
	return to_fd(field, &fd) ? fd : -1;
}

ssize_t splice_once(const rp_sqe& s, unsigned extra)
{
	const int in = fd_or_bad(s.fd), out = fd_or_bad(s.additional1);
	const unsigned flags = s.syscall_flags | extra;
	if (s.opcode == RP_OP_TEE)
		return tee(in, out, size_t(s.len), flags);
	loff_t off_in = loff_t(s.offset), off_out = loff_t(s.additional2);
	return splice(in, s.offset == UINT64_MAX ? nullptr : &off_in, out, s.additional2 == UINT64_MAX ? nullptr : &off_out,
	              size_t(s.len), flags);
}

// After EAGAIN: which end to wait for. false when both look ready (then only a blocking call can help).
bool end_to_wait_for(const rp_sqe& s, int* fd, uint32_t* events)
{
	pollfd p[2] = {{fd_or_bad(s.fd), POLLIN, 0}, {fd_or_bad(s.additional1), POLLOUT, 0}};
	if (poll_now(p, 2) < 0)
		return false;
	if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
		*fd = p[0].fd;
		*events = EPOLLIN;
		return true;
	}
	if (!(p[1].revents & (POLLOUT | POLLHUP | POLLERR))) {
		*fd = p[1].fd;
		*events = EPOLLOUT;
		return true;
	}
	return false;
}

Issue splice_retry(Ring& ring, Op& op)
{
	ssize_t r = splice_once(op.sqe, SPLICE_F_NONBLOCK);
	if (r >= 0 || errno != EAGAIN)
		return Issue::complete(r < 0 ? fail() : r);
	int fd;
	uint32_t events;
	if (!end_to_wait_for(op.sqe, &fd, &events)) {
		ring.to_worker_locked(&op);
		return Issue::later();
	}
	if (int e = ring.rewatch_locked(&op, fd, events); e < 0)
		return Issue::complete(e);
	return Issue::later();
}

int64_t splice_blocking(Op& op)
{
	ssize_t r = splice_once(op.sqe, 0);
	return r < 0 ? fail() : r;
}

const OpKind splice_kind{splice_retry, splice_blocking, nullptr};

} // namespace

Issue op_splice(Ring& ring, const rp_sqe& sqe)
{
	ssize_t r = splice_once(sqe, SPLICE_F_NONBLOCK);
	if (r >= 0)
		return Issue::complete(r);
	if (errno != EAGAIN || (sqe.syscall_flags & SPLICE_F_NONBLOCK))
		return Issue::complete(fail());
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, &splice_kind);
	int fd;
	uint32_t events;
	if (!end_to_wait_for(sqe, &fd, &events)) {
		ring.to_worker_locked(op);
		return Issue::later();
	}
	return ring.watch_or_drop_locked(op, fd, events);
}

} // namespace ringport::hosted
