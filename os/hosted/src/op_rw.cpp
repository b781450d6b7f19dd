// Read, Readv, Pread, Preadv, Write, Writev, Pwrite, Pwritev.
//
// Every transfer is first tried with RWF_NOWAIT (page-cached regular files, pipes and sockets with data or
// room finish here, inline). When that would block: a regular file or block device goes to the worker pool for
// a blocking call; a pollable fd waits on the reactor and is retried there. An fd opened O_NONBLOCK completes
// with -EAGAIN, as its system call would, unless the submitter set RP_SQE_WAIT_READY (the kernel shim always
// does, for Linux io_uring's rule). A short transfer on a regular file continues with the remainder. The inline
// path asks nothing about the file (no fcntl, no fstat) unless the transfer would block or stopped short.
#include "internal.hpp"

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>

namespace ringport::hosted {

namespace {

struct Shape {
	bool write, vectored, positional, rwf;
};

Shape shape_of(uint8_t opcode)
{
	switch (opcode) {
	case RP_OP_READ: return {false, false, false, false};
	case RP_OP_READV: return {false, true, false, false};
	case RP_OP_PREAD: return {false, false, true, false};
	case RP_OP_PREADV: return {false, true, true, true};
	case RP_OP_WRITE: return {true, false, false, false};
	case RP_OP_WRITEV: return {true, true, false, false};
	case RP_OP_PWRITE: return {true, false, true, false};
	default: return {true, true, true, true}; // RP_OP_PWRITEV
	}
}

ssize_t transfer(bool write, int fd, const iovec* iov, int count, off_t off, int rwf)
{
	return write ? pwritev2(fd, iov, count, off, rwf) : preadv2(fd, iov, count, off, rwf);
}

// Writes to one regular file keep their order on the worker pool (0: not a regular file).
uint64_t serial_key_of(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	uint64_t k = (uint64_t(st.st_ino) * 0x9e3779b97f4a7c15ull) ^ uint64_t(st.st_dev);
	return k ? k : 1;
}

bool seekable_file(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
}

// Drops the first `n` bytes from an iovec vector.
void advance(std::vector<iovec>& iov, size_t n)
{
	size_t i = 0;
	while (i < iov.size() && n >= iov[i].iov_len)
		n -= iov[i++].iov_len;
	iov.erase(iov.begin(), iov.begin() + long(i));
	if (!iov.empty() && n) {
		iov[0].iov_base = static_cast<char*>(iov[0].iov_base) + n;
		iov[0].iov_len -= n;
	}
}

// The async state of a transfer lives in the op: scratch[0]=fd, [1]=offset or -1, [2]=rwf, [3]=write.
// The fd the op works on: its watch's (which may be the OS's own duplicate once the program closed it), else the
// submitted one.
int op_fd(const Op& op) { return op.fd >= 0 ? op.fd : int(op.scratch[0]); }
off_t op_offset(const Op& op) { return off_t(op.scratch[1]); }

Issue rw_retry(Ring&, Op& op)
{
	bool write = op.scratch[3] != 0;
	ssize_t r = transfer(write, op_fd(op), op.iov.data(), int(op.iov.size()), op_offset(op), int(op.scratch[2]) | RWF_NOWAIT);
	if (r < 0 && errno == EAGAIN)
		return Issue::later();
	return Issue::complete(r < 0 ? fail() : r);
}

int64_t rw_blocking(Op& op)
{
	bool write = op.scratch[3] != 0;
	ssize_t r = transfer(write, op_fd(op), op.iov.data(), int(op.iov.size()), op_offset(op), int(op.scratch[2]));
	if (r < 0)
		return op.accumulated > 0 ? op.accumulated : fail();
	return op.accumulated + r;
}

const OpKind rw_kind{rw_retry, rw_blocking, nullptr};

enum class Next { worker, reactor };

// Moves a transfer that cannot finish inline into an op. `done` bytes were already transferred inline.
Issue go_async(Ring& ring, const rp_sqe& sqe, const Shape& s, int fd, const iovec* iov, int count, off_t off, int rwf,
               int64_t done, Next next)
{
	// `iov` is already the OS's checked copy (op_rw): kept, as the caller may reuse its array once enter returns.
	std::vector<iovec> copy(iov, iov + count);
	advance(copy, size_t(done));
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, &rw_kind);
	op->iov = std::move(copy);
	op->accumulated = done;
	op->scratch[0] = uint64_t(fd);
	op->scratch[1] = uint64_t(off >= 0 ? off + done : -1);
	op->scratch[2] = uint64_t(rwf);
	op->scratch[3] = s.write;
	if (next == Next::worker) {
		if (s.write)
			op->serial_key = serial_key_of(fd);
		ring.to_worker_locked(op);
		return Issue::later();
	}
	// Not pollable after all (epoll refuses it): a worker can still do a blocking call.
	return ring.watch_or_drop_locked(op, fd, s.write ? EPOLLOUT : EPOLLIN, 0, true);
}

} // namespace

