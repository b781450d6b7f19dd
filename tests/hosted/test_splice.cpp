// Splice and Tee: file to pipe, pipe to file with offsets, pipe to pipe, waiting for data, and errors.
#include "rp_test.h"
#include "hosted_test.hpp"

#include <fcntl.h>

using namespace hosted_test;

static rp_sqe splice_sqe(int in, uint64_t off_in, int out, uint64_t off_out, uint64_t len, uint32_t flags, uint64_t ud)
{
	rp_sqe s = sqe(RP_OP_SPLICE, ud);
	s.fd = uint64_t(int64_t(in));
	s.offset = off_in;
	s.additional1 = uint64_t(int64_t(out));
	s.additional2 = off_out;
	s.len = len;
	s.syscall_flags = flags;
	return s;
}

static void test_splice_file_pipe_file(void**)
{
	TestRing r;
	TempFile src, dst;
	assert_int_equal(write(src.fd, "0123456789", 10), 10);
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(r.result(splice_sqe(src.fd, 2, p[1], UINT64_MAX, 5, 0, 1)), 5);
	assert_int_equal(r.result(splice_sqe(p[0], UINT64_MAX, dst.fd, 100, 5, 0, 2)), 5);
	char buf[8] = {};
	assert_int_equal(pread(dst.fd, buf, 5, 100), 5);
	assert_string_equal(buf, "23456");
	// An offset on a pipe end is refused.
	assert_int_equal(r.result(splice_sqe(p[0], 0, dst.fd, 0, 5, 0, 3)), -ESPIPE);
	assert_int_equal(r.result(splice_sqe(3993, UINT64_MAX, p[1], UINT64_MAX, 5, 0, 4)), -EBADF);
	close(p[0]);
	close(p[1]);
}

static void test_splice_waits_for_data(void**)
{
	TestRing r;
	int a[2], b[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	r.push(splice_sqe(a[0], UINT64_MAX, b[1], UINT64_MAX, 100, 0, 7));
	assert_int_equal(r.enter(0), 1);
	Completion c;
	usleep(10000);
	assert_false(r.pop(&c));
	assert_int_equal(write(a[1], "moved", 5), 5);
	c = r.wait();
	assert_int_equal(c.user_data, 7);
	assert_int_equal(c.result, 5);
	char buf[8] = {};
	assert_int_equal(read(b[0], buf, sizeof buf), 5);
	// SPLICE_F_NONBLOCK from the caller: -EAGAIN instead of waiting.
	assert_int_equal(r.result(splice_sqe(a[0], UINT64_MAX, b[1], UINT64_MAX, 100, SPLICE_F_NONBLOCK, 8)), -EAGAIN);
	for (int fd : {a[0], a[1], b[0], b[1]})
		close(fd);
}

static void test_tee(void**)
{
	TestRing r;
	int a[2], b[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	assert_int_equal(write(a[1], "dup me", 6), 6);
	rp_sqe s = sqe(RP_OP_TEE, 1);
	s.fd = uint64_t(a[0]);
	s.additional1 = uint64_t(b[1]);
	s.len = 64;
	assert_int_equal(r.result(s), 6);
	char x[8] = {}, y[8] = {};
	assert_int_equal(read(a[0], x, sizeof x), 6); // still in the source
	assert_int_equal(read(b[0], y, sizeof y), 6);
	assert_string_equal(x, "dup me");
	assert_string_equal(y, "dup me");
	TempFile f;
	s.additional1 = uint64_t(f.fd); // tee needs two pipes
	assert_int_equal(r.result(s), -EINVAL);
	for (int fd : {a[0], a[1], b[0], b[1]})
		close(fd);
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_splice_file_pipe_file),
		cmocka_unit_test(test_splice_waits_for_data),
		cmocka_unit_test(test_tee),
	};
	return cmocka_run_group_tests_name("hosted_splice", tests, nullptr, nullptr);
}
