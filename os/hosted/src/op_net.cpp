// Sockets: Socket, Bind, Listen, Shutdown and the socket scheme's private opcodes (inline); Send, Recv, SendMsg,
// RecvMsg, Accept, Connect (inline attempt without blocking, then the reactor).
//
// Like Linux io_uring, a transfer waits for the socket even when the socket is O_NONBLOCK; MSG_DONTWAIT asks
// for -EAGAIN instead. MSG_WAITALL on a stream socket keeps a transfer going after a partial one, on the
// reactor (recv(2)'s rule: datagram sockets return one message). A blocking listening socket is only accepted
// from on a worker (after readiness), since another thread may take the connection between readiness and
// accept; a blocking socket connects on a worker.
#include "internal.hpp"

#include <cerrno>
#include <cstring>
#include <climits>
#include <cstddef>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <vector>

namespace ringport::hosted {

namespace {

// Sends and shutdowns are direct system calls: libringport's send/sendmsg/shutdown (libc-glue) act on readiness
// after the call, which the OS, possibly under a ring's lock, must not do. Returns like libc's (-1 and errno).
ssize_t direct(long r)
{
	if (r < 0) {
		errno = int(-r);
		return -1;
	}
	return r;
}

int64_t ret(long r) { return r < 0 ? fail() : r; }

bool nonblocking(int fd)
{
	int fl = fd_status_flags(fd);
	return fl >= 0 && (fl & O_NONBLOCK);
}

// A message transfer works on a copy of the program's msghdr and iovecs taken when it is first tried
// (op.buf: the msghdr, then the iovecs), as Linux copies them when it prepares the request: the program may
// unmap or reuse them meanwhile, the OS never dereferences program memory, and the buffers it names are
// checked once against private memory (user_memory.cpp) with no later change reaching the kernel. The
// msghdr and the iovec array themselves may be the submitter's own copies in its private memory (the shim's,
// for buffer selection and SENDTO); the buffers, the control area and a RECVMSG's name may not. A SENDMSG's
// name is only read, and in such a copy it is the shim's copy of the destination: not checked there.
// 0, or -EFAULT (unreadable, or a buffer in private memory), or -EMSGSIZE (too many iovecs).
int snapshot_msg(Op& op)
{
	if (!op.buf.empty())
		return 0;
	msghdr m{};
	if (copy_in(&m, op.sqe.addr, sizeof m) < 0)
		return -EFAULT;
	if (m.msg_iovlen > IOV_MAX)
		return -EMSGSIZE;
	std::vector<char> copy(sizeof m + m.msg_iovlen * sizeof(iovec));
	std::memcpy(copy.data(), &m, sizeof m);
	if (copy_in(copy.data() + sizeof m, uint64_t(uintptr_t(m.msg_iov)), m.msg_iovlen * sizeof(iovec)) < 0)
		return -EFAULT;
	if (int e = user_iovecs(reinterpret_cast<const iovec*>(copy.data() + sizeof m), m.msg_iovlen))
		return e;
	if (m.msg_controllen && user_range(uint64_t(uintptr_t(m.msg_control)), m.msg_controllen))
		return -EFAULT;
	const bool own_copy = op.sqe.opcode == RP_OP_SENDMSG && private_overlaps(op.sqe.addr, sizeof m);
	if (m.msg_namelen && !own_copy && user_range(uint64_t(uintptr_t(m.msg_name)), m.msg_namelen))
		return -EFAULT;
	op.buf = std::move(copy);
	return 0;
}
const msghdr& saved_msg(const Op& op) { return *reinterpret_cast<const msghdr*>(op.buf.data()); }
const iovec* saved_iovs(const Op& op) { return reinterpret_cast<const iovec*>(op.buf.data() + sizeof(msghdr)); }

// One non-blocking attempt of a transfer; op.accumulated bytes are already done (MSG_WAITALL).
ssize_t transfer_once(Op& op, int fd)
{
	const rp_sqe& s = op.sqe;
	const int64_t done = op.accumulated;
	const int flags = int(s.syscall_flags) | MSG_DONTWAIT;
	// Straight to the kernel: the buffers are the program's, and only the kernel judges them (-EFAULT), never
	// libc or a sanitizer's wrapper; the OS only refuses its embedding's private memory first.
	const uint64_t base = s.addr + uint64_t(done);
	switch (s.opcode) {
	case RP_OP_SEND:
	case RP_OP_RECV:
		if (user_range(base, s.len - uint64_t(done))) {
			errno = EFAULT;
			return -1;
		}
		return sys(s.opcode == RP_OP_SEND ? SYS_sendto : SYS_recvfrom, fd, base, size_t(s.len) - size_t(done), flags, 0, 0);
	default: break;
	}
	if (int e = snapshot_msg(op)) {
		errno = -e;
		return -1;
	}
	const msghdr& msg = saved_msg(op);
	const iovec* iovs = saved_iovs(op);
	// MSG_WAITALL continues after the bytes already moved: the same message, its iovecs advanced past them.
	// Ancillary data (and a receive's source address) went with the first part.
	std::vector<iovec> rest;
	uint64_t skip = uint64_t(done);
	for (size_t i = 0; i < msg.msg_iovlen; ++i) {
		iovec v = iovs[i];
		if (skip && skip >= v.iov_len) {
			skip -= v.iov_len;
			continue;
		}
		v.iov_base = static_cast<char*>(v.iov_base) + skip;
		v.iov_len -= skip;
		skip = 0;
		rest.push_back(v);
	}
	msghdr part{};
	part.msg_iov = rest.data();
	part.msg_iovlen = rest.size();
	if (s.opcode == RP_OP_SENDMSG || !done) {
		part.msg_name = msg.msg_name;
		part.msg_namelen = msg.msg_namelen;
	}
	if (!done) {
		part.msg_control = msg.msg_control;
		part.msg_controllen = msg.msg_controllen;
	}
	if (s.opcode == RP_OP_SENDMSG)
		return sys(SYS_sendmsg, fd, &part, flags);
	ssize_t r = sys(SYS_recvmsg, fd, &part, flags);
	if (r < 0)
		return r;
	if (!done) {
		// What recvmsg(2) writes back into the program's msghdr: the name's and the control data's lengths
		// and the flags (-EFAULT when that memory is gone, as Linux answers after the data was taken).
		socklen_t namelen = part.msg_namelen;
		struct {
			size_t controllen;
			int flags;
		} tail{part.msg_controllen, part.msg_flags};
		static_assert(offsetof(msghdr, msg_flags) == offsetof(msghdr, msg_controllen) + sizeof(size_t));
		if (copy_out(s.addr + offsetof(msghdr, msg_namelen), &namelen, sizeof namelen) < 0 ||
		    copy_out(s.addr + offsetof(msghdr, msg_controllen), &tail, sizeof(size_t) + sizeof(int)) < 0) {
			errno = EFAULT;
			return -1;
		}
	} else if (part.msg_flags) {
		// recvmsg's flags go back into the program's msghdr, if it is still there.
		int merged = 0;
		if (copy_in(&merged, s.addr + offsetof(msghdr, msg_flags), sizeof merged) == 0) {
			merged |= part.msg_flags;
			(void)copy_out(s.addr + offsetof(msghdr, msg_flags), &merged, sizeof merged);
		}
	}
	return r;
}

// Bytes a message transfer asks for (MSG_WAITALL's goal); a msghdr that cannot be read asks for nothing more.
uint64_t transfer_length(Op& op)
{
	if (op.sqe.opcode == RP_OP_SEND || op.sqe.opcode == RP_OP_RECV)
		return op.sqe.len;
	if (snapshot_msg(op))
		return 0;
	uint64_t total = 0;
	for (size_t i = 0; i < saved_msg(op).msg_iovlen; ++i)
		total += saved_iovs(op)[i].iov_len;
	return total;
}

bool is_send(uint8_t opcode) { return opcode == RP_OP_SEND || opcode == RP_OP_SENDMSG; }

// recv(2)'s rule: MSG_WAITALL gathers only on byte streams (and seqpacket); a datagram socket returns one message.
bool gathers_all(int fd)
{
	int type = 0;
	socklen_t len = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return false;
	return type == SOCK_STREAM || type == SOCK_SEQPACKET;
}

// Continues a transfer. done: the final result; queued: wait for readiness again. A MSG_WAITALL transfer on a
// stream that stops short only because of MSG_DONTWAIT says so (RP_CQE_SHORT_STREAM): its submitter may go on.
Issue transfer_step(Op& op, int fd)
{
	const rp_sqe& s = op.sqe;
	const bool waitall = s.syscall_flags & MSG_WAITALL, dontwait = s.syscall_flags & MSG_DONTWAIT;
	for (;;) {
		ssize_t r = transfer_once(op, fd);
		if (r < 0) {
			if (errno == EAGAIN && !dontwait)
				return Issue::later();
			if (errno == EAGAIN && waitall && op.accumulated > 0)
				return Issue::complete(op.accumulated, RP_CQE_SHORT_STREAM); // only streams get this far
			return Issue::complete(op.accumulated > 0 ? op.accumulated : fail());
		}
		op.accumulated += r;
		if (!waitall || r == 0 || uint64_t(op.accumulated) >= transfer_length(op) || !gathers_all(fd))
			return Issue::complete(op.accumulated, received_more_pending(s, fd, op.accumulated));
		if (!dontwait)
			return Issue::later();
	}
}

Issue transfer_retry(Ring&, Op& op) { return transfer_step(op, op.fd); }
const OpKind transfer_kind{transfer_retry, nullptr, nullptr};

// After an accept: do more connections wait on the listener? Linux answers for TCP only (inet_csk_accept reports
// whether its accept queue is now empty); other families leave it unknown, and so does the OS. A zero-timeout
// poll of the listener is the same question asked from outside.
uint32_t more_pending(int listener)
{
	int domain = 0, type = 0;
	socklen_t len = sizeof(domain);
	if (sys(SYS_getsockopt, listener, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    (domain != AF_INET && domain != AF_INET6))
		return 0;
	len = sizeof(type);
	if (sys(SYS_getsockopt, listener, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
		return 0;
	pollfd p{listener, POLLIN, 0};
	return poll_now(&p, 1) == 1 && (p.revents & POLLIN) ? RP_CQE_MORE_PENDING : 0;
}

int64_t accept_blocking(Op& op)
{
	const rp_sqe& s = op.sqe;
	// Straight to the kernel: the address and its length word are the program's, and libc's accept4 (or a
	// sanitizer's wrapper, which reads *addrlen first) must not touch a bad one; the kernel says -EFAULT.
	int64_t r = ret(sys(SYS_accept4, op.fd, s.addr, s.additional1, int(s.syscall_flags)));
	op.done_flags = r >= 0 ? more_pending(op.fd) : 0;
	return r;
}

Issue accept_retry(Ring& ring, Op& op)
{
	if (op.scratch[0] == 0) { // blocking listener: the accept itself happens on a worker
		ring.to_worker_locked(&op);
		return Issue::later();
	}
	int64_t r = accept_blocking(op); // the listener is O_NONBLOCK: this does not block
	if (r == -EAGAIN)
		return Issue::later();
	return Issue::complete(r, op.done_flags);
}
const OpKind accept_kind{accept_retry, accept_blocking, nullptr};

// buf holds a private copy of the address.
int64_t connect_blocking(Op& op)
{
	// A Cancel interrupts the call with a signal; one that came just before the call started is seen here
	// (a few instructions of window remain: the signal cannot be unblocked atomically with connect).
	if (__atomic_load_n(&op.cancelling, __ATOMIC_ACQUIRE))
		return -ECANCELED;
	return ret(connect(op.fd, reinterpret_cast<const sockaddr*>(op.buf.data()), socklen_t(op.buf.size())));
}

Issue connect_retry(Ring&, Op& op)
{
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(op.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return Issue::complete(fail());
	if (err)
		return Issue::complete(-err);
	if (op.scratch[1]) { // the first attempt said EAGAIN (a full backlog): try again now
		int64_t r = connect_blocking(op);
		if (r == -EAGAIN)
			return Issue::later();
		return Issue::complete(r == -EISCONN ? 0 : r);
	}
	return Issue::complete(0);
}
const OpKind connect_kind{connect_retry, connect_blocking, nullptr, true};

} // namespace

Issue op_socket(Ring&, const rp_sqe& sqe)
{
	return Issue::complete(ret(socket(int(sqe.offset), int(sqe.syscall_flags), int(sqe.len))));
}

Issue op_socket_private(Ring&, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd))
		return Issue::complete(-EBADF);
	int type = 0;
	socklen_t type_len = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) < 0)
		return Issue::complete(errno == ENOTSOCK ? -ENOSYS : fail()); // not a socket: no scheme gives it meaning
	if ((sqe.opcode == RP_OP_SOCKET_GETOPT || sqe.opcode == RP_OP_SOCKET_SETOPT) &&
	    user_range(sqe.addr, socklen_t(sqe.additional1)))
		return Issue::complete(-EFAULT);
	switch (sqe.opcode) {
	case RP_OP_SOCKET_GETOPT: {
		auto len = socklen_t(sqe.additional1);
		if (sys(SYS_getsockopt, fd, int(sqe.offset), int(sqe.len), sqe.addr, &len) < 0)
			return Issue::complete(fail());
		return Issue::complete(len);
	}
	case RP_OP_SOCKET_SETOPT:
		return Issue::complete(
		    ret(sys(SYS_setsockopt, fd, int(sqe.offset), int(sqe.len), sqe.addr, socklen_t(sqe.additional1))));
	case RP_OP_SOCKET_QUEUED: {
		if (sqe.syscall_flags > RP_SOCKET_QUEUED_OUT)
			return Issue::complete(-EINVAL);
		int count = 0;
		if (ioctl(fd, sqe.syscall_flags == RP_SOCKET_QUEUED_IN ? SIOCINQ : SIOCOUTQ, &count) < 0)
			return Issue::complete(fail());
		return Issue::complete(count);
	}
	default:
		return Issue::complete(-ENOSYS);
	}
}

Issue op_bind(Ring&, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd))
		return Issue::complete(-EBADF);
	if (user_range(sqe.addr, socklen_t(sqe.len)))
		return Issue::complete(-EFAULT);
	return Issue::complete(ret(sys(SYS_bind, fd, sqe.addr, socklen_t(sqe.len)))); // the kernel judges the address
}