Issue op_rw(Ring& ring, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd))
		return Issue::complete(-EBADF);
	if (sqe.flags & RP_SQE_DIRECT_ONLY) {
		// Polled I/O: Linux's IOPOLL rings take only files open for direct I/O.
		int fl = fd_status_flags(fd);
		if (fl < 0)
			return Issue::complete(fl);
		if (!(fl & O_DIRECT))
			return Issue::complete(-EOPNOTSUPP);
	}
	const Shape s = shape_of(sqe.opcode);
	const int rwf = s.rwf ? int(sqe.syscall_flags) : 0;
	const off_t off = s.positional ? off_t(sqe.offset) : -1;
	// The buffers are checked against the embedding's private memory before any call (user_memory.cpp); a
	// vectored transfer works on its checked copy of the array, which the program cannot change under it.
	iovec one;
	iovec small[8];
	std::vector<iovec> many;
	const iovec* iov = &one;
	int count = 1;
	if (s.vectored) {
		if (sqe.len > INT_MAX)
			return Issue::complete(-EINVAL);
		iovec* got;
		if (int e = copy_iovecs(sqe.addr, size_t(sqe.len), small, 8, many, &got))
			return Issue::complete(e);
		iov = got;
		count = int(sqe.len);
	} else {
		one.iov_base = reinterpret_cast<void*>(uintptr_t(sqe.addr));
		one.iov_len = size_t(sqe.len);
		if (int e = user_range(sqe.addr, sqe.len))
			return Issue::complete(e);
	}

	// An earlier write to this file still waits for a worker: this one goes after it, not around it.
	if (s.write && !(rwf & RWF_NOWAIT) && ring.serial_total.load(std::memory_order_relaxed)) {
		uint64_t key = serial_key_of(fd);
		bool busy;
		{
			std::lock_guard<std::mutex> g(ring.mu);
			busy = ring.serial_busy_locked(key);
		}
		if (busy)
			return go_async(ring, sqe, s, fd, iov, count, off, rwf, 0, Next::worker);
	}
	ssize_t r = transfer(s.write, fd, iov, count, off, rwf | RWF_NOWAIT);
	if (r >= 0) {
		if (r == 0 || (rwf & RWF_NOWAIT))
			return Issue::complete(r);
		// The kernel has just read the iovec array successfully, so summing it here is safe.
		size_t want = 0;
		for (int i = 0; i < count; ++i)
			want += iov[i].iov_len;
		if (size_t(r) >= want || !seekable_file(fd))
			return Issue::complete(r); // pipes and sockets return short counts as their syscalls do
		// A regular file stopped early: at EOF, or at a page that is not cached.
		int64_t done = r;
		std::vector<iovec> rest(iov, iov + count);
		for (;;) {
			advance(rest, size_t(r));
			r = transfer(s.write, fd, rest.data(), int(rest.size()), off >= 0 ? off + done : -1, rwf | RWF_NOWAIT);
			if (r == 0 || (r < 0 && errno != EAGAIN))
				return Issue::complete(done);
			if (r < 0)
				break;
			done += r;
			if (size_t(done) >= want)
				return Issue::complete(done);
		}
		std::lock_guard<std::mutex> g(ring.mu);
		Op* op = ring.new_op(sqe, &rw_kind);
		op->iov = std::move(rest);
		op->accumulated = done;
		op->scratch[0] = uint64_t(fd);
		op->scratch[1] = uint64_t(off >= 0 ? off + done : -1);
		op->scratch[2] = uint64_t(rwf);
		op->scratch[3] = s.write;
		if (s.write)
			op->serial_key = serial_key_of(fd);
		ring.to_worker_locked(op);
		return Issue::later();
	}

	const int err = errno;
	if (rwf & RWF_NOWAIT)
		return Issue::complete(-err);
	if (err == EAGAIN) {
		// Without RP_SQE_WAIT_READY an O_NONBLOCK file says -EAGAIN, as its system call does; with it the OS waits.
		if (!(sqe.flags & RP_SQE_WAIT_READY)) {
			int fl = fd_status_flags(fd);
			if (fl >= 0 && (fl & O_NONBLOCK))
				return Issue::complete(-EAGAIN);
		}
		// A positional transfer that would block is on a file with offsets (pipes and sockets refuse offsets
		// with ESPIPE before they could say EAGAIN): a worker, with no question asked about the file.
		const bool worker = off >= 0 || seekable_file(fd);
		return go_async(ring, sqe, s, fd, iov, count, off, rwf, 0, worker ? Next::worker : Next::reactor);
	}
	if (err == EOPNOTSUPP) {
		// This file cannot say "would block": an O_NONBLOCK one is safe to call directly, others block.
		int fl = fd_status_flags(fd);
		if (fl < 0)
			return Issue::complete(fl);
		if (fl & O_NONBLOCK) {
			r = transfer(s.write, fd, iov, count, off, rwf);
			return Issue::complete(r < 0 ? fail() : r);
		}
		return go_async(ring, sqe, s, fd, iov, count, off, rwf, 0, Next::worker);
	}
	return Issue::complete(-err);
}

} // namespace ringport::hosted
