// POLL_ADD where Linux's timing is part of the contract: a wakeup takes effect inside the waker's system call
// (by the time the program enters, or polls, its effect is there), DEFER_TASKRUN rings post it only when asked
// and flag it with SQ_TASKRUN meanwhile, a poll on a ring fd completes before the posting enter returns, and a
// multishot poll that cannot post because the CQ is full (or has overflowed) ends with a CQE without F_MORE.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

using namespace shimtest;

namespace {

void prep_poll(Ring& r, int fd, uint32_t events, bool multi, uint64_t ud)
{
	lx::io_uring_sqe* s = r.get_sqe();
	assert_non_null(s);
	prep(s, lx::OP_POLL_ADD, fd, 0, multi ? lx::POLL_ADD_MULTI : 0, 0, ud);
	s->poll32_events = events;
}

void prep_nop(Ring& r, uint64_t ud)
{
	lx::io_uring_sqe* s = r.get_sqe();
	assert_non_null(s);
	prep(s, lx::OP_NOP, -1, 0, 0, 0, ud);
}

int get_events(Ring& r) { return rp_sys_io_uring_enter(r.fd, 0, 0, lx::ENTER_GETEVENTS, nullptr); }

void write_byte(int fd)
{
	char c = 'x';
	assert_int_equal(write(fd, &c, 1), 1);
}

void read_byte(int fd)
{
	char c;
	assert_int_equal(read(fd, &c, 1), 1);
}

} // namespace

// A pipe written before io_uring_enter: the multishot poll's event is in the CQ when enter returns.
static void mshot_event_before_enter(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	prep_poll(r, p[0], POLLIN, true, 7);
	assert_int_equal(r.submit(), 1);
	for (int round = 0; round < 4; ++round) {
		write_byte(p[1]);
		assert_int_equal(get_events(r), 0);
		lx::io_uring_cqe c{};
		assert_true(r.pop(&c));
		assert_int_equal(c.user_data, 7);
		assert_true(c.res & POLLIN);
		assert_true(c.flags & lx::CQE_F_MORE);
		read_byte(p[0]);
	}
	close(p[0]);
	close(p[1]);
}