Issue op_listen(Ring&, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd))
		return Issue::complete(-EBADF);
	return Issue::complete(ret(listen(fd, sqe.len > INT32_MAX ? INT32_MAX : int(sqe.len))));
}

Issue op_shutdown(Ring&, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd))
		return Issue::complete(-EBADF);
	return Issue::complete(ret(direct(linux_syscall(SYS_shutdown, fd, long(sqe.len)))));
}

Issue op_sendrecv(Ring& ring, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd))
		return Issue::complete(-EBADF);
	Op probe;
	probe.sqe = sqe;
	Issue first = transfer_step(probe, fd);
	if (first.kind == Issue::done)
		return first;
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, &transfer_kind);
	op->accumulated = probe.accumulated;
	op->buf = std::move(probe.buf); // the msghdr copy a MSG_WAITALL continuation works on
	return ring.watch_or_drop_locked(op, fd, is_send(sqe.opcode) ? EPOLLOUT : EPOLLIN);
}

Issue op_accept(Ring& ring, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd))
		return Issue::complete(-EBADF);
	// The peer address goes to addr, as long as the word at a1 says; the word itself is written back.
	if (sqe.addr) {
		if (user_range(sqe.additional1, sizeof(socklen_t)))
			return Issue::complete(-EFAULT);
		socklen_t room = 0;
		if (copy_in(&room, sqe.additional1, sizeof room) == 0 && user_range(sqe.addr, room))
			return Issue::complete(-EFAULT);
	}
	const bool nb = nonblocking(fd);
	if (nb) {
		Op probe;
		probe.sqe = sqe;
		probe.fd = fd;
		int64_t r = accept_blocking(probe);
		if (r != -EAGAIN)
			return Issue::complete(r, probe.done_flags);
	}
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, &accept_kind);
	op->scratch[0] = nb;
	return ring.watch_or_drop_locked(op, fd, EPOLLIN);
}

