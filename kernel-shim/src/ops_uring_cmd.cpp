// URING_CMD: commands a file's driver defines. Sockets are the only files here with commands: the queue sizes
// (SIOCINQ, SIOCOUTQ), socket options and transmit timestamps, which become the socket scheme's private native
// opcodes. Any other file has no command handler: -EOPNOTSUPP, as Linux answers for a file without one.
//
// SOCKET_URING_OP_TX_TIMESTAMP (Linux 6.13) is multishot without being asked (no IORING_URING_CMD_MULTISHOT: that
// flag is -EINVAL in 6.18): armed on the socket's POLLERR, it posts one CQE32 per transmit timestamp in the
// error queue (res = key, flags = F_MORE | type << TIMESTAMP_TYPE_SHIFT | TSTAMP_HW, the big CQE the time), and
// ends only when cancelled (-ECANCELED). A ring without 32-byte CQEs (CQE32 or CQE_MIXED) is -EINVAL, a file
// that is not a socket -EOPNOTSUPP. A timestamp that finds the CQ full is not posted and not overflowed: Linux
// leaves it in the error queue until the next wakeup; here it waits in the request until the next event. The
// OS takes the timestamps (RP_OP_SOCKET_TX_TIMESTAMPS, TAG_AUX, never waiting); the shim waits for them with a
// RegisterEvents stream for POLLERR (TAG_MAIN, what a cancel names) and takes again on every event.
#include "ops_common.hpp"

