// Read/write family on the hosted OS: regular files (inline), pipes (inline, reactor, O_NONBLOCK, closed while
// waiting), vectored and positional forms, and the error paths (bad fd, bad pointer, unknown opcode and flags).
#include "rp_test.h"
#include "hosted_test.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>

using namespace hosted_test;

static void test_nop(void**)
{
	TestRing r;
	for (uint64_t i = 0; i < 3; ++i)
		r.push(sqe(RP_OP_NOP, 100 + i));
	assert_int_equal(r.enter(3), 3);
	for (uint64_t i = 0; i < 3; ++i) {
		Completion c;
		assert_true(r.pop(&c));
		assert_int_equal(c.user_data, 100 + i);
		assert_int_equal(c.result, 0);
		assert_int_equal(c.flags, 0);
	}
}

static void test_pwrite_pread_regular(void**)
{
	TestRing r;
	TempFile f;
	char out[4096], in[4096];
	for (size_t i = 0; i < sizeof out; ++i)
		out[i] = char(i * 7);
	assert_int_equal(r.result(rw(RP_OP_PWRITE, f.fd, out, sizeof out, 4096, 1)), 4096);
	memset(in, 0, sizeof in);
	assert_int_equal(r.result(rw(RP_OP_PREAD, f.fd, in, sizeof in, 4096, 2)), 4096);
	assert_memory_equal(in, out, sizeof in);
	// The hole before it reads as zeros; past the end is EOF.
	assert_int_equal(r.result(rw(RP_OP_PREAD, f.fd, in, 100, 0, 3)), 100);
	for (int i = 0; i < 100; ++i)
		assert_int_equal(in[i], 0);
	assert_int_equal(r.result(rw(RP_OP_PREAD, f.fd, in, 100, 8192, 4)), 0);
	// A read across EOF is short and not an error.
	assert_int_equal(r.result(rw(RP_OP_PREAD, f.fd, in, 4096, 6144, 5)), 2048);
}

static void test_read_write_file_position(void**)
{
	TestRing r;
	TempFile f;
	assert_int_equal(r.result(rw(RP_OP_WRITE, f.fd, "hello ", 6, 0, 1)), 6);
	assert_int_equal(r.result(rw(RP_OP_WRITE, f.fd, "world", 5, 0, 2)), 5);
	assert_int_equal(lseek(f.fd, 0, SEEK_CUR), 11);
	lseek(f.fd, 0, SEEK_SET);
	char buf[16] = {};
	assert_int_equal(r.result(rw(RP_OP_READ, f.fd, buf, 5, 0, 3)), 5);
	assert_int_equal(r.result(rw(RP_OP_READ, f.fd, buf + 5, 10, 0, 4)), 6);
	assert_string_equal(buf, "hello world");
}

static void test_vectored(void**)
{
	TestRing r;
	TempFile f;
	char a[] = "abc", b[] = "defgh";
	iovec wv[2] = {{a, 3}, {b, 5}};
	assert_int_equal(r.result(rw(RP_OP_PWRITEV, f.fd, wv, 2, 10, 1)), 8);
	char x[4] = {}, y[4] = {};
	iovec rv[2] = {{x, 4}, {y, 4}};
	assert_int_equal(r.result(rw(RP_OP_PREADV, f.fd, rv, 2, 10, 2)), 8);
	assert_memory_equal(x, "abcd", 4);
	assert_memory_equal(y, "efgh", 4);
	// Readv/Writev use the file position.
	lseek(f.fd, 0, SEEK_SET);
	assert_int_equal(r.result(rw(RP_OP_WRITEV, f.fd, wv, 2, 0, 3)), 8);
	lseek(f.fd, 0, SEEK_SET);
	assert_int_equal(r.result(rw(RP_OP_READV, f.fd, rv, 2, 0, 4)), 8);
	assert_memory_equal(x, "abcd", 4);
	// RWF_* flags pass through: RWF_APPEND writes at the end whatever the offset.
	rp_sqe s = rw(RP_OP_PWRITEV, f.fd, wv, 1, 0, 5);
	s.syscall_flags = RWF_APPEND;
	assert_int_equal(r.result(s), 3);
	struct stat st;
	fstat(f.fd, &st);
	assert_int_equal(st.st_size, 21);
	s.syscall_flags = 0x40000000; // no such RWF flag
	assert_int_equal(r.result(s), -EOPNOTSUPP);
}

