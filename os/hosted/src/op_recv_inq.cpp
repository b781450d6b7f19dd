// After a receive: is data still queued on the socket? Linux's RECV and RECVMSG report it as
// IORING_CQE_F_SOCK_NONEMPTY from the protocol's msg_inq, which TCP and AF_UNIX byte streams fill in and
// datagram and seqpacket sockets leave unset; the OS says it with RP_CQE_MORE_PENDING, asked with SIOCINQ.
//
// A receive that came back short drained the queue (a byte stream hands over everything it has, up to the
// length), so only a receive that filled its buffer, or peeked, asks: what arrives after the copy is a race on
// Linux too. That keeps the extra system calls off the common short read.
#include "internal.hpp"

#include <cerrno>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

namespace ringport::hosted {

uint32_t received_more_pending(const rp_sqe& s, int fd, int64_t got)
{
	if (got <= 0 || (s.opcode != RP_OP_RECV && s.opcode != RP_OP_RECVMSG))
		return 0;
	// RECVMSG's length is in the program's iovecs: it always asks (it is the rarer op in a hot loop).
	if (s.opcode == RP_OP_RECV && uint64_t(got) < s.len && !(s.syscall_flags & MSG_PEEK))
		return 0;
	int type = 0, domain = 0;
	socklen_t len = sizeof type;
	if (sys(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
		return 0;
	len = sizeof domain;
	if (sys(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    (domain != AF_INET && domain != AF_INET6 && domain != AF_UNIX))
		return 0;
	int queued = 0;
	return sys(SYS_ioctl, fd, SIOCINQ, &queued) == 0 && queued > 0 ? RP_CQE_MORE_PENDING : 0;
}

} // namespace ringport::hosted
