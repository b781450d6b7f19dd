// Network family: SEND, RECV, SENDMSG, RECVMSG, SEND_ZC, SENDMSG_ZC, ACCEPT, CONNECT, SOCKET, BIND, LISTEN,
// SHUTDOWN.
#include "ops_common.hpp"

namespace ringport::shim {

namespace {
bool is_send(uint8_t op)
{
	return op == lx::OP_SEND || op == lx::OP_SENDMSG || op == lx::OP_SEND_ZC || op == lx::OP_SENDMSG_ZC;
}
} // namespace

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
	uint32_t want_name;    // multishot: the program's msg_namelen and msg_controllen (space reserved in the buffer)
	uint64_t want_control;
};

namespace {
// A SEND with a destination (sendto): Linux copies the address at submission, so the program may reuse it at
// once. The OS gets a one-iovec SendMsg naming the copy.
struct Destination {
	MsgHdr msg;
	uint64_t iov[2];
	uint8_t name[128]; // sizeof(struct sockaddr_storage): Linux's limit for addr_len
};

// With MSG_WAITALL a short transfer fails the link, as on Linux.
void short_transfer_fails_with_waitall(Req& q)
{
	if (q.sqe.msg_flags & lx::MSG_WAITALL_) {
		q.expected = q.sqe.len;
		q.state |= REQ_SHORT_FAILS;
	}
}

Status prep_destination(Req& q)
{
	const auto& s = q.sqe;
	if (!s.addr2 || !s.addr_len)
		return kOk;
	if (s.addr_len > sizeof(Destination::name))
		return Status::fail(-lx::EINVAL);
	auto* d = static_cast<Destination*>(rp_host_alloc(sizeof(Destination)));
	if (!d)
		return Status::fail(-lx::ENOMEM);
	q.heap = d;
	q.heap_size = sizeof(Destination);
	if (rp_host_copy_from_user(d->name, s.addr2, s.addr_len))
		return Status::fail(-lx::EFAULT);
	d->msg.name = reinterpret_cast<uint64_t>(d->name);
	d->msg.namelen = s.addr_len;
	return kOk;
}
} // namespace

namespace {
// Multishot receive (Linux's rules): buffers must come from a group, MSG_WAITALL makes no sense.
Status prep_recv_multishot(Req& q)
{
	const auto& s = q.sqe;
	if (!(s.ioprio & lx::RECV_MULTISHOT))
		return kOk;
	if (!(s.flags & lx::SQE_BUFFER_SELECT) || (s.msg_flags & lx::MSG_WAITALL_))
		return Status::fail(-lx::EINVAL);
	q.state |= REQ_MULTISHOT;
	return kOk;
}
} // namespace

Status prep_sendrecv(Ring&, Req& q)
{
	const auto& s = q.sqe;
	const bool send = is_send(q.opcode);
	uint16_t allowed = lx::RECVSEND_POLL_FIRST | lx::RECVSEND_BUNDLE | (send ? 0 : lx::RECV_MULTISHOT);
	if (s.ioprio & ~allowed)
		return Status::fail(-lx::EINVAL); // fixed buffers and vectorized sends are not implemented
	// A send bundle gathers provided buffers; without them there is nothing to gather (liburing's man page: bundles
	// are used with provided buffers).
	if (send && (s.ioprio & lx::RECVSEND_BUNDLE) && !(s.flags & lx::SQE_BUFFER_SELECT))
		return Status::fail(-lx::EINVAL);
	if (send)
		RP_TRY(prep_destination(q));
	else if (s.addr2 || s.file_index)
		return Status::fail(-lx::EINVAL);
	if ((s.ioprio & lx::RECVSEND_BUNDLE) && (s.flags & lx::SQE_BUFFER_SELECT) && !q.heap) {
		// The bundle's message header (its iovecs are the selected buffers).
		auto* d = alloc_zeroed<Destination>();
		if (!d)
			return Status::fail(-lx::ENOMEM);
		q.heap = d;
		q.heap_size = sizeof(Destination);
	}
	RP_TRY(prep_recv_multishot(q));
	short_transfer_fails_with_waitall(q);
	return kOk;
}

