// Network family: SEND, RECV, SENDMSG, RECVMSG, ACCEPT, CONNECT, SOCKET, BIND, LISTEN, SHUTDOWN.
#include "ops_common.hpp"

namespace ringport::shim {

namespace {
constexpr uint32_t kMsgNoSignal = 0x4000;
constexpr uint32_t kMsgWaitAll = 0x100;
constexpr uint32_t kSockCloexec = 02000000, kSockNonblock = 04000;
bool is_send(uint8_t op) { return op == lx::OP_SEND || op == lx::OP_SENDMSG; }
} // namespace

Status prep_sendrecv(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.ioprio & ~lx::RECVSEND_POLL_FIRST)
		return Status::fail(-lx::EINVAL); // multishot, bundles and fixed buffers are not implemented
	if (s.addr2 || s.addr_len || s.file_index)
		return Status::fail(-lx::EINVAL); // sendto destinations are not implemented
	if (s.msg_flags & kMsgWaitAll) {
		// With MSG_WAITALL a short transfer fails the link, as on Linux.
		q.expected = s.len;
		q.state |= REQ_SHORT_FAILS;
	}
	return kOk;
}

Issued issue_sendrecv(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(is_send(q.opcode) ? RP_OP_SEND : RP_OP_RECV);
	n.fd = nfd(q.fd);
	n.addr = s.addr + q.done_bytes; // MSG_WAITALL continues where a partial transfer stopped
	n.len = s.len - q.done_bytes;
	if (s.flags & lx::SQE_BUFFER_SELECT) {
		uint64_t addr;
		uint32_t blen;
		if (!q.selected && !select_buffer(r, q, &addr, &blen))
			return Issued::now(-lx::ENOBUFS);
		n.addr = q.selected->addr;
		n.len = (!s.len || s.len > q.selected->len) ? q.selected->len : s.len;
	}
	n.syscall_flags = s.msg_flags | (is_send(q.opcode) ? kMsgNoSignal : 0);
	return to_native(r, q, n);
}

// x86_64 struct msghdr, and the private copy a buffer-selecting RECVMSG hands to the OS.
struct MsgHdr {
	uint64_t name;
	uint32_t namelen;
	uint32_t pad0;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	int32_t flags;
	uint32_t pad1;
};
static_assert(sizeof(MsgHdr) == 56);
struct SelectedMsg {
	MsgHdr msg;
	uint64_t iov[2];
};

Status prep_msg(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.ioprio & ~lx::RECVSEND_POLL_FIRST)
		return Status::fail(-lx::EINVAL);
	RP_TRY(einval_if(s.addr2 || s.file_index));
	if (s.flags & lx::SQE_BUFFER_SELECT) {
		// The kernel picks the buffer for the single iovec: copy the header now (FEAT_SUBMIT_STABLE).
		auto* sm = static_cast<SelectedMsg*>(rp_host_alloc(sizeof(SelectedMsg)));
		if (!sm)
			return Status::fail(-lx::ENOMEM);
		q.heap = sm;
		q.heap_size = sizeof(SelectedMsg);
		if (rp_host_copy_from_user(&sm->msg, s.addr, sizeof(MsgHdr)))
			return Status::fail(-lx::EFAULT);
		if (sm->msg.iovlen != 1)
			return Status::fail(-lx::EINVAL);
		if (rp_host_copy_from_user(sm->iov, sm->msg.iov, 16))
			return Status::fail(-lx::EFAULT);
	}
	return kOk;
}

// After a buffer-selecting RECVMSG: what recvmsg(2) writes back into the program's msghdr.
void finish_selected_msg(Req& q)
{
	auto* sm = static_cast<SelectedMsg*>(q.heap);
	if (!sm)
		return;
	(void)rp_host_copy_to_user(q.sqe.addr + 8, &sm->msg.namelen, 4);
	(void)rp_host_copy_to_user(q.sqe.addr + 40, &sm->msg.controllen, 8);
	(void)rp_host_copy_to_user(q.sqe.addr + 48, &sm->msg.flags, 4);
}

