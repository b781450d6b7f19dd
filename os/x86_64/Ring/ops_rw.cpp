// The read/write family: READ, READV, PREAD, PREADV, WRITE, WRITEV, PWRITE, PWRITEV, and LSEEK.
//
// A transfer moves its iovecs one after another and stops at the first short one (readv(2)'s rule); an error
// after some bytes moved reports the bytes. Every attempt is made with rw_nowait, so the executor itself never
// blocks: a file with nothing to move now (an empty pipe, an eventfd at 0, a full pipe) answers EAGAIN. The
// caller's RWF_NOWAIT, or an O_NONBLOCK file without RP_SQE_WAIT_READY, then completes with -EAGAIN, as the
// system calls do; anything else parks on the file's readiness and is retried from the call that changed it
// (pending.cpp), as Linux io_uring's IOCB_NOWAIT attempt + poll (the shim sets WAIT_READY, as io_uring waits
// even on O_NONBLOCK files). RP_SQE_DIRECT_ONLY (an IOPOLL ring) refuses a file not open O_DIRECT.
#include "Ring/ring_internal.hpp"

namespace kernel {

namespace {

constexpr uint64_t current_position = ~0ull; // PREADV/PWRITEV offset -1: at the file position (preadv2)
constexpr uint32_t rwf_hipri = 0x1, rwf_dsync = 0x2, rwf_sync = 0x4, rwf_nowait = 0x8, rwf_append = 0x10,
                   rwf_noappend = 0x20;
constexpr uint32_t rwf_known = rwf_hipri | rwf_dsync | rwf_sync | rwf_nowait | rwf_append | rwf_noappend;

bool is_write(uint8_t opcode)
{
	return opcode == RP_OP_WRITE || opcode == RP_OP_WRITEV || opcode == RP_OP_PWRITE || opcode == RP_OP_PWRITEV;
}
bool is_vectored(uint8_t opcode)
{
	return opcode == RP_OP_READV || opcode == RP_OP_WRITEV || opcode == RP_OP_PREADV || opcode == RP_OP_PWRITEV;
}
bool is_positional(const rp_sqe &sqe)
{
	switch (sqe.opcode) {
	case RP_OP_PREAD:
	case RP_OP_PWRITE:
		return true;
	case RP_OP_PREADV:
	case RP_OP_PWRITEV:
		return sqe.offset != current_position;
	default:
		return false;
	}
}

// One attempt at the whole transfer: the bytes moved, or the error of the first iovec that moved nothing.
Result<size_t> attempt(File &file, const rp_sqe &sqe, const IoVec *iov, uint32_t count)
{
	bool write = is_write(sqe.opcode);
	bool positional = is_positional(sqe);
	int64_t offset = int64_t(sqe.offset);
	size_t done = 0;
	for (uint32_t i = 0; i < count; i++) {
		if (iov[i].length == 0)
			continue;
		IoBuffer buffer = IoBuffer::user(iov[i].base, iov[i].length);
		Result<size_t> moved = positional
		                           ? (write ? file.pwrite(buffer, offset + int64_t(done)) : file.pread(buffer, offset + int64_t(done)))
		                           : (write ? file.write(buffer, rw_nowait) : file.read(buffer, rw_nowait));
		if (!moved.ok()) {
			if (done)
				return done;
			return Error(moved.error());
		}
		done += moved.value();
		if (moved.value() < iov[i].length)
			break;
	}
	return done;
}

// Whether EAGAIN is the op's answer rather than a reason to wait for the file.
bool gives_up(const File &file, const rp_sqe &sqe, uint32_t rwf)
{
	return (rwf & rwf_nowait) || (file.nonblocking() && !(sqe.flags & RP_SQE_WAIT_READY));
}

} // namespace

OpOutcome op_transfer(NativeRing &ring, const rp_sqe &sqe)
{
	bool vectored = is_vectored(sqe.opcode);
	uint32_t rwf = (sqe.opcode == RP_OP_PREADV || sqe.opcode == RP_OP_PWRITEV) ? sqe.syscall_flags : 0;
	if (rwf & ~rwf_known)
		return OpOutcome::done(-EOPNOTSUPP);
	if (is_positional(sqe) && int64_t(sqe.offset) < 0)
		return OpOutcome::done(-EINVAL);
	Result<FileRef> file = file_argument(ring, sqe.fd);
	if (!file.ok())
		return OpOutcome::done(-file.error());
	if ((sqe.flags & RP_SQE_DIRECT_ONLY) && !(file.value()->status_flags() & O_DIRECT_))
		return OpOutcome::done(-EOPNOTSUPP);

	IoVec single{sqe.addr, sqe.len};
	IoVec *iov = &single;
	uint32_t count = 1;
	IoVec small[8];
	if (vectored) {
		if (sqe.len > max_iovecs)
			return OpOutcome::done(-EINVAL);
		count = uint32_t(sqe.len);
		iov = count <= 8 ? small : static_cast<IoVec *>(allocate(count * sizeof(IoVec)));
		if (!iov)
			return OpOutcome::done(-ENOMEM);
	} else if (int64_t(sqe.len) < 0) {
		return OpOutcome::done(-EINVAL);
	}
	auto release = [&] {
		if (iov != &single && iov != small)
			deallocate(iov);
	};
	if (vectored) {
		Result<void> read = read_iovecs(ring, sqe.addr, count, iov);
		if (!read.ok()) {
			release();
			return OpOutcome::done(-read.error());
		}
	}

	Result<size_t> moved = attempt(*file.value(), sqe, iov, count);
	if (moved.ok() || moved.error() != EAGAIN || gives_up(*file.value(), sqe, rwf)) {
		release();
		return OpOutcome::from(moved);
	}
	// Nothing to move yet: wait for the file, keeping a copy of the iovecs.
	PendingOp *op = park(ring, sqe, PendingKind::transfer);
	if (!op) {
		release();
		return OpOutcome::done(-ENOMEM);
	}
	if (count == 1) {
		op->single_iov = iov[0];
		op->iov = &op->single_iov;
		release();
	} else if (iov == small) {
		op->iov = static_cast<IoVec *>(allocate(count * sizeof(IoVec)));
		if (!op->iov) {
			drop_pending(*op);
			return OpOutcome::done(-ENOMEM);
		}
		memcpy(op->iov, small, count * sizeof(IoVec));
	} else {
		op->iov = iov; // the op owns the heap copy now
	}
	op->iov_count = count;
	op->file = file.release_value();
	wait_for_readiness(*op);
	return OpOutcome::wait();
}

OpOutcome retry_transfer(PendingOp &op)
{
	Result<size_t> moved = attempt(*op.file, op.sqe, op.iov, op.iov_count);
	uint32_t rwf = (op.sqe.opcode == RP_OP_PREADV || op.sqe.opcode == RP_OP_PWRITEV) ? op.sqe.syscall_flags : 0;
	// The file may have been made O_NONBLOCK since (fcntl): then, without WAIT_READY, EAGAIN is the answer.
	if (!moved.ok() && moved.error() == EAGAIN && !gives_up(*op.file, op.sqe, rwf))
		return OpOutcome::wait();
	return OpOutcome::from(moved);
}

// LSEEK fd offset(signed) flags=SEEK_* -> the new offset (an extended completion past 2 GiB).
OpOutcome op_lseek(NativeRing &ring, const rp_sqe &sqe)
{
	Result<FileRef> file = file_argument(ring, sqe.fd);
	if (!file.ok())
		return OpOutcome::done(-file.error());
	return OpOutcome::from(file.value()->lseek(int64_t(sqe.offset), int(sqe.syscall_flags)));
}

} // namespace kernel
