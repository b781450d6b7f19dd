// Read/write family: READ, WRITE, READV, WRITEV, READ_FIXED, WRITE_FIXED, READV_FIXED, WRITEV_FIXED, SPLICE, TEE.
#include "ops_common.hpp"

namespace ringport::shim {

namespace {

constexpr uint32_t kMaxIov = 1024;
constexpr uint64_t kCurrentPosition = ~0ull;

bool is_write(uint8_t op)
{
	return op == lx::OP_WRITE || op == lx::OP_WRITEV || op == lx::OP_WRITE_FIXED || op == lx::OP_WRITEV_FIXED;
}
bool is_vectored(uint8_t op)
{
	return op == lx::OP_READV || op == lx::OP_WRITEV || op == lx::OP_READV_FIXED || op == lx::OP_WRITEV_FIXED;
}
bool is_vec_fixed(uint8_t op) { return op == lx::OP_READV_FIXED || op == lx::OP_WRITEV_FIXED; }

// The iovec array is read at prep, so the program may reuse it after submitting (FEAT_SUBMIT_STABLE); the
// expected length is their sum, so a short transfer breaks an IO_LINK chain.
Status copy_iovecs(Req& q)
{
	const auto& s = q.sqe;
	if (s.len > kMaxIov)
		return Status::fail(-lx::EINVAL);
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
	return kOk;
}

const uint64_t* iovecs(const Req& q)
{
	return q.heap ? static_cast<const uint64_t*>(q.heap) : q.u.vec.iov;
}

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
	if (!(uint32_t(q.sqe.rw_flags) & lx::RWF_NOWAIT_))
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
		RP_TRY(copy_iovecs(q));
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

// READV_FIXED / WRITEV_FIXED (Linux 6.15): a vector whose every segment lies inside registered buffer
// buf_index (checked at issue, -EFAULT otherwise, as Linux's import of the vector does).
Status prep_rwv_fixed(Ring&, Req& q)
{
	RP_TRY(check_ioprio(q.sqe.ioprio));
	RP_TRY(copy_iovecs(q));
	q.state |= REQ_SHORT_FAILS;
	return kOk;
}

Issued issue_rw(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	bool positional = s.off != kCurrentPosition;
	if (int64_t(s.off) < 0 && positional)
		return Issued::now(-lx::EINVAL);
	if (!(s.flags & lx::SQE_FIXED_FILE) && q.fd >= 0 && rp_host_ring_of_fd(q.fd)) {
		// An io_uring fd has no read or write method. Linux learns that only after its non-blocking attempt
		// was refused (the file cannot do NOWAIT) and the poll it armed instead fired: a read waits until the
		// ring has a CQE (POLLIN), a write for SQ room (POLLOUT), then both fail -EINVAL (done_rw, TAG_PROBE).
		rp_sqe n = native_op(RP_OP_POLL);
		n.fd = nfd(q.fd);
		n.syscall_flags = is_write(q.opcode) ? lx::POLLOUT_ : lx::POLLIN_;
		return to_native(r, q, n, TAG_PROBE);
	}
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
			n.syscall_flags |= lx::RWF_NOWAIT_;
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
		if (is_vec_fixed(q.opcode)) {
			const uint64_t* v = iovecs(q);
			uint64_t total = 0;
			for (uint32_t i = 0; i < s.len; ++i) {
				if (Status st = check_fixed_buffer(r, s.buf_index, v[2 * i], v[2 * i + 1]); !st.ok())
					return Issued::now(st.err);
				if (total + v[2 * i + 1] < total)
					return Issued::now(-lx::EOVERFLOW);
				total += v[2 * i + 1];
			}
		}
		uint64_t iov = reinterpret_cast<uint64_t>(iovecs(q));
		return to_native(r, q, rw_native(q, positional, iov, s.len, true));
	}
	return to_native(r, q, rw_native(q, positional, s.addr, s.len, false));
}

// Read/write completions: a buffer-selecting attempt that would block waits for readiness without its buffer;
// an offset on a stream file (a pipe) is retried at the stream position, as Linux ignores it there.
void done_rw(Ring& r, Req& q, NativeTag tag, int64_t res, uint32_t)
{
	if (q.state & REQ_DONE)
		return;
	if (tag == TAG_PROBE) { // a ring fd was ready (issue_rw): it cannot be read or written
		complete(r, &q, res < 0 ? res : -lx::EINVAL);
		return;
	}
	if (tag == TAG_READY) {
		select_again_when_ready(r, q);
		return;
	}
	if (tag == TAG_MAIN && res == -lx::ESPIPE && (q.state & REQ_CANCELING)) {
		// A stream file's offset is retried below, but this request is being cancelled: its operation failed
		// before the OS saw the cancel (an IOSQE_ASYNC attempt on a worker), so nothing would cancel the retry.
		cancel_absorbed(r, q);
		complete(r, &q, -lx::ECANCELED);
		return;
	}
	if (q.sel_nowait && res == -lx::ESPIPE && !q.sel_stream && tag == TAG_MAIN) {
		// Linux ignores the offset of a stream file: try again at the stream position, still without waiting.
		q.sel_stream = true;
		Issued again = kOps[q.opcode].issue(r, q);
		if (!again.pending)
			complete(r, &q, again.res, again.cflags);
		return;
	}
	if (q.sel_nowait && selected_would_block(r, q, res, uint32_t(q.sqe.rw_flags) & lx::RWF_NOWAIT_))
		return;
	// Linux ignores the offset of stream files (pipes, sockets): retry at the stream position.
	if (tag == TAG_MAIN && res == -lx::ESPIPE && q.sqe.off != kCurrentPosition) {
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
	n.syscall_flags = lx::RWF_NOWAIT_;
	return to_native(r, q, n);
}

void done_read_mshot(Ring& r, Req& q, NativeTag tag, int64_t res, uint32_t)
{
	if (q.state & REQ_DONE)
		return;
	if (tag != TAG_PROBE) {
		done_multishot(r, q, tag, res);
		return;
	}
	// The OS's answer about the file: Linux refuses files without readiness with -EBADFD.
	if (res >= 0 && !(res & RP_FILE_POLLABLE))
		res = -lx::EBADFD;
	if (res < 0 || (q.state & REQ_CANCELING)) {
		complete(r, &q, res < 0 ? res : -lx::ECANCELED);
		return;
	}
	q.state |= REQ_FILE_CHECKED;
	Issued first = issue_read_mshot(r, q);
	if (!first.pending)
		complete(r, &q, first.res, first.cflags);
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