namespace {
bool is_bundle(const Req& q)
{
	return (q.sqe.ioprio & lx::RECVSEND_BUNDLE) && (q.sqe.flags & lx::SQE_BUFFER_SELECT);
}

// A bundle is one message over the buffers select_bundle took: a receive fills them in order (the CQE names the
// first, res the total), a send gathers them. Both first try without waiting, as Linux's first issue does: a
// receive's buffers go back while readiness is awaited (as for any buffer-selecting receive); a send's are its
// own once taken, and it sends them all (Linux sets MSG_WAITALL on a send bundle), waiting for room if it must,
// which ends the bundle with that CQE (Linux's REQ_F_POLLED). For a send, sel_waited says it waited.
Issued issue_bundle(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	const bool send = is_send(q.opcode);
	auto* d = static_cast<Destination*>(q.heap);
	if (!q.selected && !select_bundle(r, q, send ? (s.len ? s.len : 0x7fffffffu) : s.len, send))
		return Issued::now(-lx::ENOBUFS);
	if (!send) {
		d->msg.name = 0;
		d->msg.namelen = 0;
	}
	d->msg.iov = reinterpret_cast<uint64_t>(q.selected->iov);
	d->msg.iovlen = q.selected->nbufs;
	d->msg.control = 0;
	d->msg.controllen = 0;
	d->msg.flags = 0;
	rp_sqe n = native_op(send ? RP_OP_SENDMSG : RP_OP_RECVMSG);
	n.fd = nfd(q.fd);
	n.addr = reinterpret_cast<uint64_t>(&d->msg);
	n.syscall_flags = s.msg_flags | (send ? lx::MSG_NOSIGNAL_ | lx::MSG_WAITALL_ : 0);
	q.sel_nowait = !send && !q.sel_waited;
	if (q.sel_nowait || (send && !q.sel_waited))
		n.syscall_flags |= lx::MSG_DONTWAIT_;
	return to_native(r, q, n);
}

// A send bundle's iovecs after res more bytes went: the sent part is cut off the front (the array is the request's).
void skip_sent(ProvidedBuf& b, uint64_t res)
{
	for (uint32_t i = 0; i < b.nbufs && res; ++i) {
		uint64_t k = res < b.iov[2 * i + 1] ? res : b.iov[2 * i + 1];
		b.iov[2 * i] += k;
		b.iov[2 * i + 1] -= k;
		res -= k;
	}
}

void reissue(Ring& r, Req& q)
{
	Issued again = issue_bundle(r, q);
	if (!again.pending)
		complete(r, &q, again.res, again.cflags);
}

// A send bundle's native completion. Nothing sent or part sent without waiting: the rest waits for room. Then the
// CQE: while buffers remain past the ones sent and the send never waited, it says F_MORE and the bundle goes on
// (Linux loops so, stopping when the CQ is full).
void done_send_bundle(Ring& r, Req& q, int64_t res, uint32_t nflags)
{
	const bool may_wait = !(q.sqe.msg_flags & lx::MSG_DONTWAIT_);
	if (may_wait && !q.sel_waited && (res == -lx::EAGAIN || (res > 0 && (nflags & RP_CQE_SHORT_STREAM)))) {
		if (res > 0) {
			q.done_bytes += uint64_t(res);
			skip_sent(*q.selected, uint64_t(res));
		}
		q.sel_waited = true;
		reissue(r, q);
		return;
	}
	if (q.done_bytes) {
		res = int64_t(q.done_bytes) + (res > 0 ? res : 0); // progress before an error is what the CQE reports
		q.done_bytes = 0;
	}
	if (res <= 0 || q.selected->to_tail || q.sel_waited) {
		complete(r, &q, res);
		return;
	}
	uint32_t cflags = finish_buffer(r, q, res);
	if (!post_cqe_if_room(r, q.sqe.user_data, int32_t(res), cflags | lx::CQE_F_MORE)) {
		complete(r, &q, res, cflags);
		return;
	}
	++r.cq_extra;
	reissue(r, q);
}

// A bundle's native completion; true when it took care of it. A multishot receive whose buffers reached the
// ring's tail ends with that CQE (Linux's BL_EMPTY).
bool done_bundle(Ring& r, Req& q, int64_t res, uint32_t nflags)
{
	if (q.state & REQ_CANCELING)
		return false;
	if (is_send(q.opcode)) {
		done_send_bundle(r, q, res, nflags);
		return true;
	}
	if (res != -lx::EAGAIN && (q.state & REQ_MULTISHOT) && bundle_used_to_tail(q, res)) {
		complete(r, &q, res);
		return true;
	}
	return false;
}
} // namespace