// DEFER_TASKRUN: the wakeup that happened before the enter asking for events is run by it.
static void defer_taskrun_posts_on_getevents(void**)
{
	Ring r;
	assert_int_equal(r.init(8, lx::SETUP_SINGLE_ISSUER | lx::SETUP_DEFER_TASKRUN), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	prep_poll(r, p[0], POLLIN, false, 9);
	assert_int_equal(r.submit(), 1);
	write_byte(p[1]);
	assert_int_equal(get_events(r), 0);
	lx::io_uring_cqe c{};
	assert_true(r.pop(&c));
	assert_int_equal(c.user_data, 9);
	assert_true(c.res & POLLIN);
	close(p[0]);
	close(p[1]);
}

// DEFER_TASKRUN, multishot: the readiness found when the poll is armed is task work too (Linux queues it rather
// than posting it in the submitting call), so a submit-only enter posts nothing, and the enter that asks for
// events polls once for all that happened meanwhile: one CQE with both POLLOUT (there at arming) and POLLIN
// (written since), as liburing's poll.t (test_missing_events) needs.
static void defer_taskrun_mshot_arming_event_waits(void**)
{
	Ring r;
	assert_int_equal(r.init(8, lx::SETUP_SINGLE_ISSUER | lx::SETUP_DEFER_TASKRUN), 0);
	int efd = eventfd(0, EFD_NONBLOCK);
	assert_true(efd >= 0);
	prep_poll(r, efd, POLLIN | POLLOUT, true, 4);
	assert_int_equal(r.submit(), 1);
	// Time for the OS to have seen POLLOUT, then an enter that submits nothing and asks for nothing.
	usleep(20000);
	assert_int_equal(rp_sys_io_uring_enter(r.fd, 0, 0, 0, nullptr), 0);
	assert_int_equal(r.ready(), 0);
	uint64_t one = 1;
	assert_int_equal(write(efd, &one, 8), 8);
	assert_int_equal(r.ready(), 0);
	assert_int_equal(get_events(r), 0);
	lx::io_uring_cqe c{};
	assert_true(r.pop(&c));
	assert_int_equal(c.user_data, 4);
	assert_int_equal(c.res & (POLLIN | POLLOUT), POLLIN | POLLOUT);
	assert_true(c.flags & lx::CQE_F_MORE);
	close(efd);
}

// A multishot poll on an epoll set that holds its own ring's fd: the NOP's CQE wakes the set through the ring
// fd, and Linux makes a poll woken by an io_uring posting one-shot (else its own CQE would wake it again, for
// ever: liburing's eploop.t). A pipe's wakeup through the same kind of set leaves the poll multishot.
static void mshot_woken_by_ring_posting_ends(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int ep = epoll_create1(0);
	assert_true(ep >= 0);
	epoll_event ev{};
	ev.events = EPOLLIN;
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, r.fd, &ev), 0);
	prep_poll(r, ep, POLLIN, true, 1);
	assert_int_equal(r.submit(), 1);
	prep_nop(r, 2);
	assert_int_equal(r.submit(), 1);
	bool nop = false, poll_end = false;
	for (int i = 0; i < 2; ++i) {
		assert_int_equal(rp_sys_io_uring_enter(r.fd, 0, 1, lx::ENTER_GETEVENTS, nullptr), 0);
		lx::io_uring_cqe c{};
		assert_true(r.pop(&c));
		if (c.user_data == 2) {
			nop = true;
		} else {
			assert_int_equal(c.user_data, 1);
			assert_true(c.res & POLLIN);
			assert_false(c.flags & lx::CQE_F_MORE); // one-shot: the stream ends with this event
			poll_end = true;
		}
	}
	assert_true(nop && poll_end);
	usleep(10000);
	assert_int_equal(get_events(r), 0);
	assert_int_equal(r.ready(), 0); // and nothing more was generated
	close(ep);

	int p[2];
	assert_int_equal(pipe(p), 0);
	ep = epoll_create1(0);
	assert_true(ep >= 0);
	ev.events = EPOLLIN | EPOLLET;
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	prep_poll(r, ep, POLLIN, true, 3);
	assert_int_equal(r.submit(), 1);
	write_byte(p[1]);
	assert_int_equal(rp_sys_io_uring_enter(r.fd, 0, 1, lx::ENTER_GETEVENTS, nullptr), 0);
	lx::io_uring_cqe c{};
	assert_true(r.pop(&c));
	assert_int_equal(c.user_data, 3);
	assert_true(c.flags & lx::CQE_F_MORE);
	close(ep);
	close(p[0]);
	close(p[1]);
}

// TASKRUN_FLAG on a DEFER_TASKRUN ring: set once the wakeup is there to run (seen at the program's next poll),
// with nothing posted yet; cleared by the enter that runs it.
static void defer_taskrun_flag(void**)
{
	Ring r;
	assert_int_equal(r.init(8, lx::SETUP_SINGLE_ISSUER | lx::SETUP_DEFER_TASKRUN | lx::SETUP_TASKRUN_FLAG), 0);
	int efd = eventfd(0, EFD_NONBLOCK);
	assert_true(efd >= 0);
	prep_poll(r, efd, POLLIN, false, 3);
	assert_int_equal(r.submit(), 1);
	assert_false(r.sq_flags() & lx::SQ_TASKRUN);
	uint64_t one = 1;
	assert_int_equal(write(efd, &one, 8), 8);
	struct pollfd pf = {efd, POLLIN, 0};
	assert_int_equal(poll(&pf, 1, 0), 1);
	assert_int_equal(r.ready(), 0);
	assert_true(r.sq_flags() & lx::SQ_TASKRUN);
	assert_int_equal(get_events(r), 0);
	lx::io_uring_cqe c{};
	assert_true(r.pop(&c));
	assert_int_equal(c.user_data, 3);
	assert_false(r.sq_flags() & lx::SQ_TASKRUN);
	close(efd);
}

// A poll on another ring's fd completes before the enter that posted on that ring returns (both rings, and
// a DEFER_TASKRUN ring polled, as liburing's poll.t does).
static void poll_on_ring_fd(void**)
{
	for (uint32_t flags : {0u, lx::SETUP_SINGLE_ISSUER | lx::SETUP_DEFER_TASKRUN}) {
		Ring polled, poller;
		assert_int_equal(polled.init(8, flags), 0);
		assert_int_equal(poller.init(8), 0);
		prep_poll(poller, polled.fd, POLLIN, false, 5);
		assert_int_equal(poller.submit(), 1);
		assert_int_equal(poller.ready(), 0);
		prep_nop(polled, 6);
		assert_int_equal(polled.submit(), 1);
		lx::io_uring_cqe c{};
		assert_true(poller.pop(&c));
		assert_int_equal(c.user_data, 5);
		assert_true(c.res & POLLIN);
	}
}