Issued issue_msg(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(is_send(q.opcode) ? RP_OP_SENDMSG : RP_OP_RECVMSG);
	n.fd = nfd(q.fd);
	n.addr = s.addr;
	if (s.flags & lx::SQE_BUFFER_SELECT) {
		auto* sm = static_cast<SelectedMsg*>(q.heap);
		uint64_t addr;
		uint32_t blen;
		if (!q.selected && !select_buffer(r, q, &addr, &blen))
			return Issued::now(-lx::ENOBUFS);
		uint64_t want = sm->iov[1];
		sm->iov[0] = q.selected->addr;
		sm->iov[1] = (!want || want > q.selected->len) ? q.selected->len : want;
		sm->msg.iov = reinterpret_cast<uint64_t>(sm->iov);
		n.addr = reinterpret_cast<uint64_t>(&sm->msg);
	}
	n.syscall_flags = s.msg_flags | (is_send(q.opcode) ? kMsgNoSignal : 0);
	return to_native(r, q, n);
}

Status prep_accept(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.len || s.buf_index)
		return Status::fail(-lx::EINVAL);
	if (s.ioprio & ~(lx::ACCEPT_DONTWAIT | lx::ACCEPT_POLL_FIRST))
		return Status::fail(-lx::EINVAL); // multishot accept is not implemented
	if (s.file_index && (s.accept_flags & kSockCloexec))
		return Status::fail(-lx::EINVAL);
	if (s.accept_flags & ~(kSockCloexec | kSockNonblock))
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_accept(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_ACCEPT);
	n.fd = nfd(q.fd);
	n.addr = s.addr;
	n.additional1 = s.addr2;
	n.syscall_flags = s.accept_flags;
	return to_native(r, q, n);
}

Status prep_connect(Ring&, Req& q)
{
	const auto& s = q.sqe;
	return einval_if(s.len || s.buf_index || s.rw_flags || s.splice_fd_in);
}

Issued issue_connect(Ring& r, Req& q)
{
	rp_sqe n = native_op(RP_OP_CONNECT);
	n.fd = nfd(q.fd);
	n.addr = q.sqe.addr;
	n.len = q.sqe.addr2;
	return to_native(r, q, n);
}

Status prep_socket(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.addr || s.rw_flags || s.buf_index)
		return Status::fail(-lx::EINVAL);
	if (s.file_index && (uint32_t(s.off) & kSockCloexec))
		return Status::fail(-lx::EINVAL);
	if (s.flags & lx::SQE_FIXED_FILE)
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_socket(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_SOCKET);
	n.offset = uint64_t(int64_t(s.fd)); // domain
	n.syscall_flags = uint32_t(s.off);  // type
	n.len = s.len;                      // protocol
	return to_native(r, q, n);
}

Status prep_bind(Ring&, Req& q)
{
	const auto& s = q.sqe;
	return einval_if(s.len || s.buf_index || s.rw_flags || s.splice_fd_in);
}

Issued issue_bind(Ring& r, Req& q)
{
	rp_sqe n = native_op(RP_OP_BIND);
	n.fd = nfd(q.fd);
	n.addr = q.sqe.addr;
	n.len = q.sqe.addr2;
	return to_native(r, q, n);
}

Status prep_listen(Ring&, Req& q)
{
	const auto& s = q.sqe;
	return einval_if(s.addr || s.buf_index || s.rw_flags || s.splice_fd_in || s.addr2);
}

Issued issue_listen(Ring& r, Req& q)
{
	rp_sqe n = native_op(RP_OP_LISTEN);
	n.fd = nfd(q.fd);
	n.len = q.sqe.len;
	return to_native(r, q, n);
}

Status prep_shutdown(Ring&, Req& q)
{
	const auto& s = q.sqe;
	return einval_if(s.off || s.addr || s.rw_flags || s.buf_index || s.splice_fd_in);
}

Issued issue_shutdown(Ring& r, Req& q)
{
	rp_sqe n = native_op(RP_OP_SHUTDOWN);
	n.fd = nfd(q.fd);
	n.len = q.sqe.len;
	return to_native(r, q, n);
}

} // namespace ringport::shim
