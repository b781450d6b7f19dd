// Sockets through the shim: destinations copied at submission (sendto); the zero-copy sends' two-CQE contract
// (the result with F_MORE, then the notification), their flag rules and registered-buffer checks; URING_CMD
// socket commands (queue sizes, socket options) and their refusals.
#include "rp_test.h"
#include "shim_ring.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

using namespace shimtest;

static lx::io_uring_cqe must_next(Ring& r)
{
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	return c;
}

// A zero-copy send completes with its result (F_MORE) and then the notification (F_NOTIF, no F_MORE).
static void expect_result_then_notification(Ring& r, uint64_t ud, int32_t res, int32_t notif_res = 0)
{
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.user_data, ud);
	assert_int_equal(c.res, res);
	assert_int_equal(c.flags & (lx::CQE_F_MORE | lx::CQE_F_NOTIF), lx::CQE_F_MORE);
	c = must_next(r);
	assert_int_equal(c.user_data, ud);
	assert_int_equal(c.res, notif_res);
	assert_int_equal(c.flags, lx::CQE_F_NOTIF);
}

static void send_zc_posts_result_then_notification(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	auto* s = r.get_sqe();
	prep(s, lx::OP_SEND_ZC, sv[0], uint64_t(uintptr_t("zero")), 4, 0, 1);
	assert_int_equal(r.submit(), 1);
	expect_result_then_notification(r, 1, 4);
	char buf[8] = {};
	assert_int_equal(recv(sv[1], buf, sizeof buf, 0), 4);
	assert_memory_equal(buf, "zero", 4);

	// REPORT_USAGE: the data was copied, and the notification says so.
	s = r.get_sqe();
	prep(s, lx::OP_SEND_ZC, sv[0], uint64_t(uintptr_t("copy")), 4, 0, 2);
	s->ioprio = lx::SEND_ZC_REPORT_USAGE;
	assert_int_equal(r.submit(), 1);
	expect_result_then_notification(r, 2, 4, int32_t(lx::NOTIF_USAGE_ZC_COPIED));
	assert_int_equal(recv(sv[1], buf, sizeof buf, 0), 4);

	// SENDMSG_ZC gathers the message's iovecs.
	iovec iov[2] = {{const_cast<char*>("ab"), 2}, {const_cast<char*>("cd"), 2}};
	msghdr m{};
	m.msg_iov = iov;
	m.msg_iovlen = 2;
	s = r.get_sqe();
	prep(s, lx::OP_SENDMSG_ZC, sv[0], uint64_t(uintptr_t(&m)), 1, 0, 3);
	assert_int_equal(r.submit(), 1);
	expect_result_then_notification(r, 3, 4);
	assert_int_equal(recv(sv[1], buf, sizeof buf, 0), 4);
	assert_memory_equal(buf, "abcd", 4);
	close(sv[0]);
	close(sv[1]);
}