Issued issue_sendrecv(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	if (is_bundle(q))
		return issue_bundle(r, q);
	if (is_send(q.opcode) && q.heap) {
		auto* d = static_cast<Destination*>(q.heap);
		d->iov[0] = s.addr + q.done_bytes; // MSG_WAITALL continues where a partial transfer stopped
		d->iov[1] = s.len - q.done_bytes;
		if (s.flags & lx::SQE_BUFFER_SELECT) {
			// A provided buffer sent to a destination: the buffer is the request's once taken.
			uint64_t addr;
			uint32_t blen;
			if (!q.selected && !select_buffer(r, q, &addr, &blen))
				return Issued::now(-lx::ENOBUFS);
			d->iov[0] = q.selected->addr + q.done_bytes;
			d->iov[1] = ((!s.len || s.len > q.selected->len) ? q.selected->len : s.len) - q.done_bytes;
		}
		d->msg.iov = reinterpret_cast<uint64_t>(d->iov);
		d->msg.iovlen = 1;
		rp_sqe n = native_op(RP_OP_SENDMSG);
		n.fd = nfd(q.fd);
		n.addr = reinterpret_cast<uint64_t>(&d->msg);
		n.syscall_flags = s.msg_flags | lx::MSG_NOSIGNAL_;
		return to_native(r, q, n);
	}
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
	n.syscall_flags = s.msg_flags | (is_send(q.opcode) ? lx::MSG_NOSIGNAL_ : 0);
	if ((s.flags & lx::SQE_BUFFER_SELECT) && !q.sel_waited && !q.done_bytes) {
		// The buffer is only kept if data is there now; else it goes back while readiness is awaited.
		q.sel_nowait = true;
		n.syscall_flags |= lx::MSG_DONTWAIT_;
	} else {
		q.sel_nowait = false;
	}
	return to_native(r, q, n);
}

namespace {
// SENDMSG/RECVMSG after their ioprio check.
Status prep_msg_header(Req& q)
{
	const auto& s = q.sqe;
	RP_TRY(einval_if(s.addr2 || s.file_index));
	RP_TRY(prep_recv_multishot(q));
	if (s.flags & lx::SQE_BUFFER_SELECT) {
		// The kernel picks the buffer for the single iovec: copy the header now (FEAT_SUBMIT_STABLE).
		auto* sm = static_cast<SelectedMsg*>(rp_host_alloc(sizeof(SelectedMsg)));
		if (!sm)
			return Status::fail(-lx::ENOMEM);
		q.heap = sm;
		q.heap_size = sizeof(SelectedMsg);
		if (rp_host_copy_from_user(&sm->msg, s.addr, sizeof(MsgHdr)))
			return Status::fail(-lx::EFAULT);
		if (q.state & REQ_MULTISHOT) {
			// The buffer holds an io_uring_recvmsg_out, the name and control areas, then the payload; the
			// program's iovec is not used.
			if (sm->msg.namelen > 0x7fffffffu || sm->msg.controllen > 0x7fffffffull)
				return Status::fail(-lx::EINVAL);
			sm->want_name = sm->msg.namelen;
			sm->want_control = sm->msg.controllen;
			return kOk;
		}
		if (sm->msg.iovlen != 1)
			return Status::fail(-lx::EINVAL);
		if (rp_host_copy_from_user(sm->iov, sm->msg.iov, 16))
			return Status::fail(-lx::EFAULT);
		return kOk;
	}
	// Linux copies the header here too. The OS reads it (and for RECVMSG writes namelen, controllen and flags
	// back) at the program's address later; it cannot tell the program's memory from the shim's own there (the
	// buffer-select path above hands it a header in shim memory), so a header outside the program's memory is
	// refused now, as Linux's copy refuses it.
	MsgHdr header;
	if (rp_host_copy_from_user(&header, s.addr, sizeof(MsgHdr)))
		return Status::fail(-lx::EFAULT);
	return kOk;
}
} // namespace