Issue op_connect(Ring& ring, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd))
		return Issue::complete(-EBADF);
	if (sqe.len > 4096)
		return Issue::complete(-EINVAL);
	if (user_range(sqe.addr, sqe.len))
		return Issue::complete(-EFAULT);
	if (nonblocking(fd)) {
		int r = int(sys(SYS_connect, fd, sqe.addr, socklen_t(sqe.len))); // the kernel judges the address
		if (r == 0 || (errno != EINPROGRESS && errno != EAGAIN))
			return Issue::complete(ret(r));
		const bool again = errno == EAGAIN;
		std::vector<char> copy(size_t(sqe.len));
		if (int e = copy_in(copy.data(), sqe.addr, copy.size()); e < 0)
			return Issue::complete(e);
		std::lock_guard<std::mutex> g(ring.mu);
		Op* op = ring.new_op(sqe, &connect_kind);
		op->buf = std::move(copy);
		op->scratch[1] = again;
		return ring.watch_or_drop_locked(op, fd, EPOLLOUT);
	}
	// A blocking socket connects on a worker; the address is copied because the caller may reuse it.
	std::vector<char> copy(size_t(sqe.len));
	if (int e = copy_in(copy.data(), sqe.addr, copy.size()); e < 0)
		return Issue::complete(e);
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, &connect_kind);
	op->buf = std::move(copy);
	op->fd = fd;
	ring.to_worker_locked(op);
	return Issue::later();
}

} // namespace ringport::hosted