static void test_pipe_inline_and_reactor(void**)
{
	TestRing r;
	int p[2];
	assert_int_equal(pipe(p), 0);
	// Data already there: completes inline.
	assert_int_equal(write(p[1], "xyz", 3), 3);
	char buf[8] = {};
	assert_int_equal(r.result(rw(RP_OP_READ, p[0], buf, sizeof buf, 0, 1)), 3);
	// Nothing there: waits on the reactor, completes when the writer writes.
	r.push(rw(RP_OP_READ, p[0], buf, sizeof buf, 0, 2));
	assert_int_equal(r.enter(0), 1);
	Completion c;
	assert_false(r.pop(&c));
	usleep(20000);
	assert_false(r.pop(&c));
	assert_int_equal(write(p[1], "later", 5), 5);
	c = r.wait();
	assert_int_equal(c.user_data, 2);
	assert_int_equal(c.result, 5);
	assert_memory_equal(buf, "later", 5);
	// Positional read on a pipe is refused by the kernel.
	assert_int_equal(r.result(rw(RP_OP_PREAD, p[0], buf, 1, 0, 3)), -ESPIPE);
	// Write side: a pipe write with room completes inline.
	assert_int_equal(r.result(rw(RP_OP_WRITE, p[1], "q", 1, 0, 4)), 1);
	close(p[0]);
	close(p[1]);
}

// Closing an fd does not cancel what waits for it: the operation keeps the file (Linux's requests hold theirs),
// so it completes with the data that comes, or with EOF once every writer is gone; a new file that takes the
// same number is not read instead.
static void test_waiting_read_keeps_closed_file(void**)
{
	TestRing r;
	int p[2];
	assert_int_equal(pipe(p), 0);
	char buf[8] = {};
	r.push(rw(RP_OP_READ, p[0], buf, sizeof buf, 0, 1));
	assert_int_equal(r.enter(0), 1);
	Completion c;
	assert_false(r.pop(&c));
	int number = p[0];
	rp_os_fd_closing(number);
	assert_int_equal(close(number), 0);
	int other[2];
	assert_int_equal(pipe(other), 0); // likely takes the closed number
	assert_int_equal(write(other[1], "wrong", 5), 5);
	assert_int_equal(write(p[1], "kept", 4), 4);
	c = r.wait();
	assert_int_equal(c.user_data, 1);
	assert_int_equal(c.result, 4);
	assert_memory_equal(buf, "kept", 4);
	close(other[0]);
	close(other[1]);
	// Every fd of the pipe closed by the program: the waiting read sees EOF.
	assert_int_equal(pipe(p), 0);
	r.push(rw(RP_OP_READ, p[0], buf, sizeof buf, 0, 2));
	assert_int_equal(r.enter(0), 1);
	rp_os_fd_closing(p[0]);
	close(p[0]);
	rp_os_fd_closing(p[1]);
	close(p[1]);
	c = r.wait();
	assert_int_equal(c.user_data, 2);
	assert_int_equal(c.result, 0);
}

static void test_pipe_write_waits_for_room(void**)
{
	TestRing r;
	int p[2];
	assert_int_equal(pipe2(p, 0), 0);
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	static char big[65536];
	int pipe_size = fcntl(p[1], F_GETPIPE_SZ);
	// Fill it without blocking, then a ring write must wait.
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	while (write(p[1], big, sizeof big) > 0) {
	}
	fcntl(p[1], F_SETFL, 0);
	r.push(rw(RP_OP_WRITE, p[1], "zz", 2, 0, 9));
	assert_int_equal(r.enter(0), 1);
	Completion c;
	usleep(10000);
	assert_false(r.pop(&c));
	static char sink[65536];
	assert_int_equal(read(p[0], sink, size_t(pipe_size)), pipe_size);
	c = r.wait();
	assert_int_equal(c.user_data, 9);
	assert_int_equal(c.result, 2);
	close(p[0]);
	close(p[1]);
}