Status prep_msg(Ring&, Req& q)
{
	uint16_t allowed = lx::RECVSEND_POLL_FIRST | (is_send(q.opcode) ? 0 : lx::RECV_MULTISHOT);
	if (q.sqe.ioprio & ~allowed)
		return Status::fail(-lx::EINVAL);
	return prep_msg_header(q);
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
		if (q.state & REQ_MULTISHOT) {
			uint64_t head = sizeof(lx::io_uring_recvmsg_out) + sm->want_name + sm->want_control;
			if (head > q.selected->len) {
				recycle_buffer(r, q);
				return Issued::now(-lx::EFAULT);
			}
			uint64_t base = q.selected->addr;
			sm->msg.name = sm->want_name ? base + sizeof(lx::io_uring_recvmsg_out) : 0;
			sm->msg.namelen = sm->want_name;
			sm->msg.control = sm->want_control ? base + sizeof(lx::io_uring_recvmsg_out) + sm->want_name : 0;
			sm->msg.controllen = sm->want_control;
			sm->msg.flags = 0;
			sm->iov[0] = base + head;
			sm->iov[1] = q.selected->len - head;
		} else {
			uint64_t want = sm->iov[1];
			sm->iov[0] = q.selected->addr;
			sm->iov[1] = (!want || want > q.selected->len) ? q.selected->len : want;
		}
		sm->msg.iov = reinterpret_cast<uint64_t>(sm->iov);
		sm->msg.iovlen = 1;
		n.addr = reinterpret_cast<uint64_t>(&sm->msg);
	}
	n.syscall_flags = s.msg_flags | (is_send(q.opcode) ? lx::MSG_NOSIGNAL_ : 0);
	if ((s.flags & lx::SQE_BUFFER_SELECT) && !q.sel_waited && !q.done_bytes) {
		// The buffer is only kept if data is there now; else it goes back while readiness is awaited.
		q.sel_nowait = true;
		n.syscall_flags |= lx::MSG_DONTWAIT_;
	} else {
		q.sel_nowait = false;
	}
	return to_native(r, q, n);
}

// A multishot RECVMSG's buffer starts with what recvmsg(2) reported; the CQE counts the whole layout.
int64_t finish_recvmsg_out(Req& q, int64_t res)
{
	auto* sm = static_cast<SelectedMsg*>(q.heap);
	if (!sm || !q.selected || res < 0)
		return res;
	lx::io_uring_recvmsg_out out{};
	out.namelen = sm->msg.namelen;
	out.controllen = uint32_t(sm->msg.controllen);
	out.payloadlen = uint32_t(res); // with MSG_TRUNC, the datagram's full length
	out.flags = uint32_t(sm->msg.flags);
	(void)rp_host_copy_to_user(q.selected->addr, &out, sizeof(out));
	uint64_t copied = uint64_t(res) < sm->iov[1] ? uint64_t(res) : sm->iov[1];
	return int64_t(sizeof(out) + sm->want_name + sm->want_control + copied);
}

