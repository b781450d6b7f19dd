// Read/write family: READ, WRITE, READV, WRITEV, READ_FIXED, WRITE_FIXED, SPLICE, TEE.
#include "ops_common.hpp"

namespace ringport::shim {

namespace {

constexpr uint32_t kMaxIov = 1024;
constexpr uint64_t kCurrentPosition = ~0ull;
constexpr uint32_t kRwfNowaitFlag = 0x8;

bool is_write(uint8_t op) { return op == lx::OP_WRITE || op == lx::OP_WRITEV || op == lx::OP_WRITE_FIXED; }
bool is_vectored(uint8_t op) { return op == lx::OP_READV || op == lx::OP_WRITEV; }

// Builds the native op: positional unless the offset is -1 (the file position, FEAT_RW_CUR_POS).
rp_sqe rw_native(const Req& q, bool positional, uint64_t addr, uint64_t len, bool vectored)
{
	bool w = is_write(q.opcode);
	uint8_t op;
	if (vectored)
		op = positional ? (w ? RP_OP_PWRITEV : RP_OP_PREADV) : (w ? RP_OP_WRITEV : RP_OP_READV);
	else
		op = positional ? (w ? RP_OP_PWRITE : RP_OP_PREAD) : (w ? RP_OP_WRITE : RP_OP_READ);
	rp_sqe s = native_op(op);
	s.fd = nfd(q.fd);
	s.addr = addr;
	s.len = len;
	if (positional)
		s.offset = q.sqe.off;
	if (vectored && positional)
		s.syscall_flags = uint32_t(q.sqe.rw_flags);
	// Linux waits for a file that would block, O_NONBLOCK or not (FAST_POLL), unless RWF_NOWAIT says not to:
	// the OS does the waiting. Polled I/O takes only files open for direct I/O, which the OS checks.
	if (!(uint32_t(q.sqe.rw_flags) & kRwfNowaitFlag))
		s.flags |= RP_SQE_WAIT_READY;
	if (q.ring->flags & lx::SETUP_IOPOLL)
		s.flags |= RP_SQE_DIRECT_ONLY;
	return s;
}

} // namespace

// Linux's ioprio_check_cap: class in the top 3 bits, level in the low 3.
Status check_ioprio(uint16_t prio)
{
	uint32_t cls = prio >> 13, level = prio & 7, data = prio & 0x1fff;
	switch (cls) {
	case 0: // none
		return data ? Status::fail(-lx::EINVAL) : kOk;
	case 1: // real time (the hosted process may use it)
	case 2: // best effort
		return level >= 8 ? Status::fail(-lx::EINVAL) : kOk;
	case 3: // idle
		return kOk;
	default:
		return Status::fail(-lx::EINVAL);
	}
}

Status prep_rw(Ring&, Req& q)
{
	const auto& s = q.sqe;
	RP_TRY(check_ioprio(s.ioprio));
	if (s.buf_index && !(s.flags & lx::SQE_BUFFER_SELECT))
		return Status::fail(-lx::EINVAL);
	if ((s.flags & lx::SQE_BUFFER_SELECT) && is_vectored(q.opcode) && s.len != 1)
		return Status::fail(-lx::EINVAL);
	if (is_vectored(q.opcode)) {
		if (s.len > kMaxIov)
			return Status::fail(-lx::EINVAL);
		// The iovec array is read now, so the program may reuse it after submitting (FEAT_SUBMIT_STABLE).
		uint64_t bytes = 16ull * s.len;
		void* dst = q.u.vec.iov;
		if (s.len > 4) {
			q.heap = rp_host_alloc(bytes);
			if (!q.heap)
				return Status::fail(-lx::ENOMEM);
			q.heap_size = uint32_t(bytes);
			dst = q.heap;
		}
		if (bytes && rp_host_copy_from_user(dst, s.addr, bytes))
			return Status::fail(-lx::EFAULT);
		uint64_t total = 0;
		auto* iov = static_cast<const uint64_t*>(dst);
		for (uint32_t i = 0; i < s.len; ++i) {
			if (int64_t(iov[2 * i + 1]) < 0)
				return Status::fail(-lx::EINVAL);
			total += iov[2 * i + 1];
		}
		q.expected = total;
	} else {
		q.expected = s.len;
	}
	// A short transfer breaks an IO_LINK chain, as on Linux.
	q.state |= REQ_SHORT_FAILS;
	return kOk;
}

Status prep_rw_fixed(Ring& r, Req& q)
{
	(void)r;
	RP_TRY(check_ioprio(q.sqe.ioprio));
	q.expected = q.sqe.len;
	q.state |= REQ_SHORT_FAILS;
	return kOk;
}

Issued issue_rw(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	bool positional = s.off != kCurrentPosition;
	if (int64_t(s.off) < 0 && positional)
		return Issued::now(-lx::EINVAL);
	if (q.opcode == lx::OP_READ_FIXED || q.opcode == lx::OP_WRITE_FIXED) {
		if (Status st = check_fixed_buffer(r, s.buf_index, s.addr, s.len); !st.ok())
			return Issued::now(st.err);
		return to_native(r, q, rw_native(q, positional, s.addr, s.len, false));
	}
	if (s.flags & lx::SQE_BUFFER_SELECT) {
		// The kernel picks the buffer: at most the asked length, at most the buffer's.
		uint64_t want = is_vectored(q.opcode) ? q.u.vec.iov[1] : s.len;
		uint64_t addr;
		uint32_t blen;
		if (!q.selected && !select_buffer(r, q, &addr, &blen))
			return Issued::now(-lx::ENOBUFS);
		addr = q.selected->addr;
		blen = q.selected->len;
		uint64_t len = (!want || want > blen) ? blen : want;
		q.expected = len;
		q.u.vec.iov[0] = addr;
		q.u.vec.iov[1] = len;
		if (!q.sel_waited) {
			// Try without waiting (preadv2 with RWF_NOWAIT; offset -1 is the file position).
			q.sel_nowait = true;
			rp_sqe n = rw_native(q, true, reinterpret_cast<uint64_t>(q.u.vec.iov), 1, true);
			n.offset = (positional && !q.sel_stream) ? s.off : kCurrentPosition;
			n.syscall_flags |= kRwfNowaitFlag;
			return to_native(r, q, n);
		}
		q.sel_nowait = false;
		if (q.sel_stream)
			positional = false;
		if (is_vectored(q.opcode))
			return to_native(r, q, rw_native(q, positional, reinterpret_cast<uint64_t>(q.u.vec.iov), 1, true));
		return to_native(r, q, rw_native(q, positional, addr, len, false));
	}
	if (is_vectored(q.opcode)) {
		uint64_t iov = q.heap ? reinterpret_cast<uint64_t>(q.heap) : reinterpret_cast<uint64_t>(q.u.vec.iov);
		return to_native(r, q, rw_native(q, positional, iov, s.len, true));
	}
	return to_native(r, q, rw_native(q, positional, s.addr, s.len, false));
}

void done_rw(Ring& r, Req& q, NativeTag tag, int64_t res, uint32_t nflags)
{
	if (q.state & REQ_DONE)
		return;
	if (q.state & REQ_MULTISHOT) {
		done_net_mshot(r, q, tag, res);
		return;
	}
	const OpDef& d = kOps[q.opcode];
	if (tag == TAG_READY) {
		// The file is ready (or the wait failed): run the operation again.
		q.waiting_ready = false;
		if (q.sel_waited)
			res = 0; // a failed readiness wait after a buffer-select attempt: the op itself reports the error
		if (res < 0) {
			complete(r, &q, res);
			return;
		}
		Issued again = d.issue(r, q);
		if (!again.pending)
			complete(r, &q, again.res, again.cflags);
		return;
	}
	// MSG_WAITALL on a stream: Linux keeps going until the whole length moved (or EOF / an error).
	constexpr uint32_t kMsgWaitAll = 0x100;
	bool waitall = (q.opcode == lx::OP_SEND || q.opcode == lx::OP_RECV || q.opcode == lx::OP_SEND_ZC) &&
	               (q.sqe.msg_flags & kMsgWaitAll);
	if (waitall && res > 0 && q.done_bytes + uint64_t(res) < q.expected && !(q.state & REQ_CANCELING) &&
	    (nflags & RP_CQE_SHORT_STREAM)) { // the OS stopped short only because it was not to wait
		q.done_bytes += uint64_t(res);
		Issued again = d.issue(r, q); // continues after what already moved
		if (again.pending)
			return;
		res = again.res;
	}
	if (q.opcode == lx::OP_RECVMSG && (q.sqe.flags & lx::SQE_BUFFER_SELECT) && res >= 0)
		finish_selected_msg(q);
	if (q.opcode == lx::OP_ACCEPT && q.sqe.file_index && res >= 0 && !(q.state & REQ_CANCELING)) {
		complete(r, &q, install_direct(r, res, q.sqe.file_index));
		return;
	}
	if (waitall && q.done_bytes && res != -lx::EAGAIN) {
		// An error or EOF after progress reports the progress, as Linux does.
		res = int64_t(q.done_bytes) + (res > 0 ? res : 0);
		q.done_bytes = 0;
	}
	// A file that would block makes Linux wait for readiness (accept with a direct slot installs after it) and retry, unless the caller said not to wait.
	constexpr uint32_t kRwfNowait = 0x8, kMsgDontwait = 0x40;
	bool nowait = (d.family == Family::rw && (uint32_t(q.sqe.rw_flags) & kRwfNowait)) ||
	              (d.family == Family::net && (q.sqe.msg_flags & kMsgDontwait) && q.opcode != lx::OP_ACCEPT) ||
	              (q.opcode == lx::OP_ACCEPT && (q.sqe.ioprio & lx::ACCEPT_DONTWAIT));
	if (q.sel_nowait && res == -lx::ESPIPE && !q.sel_stream && tag == TAG_MAIN) {
		// Linux ignores the offset of a stream file: try again at the stream position, still without waiting.
		q.sel_stream = true;
		Issued again = d.issue(r, q);
		if (!again.pending)
			complete(r, &q, again.res, again.cflags);
		return;
	}
	if (q.sel_nowait) {
		q.sel_nowait = false;
		if (res == -lx::EAGAIN && !nowait && !(q.state & REQ_CANCELING)) {
			// No data for the buffer: it goes back, and the request selects again once the file is ready.
			recycle_buffer(r, q);
			q.sel_waited = true;
			if (await_readiness(r, q))
				return;
		}
	}
	// Linux ignores the offset of stream files (pipes, sockets): retry at the stream position.
	bool rw_op = q.opcode == lx::OP_READ || q.opcode == lx::OP_WRITE || q.opcode == lx::OP_READV ||
	             q.opcode == lx::OP_WRITEV || q.opcode == lx::OP_READ_FIXED || q.opcode == lx::OP_WRITE_FIXED;
	if (rw_op && tag == TAG_MAIN && res == -lx::ESPIPE && q.sqe.off != kCurrentPosition) {
		const auto& s = q.sqe;
		rp_sqe n;
		if (q.selected) {
			uint64_t len = q.expected;
			if (is_vectored(q.opcode))
				n = rw_native(q, false, reinterpret_cast<uint64_t>(q.u.vec.iov), 1, true);
			else
				n = rw_native(q, false, q.selected->addr, len, false);
		} else if (is_vectored(q.opcode)) {
			uint64_t iov = q.heap ? reinterpret_cast<uint64_t>(q.heap) : reinterpret_cast<uint64_t>(q.u.vec.iov);
			n = rw_native(q, false, iov, s.len, true);
		} else {
			n = rw_native(q, false, s.addr, s.len, false);
		}
		if (push_native(r, &q, TAG_RETRY, n).ok())
			return;
	}
	complete(r, &q, res);
}

// READ_MULTISHOT: whenever the (pollable) file has data, a buffer is taken and a CQE with F_MORE posted; it ends
// at EOF (res 0), on an error, when no buffer is left (-ENOBUFS) or when the CQ is full (that read's result
// then completes it without F_MORE).
Status prep_read_mshot(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (!(s.flags & lx::SQE_BUFFER_SELECT))
		return Status::fail(-lx::EINVAL);
	RP_TRY(check_ioprio(s.ioprio));
	if (s.addr)
		return Status::fail(-lx::EINVAL);
	q.state |= REQ_MULTISHOT;
	return kOk;
}

Issued issue_read_mshot(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	// Linux refuses files without readiness (-EBADFD): the OS says which kind this one is, once.
	if (!(q.state & REQ_FILE_CHECKED))
		return probe_file(r, q);
	if (!q.selected) {
		uint64_t addr;
		uint32_t blen;
		if (!select_buffer(r, q, &addr, &blen))
			return Issued::now(-lx::ENOBUFS);
	}
	uint64_t len = (!s.len || s.len > q.selected->len) ? q.selected->len : s.len;
	q.u.vec.iov[0] = q.selected->addr;
	q.u.vec.iov[1] = len;
	rp_sqe n = native_op(RP_OP_PREADV);
	n.fd = nfd(q.fd);
	n.addr = reinterpret_cast<uint64_t>(q.u.vec.iov);
	n.len = 1;
	n.offset = kCurrentPosition; // pollable files have no offsets
	n.syscall_flags = kRwfNowaitFlag;
	return to_native(r, q, n);
}

void done_read_mshot(Ring& r, Req& q, NativeTag tag, int64_t res, uint32_t)
{
	if (q.state & REQ_DONE)
		return;
	bool canceling = q.state & REQ_CANCELING;
	if (tag == TAG_PROBE) {
		if (res >= 0 && !(res & RP_FILE_POLLABLE))
			res = -lx::EBADFD;
		if (res < 0 || canceling) {
			complete(r, &q, res < 0 ? res : -lx::ECANCELED);
			return;
		}
		q.state |= REQ_FILE_CHECKED;
	} else if (tag == TAG_READY) {
		q.waiting_ready = false;
		if (canceling) {
			// Cancelled while waiting: take what already arrived (Linux would have) before ending.
			Issued last = issue_read_mshot(r, q);
			if (!last.pending)
				complete(r, &q, last.res < 0 ? -lx::ECANCELED : last.res, last.cflags);
			return;
		}
		if (res < 0) {
			complete(r, &q, res);
			return;
		}
	} else if (res == -lx::EAGAIN && !canceling) {
		// Nothing to read: give the buffer back and wait for data.
		recycle_buffer(r, q);
		if (!await_readiness(r, q))
			complete(r, &q, -lx::ENOMEM);
		return;
	} else if (res <= 0) {
		recycle_buffer(r, q);
		complete(r, &q, canceling && (res == -lx::EAGAIN || res == -lx::ENOBUFS) ? -lx::ECANCELED : res);
		return;
	} else {
		uint32_t cflags = finish_buffer(r, q, res);
		if (!post_cqe_if_room(r, q.sqe.user_data, int32_t(res), cflags | lx::CQE_F_MORE)) {
			complete(r, &q, res, cflags);
			return;
		}
		++r.cq_extra;
	}
	// Read again: more data may be there already (a cancelled request takes it and then ends).
	Issued again = issue_read_mshot(r, q);
	if (!again.pending)
		complete(r, &q, canceling && again.res < 0 ? -lx::ECANCELED : again.res, again.cflags);
}

Status prep_splice(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.splice_flags & ~(lx::SPLICE_FD_IN_FIXED | 0xfu))
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_splice(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	Result<int32_t> in = resolve_fd(r, q, s.splice_fd_in, s.splice_flags & lx::SPLICE_FD_IN_FIXED);
	if (!in.ok())
		return Issued::now(in.err());
	rp_sqe n = native_op(RP_OP_SPLICE);
	n.fd = nfd(in.value());
	n.offset = s.splice_off_in;
	n.additional1 = nfd(q.fd);
	n.additional2 = s.off;
	n.len = s.len;
	n.syscall_flags = s.splice_flags & ~lx::SPLICE_FD_IN_FIXED;
	return to_native(r, q, n);
}

Status prep_tee(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.splice_off_in || s.off)
		return Status::fail(-lx::EINVAL);
	return prep_splice(*q.ring, q);
}

Issued issue_tee(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	Result<int32_t> in = resolve_fd(r, q, s.splice_fd_in, s.splice_flags & lx::SPLICE_FD_IN_FIXED);
	if (!in.ok())
		return Issued::now(in.err());
	rp_sqe n = native_op(RP_OP_TEE);
	n.fd = nfd(in.value());
	n.additional1 = nfd(q.fd);
	n.len = s.len;
	n.syscall_flags = s.splice_flags & ~lx::SPLICE_FD_IN_FIXED;
	return to_native(r, q, n);
}

} // namespace ringport::shim
