// Reads and writes of an io_uring fd (issue #12). Linux's io_uring file has no read or write method:
// read(2), write(2), readv(2), writev(2) and preadv2/pwritev2 at the file position fail with EINVAL, pread and
// pwrite with ESPIPE. Through the ring, IORING_OP_READ/READV on it wait for the ring to have a CQE (the poll
// Linux arms when the non-blocking attempt is refused), IORING_OP_WRITE/WRITEV for SQ room, then fail -EINVAL.
#include "rp_test.h"

#include "hostile_program.hpp"

#include <sys/uio.h>

using namespace shimtest;

namespace {

void syscalls_on_a_ring_fd(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	char buf[16] = {};
	iovec iov{buf, sizeof buf};
	errno = 0;
	assert_int_equal(read(r.fd, buf, sizeof buf), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(write(r.fd, buf, 8), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(readv(r.fd, &iov, 1), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(writev(r.fd, &iov, 1), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(preadv2(r.fd, &iov, 1, -1, 0), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(pwritev2(r.fd, &iov, 1, -1, 0), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(pread(r.fd, buf, 8, 0), -1);
	assert_int_equal(errno, ESPIPE);
	errno = 0;
	assert_int_equal(pwrite(r.fd, buf, 8, 0), -1);
	assert_int_equal(errno, ESPIPE);
	// Even with nothing to read or a bad buffer: the file cannot be read at all.
	errno = 0;
	assert_int_equal(read(r.fd, nullptr, 0), -1);
	assert_int_equal(errno, EINVAL);
	// Other fds are untouched by the check.
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "ab", 2), 2);
	assert_int_equal(read(p[0], buf, sizeof buf), 2);
	close(p[0]);
	close(p[1]);
}

void ops_on_a_ring_fd(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	static char buf[16];
	static iovec iov{buf, 8};
	// Writes: the SQ has room, so they fail at once.
	prep(r.get_sqe(), lx::OP_WRITE, r.fd, uint64_t(buf), 8, 0, 1);
	prep(r.get_sqe(), lx::OP_WRITEV, r.fd, uint64_t(&iov), 1, uint64_t(-1), 2);
	assert_int_equal(r.submit(), 2);
	std::map<uint64_t, lx::io_uring_cqe> got;
	assert_true(gather(r, got, {1, 2}, 5000));
	assert_int_equal(got[1].res, -EINVAL);
	assert_int_equal(got[2].res, -EINVAL);
	// Reads wait while the CQ is empty...
	prep(r.get_sqe(), lx::OP_READ, r.fd, uint64_t(buf), 8, 0, 3);
	prep(r.get_sqe(), lx::OP_READV, r.fd, uint64_t(&iov), 1, uint64_t(-1), 4);
	assert_int_equal(r.submit(), 2);
	assert_false(gather(r, got, {3}, 50));
	assert_false(got.count(4));
	// ...and fail once a CQE makes the ring readable.
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 5);
	assert_int_equal(r.submit(), 1);
	assert_true(gather(r, got, {3, 4, 5}, 5000));
	assert_int_equal(got[3].res, -EINVAL);
	assert_int_equal(got[4].res, -EINVAL);
	assert_int_equal(got[5].res, 0);
}

} // namespace

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(syscalls_on_a_ring_fd),
	    cmocka_unit_test(ops_on_a_ring_fd),
	};
	return cmocka_run_group_tests_name("test_ring_fd_io", tests, nullptr, nullptr);
}
