// IORING_OP_EPOLL_WAIT (Linux 6.15): events ready now complete at once; with none ready the request waits for
// the epoll fd to become readable (never a CQE with 0 events); epoll_wait's own errors; Linux's SQE rules.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <sys/epoll.h>

using namespace shimtest;

namespace {

void prep_epoll_wait(Ring& r, int epfd, epoll_event* evs, uint32_t max, uint64_t ud)
{
	prep(r.get_sqe(), lx::OP_EPOLL_WAIT, epfd, uint64_t(evs), max, 0, ud);
}

} // namespace

static void ready_and_later(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	assert_true(ep >= 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.u64 = 0x1234;
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev), 0);
	// Nothing ready: the request stays pending.
	epoll_event got[4] = {};
	prep_epoll_wait(r, ep, got, 4, 1);
	assert_int_equal(r.submit(), 1);
	usleep(50000);
	assert_int_equal(r.ready(), 0);
	// Data arrives: one event, the one registered.
	assert_int_equal(write(fds[1], "x", 1), 1);
	lx::io_uring_cqe c;
	assert_true(r.next(&c));
	assert_int_equal(c.user_data, 1);
	assert_int_equal(c.res, 1);
	assert_int_equal(got[0].data.u64, 0x1234);
	assert_true(got[0].events & EPOLLIN);
	// Still readable (level-triggered): a second wait completes at once.
	prep_epoll_wait(r, ep, got, 4, 2);
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c));
	assert_int_equal(c.res, 1);
	close(fds[0]);
	close(fds[1]);
	close(ep);
}

static void errors(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int ep = epoll_create1(0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	epoll_event ev{};
	ev.events = EPOLLOUT;
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, fds[1], &ev), 0);
	epoll_event got[2];
	lx::io_uring_cqe c;
	prep_epoll_wait(r, ep, got, 0, 1); // maxevents 0
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c));
	assert_int_equal(c.res, -EINVAL);
	prep_epoll_wait(r, fds[0], got, 2, 2); // not an epoll fd
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c));
	assert_int_equal(c.res, -EINVAL);
	prep_epoll_wait(r, 999, got, 2, 3);
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c));
	assert_int_equal(c.res, -EBADF);
	prep_epoll_wait(r, ep, reinterpret_cast<epoll_event*>(8), 2, 4); // events unwritable
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c));
	assert_int_equal(c.res, -EFAULT);
	// SQE fields Linux wants zero.
	prep_epoll_wait(r, ep, got, 2, 5);
	r.sqes[(r.sq_tail - 1) & (r.p.sq_entries - 1)].off = 1;
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c));
	assert_int_equal(c.res, -EINVAL);
	// Through a fixed file.
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_FILES, &ep, 1), 0);
	auto* s = r.get_sqe();
	prep(s, lx::OP_EPOLL_WAIT, 0, uint64_t(got), 2, 0, 6);
	s->flags = lx::SQE_FIXED_FILE;
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c));
	assert_int_equal(c.res, 1);
	assert_true(got[0].events & EPOLLOUT);
	close(fds[0]);
	close(fds[1]);
	close(ep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ready_and_later),
	    cmocka_unit_test(errors),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
