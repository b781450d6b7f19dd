// Process and futex family: WAITID on the native Waitpid, FUTEX_WAIT / WAKE / WAITV on the native Futex.
#include "ops_common.hpp"

namespace ringport::shim {

namespace {
constexpr uint32_t kFutex2SizeMask = 3, kFutex2SizeU32 = 2, kFutex2Private = 128, kFutex2Numa = 4;

Status check_futex2_flags(uint32_t flags)
{
	if (flags & ~(kFutex2SizeMask | kFutex2Numa | kFutex2Private))
		return Status::fail(-lx::EINVAL);
	if ((flags & kFutex2SizeMask) != kFutex2SizeU32 || (flags & kFutex2Numa))
		return Status::fail(-lx::EINVAL); // only 32-bit futexes exist
	return kOk;
}
} // namespace

Status prep_waitid(Ring&, Req& q)
{
	const auto& s = q.sqe;
	return einval_if(s.addr || s.buf_index || s.addr3 || s.waitid_flags);
}

Issued issue_waitid(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_WAITPID);
	n.fd = uint64_t(int64_t(s.fd)); // id
	n.syscall_flags = s.len;        // idtype
	n.len = s.file_index;           // options
	n.addr = s.addr2;               // siginfo
	return to_native(r, q, n);
}

Status prep_futex_wait(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.len || s.futex_flags || s.buf_index || s.file_index)
		return Status::fail(-lx::EINVAL);
	RP_TRY(check_futex2_flags(uint32_t(s.fd)));
	if ((s.addr2 >> 32) || (s.addr3 >> 32))
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_futex_wait(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	if (!s.addr3)
		return Issued::now(-lx::EINVAL); // an empty bitset can never be woken
	rp_sqe n = native_op(RP_OP_FUTEX);
	n.syscall_flags = RP_FUTEX_WAIT;
	n.addr = s.addr;
	n.offset = s.addr2;
	n.additional1 = s.addr3;
	return to_native(r, q, n);
}

Status prep_futex_wake(Ring& r, Req& q) { return prep_futex_wait(r, q); }

Issued issue_futex_wake(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	if (!s.addr3)
		return Issued::now(-lx::EINVAL);
	rp_sqe n = native_op(RP_OP_FUTEX);
	n.syscall_flags = RP_FUTEX_WAKE;
	n.addr = s.addr;
	n.len = s.addr2;
	n.additional1 = s.addr3;
	return to_native(r, q, n);
}

Status prep_futex_waitv(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.fd || s.buf_index || s.file_index || s.addr2 || s.futex_flags || s.addr3)
		return Status::fail(-lx::EINVAL);
	if (!s.len || s.len > RP_FUTEX_WAITV_MAX)
		return Status::fail(-lx::EINVAL);
	// Validate the vector now, as Linux's prep does.
	for (uint32_t i = 0; i < s.len; ++i) {
		rp_futex_waitv w;
		if (rp_host_copy_from_user(&w, s.addr + sizeof(w) * i, sizeof(w)))
			return Status::fail(-lx::EFAULT);
		if (w.reserved)
			return Status::fail(-lx::EINVAL);
		RP_TRY(check_futex2_flags(w.flags));
		if (w.val >> 32)
			return Status::fail(-lx::EINVAL);
	}
	return kOk;
}

Issued issue_futex_waitv(Ring& r, Req& q)
{
	rp_sqe n = native_op(RP_OP_FUTEX);
	n.syscall_flags = RP_FUTEX_WAITV;
	n.addr = q.sqe.addr;
	n.len = q.sqe.len;
	return to_native(r, q, n);
}

} // namespace ringport::shim