// Net completions: MSG_WAITALL on a stream goes on after a partial transfer the OS stopped without waiting, a
// buffer-selecting RECVMSG writes back its header, a direct ACCEPT installs its fd; multishot ones go to the
// shared state machine (multishot.cpp).
void done_net(Ring& r, Req& q, NativeTag tag, int64_t res, uint32_t nflags)
{
	if (q.state & REQ_DONE)
		return;
	if (tag != TAG_READY && q.selected && q.selected->bundle && done_bundle(r, q, res, nflags))
		return;
	// Linux reports SOCK_NONEMPTY after an accept (more connections wait on a TCP listener) and after a receive
	// (more data waits on a TCP or AF_UNIX byte stream): the OS's RP_CQE_MORE_PENDING, multishot items included.
	const bool reports_more = q.opcode == lx::OP_ACCEPT || q.opcode == lx::OP_RECV || q.opcode == lx::OP_RECVMSG;
	const uint32_t nonempty =
	    reports_more && res >= 0 && (nflags & RP_CQE_MORE_PENDING) ? lx::CQE_F_SOCK_NONEMPTY : 0;
	if (q.state & REQ_MULTISHOT) {
		q.item_cflags = nonempty;
		done_multishot(r, q, tag, res);
		return;
	}
	if (tag == TAG_READY) {
		select_again_when_ready(r, q);
		return;
	}
	const bool accept = q.opcode == lx::OP_ACCEPT;
	// MSG_WAITALL on a stream: Linux keeps going until the whole length moved (or EOF / an error).
	bool waitall = (q.opcode == lx::OP_SEND || q.opcode == lx::OP_RECV || q.opcode == lx::OP_SEND_ZC) &&
	               (q.sqe.msg_flags & lx::MSG_WAITALL_) && !is_bundle(q); // a bundle's native op gathers itself
	if (waitall && res > 0 && q.done_bytes + uint64_t(res) < q.expected && !(q.state & REQ_CANCELING) &&
	    (nflags & RP_CQE_SHORT_STREAM)) { // the OS stopped short only because it was not to wait
		q.done_bytes += uint64_t(res);
		Issued again = kOps[q.opcode].issue(r, q); // continues after what already moved
		if (again.pending)
			return;
		res = again.res;
	}
	if (q.opcode == lx::OP_RECVMSG && (q.sqe.flags & lx::SQE_BUFFER_SELECT) && res >= 0)
		finish_selected_msg(q);
	if (accept && q.sqe.file_index && res >= 0 && !(q.state & REQ_CANCELING)) {
		complete(r, &q, install_direct(r, res, q.sqe.file_index), nonempty);
		return;
	}
	if (waitall && q.done_bytes && res != -lx::EAGAIN) {
		// An error or EOF after progress reports the progress, as Linux does.
		res = int64_t(q.done_bytes) + (res > 0 ? res : 0);
		q.done_bytes = 0;
	}
	const bool nowait = accept ? (q.sqe.ioprio & lx::ACCEPT_DONTWAIT) : (q.sqe.msg_flags & lx::MSG_DONTWAIT_);
	if (q.sel_nowait && selected_would_block(r, q, res, nowait))
		return;
	complete(r, &q, res, nonempty);
}

int64_t recvmsg_mshot_result(Ring&, Req& q, int64_t res) { return finish_recvmsg_out(q, res); }

int64_t accept_mshot_result(Ring& r, Req& q, int64_t res)
{
	return q.sqe.file_index ? install_direct(r, res, q.sqe.file_index) : res;
}