static void send_zc_flag_rules(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	// Unknown zero-copy flags: refused, and the notification still follows (it exists by then on Linux).
	auto* s = r.get_sqe();
	prep(s, lx::OP_SEND_ZC, sv[0], uint64_t(uintptr_t("x")), 1, 0, 1);
	s->ioprio = 0xffff;
	assert_int_equal(r.submit(), 1);
	expect_result_then_notification(r, 1, -EINVAL);
	// CQE_SKIP_SUCCESS cannot go with a notification: a single CQE.
	s = r.get_sqe();
	prep(s, lx::OP_SEND_ZC, sv[0], uint64_t(uintptr_t("x")), 1, 0, 2);
	s->flags = lx::SQE_CQE_SKIP_SUCCESS;
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.user_data, 2);
	assert_int_equal(c.res, -EINVAL);
	assert_int_equal(c.flags, 0);
	// A bad buffer fails the send itself.
	s = r.get_sqe();
	prep(s, lx::OP_SEND_ZC, sv[0], 1, 100, 0, 3);
	assert_int_equal(r.submit(), 1);
	expect_result_then_notification(r, 3, -EFAULT);
	// Registered buffers: the data must lie inside buffer buf_index.
	static char area[64] = "registered";
	iovec reg{area, sizeof area};
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_BUFFERS, &reg, 1), 0);
	s = r.get_sqe();
	prep(s, lx::OP_SEND_ZC, sv[0], uint64_t(uintptr_t(area)), 10, 0, 4);
	s->ioprio = lx::RECVSEND_FIXED_BUF;
	s->buf_index = 0;
	assert_int_equal(r.submit(), 1);
	expect_result_then_notification(r, 4, 10);
	char buf[16] = {};
	assert_int_equal(recv(sv[1], buf, sizeof buf, 0), 10);
	assert_memory_equal(buf, "registered", 10);
	s = r.get_sqe();
	prep(s, lx::OP_SEND_ZC, sv[0], uint64_t(uintptr_t(area)) + 60, 10, 0, 5);
	s->ioprio = lx::RECVSEND_FIXED_BUF;
	assert_int_equal(r.submit(), 1);
	expect_result_then_notification(r, 5, -EFAULT);
	s = r.get_sqe();
	prep(s, lx::OP_SEND_ZC, sv[0], uint64_t(uintptr_t(area)), 10, 0, 6);
	s->ioprio = lx::RECVSEND_FIXED_BUF;
	s->buf_index = 1;
	assert_int_equal(r.submit(), 1);
	expect_result_then_notification(r, 6, -EFAULT);
	// Since Linux 6.15 a message's iovecs may come from a registered buffer (shim_sendmsg_zc_fixed.cpp has
	// the rules): an empty message sends nothing.
	msghdr m{};
	s = r.get_sqe();
	prep(s, lx::OP_SENDMSG_ZC, sv[0], uint64_t(uintptr_t(&m)), 1, 0, 7);
	s->ioprio = lx::RECVSEND_FIXED_BUF;
	assert_int_equal(r.submit(), 1);
	expect_result_then_notification(r, 7, 0);
	close(sv[0]);
	close(sv[1]);
}

