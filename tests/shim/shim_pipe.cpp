// IORING_OP_PIPE (Linux 6.16): a pipe as two fds written to sqe.addr, or as direct descriptors (a named slot and
// the next, or two allocated ones), with Linux's argument rules.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <fcntl.h>

using namespace shimtest;

namespace {

lx::io_uring_cqe pipe_op(Ring& r, int* fds, uint32_t flags, uint32_t file_index = 0)
{
	auto* s = r.get_sqe();
	prep(s, lx::OP_PIPE, 0, uint64_t(fds), 0, 0, 7);
	s->pipe_flags = flags;
	s->file_index = file_index;
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	assert_int_equal(c.user_data, 7);
	return c;
}

} // namespace

static void plain_pipe(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int fds[2] = {-1, -1};
	lx::io_uring_cqe c = pipe_op(r, fds, O_CLOEXEC | O_NONBLOCK);
	assert_int_equal(c.res, 0);
	assert_true(fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1]);
	assert_int_equal(write(fds[1], "pipe", 4), 4);
	char buf[8];
	assert_int_equal(read(fds[0], buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "pipe", 4);
	assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(fds[1], F_GETFL) & O_NONBLOCK);
	assert_int_equal(read(fds[0], buf, sizeof(buf)), -1); // empty and non-blocking
	close(fds[0]);
	close(fds[1]);
	// Linux's rules: no fd, offset or addr3; only pipe2's flags; an unwritable addr is -EFAULT.
	auto* s = r.get_sqe();
	prep(s, lx::OP_PIPE, 3, uint64_t(fds), 0, 0, 7);
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c));
	assert_int_equal(c.res, -EINVAL);
	s = r.get_sqe();
	prep(s, lx::OP_PIPE, 0, uint64_t(fds), 0, 1, 7);
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c));
	assert_int_equal(c.res, -EINVAL);
	assert_int_equal(pipe_op(r, fds, O_APPEND).res, -EINVAL);
	assert_int_equal(pipe_op(r, reinterpret_cast<int*>(8), 0).res, -EFAULT);
}

static void direct_pipe(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int fds[2] = {-1, -1};
	// No table: an allocated slot finds none (-ENFILE).
	assert_int_equal(pipe_op(r, fds, 0, lx::FILE_INDEX_ALLOC).res, -ENFILE);
	int32_t table[4] = {-1, -1, -1, -1};
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_FILES, table, 4), 0);
	assert_int_equal(pipe_op(r, fds, O_CLOEXEC, lx::FILE_INDEX_ALLOC).res, -EINVAL); // slots have no CLOEXEC
	lx::io_uring_cqe c = pipe_op(r, fds, 0, lx::FILE_INDEX_ALLOC);
	assert_int_equal(c.res, 0);
	assert_int_equal(fds[0], 0);
	assert_int_equal(fds[1], 1);
	// A named slot (file_index 3 = slot 2): the write end takes slot 3; the numbers are the slots.
	c = pipe_op(r, fds, 0, 3);
	assert_int_equal(c.res, 0);
	assert_int_equal(fds[0], 2);
	assert_int_equal(fds[1], 3);
	// Through the slots: write to slot 3, read from slot 2.
	char out[] = "direct";
	auto* s = r.get_sqe();
	prep(s, lx::OP_WRITE, 3, uint64_t(out), 6, 0, 1);
	s->flags = lx::SQE_FIXED_FILE;
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c));
	assert_int_equal(c.res, 6);
	char in[8] = {};
	s = r.get_sqe();
	prep(s, lx::OP_READ, 2, uint64_t(in), sizeof(in), 0, 2);
	s->flags = lx::SQE_FIXED_FILE;
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c));
	assert_int_equal(c.res, 6);
	assert_memory_equal(in, "direct", 6);
	// The last slot named: the read end replaces what slot 3 held, the write end has no slot (-EINVAL), and
	// the read end is taken out again, as Linux does: slot 3 is empty afterwards.
	c = pipe_op(r, fds, 0, 4);
	assert_int_equal(c.res, -EINVAL);
	s = r.get_sqe();
	prep(s, lx::OP_WRITE, 3, uint64_t(out), 1, 0, 3);
	s->flags = lx::SQE_FIXED_FILE;
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c));
	assert_int_equal(c.res, -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plain_pipe),
	    cmocka_unit_test(direct_pipe),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
