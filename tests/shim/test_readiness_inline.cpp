// Readiness takes effect inside the waker's own call, as Linux runs a poll wakeup inside write(2): a program
// that writes and reads back at once, without entering or polling in between, finds the poll's CQE in its CQ.
// Each case checks the CQ by looking at it only (no io_uring_enter, no poll) right after the waker returned
// and after the file was drained again, for pipes, sockets, eventfds, a close (POLLHUP) and a registered
// eventfd signalled by another ring's completion.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>

using namespace shimtest;

namespace {

void arm_poll(Ring& r, int fd, uint32_t events, bool multi, uint64_t ud)
{
	lx::io_uring_sqe* s = r.get_sqe();
	assert_non_null(s);
	prep(s, lx::OP_POLL_ADD, fd, 0, multi ? lx::POLL_ADD_MULTI : 0, 0, ud);
	s->poll32_events = events;
	assert_int_equal(r.submit(), 1);
	assert_int_equal(r.ready(), 0u); // nothing is ready yet
}

// The CQE must already be there: popped without entering.
lx::io_uring_cqe take(Ring& r)
{
	lx::io_uring_cqe c{};
	assert_true(r.pop(&c));
	return c;
}

} // namespace

// A one-shot poll on a pipe, the pipe written and drained at once (upstream's poll-bench does this 32 times).
static void pipe_write_then_read(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	arm_poll(r, p[0], POLLIN, false, 1);
	char c = 'x';
	assert_int_equal(write(p[1], &c, 1), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	lx::io_uring_cqe cqe = take(r);
	assert_int_equal(cqe.user_data, 1);
	assert_int_equal(cqe.res, POLLIN);
	close(p[0]);
	close(p[1]);
}

// A multishot poll: every write is one event, each posted before the write returns (poll-mshot-overflow).
static void pipe_multishot_every_write(void**)
{
	Ring r;
	assert_int_equal(r.init(8, 0, 32), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	arm_poll(r, p[0], POLLIN, true, 2);
	for (int i = 0; i < 5; ++i) {
		char c = char('a' + i);
		struct iovec v{&c, 1};
		assert_int_equal(i % 2 ? writev(p[1], &v, 1) : write(p[1], &c, 1), 1);
		assert_int_equal(read(p[0], &c, 1), 1);
		assert_int_equal(r.ready(), 1u);
		lx::io_uring_cqe cqe = take(r);
		assert_int_equal(cqe.user_data, 2);
		assert_int_equal(cqe.res, POLLIN);
		assert_true(cqe.flags & lx::CQE_F_MORE);
	}
	close(p[0]);
	close(p[1]);
}

// Sockets: send on one end completes the poll on the other end before send returns.
static void socket_send_then_recv(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int s[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	arm_poll(r, s[0], POLLIN, false, 3);
	char c = 'y';
	assert_int_equal(send(s[1], &c, 1, 0), 1);
	assert_int_equal(recv(s[0], &c, 1, 0), 1);
	assert_int_equal(take(r).res, POLLIN);
	// sendto and sendmsg too.
	arm_poll(r, s[0], POLLIN, false, 4);
	assert_int_equal(sendto(s[1], &c, 1, 0, nullptr, 0), 1);
	assert_int_equal(recv(s[0], &c, 1, 0), 1);
	assert_int_equal(take(r).user_data, 4);
	arm_poll(r, s[0], POLLIN, false, 5);
	struct iovec v{&c, 1};
	struct msghdr m{};
	m.msg_iov = &v;
	m.msg_iovlen = 1;
	assert_int_equal(sendmsg(s[1], &m, 0), 1);
	assert_int_equal(recv(s[0], &c, 1, 0), 1);
	assert_int_equal(take(r).user_data, 5);
	// shutdown(SHUT_WR) makes the peer readable (EOF) and hung up for reading.
	arm_poll(r, s[0], POLLIN | POLLRDHUP, false, 6);
	assert_int_equal(shutdown(s[1], SHUT_WR), 0);
	lx::io_uring_cqe cqe = take(r);
	assert_int_equal(cqe.user_data, 6);
	assert_true(cqe.res & POLLRDHUP);
	close(s[0]);
	close(s[1]);
}

// A read that frees room completes the writer's POLLOUT poll inside the read, as Linux's reader wakes the
// writer: a socket pair's full sender and a full pipe (poll.t's test_missing_events relies on it).
static void reader_wakes_the_writer(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int s[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s), 0);
	int one = 1;
	assert_int_equal(setsockopt(s[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof one), 0);
	static char buf[1 << 16];
	while (send(s[0], buf, sizeof buf, 0) > 0) {
	}
	arm_poll(r, s[0], POLLOUT, false, 7);
	while (recv(s[1], buf, sizeof buf, 0) > 0) {
	}
	lx::io_uring_cqe cqe = take(r);
	assert_int_equal(cqe.user_data, 7);
	assert_true(cqe.res & POLLOUT);
	int p[2];
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	while (write(p[1], buf, sizeof buf) > 0) {
	}
	arm_poll(r, p[1], POLLOUT, false, 8);
	assert_true(read(p[0], buf, sizeof buf) > 0);
	cqe = take(r);
	assert_int_equal(cqe.user_data, 8);
	assert_true(cqe.res & POLLOUT);
	close(s[0]);
	close(s[1]);
	close(p[0]);
	close(p[1]);
}

// eventfd_write then eventfd_read: the poll saw the count that was there for a moment.
static void eventfd_write_then_read(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int e = eventfd(0, EFD_CLOEXEC);
	assert_true(e >= 0);
	arm_poll(r, e, POLLIN, false, 7);
	assert_int_equal(eventfd_write(e, 3), 0);
	eventfd_t v = 0;
	assert_int_equal(eventfd_read(e, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(take(r).res, POLLIN);
	close(e);
}

// Closing a pipe's only write end hangs up the read end: the poll has POLLHUP when close returns.
static void close_hangs_up(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	arm_poll(r, p[0], POLLIN, false, 8);
	assert_int_equal(close(p[1]), 0);
	assert_int_equal(take(r).res, POLLHUP);
	close(p[0]);
}

// Ring b's completion signals its registered eventfd; ring a's poll on that eventfd is in a's CQ when b's
// io_uring_enter returns (Linux signals the eventfd, and so runs the poll wakeup, inside that enter).
static void registered_eventfd_signal(void**)
{
	Ring a, b;
	assert_int_equal(a.init(8), 0);
	assert_int_equal(b.init(8), 0);
	int e = eventfd(0, EFD_CLOEXEC);
	assert_true(e >= 0);
	assert_int_equal(rp_sys_io_uring_register(b.fd, lx::REGISTER_EVENTFD, &e, 1), 0);
	arm_poll(a, e, POLLIN, false, 9);
	lx::io_uring_sqe* s = b.get_sqe();
	assert_non_null(s);
	prep(s, lx::OP_NOP, -1, 0, 0, 0, 10);
	assert_int_equal(b.submit(), 1);
	assert_int_equal(take(b).user_data, 10);
	lx::io_uring_cqe cqe = take(a);
	assert_int_equal(cqe.user_data, 9);
	assert_int_equal(cqe.res, POLLIN);
	close(e);
}

// Nothing watched: errno after a failing write is the write's, not something the readiness pass left.
static void errno_is_the_callers(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	arm_poll(r, p[0], POLLIN, false, 11); // something is watched, so the pass runs
	char c = 'z';
	errno = 0;
	assert_int_equal(write(-1, &c, 1), -1);
	assert_int_equal(errno, EBADF);
	errno = 0;
	assert_int_equal(write(p[1], &c, 1), 1);
	assert_int_equal(errno, 0);
	assert_int_equal(take(r).user_data, 11);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(pipe_write_then_read),   cmocka_unit_test(pipe_multishot_every_write),
	    cmocka_unit_test(socket_send_then_recv),  cmocka_unit_test(eventfd_write_then_read),
	    cmocka_unit_test(close_hangs_up),         cmocka_unit_test(registered_eventfd_signal),
	    cmocka_unit_test(errno_is_the_callers),   cmocka_unit_test(reader_wakes_the_writer),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