// Many polls with one user_data on the ring's own fd: one NOP completes every one of them.
static void many_self_polls(void**)
{
	Ring r;
	assert_int_equal(r.init(1024, lx::SETUP_CQSIZE, 8192), 0);
	for (int batch = 0; batch < 4; ++batch) {
		for (int i = 0; i < 1024; ++i)
			prep_poll(r, r.fd, POLLIN, false, 0);
		assert_int_equal(r.submit(), 1024);
	}
	prep_nop(r, 1);
	assert_int_equal(r.submit(), 1);
	assert_int_equal(get_events(r), 0);
	assert_int_equal(r.ready(), 4097);
}

// Linux: a multishot poll whose event finds the CQ full does not overflow it; it ends, and its last CQE (without
// F_MORE) is the one that goes to the overflow list.
static void mshot_full_cq_ends(void**)
{
	Ring r;
	assert_int_equal(r.init(2, lx::SETUP_CQSIZE, 2), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	prep_poll(r, p[0], POLLIN, true, 1);
	assert_int_equal(r.submit(), 1);
	for (int i = 0; i < 3; ++i) {
		write_byte(p[1]);
		assert_int_equal(get_events(r), 0);
		read_byte(p[0]);
	}
	assert_true(r.sq_flags() & lx::SQ_CQ_OVERFLOW);
	lx::io_uring_cqe c[3];
	assert_true(r.pop(&c[0]));
	assert_true(r.pop(&c[1]));
	assert_int_equal(get_events(r), 0); // flushes the overflow
	assert_true(r.pop(&c[2]));
	for (int i = 0; i < 3; ++i) {
		assert_int_equal(c[i].user_data, 1);
		assert_true(c[i].res & POLLIN);
		assert_int_equal(bool(c[i].flags & lx::CQE_F_MORE), i < 2);
	}
	// The request is gone: removing it finds nothing.
	lx::io_uring_sqe* s = r.get_sqe();
	prep(s, lx::OP_POLL_REMOVE, -1, 1, 0, 0, 2);
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c[0]));
	assert_int_equal(c[0].user_data, 2);
	assert_int_equal(c[0].res, -ENOENT);
	close(p[0]);
	close(p[1]);
}

// With completions already waiting in the overflow list, a multishot event cannot post around them either: the
// poll ends behind them.
static void mshot_after_overflow_ends(void**)
{
	Ring r;
	assert_int_equal(r.init(2, lx::SETUP_CQSIZE, 2), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	prep_poll(r, p[0], POLLIN, true, 1);
	prep_nop(r, 10);
	assert_int_equal(r.submit(), 2);
	prep_nop(r, 11);
	prep_nop(r, 12);
	assert_int_equal(r.submit(), 2);
	assert_true(r.sq_flags() & lx::SQ_CQ_OVERFLOW);
	write_byte(p[1]);
	assert_int_equal(get_events(r), 0);
	lx::io_uring_cqe c{};
	int polls = 0;
	uint64_t last = 0;
	uint32_t last_flags = 0;
	for (int guard = 0; guard < 16; ++guard) {
		if (!r.pop(&c)) {
			if (!(r.sq_flags() & lx::SQ_CQ_OVERFLOW))
				break;
			assert_int_equal(get_events(r), 0);
			continue;
		}
		last = c.user_data;
		last_flags = c.flags;
		if (c.user_data == 1)
			++polls;
	}
	assert_int_equal(polls, 1);
	assert_int_equal(last, 1);
	assert_false(last_flags & lx::CQE_F_MORE);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(mshot_event_before_enter), cmocka_unit_test(defer_taskrun_posts_on_getevents),
	    cmocka_unit_test(defer_taskrun_flag),       cmocka_unit_test(poll_on_ring_fd),
	    cmocka_unit_test(many_self_polls),          cmocka_unit_test(mshot_full_cq_ends),
	    cmocka_unit_test(mshot_after_overflow_ends), cmocka_unit_test(defer_taskrun_mshot_arming_event_waits),
	    cmocka_unit_test(mshot_woken_by_ring_posting_ends),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