// Zero-copy sends. The hosted OS copies the data into the socket before the send returns, so the buffer is free
// as soon as the result is known: the notification (CQE_F_NOTIF) follows the result's CQE at once, and
// SEND_ZC_REPORT_USAGE truthfully reports the data as copied.
namespace {
constexpr uint16_t kZcFlags = lx::RECVSEND_POLL_FIRST | lx::RECVSEND_FIXED_BUF | lx::SEND_ZC_REPORT_USAGE;

// Linux's order: these checks fail before the notification exists; later failures still get one.
Status prep_zero_copy(Req& q)
{
	const auto& s = q.sqe;
	if (s.addr3 || s.pad2)
		return Status::fail(-lx::EINVAL);
	if (s.flags & lx::SQE_CQE_SKIP_SUCCESS)
		return Status::fail(-lx::EINVAL); // the result must show: the notification refers to it
	q.state |= REQ_NOTIF;
	return einval_if(s.ioprio & ~kZcFlags);
}
} // namespace

Status prep_send_zc(Ring&, Req& q)
{
	RP_TRY(prep_zero_copy(q));
	RP_TRY(prep_destination(q));
	short_transfer_fails_with_waitall(q);
	return kOk;
}

Issued issue_send_zc(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	if (s.ioprio & lx::RECVSEND_FIXED_BUF) {
		if (Status st = check_fixed_buffer(r, s.buf_index, s.addr, s.len); !st.ok())
			return Issued::now(st.err);
	}
	return issue_sendrecv(r, q);
}

Status prep_sendmsg_zc(Ring&, Req& q)
{
	RP_TRY(prep_zero_copy(q));
	return prep_msg_header(q);
}

// With RECVSEND_FIXED_BUF (Linux 6.15) every iovec of the message must lie inside registered buffer buf_index:
// the vector is checked the way Linux imports it (-EFAULT for a segment outside, or no such buffer).
Issued issue_sendmsg_zc(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	if (s.ioprio & lx::RECVSEND_FIXED_BUF) {
		MsgHdr m;
		if (rp_host_copy_from_user(&m, s.addr, sizeof(m)))
			return Issued::now(-lx::EFAULT);
		if (m.iovlen > 1024)
			return Issued::now(-lx::EMSGSIZE);
		for (uint64_t i = 0; i < m.iovlen; ++i) {
			uint64_t iov[2];
			if (rp_host_copy_from_user(iov, m.iov + 16 * i, sizeof(iov)))
				return Issued::now(-lx::EFAULT);
			if (Status st = check_fixed_buffer(r, s.buf_index, iov[0], iov[1]); !st.ok())
				return Issued::now(st.err);
		}
	}
	return issue_msg(r, q);
}

void post_send_notification(Ring& r, const Req& q, int64_t res)
{
	bool copied = res > 0 && (q.sqe.ioprio & lx::SEND_ZC_REPORT_USAGE);
	post_cqe(r, q.sqe.user_data, copied ? int32_t(lx::NOTIF_USAGE_ZC_COPIED) : 0, lx::CQE_F_NOTIF);
	++r.cq_extra; // not one per SQE (drain accounting), as Linux counts its notification requests
}

Status prep_accept(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.len || s.buf_index)
		return Status::fail(-lx::EINVAL);
	if (s.ioprio & ~(lx::ACCEPT_DONTWAIT | lx::ACCEPT_POLL_FIRST | lx::ACCEPT_MULTISHOT))
		return Status::fail(-lx::EINVAL);
	if (s.file_index && (s.accept_flags & lx::SOCK_CLOEXEC_))
		return Status::fail(-lx::EINVAL);
	if (s.ioprio & lx::ACCEPT_MULTISHOT) {
		// Several connections cannot share one fixed slot: only FILE_INDEX_ALLOC goes with direct accept.
		if (s.file_index && s.file_index != lx::FILE_INDEX_ALLOC)
			return Status::fail(-lx::EINVAL);
		q.state |= REQ_MULTISHOT;
	}
	if (s.accept_flags & ~(lx::SOCK_CLOEXEC_ | lx::SOCK_NONBLOCK_))
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
	if (s.file_index && (uint32_t(s.off) & lx::SOCK_CLOEXEC_))
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
