// SENDMSG_ZC with IORING_RECVSEND_FIXED_BUF (Linux 6.15): the message's iovecs name registered buffer
// buf_index; every segment must lie inside it (-EFAULT otherwise). The data arrives, and the notification
// follows the result as for any zero-copy send.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

using namespace shimtest;

static void sendmsg_zc_registered_buffer(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	static char mem[4096];
	iovec reg_iov = {mem, sizeof(mem)};
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_BUFFERS, &reg_iov, 1), 0);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	std::memcpy(mem, "zero", 4);
	std::memcpy(mem + 1000, "copy", 4);
	iovec iov[2] = {{mem, 4}, {mem + 1000, 4}};
	msghdr m{};
	m.msg_iov = iov;
	m.msg_iovlen = 2;
	auto* s = r.get_sqe();
	prep(s, lx::OP_SENDMSG_ZC, sv[0], uint64_t(&m), 0, 0, 1);
	s->ioprio = lx::RECVSEND_FIXED_BUF;
	s->buf_index = 0;
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c;
	assert_true(r.next(&c));
	assert_int_equal(c.res, 8);
	assert_true(c.flags & lx::CQE_F_MORE);
	assert_true(r.next(&c));
	assert_true(c.flags & lx::CQE_F_NOTIF);
	char got[8];
	assert_int_equal(recv(sv[1], got, sizeof(got), 0), 8);
	assert_memory_equal(got, "zerocopy", 8);
	// A segment outside the registered buffer, or a buffer index that does not exist: -EFAULT, and still a
	// notification (the request got that far).
	char other[4] = {'x', 'x', 'x', 'x'};
	iovec bad[2] = {{mem, 4}, {other, 4}};
	m.msg_iov = bad;
	s = r.get_sqe();
	prep(s, lx::OP_SENDMSG_ZC, sv[0], uint64_t(&m), 0, 0, 2);
	s->ioprio = lx::RECVSEND_FIXED_BUF;
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c));
	assert_int_equal(c.user_data, 2);
	assert_int_equal(c.res, -EFAULT);
	m.msg_iov = iov;
	s = r.get_sqe();
	prep(s, lx::OP_SENDMSG_ZC, sv[0], uint64_t(&m), 0, 0, 3);
	s->ioprio = lx::RECVSEND_FIXED_BUF;
	s->buf_index = 1;
	assert_int_equal(r.submit(), 1);
	for (int i = 0; i < 4 && r.next(&c); ++i)
		if (c.user_data == 3 && !(c.flags & lx::CQE_F_NOTIF)) {
			assert_int_equal(c.res, -EFAULT);
			break;
		}
	assert_int_equal(c.user_data, 3);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sendmsg_zc_registered_buffer),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