static void test_nonblocking_fd_gives_eagain(void**)
{
	TestRing r;
	int p[2];
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	char buf[4];
	assert_int_equal(r.result(rw(RP_OP_READ, p[0], buf, sizeof buf, 0, 1)), -EAGAIN);
	close(p[0]);
	close(p[1]);
}

// RP_SQE_WAIT_READY: the OS waits for readiness even on an O_NONBLOCK file (Linux io_uring's rule), and a
// positional read that would block goes to a worker without asking about the file.
static void test_wait_ready_flag(void**)
{
	TestRing r;
	int p[2];
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	char buf[4];
	rp_sqe s = rw(RP_OP_READ, p[0], buf, sizeof buf, 0, 1);
	s.flags = RP_SQE_WAIT_READY;
	r.push(s);
	assert_int_equal(r.enter(0), 1);
	usleep(20000);
	assert_true(r.cq_empty()); // waits: nothing to read yet
	assert_int_equal(write(p[1], "ab", 2), 2);
	Completion c = r.wait();
	assert_int_equal(c.user_data, 1);
	assert_int_equal(c.result, 2);
	assert_memory_equal(buf, "ab", 2);
	// The caller's own RWF_NOWAIT still says -EAGAIN.
	iovec v{buf, sizeof buf};
	s = rw(RP_OP_PREADV, p[0], &v, 1, UINT64_MAX, 2);
	s.syscall_flags = RWF_NOWAIT;
	s.flags = RP_SQE_WAIT_READY;
	assert_int_equal(r.result(s), -EAGAIN);
	close(p[0]);
	close(p[1]);
}

// RP_SQE_DIRECT_ONLY (polled I/O): a file not open for direct I/O is refused before anything is read.
static void test_direct_only_flag(void**)
{
	TestRing r;
	TempFile f;
	char buf[8];
	rp_sqe s = rw(RP_OP_PREAD, f.fd, buf, sizeof buf, 0, 1);
	s.flags = RP_SQE_DIRECT_ONLY;
	assert_int_equal(r.result(s), -EOPNOTSUPP);
	s.fd = uint64_t(123456);
	assert_int_equal(r.result(s), -EBADF);
}

// FileInfo: which files report readiness, and whether two fds name one open file.
static void test_file_info(void**)
{
	TestRing r;
	TempFile f;
	int p[2];
	assert_int_equal(pipe(p), 0);
	int dup_of_read = dup(p[0]);
	rp_sqe s = sqe(RP_OP_FILE_INFO, 1);
	s.fd = uint64_t(p[0]);
	s.additional1 = UINT64_MAX;
	assert_int_equal(r.result(s), RP_FILE_POLLABLE);
	s.fd = uint64_t(f.fd);
	assert_int_equal(r.result(s), 0);
	s.fd = uint64_t(p[0]);
	s.additional1 = uint64_t(dup_of_read);
	assert_int_equal(r.result(s), RP_FILE_POLLABLE | RP_FILE_SAME);
	s.additional1 = uint64_t(p[1]);
	assert_int_equal(r.result(s), RP_FILE_POLLABLE);
	s.fd = uint64_t(98765);
	assert_int_equal(r.result(s), -EBADF);
	close(dup_of_read);
	close(p[0]);
	close(p[1]);
}

