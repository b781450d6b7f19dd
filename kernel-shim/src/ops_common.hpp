// Helpers shared by the op family files.
#pragma once

#include "optable.hpp"

namespace ringport::shim {

// Hands req's single native operation to the OS; the completion finishes the request.
inline Issued to_native(Ring& r, Req& q, const rp_sqe& s, NativeTag tag = TAG_MAIN)
{
	Status st = push_native(r, &q, tag, s);
	return st.ok() ? Issued::later() : Issued::now(st.err);
}

inline rp_sqe native_op(uint8_t opcode)
{
	rp_sqe s{};
	s.opcode = opcode;
	return s;
}

// Sign-extends a Linux fd into the native 64-bit fd field (AT_FDCWD stays -100).
inline uint64_t nfd(int32_t fd) { return uint64_t(int64_t(fd)); }

inline Status einval_if(bool bad) { return bad ? Status::fail(-lx::EINVAL) : kOk; }

// Asks the OS about the request's file (native FILE_INFO; other: another fd to compare with, or -1). The answer
// (RP_FILE_* bits, or -errno) comes back to the op's native_done with TAG_PROBE.
inline Issued probe_file(Ring& r, Req& q, int32_t other = -1)
{
	rp_sqe p = native_op(RP_OP_FILE_INFO);
	p.fd = nfd(q.fd);
	p.additional1 = other >= 0 ? uint64_t(other) : ~0ull;
	return to_native(r, q, p, TAG_PROBE);
}

// Buffer selection on a file that would block: Linux takes the buffer only once data is there, so the buffer went
// back and the request waits for readiness (a native Poll for the op's events) before it selects one again
// (TAG_READY). Every other "would block" is the OS's (RP_SQE_WAIT_READY). False when no native SQE could be had.
inline bool await_readiness(Ring& r, Req& q)
{
	rp_sqe p = native_op(RP_OP_POLL);
	p.fd = nfd(q.fd);
	p.syscall_flags = kOps[q.opcode].poll_events;
	q.waiting_ready = true;
	if (push_native(r, &q, TAG_READY, p).ok())
		return true;
	q.waiting_ready = false;
	return false;
}

// Buffer selection (ops_buffers.cpp). After a no-wait attempt with a selected buffer: when it would have blocked
// and the caller did not ask for -EAGAIN (nowait), the buffer goes back and the request waits for readiness;
// true when it now waits. Once ready (TAG_READY), select_again_when_ready runs it again.
bool selected_would_block(Ring& r, Req& q, int64_t res, bool nowait);
void select_again_when_ready(Ring& r, Req& q);

// [addr, addr + len) must lie inside registered buffer index (READ_FIXED, WRITE_FIXED, SEND_ZC with FIXED_BUF).
inline Status check_fixed_buffer(const Ring& r, uint16_t index, uint64_t addr, uint64_t len)
{
	if (index >= r.nr_bufs)
		return Status::fail(-lx::EFAULT);
	const RegisteredBuffer& b = r.bufs[index];
	uint64_t end = addr + len;
	if (end < addr || addr < b.addr || end > b.addr + b.len)
		return Status::fail(-lx::EFAULT);
	return kOk;
}

} // namespace ringport::shim
