// Socket opcodes over loopback: Socket, Bind, Listen, Accept (waiting and inline), Connect (blocking and
// non-blocking sockets), Send/Recv (waiting, MSG_DONTWAIT, MSG_WAITALL on streams and datagrams), SendMsg/RecvMsg, Shutdown, errors.
#include "rp_test.h"
#include "hosted_test.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

using namespace hosted_test;

static rp_sqe fd_sqe(uint8_t op, int fd, uint64_t ud)
{
	rp_sqe s = sqe(op, ud);
	s.fd = uint64_t(int64_t(fd));
	return s;
}

// A listening TCP socket on 127.0.0.1, made through the ring. Returns its fd; *port receives the port.
static int ring_listener(TestRing& r, uint16_t* port, bool nonblocking)
{
	rp_sqe s = sqe(RP_OP_SOCKET, 1);
	s.offset = AF_INET;
	s.syscall_flags = SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);
	int fd = int(r.result(s));
	assert_true(fd >= 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = fd_sqe(RP_OP_BIND, fd, 2);
	s.addr = uint64_t(uintptr_t(&a));
	s.len = sizeof a;
	assert_int_equal(r.result(s), 0);
	s = fd_sqe(RP_OP_LISTEN, fd, 3);
	s.len = 16;
	assert_int_equal(r.result(s), 0);
	socklen_t len = sizeof a;
	getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
	*port = ntohs(a.sin_port);
	return fd;
}