static void test_errors(void**)
{
	TestRing r;
	TempFile f;
	char buf[16];
	assert_int_equal(r.result(rw(RP_OP_READ, 12345, buf, sizeof buf, 0, 1)), -EBADF);
	assert_int_equal(r.result(rw(RP_OP_PREAD, -1, buf, sizeof buf, 0, 2)), -EBADF);
	assert_int_equal(r.result(rw(RP_OP_READ, int(0x7fffffff), buf, sizeof buf, 0, 3)), -EBADF);
	rp_sqe s = rw(RP_OP_READ, 0, buf, 1, 0, 4);
	s.fd = uint64_t(1) << 40; // not an fd at all
	assert_int_equal(r.result(s), -EBADF);
	// Bad pointers: the kernel says EFAULT, the process survives.
	assert_int_equal(r.result(rw(RP_OP_PWRITE, f.fd, "abcdefgh", 8, 0, 5)), 8);
	assert_int_equal(r.result(rw(RP_OP_PREAD, f.fd, (void*)16, 8, 0, 6)), -EFAULT);
	assert_int_equal(r.result(rw(RP_OP_PREADV, f.fd, (void*)16, 1, 0, 7)), -EFAULT);
	assert_int_equal(r.result(rw(RP_OP_PWRITE, f.fd, (void*)16, 8, 0, 8)), -EFAULT);
	assert_int_equal(r.result(rw(RP_OP_PREADV, f.fd, buf, 100000, 0, 9)), -EINVAL); // iovcnt > IOV_MAX
	// Writing to a read-only fd.
	int ro = open(f.path, O_RDONLY);
	assert_int_equal(r.result(rw(RP_OP_WRITE, ro, "x", 1, 0, 10)), -EBADF);
	close(ro);
}

static void test_unknown_opcode_and_flags(void**)
{
	TestRing r;
	assert_int_equal(r.result(sqe(RP_OP_STANDARD_COUNT, 1)), -ENOSYS);
	assert_int_equal(r.result(sqe(127, 2)), -ENOSYS);
	assert_int_equal(r.result(sqe(200, 3)), -ENOSYS); // scheme-private on an fd with no scheme
	rp_sqe s = sqe(RP_OP_NOP, 4);
	s.flags = 0x80;
	assert_int_equal(r.result(s), -EINVAL);
	s.flags = 0x20; // the first bit after RP_SQE_REGISTERS
	assert_int_equal(r.result(s), -EINVAL);
	s.flags = RP_SQE_CHAIN;
	assert_int_equal(r.result(s), -EINVAL);
	s.flags = RP_SQE_DRAIN;
	assert_int_equal(r.result(s), -EINVAL);
	assert_int_equal(rp_os_ring_enter(r.ring, 0, 1, nullptr), -EINVAL);
}

static void test_bad_params(void**)
{
	rp_os_ring* ring;
	rp_os_ring_view view;
	rp_os_ring_params p{3, 8, 0, 0};
	assert_int_equal(rp_os_ring_create(&p, &ring, &view), -EINVAL);
	p = {8, 1, 0, 0};
	assert_int_equal(rp_os_ring_create(&p, &ring, &view), -EINVAL);
	p = {65536, 8, 0, 0};
	assert_int_equal(rp_os_ring_create(&p, &ring, &view), -EINVAL);
	p = {8, 8, 0x100, 0};
	assert_int_equal(rp_os_ring_create(&p, &ring, &view), -EINVAL);
	p = {8, 8, 0, 1};
	assert_int_equal(rp_os_ring_create(&p, &ring, &view), -EINVAL);
	assert_int_equal(rp_os_ring_create(nullptr, &ring, &view), -EINVAL);
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nop),
		cmocka_unit_test(test_pwrite_pread_regular),
		cmocka_unit_test(test_read_write_file_position),
		cmocka_unit_test(test_vectored),
		cmocka_unit_test(test_pipe_inline_and_reactor),
		cmocka_unit_test(test_waiting_read_keeps_closed_file),
		cmocka_unit_test(test_pipe_write_waits_for_room),
		cmocka_unit_test(test_nonblocking_fd_gives_eagain),
		cmocka_unit_test(test_wait_ready_flag),
		cmocka_unit_test(test_direct_only_flag),
		cmocka_unit_test(test_file_info),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_unknown_opcode_and_flags),
		cmocka_unit_test(test_bad_params),
	};
	return cmocka_run_group_tests_name("hosted_rw", tests, nullptr, nullptr);
}