namespace ringport::shim {

namespace {
constexpr uint32_t kSolSocket = 1;

// Records one take asks for; the request keeps them until they are posted.
constexpr uint32_t kTsBatch = 16;

rp_tx_timestamp* ts_records(Req& q) { return static_cast<rp_tx_timestamp*>(q.heap); }

bool big_cqes(const Ring& r) { return r.flags & (lx::SETUP_CQE32 | lx::SETUP_CQE_MIXED); }

// Timestamps the CQ has room for now (a CQE_MIXED ring spends two slots on each).
uint32_t ts_room(const Ring& r)
{
	if (r.overflow_head)
		return 0;
	if (r.shared)
		return kTsBatch; // what finds no room waits in the request
	uint32_t used = r.cq_tail - load_acquire(r.k_cq_head);
	uint32_t free = used < r.cq_entries ? r.cq_entries - used : 0;
	if (r.flags & lx::SETUP_CQE_MIXED)
		free /= 2;
	return free < kTsBatch ? free : kTsBatch;
}

// Posts the records taken and not yet posted while the CQ has room; what remains waits for the next event.
void ts_post(Ring& r, Req& q)
{
	auto& t = q.u.tstamp;
	const uint32_t mixed = (r.flags & lx::SETUP_CQE_MIXED) ? lx::CQE_F_32 : 0;
	while (t.pending) {
		const rp_tx_timestamp& ts = ts_records(q)[t.first];
		uint32_t cflags = lx::CQE_F_MORE | mixed | (ts.type << lx::TIMESTAMP_TYPE_SHIFT);
		if (ts.flags & RP_TX_TIMESTAMP_HW)
			cflags |= lx::CQE_F_TSTAMP_HW;
		const uint64_t sec = uint64_t(ts.sec), nsec = ts.nsec;
		const uint32_t big[4] = {uint32_t(sec), uint32_t(sec >> 32), uint32_t(nsec), 0}; // io_timespec
		if (!post_cqe_if_room(r, q.sqe.user_data, int32_t(ts.key), cflags, big))
			return;
		++r.cq_extra;
		++t.first;
		--t.pending;
	}
}

// Asks the OS for the timestamps queued now (none while earlier ones still wait for CQ room, as Linux leaves
// them queued then). False when no native SQE could be had.
bool ts_take(Ring& r, Req& q)
{
	auto& t = q.u.tstamp;
	if (t.taking) {
		t.again = true;
		return true;
	}
	ts_post(r, q);
	uint32_t want = ts_room(r);
	if (t.pending || !want)
		return true;
	rp_sqe n = native_op(RP_OP_SOCKET_TX_TIMESTAMPS);
	n.fd = nfd(q.fd);
	n.addr = reinterpret_cast<uint64_t>(ts_records(q));
	n.len = want;
	if (!push_native(r, &q, TAG_AUX, n).ok())
		return false;
	t.taking = true;
	t.again = false;
	return true;
}

Issued issue_tx_timestamp(Ring& r, Req& q)
{
	q.state |= REQ_MULTISHOT; // a cancel ends it at its next native completion
	q.u.tstamp = {};
	rp_sqe n = native_op(RP_OP_SOCKET_TX_TIMESTAMPS);
	n.fd = nfd(q.fd);
	if (big_cqes(r)) {
		q.heap = rp_host_alloc(kTsBatch * sizeof(rp_tx_timestamp));
		if (!q.heap)
			return Issued::now(-lx::ENOMEM);
		q.heap_size = kTsBatch * sizeof(rp_tx_timestamp);
		n.addr = reinterpret_cast<uint64_t>(q.heap);
		n.len = ts_room(r);
	}
	// Without 32-byte CQEs the take asks for nothing: its answer only tells a socket (-EINVAL) from another
	// file or an OS without the op (-EOPNOTSUPP), which Linux judges first.
	Status st = push_native(r, &q, TAG_AUX, n);
	if (!st.ok())
		return Issued::now(st.err);
	q.u.tstamp.taking = true;
	return Issued::later();
}

void done_tx_timestamp(Ring& r, Req& q, NativeTag tag, int64_t res, uint32_t nflags)
{
	if (q.state & REQ_DONE)
		return;
	auto& t = q.u.tstamp;
	const bool canceling = q.state & REQ_CANCELING;
	if (tag == TAG_MAIN) {
		if (nflags & RP_CQE_EVENT) {
			if (!canceling && !ts_take(r, q))
				complete(r, &q, -lx::ENOMEM);
			return;
		}
		complete(r, &q, canceling || res >= 0 ? -lx::ECANCELED : res); // the stream's end
		return;
	}
	if (tag != TAG_AUX)
		return;
	t.taking = false;
	if (!t.armed) {
		// The first answer: is this a socket whose OS takes timestamps, on a ring that can post them?
		if (res == -lx::ENOSYS || res == -lx::EOPNOTSUPP) {
			complete(r, &q, -lx::EOPNOTSUPP);
			return;
		}
		if (res < 0) {
			complete(r, &q, res);
			return;
		}
		if (!big_cqes(r)) {
			complete(r, &q, -lx::EINVAL);
			return;
		}
	}
	if (res > 0) {
		t.first = 0;
		t.pending = uint16_t(res);
	}
	// Errors of a later take (the program closed its fd) change nothing: on Linux the request holds the file.
	ts_post(r, q);
	if (canceling) {
		complete(r, &q, -lx::ECANCELED);
		return;
	}
	if (!t.armed) {
		rp_sqe n = native_op(RP_OP_REGISTER_EVENTS);
		n.fd = nfd(q.fd);
		n.syscall_flags = lx::POLLERR_;
		Issued is = to_native(r, q, n, TAG_MAIN);
		if (!is.pending) {
			complete(r, &q, is.res);
			return;
		}
		t.armed = true; // readiness present now (entries queued since the take) arrives as its first event
		return;
	}
	// A full batch may have left more behind, and an event may have come while this take ran.
	if ((t.again || res == int64_t(kTsBatch)) && !ts_take(r, q))
		complete(r, &q, -lx::ENOMEM);
}

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
	case lx::SOCKET_URING_OP_TX_TIMESTAMP:
		return issue_tx_timestamp(r, q);
	default:
		return Issued::now(-lx::EOPNOTSUPP);
	}
	return to_native(r, q, n);
}

void done_uring_cmd(Ring& r, Req& q, NativeTag tag, int64_t res, uint32_t nflags)
{
	if (q.sqe.cmd_op == lx::SOCKET_URING_OP_TX_TIMESTAMP) {
		done_tx_timestamp(r, q, tag, res, nflags);
		return;
	}
	// -ENOSYS: the file is not a socket, so no scheme gives the opcode a meaning.
	complete(r, &q, res == -lx::ENOSYS ? -lx::EOPNOTSUPP : res);
}

} // namespace ringport::shim