static void run_accept_connect(bool nonblocking)
{
	TestRing r;
	uint16_t port;
	int lfd = ring_listener(r, &port, nonblocking);
	// Accept first: nothing is there, so it waits.
	sockaddr_in peer{};
	socklen_t peer_len = sizeof peer;
	rp_sqe acc = fd_sqe(RP_OP_ACCEPT, lfd, 10);
	acc.addr = uint64_t(uintptr_t(&peer));
	acc.additional1 = uint64_t(uintptr_t(&peer_len));
	acc.syscall_flags = SOCK_CLOEXEC;
	r.push(acc);
	assert_int_equal(r.enter(0), 1);
	Completion c;
	usleep(10000);
	assert_false(r.pop(&c));
	// Connect through the ring.
	int cfd = socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
	sockaddr_in to{};
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(port);
	rp_sqe con = fd_sqe(RP_OP_CONNECT, cfd, 11);
	con.addr = uint64_t(uintptr_t(&to));
	con.len = sizeof to;
	r.push(con);
	assert_int_equal(r.enter(0), 1);
	int afd = -1;
	for (int i = 0; i < 2; ++i) {
		c = r.wait();
		if (c.user_data == 10) {
			assert_true(c.result >= 0);
			afd = int(c.result);
			assert_int_equal(peer.sin_family, AF_INET);
			assert_int_equal(peer_len, sizeof peer);
		} else {
			assert_int_equal(c.user_data, 11);
			assert_int_equal(c.result, 0);
		}
	}
	assert_true(afd >= 0);
	assert_int_equal(fcntl(afd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);

	// Recv waits until the peer sends.
	char buf[64] = {};
	rp_sqe rv = fd_sqe(RP_OP_RECV, afd, 20);
	rv.addr = uint64_t(uintptr_t(buf));
	rv.len = sizeof buf;
	r.push(rv);
	assert_int_equal(r.enter(0), 1);
	usleep(5000);
	assert_false(r.pop(&c));
	rp_sqe sd = fd_sqe(RP_OP_SEND, cfd, 21);
	sd.addr = uint64_t(uintptr_t("ping"));
	sd.len = 4;
	sd.syscall_flags = MSG_NOSIGNAL;
	r.push(sd);
	assert_int_equal(r.enter(0), 1);
	int64_t got = -1;
	for (int i = 0; i < 2; ++i) {
		c = r.wait();
		if (c.user_data == 20)
			got = c.result;
		else
			assert_int_equal(c.result, 4);
	}
	assert_int_equal(got, 4);
	assert_memory_equal(buf, "ping", 4);

	// MSG_DONTWAIT asks for EAGAIN instead of waiting.
	rv.syscall_flags = MSG_DONTWAIT;
	assert_int_equal(r.result(rv), -EAGAIN);
	// MSG_WAITALL collects pieces sent apart.
	rv.syscall_flags = MSG_WAITALL;
	rv.len = 6;
	r.push(rv);
	assert_int_equal(r.enter(0), 1);
	assert_int_equal(send(cfd, "abc", 3, 0), 3);
	usleep(10000);
	assert_false(r.pop(&c));
	assert_int_equal(send(cfd, "def", 3, 0), 3);
	c = r.wait();
	assert_int_equal(c.result, 6);
	assert_memory_equal(buf, "abcdef", 6);

	// SendMsg / RecvMsg.
	char part1[] = "hello ", part2[] = "msg";
	iovec out_iov[2] = {{part1, 6}, {part2, 3}};
	msghdr out{};
	out.msg_iov = out_iov;
	out.msg_iovlen = 2;
	rp_sqe sm = fd_sqe(RP_OP_SENDMSG, afd, 30);
	sm.addr = uint64_t(uintptr_t(&out));
	assert_int_equal(r.result(sm), 9);
	char in1[4] = {}, in2[16] = {};
	iovec in_iov[2] = {{in1, 4}, {in2, sizeof in2}};
	msghdr in{};
	in.msg_iov = in_iov;
	in.msg_iovlen = 2;
	rp_sqe rm = fd_sqe(RP_OP_RECVMSG, cfd, 31);
	rm.addr = uint64_t(uintptr_t(&in));
	assert_int_equal(r.result(rm), 9);
	assert_memory_equal(in1, "hell", 4);
	assert_memory_equal(in2, "o msg", 5);
	// RecvMsg with MSG_WAITALL fills every iovec, continuing past the pieces already received.
	char w1[4] = {}, w2[4] = {};
	iovec w_iov[2] = {{w1, 4}, {w2, 4}};
	msghdr wm{};
	wm.msg_iov = w_iov;
	wm.msg_iovlen = 2;
	rm.addr = uint64_t(uintptr_t(&wm));
	rm.syscall_flags = MSG_WAITALL;
	r.push(rm);
	assert_int_equal(r.enter(0), 1);
	assert_int_equal(send(afd, "12345", 5, 0), 5);
	usleep(10000);
	assert_false(r.pop(&c));
	assert_int_equal(send(afd, "678", 3, 0), 3);
	c = r.wait();
	assert_int_equal(c.result, 8);
	assert_memory_equal(w1, "1234", 4);
	assert_memory_equal(w2, "5678", 4);

	// Shutdown: the peer reads EOF.
	rp_sqe sh = fd_sqe(RP_OP_SHUTDOWN, cfd, 40);
	sh.len = SHUT_WR;
	assert_int_equal(r.result(sh), 0);
	rv.syscall_flags = 0;
	rv.len = sizeof buf;
	assert_int_equal(r.result(rv), 0);
	sh.len = 99;
	assert_int_equal(r.result(sh), -EINVAL);
	close(afd);
	close(cfd);
	close(lfd);
}

static void test_accept_connect_blocking_sockets(void**) { run_accept_connect(false); }
static void test_accept_connect_nonblocking_sockets(void**) { run_accept_connect(true); }

// recv(2)'s rule: MSG_WAITALL does not gather datagrams; each receive returns one message.
// Accept says RP_CQE_MORE_PENDING while more connections wait on its TCP listener (Linux's SOCK_NONEMPTY), on the
// inline path (non-blocking listener) and the worker path (blocking listener) alike; the last one does not.
static void run_accept_more_pending(bool nonblocking)
{
	TestRing r;
	uint16_t port;
	int lfd = ring_listener(r, &port, nonblocking);
	sockaddr_in to{};
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(port);
	int cfd[2];
	for (int& fd : cfd) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		assert_int_equal(connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
	}
	for (uint32_t want : {uint32_t(RP_CQE_MORE_PENDING), 0u}) {
		r.push(fd_sqe(RP_OP_ACCEPT, lfd, 70));
		assert_int_equal(r.enter(0), 1);
		Completion c = r.wait();
		assert_true(c.result >= 0);
		assert_int_equal(c.flags, want);
		close(int(c.result));
	}
	for (int fd : cfd)
		close(fd);
	close(lfd);
}
static void test_accept_more_pending_nonblocking(void**) { run_accept_more_pending(true); }
static void test_accept_more_pending_blocking(void**) { run_accept_more_pending(false); }

static void test_datagram_waitall_takes_one_message(void**)
{
	TestRing r;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	assert_int_equal(send(sv[1], "one", 3, 0), 3);
	assert_int_equal(send(sv[1], "two", 3, 0), 3);
	char buf[16] = {};
	rp_sqe rv = fd_sqe(RP_OP_RECV, sv[0], 1);
	rv.addr = uint64_t(uintptr_t(buf));
	rv.len = sizeof buf;
	rv.syscall_flags = MSG_WAITALL;
	Completion one = r.run(rv);
	assert_int_equal(one.result, 3);
	assert_int_equal(one.flags & RP_CQE_SHORT_STREAM, 0u); // a datagram is whole, never a short stream
	assert_memory_equal(buf, "one", 3);
	// Waiting for the first datagram, then completing with it alone.
	assert_int_equal(r.result(rv), 3);
	r.push(rv);
	assert_int_equal(r.enter(0), 1);
	assert_int_equal(send(sv[1], "three", 5, 0), 5);
	assert_int_equal(send(sv[1], "four", 4, 0), 4);
	Completion c = r.wait();
	assert_int_equal(c.result, 5);
	assert_memory_equal(buf, "three", 5);
	close(sv[0]);
	close(sv[1]);
}

// MSG_WAITALL | MSG_DONTWAIT on a stream: what is there comes back at once, flagged RP_CQE_SHORT_STREAM so the
// submitter knows the rest may still come (the kernel shim continues a buffer-selecting RECV this way).
static void test_stream_waitall_dontwait_says_short(void**)
{
	TestRing r;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(send(sv[1], "abc", 3, 0), 3);
	char buf[8] = {};
	rp_sqe rv = fd_sqe(RP_OP_RECV, sv[0], 1);
	rv.addr = uint64_t(uintptr_t(buf));
	rv.len = sizeof buf;
	rv.syscall_flags = MSG_WAITALL | MSG_DONTWAIT;
	Completion c = r.run(rv);
	assert_int_equal(c.result, 3);
	assert_int_equal(c.flags & RP_CQE_SHORT_STREAM, RP_CQE_SHORT_STREAM);
	// Nothing at all: plain -EAGAIN. All of it: no flag.
	assert_int_equal(r.result(rv), -EAGAIN);
	assert_int_equal(send(sv[1], "12345678", 8, 0), 8);
	c = r.run(rv);
	assert_int_equal(c.result, 8);
	assert_int_equal(c.flags & RP_CQE_SHORT_STREAM, 0u);
	close(sv[0]);
	close(sv[1]);
}

// The socket scheme's private opcodes: options and queue sizes; files that are not sockets do not know them.
static void test_socket_private_opcodes(void**)
{
	TestRing r;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(send(sv[0], "abc", 3, 0), 3);
	rp_sqe q = fd_sqe(RP_OP_SOCKET_QUEUED, sv[1], 1);
	q.syscall_flags = RP_SOCKET_QUEUED_IN;
	assert_int_equal(r.result(q), 3);
	q.syscall_flags = 7;
	assert_int_equal(r.result(q), -EINVAL);
	int size = 32 * 1024, got = 0;
	rp_sqe set = fd_sqe(RP_OP_SOCKET_SETOPT, sv[0], 2);
	set.offset = SOL_SOCKET;
	set.len = SO_RCVBUF;
	set.addr = uint64_t(uintptr_t(&size));
	set.additional1 = sizeof size;
	assert_int_equal(r.result(set), 0);
	rp_sqe get = set;
	get.opcode = RP_OP_SOCKET_GETOPT;
	get.addr = uint64_t(uintptr_t(&got));
	get.additional1 = sizeof got;
	assert_int_equal(r.result(get), int64_t(sizeof got));
	int direct = 0;
	socklen_t len = sizeof direct;
	assert_int_equal(getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &direct, &len), 0);
	assert_int_equal(got, direct);
	int p[2];
	assert_int_equal(pipe(p), 0);
	rp_sqe other = fd_sqe(RP_OP_SOCKET_QUEUED, p[0], 3);
	assert_int_equal(r.result(other), -ENOSYS);
	other.opcode = 200; // private opcode no scheme defines
	other.fd = uint64_t(sv[0]);
	assert_int_equal(r.result(other), -ENOSYS);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void test_connect_refused(void**)
{
	TestRing r;
	uint16_t port;
	int lfd = ring_listener(r, &port, false);
	close(lfd); // nobody listens on the port any more
	for (int nb = 0; nb < 2; ++nb) {
		int cfd = socket(AF_INET, SOCK_STREAM | (nb ? SOCK_NONBLOCK : 0), 0);
		sockaddr_in to{};
		to.sin_family = AF_INET;
		to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		to.sin_port = htons(port);
		rp_sqe con = fd_sqe(RP_OP_CONNECT, cfd, 1);
		con.addr = uint64_t(uintptr_t(&to));
		con.len = sizeof to;
		assert_int_equal(r.result(con), -ECONNREFUSED);
		close(cfd);
	}
}

static void test_socket_errors(void**)
{
	TestRing r;
	rp_sqe s = sqe(RP_OP_SOCKET, 1);
	s.offset = 12345; // no such domain
	s.syscall_flags = SOCK_STREAM;
	assert_int_equal(r.result(s), -EAFNOSUPPORT);
	s = fd_sqe(RP_OP_BIND, 3995, 2);
	assert_int_equal(r.result(s), -EBADF);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	s = fd_sqe(RP_OP_BIND, fd, 3);
	s.addr = 8;
	s.len = sizeof(sockaddr_in);
	assert_int_equal(r.result(s), -EFAULT);
	s = fd_sqe(RP_OP_LISTEN, 1, 4); // not a socket (stdout or whatever fd 1 is)
	assert_true(r.result(s) < 0);
	s = fd_sqe(RP_OP_SEND, fd, 5); // not connected
	s.addr = uint64_t(uintptr_t("x"));
	s.len = 1;
	s.syscall_flags = MSG_NOSIGNAL;
	assert_int_equal(r.result(s), -EPIPE);
	s = fd_sqe(RP_OP_ACCEPT, fd, 6); // not listening
	assert_int_equal(r.result(s), -EINVAL);
	s = fd_sqe(RP_OP_RECV, 3994, 7);
	assert_int_equal(r.result(s), -EBADF);
	close(fd);
	// Bad buffer on a connected pair.
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	assert_int_equal(write(sv[1], "abc", 3), 3);
	s = fd_sqe(RP_OP_RECV, sv[0], 8);
	s.addr = 8;
	s.len = 3;
	assert_int_equal(r.result(s), -EFAULT);
	close(sv[0]);
	close(sv[1]);
}

static void test_cancel_pending_accept_and_recv(void**)
{
	TestRing r;
	uint16_t port;
	int lfd = ring_listener(r, &port, false);
	rp_sqe acc = fd_sqe(RP_OP_ACCEPT, lfd, 50);
	r.push(acc);
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	char buf[4];
	rp_sqe rv = fd_sqe(RP_OP_RECV, sv[0], 51);
	rv.addr = uint64_t(uintptr_t(buf));
	rv.len = sizeof buf;
	r.push(rv);
	assert_int_equal(r.enter(0), 2);
	for (uint64_t target : {50, 51}) {
		rp_sqe k = sqe(RP_OP_CANCEL, 60 + target);
		k.addr = target;
		r.push(k);
	}
	assert_int_equal(r.enter(0), 2);
	int cancelled = 0, ok = 0;
	for (int i = 0; i < 4; ++i) {
		Completion c = r.wait();
		if (c.user_data == 50 || c.user_data == 51) {
			assert_int_equal(c.result, -ECANCELED);
			++cancelled;
		} else {
			assert_int_equal(c.result, 0);
			++ok;
		}
	}
	assert_int_equal(cancelled, 2);
	assert_int_equal(ok, 2);
	close(sv[0]);
	close(sv[1]);
	close(lfd);
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_connect_blocking_sockets),
		cmocka_unit_test(test_accept_connect_nonblocking_sockets),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_accept_more_pending_nonblocking),
		cmocka_unit_test(test_accept_more_pending_blocking),
		cmocka_unit_test(test_datagram_waitall_takes_one_message),
		cmocka_unit_test(test_stream_waitall_dontwait_says_short),
		cmocka_unit_test(test_socket_private_opcodes),
		cmocka_unit_test(test_socket_errors),
		cmocka_unit_test(test_cancel_pending_accept_and_recv),
	};
	return cmocka_run_group_tests_name("hosted_net", tests, nullptr, nullptr);
}
