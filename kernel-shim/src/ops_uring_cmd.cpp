// URING_CMD: commands a file's driver defines. Sockets are the only files here with commands: the queue sizes
// (SIOCINQ, SIOCOUTQ) and socket options, which become the socket scheme's private native opcodes. Any other file
// has no command handler: -EOPNOTSUPP, as Linux answers for a file without one.
#include "ops_common.hpp"

namespace ringport::shim {

namespace {
constexpr uint32_t kSolSocket = 1;
} // namespace

Status prep_uring_cmd(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	if (s.pad1 || (s.uring_cmd_flags & ~lx::URING_CMD_MASK))
		return Status::fail(-lx::EINVAL);
	if ((s.uring_cmd_flags & lx::URING_CMD_FIXED) && s.buf_index >= r.nr_bufs)
		return Status::fail(-lx::EFAULT);
	return kOk;
}

Issued issue_uring_cmd(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n{};
	n.fd = nfd(q.fd);
	switch (s.cmd_op) {
	case lx::SOCKET_URING_OP_SIOCINQ:
	case lx::SOCKET_URING_OP_SIOCOUTQ:
		n.opcode = RP_OP_SOCKET_QUEUED;
		n.syscall_flags = s.cmd_op == lx::SOCKET_URING_OP_SIOCINQ ? RP_SOCKET_QUEUED_IN : RP_SOCKET_QUEUED_OUT;
		break;
	case lx::SOCKET_URING_OP_GETSOCKOPT:
		if (s.level != kSolSocket)
			return Issued::now(-lx::EOPNOTSUPP); // Linux reads only SOL_SOCKET options this way
		[[fallthrough]];
	case lx::SOCKET_URING_OP_SETSOCKOPT:
		n.opcode = s.cmd_op == lx::SOCKET_URING_OP_GETSOCKOPT ? RP_OP_SOCKET_GETOPT : RP_OP_SOCKET_SETOPT;
		n.offset = s.level;
		n.len = s.optname;
		n.addr = s.optval;
		n.additional1 = s.optlen;
		break;
	default:
		return Issued::now(-lx::EOPNOTSUPP);
	}
	return to_native(r, q, n);
}

void done_uring_cmd(Ring& r, Req& q, NativeTag, int64_t res, uint32_t)
{
	// -ENOSYS: the file is not a socket, so no scheme gives the opcode a meaning.
	complete(r, &q, res == -lx::ENOSYS ? -lx::EOPNOTSUPP : res);
}

} // namespace ringport::shim
