// A CONNECT that cannot complete (the listener's accept queue is full, so the SYN is dropped) with a
// LINK_TIMEOUT behind it: as on Linux, the timeout fires with -ETIME and the connect completes -ECANCELED,
// for a blocking socket (which the hosted OS connects on a worker thread) and a non-blocking one.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace shimtest;

namespace {

// A listener on 127.0.0.1 with backlog 0 whose one queue slot is taken by a connection never accepted.
struct FullListener {
	int listener = -1, first = -1;
	sockaddr_in addr{};
	FullListener()
	{
		listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(listener >= 0);
		addr.sin_family = AF_INET;
		addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
		socklen_t len = sizeof addr;
		assert_int_equal(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
		assert_int_equal(listen(listener, 0), 0);
		first = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_int_equal(connect(first, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
	}
	~FullListener()
	{
		close(first);
		close(listener);
	}
};

void connect_with_timeout(bool nonblocking)
{
	FullListener l;
	Ring r;
	assert_int_equal(r.init(8), 0);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
	assert_true(s >= 0);
	lx::io_uring_sqe* q = r.get_sqe();
	prep(q, lx::OP_CONNECT, s, uint64_t(&l.addr), 0, sizeof l.addr, 1);
	q->flags |= lx::SQE_IO_LINK;
	lx::kernel_timespec ts{0, 100 * 1000 * 1000};
	q = r.get_sqe();
	prep(q, lx::OP_LINK_TIMEOUT, -1, uint64_t(&ts), 1, 0, 2);
	assert_int_equal(r.submit(), 2);
	int32_t res[3] = {1, 1, 1};
	for (int i = 0; i < 2; ++i) {
		lx::io_uring_cqe c{};
		assert_true(r.next(&c));
		assert_true(c.user_data == 1 || c.user_data == 2);
		res[c.user_data] = c.res;
	}
	assert_int_equal(res[1], -ECANCELED);
	assert_int_equal(res[2], -ETIME);
	close(s);
}

} // namespace

static void blocking_socket(void**) { connect_with_timeout(false); }
static void nonblocking_socket(void**) { connect_with_timeout(true); }

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(blocking_socket),
	    cmocka_unit_test(nonblocking_socket),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