// SEND to an address (sendto): the address is read at submission, so the program may reuse it at once.
static void send_destination_copied_at_submit(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(rx >= 0 && tx >= 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(rx, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
	socklen_t len = sizeof a;
	assert_int_equal(getsockname(rx, reinterpret_cast<sockaddr*>(&a), &len), 0);
	// The send waits behind a short timeout; the address is clobbered before it runs.
	lx::kernel_timespec ts{0, 5 * 1000 * 1000};
	auto* s = r.get_sqe();
	prep(s, lx::OP_TIMEOUT, -1, uint64_t(uintptr_t(&ts)), 1, 0, 1);
	s->timeout_flags = lx::TIMEOUT_ETIME_SUCCESS;
	s->flags = lx::SQE_IO_LINK;
	s = r.get_sqe();
	prep(s, lx::OP_SEND, tx, uint64_t(uintptr_t("dgram")), 5, 0, 2);
	s->addr2 = uint64_t(uintptr_t(&a));
	s->addr_len = sizeof a;
	assert_int_equal(r.submit(), 2);
	a = sockaddr_in{};
	int32_t res[3] = {};
	for (int i = 0; i < 2; ++i) {
		lx::io_uring_cqe c = must_next(r);
		res[c.user_data] = c.res;
	}
	assert_int_equal(res[1], -ETIME);
	assert_int_equal(res[2], 5);
	char buf[8] = {};
	assert_int_equal(recv(rx, buf, sizeof buf, 0), 5);
	assert_memory_equal(buf, "dgram", 5);
	// An address longer than sockaddr_storage is refused; a receive takes no address.
	s = r.get_sqe();
	prep(s, lx::OP_SEND, tx, uint64_t(uintptr_t("x")), 1, 0, 3);
	s->addr2 = uint64_t(uintptr_t(&a));
	s->addr_len = 129;
	assert_int_equal(r.submit(), 1);
	assert_int_equal(must_next(r).res, -EINVAL);
	s = r.get_sqe();
	prep(s, lx::OP_RECV, rx, uint64_t(uintptr_t(buf)), 1, 0, 4);
	s->addr2 = uint64_t(uintptr_t(&a));
	assert_int_equal(r.submit(), 1);
	assert_int_equal(must_next(r).res, -EINVAL);
	close(rx);
	close(tx);
}

static lx::io_uring_sqe* prep_cmd(Ring& r, uint32_t cmd, int fd, uint32_t level, uint32_t optname, void* optval,
                                   uint32_t optlen, uint64_t ud)
{
	auto* s = r.get_sqe();
	prep(s, lx::OP_URING_CMD, fd, 0, 0, 0, ud);
	s->cmd_op = cmd;
	s->level = level;
	s->optname = optname;
	s->optval = uint64_t(uintptr_t(optval));
	s->optlen = optlen;
	return s;
}

static int32_t run_cmd(Ring& r, uint32_t cmd, int fd, uint32_t level = 0, uint32_t optname = 0,
                       void* optval = nullptr, uint32_t optlen = 0)
{
	prep_cmd(r, cmd, fd, level, optname, optval, optlen, 9);
	assert_int_equal(r.submit(), 1);
	return must_next(r).res;
}

static void socket_commands(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(send(sv[0], "12345", 5, 0), 5);
	// Queue sizes agree with ioctl(2).
	int in = -1;
	assert_int_equal(ioctl(sv[1], SIOCINQ, &in), 0);
	assert_int_equal(run_cmd(r, lx::SOCKET_URING_OP_SIOCINQ, sv[1]), in);
	assert_int_equal(run_cmd(r, lx::SOCKET_URING_OP_SIOCINQ, sv[1]), 5);
	int out = -1;
	assert_int_equal(ioctl(sv[0], SIOCOUTQ, &out), 0);
	assert_int_equal(run_cmd(r, lx::SOCKET_URING_OP_SIOCOUTQ, sv[0]), out);
	// Set an option, read it back: the result of GETSOCKOPT is the option's length.
	int size = 64 * 1024, got = 0;
	assert_int_equal(run_cmd(r, lx::SOCKET_URING_OP_SETSOCKOPT, sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size), 0);
	assert_int_equal(run_cmd(r, lx::SOCKET_URING_OP_GETSOCKOPT, sv[0], SOL_SOCKET, SO_SNDBUF, &got, sizeof got),
	                 int(sizeof got));
	int direct = 0;
	socklen_t len = sizeof direct;
	assert_int_equal(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &direct, &len), 0);
	assert_int_equal(got, direct);
	// Linux reads only SOL_SOCKET options this way; a bad option is the socket's own error.
	assert_int_equal(run_cmd(r, lx::SOCKET_URING_OP_GETSOCKOPT, sv[0], 6 /* SOL_TCP */, 1, &got, sizeof got),
	                 -EOPNOTSUPP);
	assert_int_equal(run_cmd(r, lx::SOCKET_URING_OP_SETSOCKOPT, sv[0], SOL_SOCKET, 0x7fff, &size, sizeof size),
	                 -ENOPROTOOPT);
	// Unknown commands, and files that are not sockets, have no command handler.
	assert_int_equal(run_cmd(r, 77, sv[0]), -EOPNOTSUPP);
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(run_cmd(r, lx::SOCKET_URING_OP_SIOCINQ, p[0]), -EOPNOTSUPP);
	assert_int_equal(run_cmd(r, lx::SOCKET_URING_OP_SIOCINQ, 1000), -EBADF);
	// Reserved fields and unknown flags.
	auto* s = prep_cmd(r, lx::SOCKET_URING_OP_SIOCINQ, sv[1], 0, 0, nullptr, 0, 10);
	s->pad1 = 1;
	assert_int_equal(r.submit(), 1);
	assert_int_equal(must_next(r).res, -EINVAL);
	s = prep_cmd(r, lx::SOCKET_URING_OP_SIOCINQ, sv[1], 0, 0, nullptr, 0, 11);
	s->uring_cmd_flags = 1u << 7;
	assert_int_equal(r.submit(), 1);
	assert_int_equal(must_next(r).res, -EINVAL);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(send_zc_posts_result_then_notification),
	    cmocka_unit_test(send_zc_flag_rules),
	    cmocka_unit_test(send_destination_copied_at_submit),
	    cmocka_unit_test(socket_commands),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
