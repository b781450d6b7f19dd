// Linux io_uring semantics the shim owns: links and hard links, drain, CQE_SKIP_SUCCESS, CQ overflow with
// NODROP, timeouts, cancellation races and asynchronous posting.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <algorithm>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

using namespace shimtest;

static lx::io_uring_cqe must_next(Ring& r)
{
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	return c;
}

static void prep_nop_result(lx::io_uring_sqe* s, int32_t res, uint64_t ud)
{
	prep(s, lx::OP_NOP, -1, 0, uint32_t(res), 0, ud);
	s->nop_flags = lx::NOP_INJECT_RESULT;
}

// A failing request breaks an IO_LINK chain: the rest complete with -ECANCELED, in order.
static void link_failure_propagates(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 1);
	r.sqes[0].flags = lx::SQE_IO_LINK;
	auto* s = r.get_sqe();
	prep_nop_result(s, -EIO, 2);
	s->flags = lx::SQE_IO_LINK;
	s = r.get_sqe();
	prep(s, lx::OP_NOP, -1, 0, 0, 0, 3);
	s->flags = lx::SQE_IO_LINK;
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 4);
	assert_int_equal(r.submit(4), 4);
	int32_t want[] = {0, -EIO, -ECANCELED, -ECANCELED};
	for (int i = 0; i < 4; ++i) {
		lx::io_uring_cqe c = must_next(r);
		assert_int_equal(c.user_data, uint64_t(i + 1));
		assert_int_equal(c.res, want[i]);
	}
}

// A hard link keeps the chain going past a failure.
static void hardlink_continues(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	auto* s = r.get_sqe();
	prep_nop_result(s, -EIO, 1);
	s->flags = lx::SQE_IO_HARDLINK;
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 2);
	assert_int_equal(r.submit(2), 2);
	assert_int_equal(must_next(r).res, -EIO);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.user_data, 2);
	assert_int_equal(c.res, 0);
}

// A request that fails at init takes its whole chain down, hard links included; submission goes on.
static void init_failure_in_link(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	auto* s = r.get_sqe();
	prep(s, lx::OP_NOP, -1, 0, 0, 0, 1);
	s->flags = lx::SQE_IO_HARDLINK;
	s = r.get_sqe();
	prep(s, lx::OP_NOP, -1, 0, 0, 0, 2);
	s->flags = 0x80; // unknown SQE flag
	assert_int_equal(r.submit(2), 2);
	lx::io_uring_cqe a = must_next(r), b = must_next(r);
	assert_int_equal(a.user_data, 1);
	assert_int_equal(a.res, -ECANCELED);
	assert_int_equal(b.user_data, 2);
	assert_int_equal(b.res, -EINVAL);
}

// Short reads break links (not hard links), as on Linux.
static void short_read_breaks_link(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "ab", 2), 2);
	char buf[16];
	auto* s = r.get_sqe();
	prep(s, lx::OP_READ, fds[0], uint64_t(buf), sizeof(buf), ~0ull, 1);
	s->flags = lx::SQE_IO_LINK;
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 2);
	assert_int_equal(r.submit(2), 2);
	lx::io_uring_cqe a = must_next(r), b = must_next(r);
	assert_int_equal(a.res, 2);
	assert_int_equal(b.user_data, 2);
	assert_int_equal(b.res, -ECANCELED);
	close(fds[0]);
	close(fds[1]);
}

// IO_DRAIN: the drained request starts only after everything submitted before it completed.
static void drain_orders(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	char buf[4];
	prep(r.get_sqe(), lx::OP_READ, fds[0], uint64_t(buf), 1, ~0ull, 1);
	auto* s = r.get_sqe();
	prep(s, lx::OP_NOP, -1, 0, 0, 0, 2);
	s->flags = lx::SQE_IO_DRAIN;
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 3);
	assert_int_equal(r.submit(), 3);
	usleep(20000);
	lx::io_uring_cqe c;
	assert_false(r.pop(&c)); // the NOPs wait behind the read
	assert_int_equal(write(fds[1], "x", 1), 1);
	uint64_t order[3];
	for (int i = 0; i < 3; ++i)
		order[i] = must_next(r).user_data;
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 3);
	close(fds[0]);
	close(fds[1]);
}

// CQE_SKIP_SUCCESS hides successes only; DRAIN is refused once skipping was used.
static void skip_success(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	auto* s = r.get_sqe();
	prep(s, lx::OP_NOP, -1, 0, 0, 0, 1);
	s->flags = lx::SQE_CQE_SKIP_SUCCESS;
	s = r.get_sqe();
	prep_nop_result(s, -EPERM, 2);
	s->flags = lx::SQE_CQE_SKIP_SUCCESS;
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 3);
	assert_int_equal(r.submit(), 3);
	lx::io_uring_cqe a = must_next(r), b = must_next(r);
	assert_int_equal(a.user_data, 2);
	assert_int_equal(a.res, -EPERM);
	assert_int_equal(b.user_data, 3);
	s = r.get_sqe();
	prep(s, lx::OP_NOP, -1, 0, 0, 0, 4);
	s->flags = lx::SQE_IO_DRAIN;
	assert_int_equal(r.submit(1), 1);
	assert_int_equal(must_next(r).res, -EOPNOTSUPP);
}

// 100,000 completions into a 4-entry CQ: every one kept (NODROP), in order, overflow flag set then cleared.
static void overflow_keeps_everything(void**)
{
	Ring r;
	assert_int_equal(r.init(2, lx::SETUP_CQSIZE, 4), 0);
	constexpr uint64_t kTotal = 100000;
	uint64_t submitted = 0;
	while (submitted < kTotal) {
		for (int i = 0; i < 2 && submitted < kTotal; ++i)
			prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, ++submitted);
		assert_true(r.submit() > 0);
	}
	assert_true(r.sq_flags() & lx::SQ_CQ_OVERFLOW);
	assert_int_equal(*Ring::u32(r.cq, r.p.cq_off.overflow), 0); // nothing dropped
	uint64_t expect = 1;
	lx::io_uring_cqe c;
	while (expect <= kTotal) {
		if (!r.pop(&c)) {
			assert_int_equal(r.wait(1), 0); // flushes the overflow list
			continue;
		}
		assert_int_equal(c.user_data, expect);
		assert_int_equal(c.res, 0);
		++expect;
	}
	assert_false(r.pop(&c));
	assert_false(r.sq_flags() & lx::SQ_CQ_OVERFLOW);
}

// Timeouts complete in deadline order, whatever the submission order.
static void timeouts_fire_in_order(void**)
{
	Ring r;
	assert_int_equal(r.init(16), 0);
	int ms[] = {60, 20, 80, 40, 10};
	lx::kernel_timespec ts[5];
	for (int i = 0; i < 5; ++i) {
		ts[i] = {0, ms[i] * 1000000L};
		prep(r.get_sqe(), lx::OP_TIMEOUT, -1, uint64_t(&ts[i]), 1, 0, uint64_t(ms[i]));
	}
	assert_int_equal(r.submit(), 5);
	uint64_t last = 0;
	for (int i = 0; i < 5; ++i) {
		lx::io_uring_cqe c = must_next(r);
		assert_int_equal(c.res, -ETIME);
		assert_true(c.user_data > last);
		last = c.user_data;
	}
}

// A count timeout completes with 0 after its count; removal cancels it.
static void count_timeout_and_remove(void**)
{
	Ring r;
	assert_int_equal(r.init(16), 0);
	lx::kernel_timespec ts{5, 0};
	prep(r.get_sqe(), lx::OP_TIMEOUT, -1, uint64_t(&ts), 1, 2, 100);
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 1);
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 2);
	assert_int_equal(r.submit(), 3);
	int seen_timeout = 0;
	for (int i = 0; i < 3; ++i) {
		lx::io_uring_cqe c = must_next(r);
		if (c.user_data == 100) {
			assert_int_equal(c.res, 0);
			++seen_timeout;
		}
	}
	assert_int_equal(seen_timeout, 1);
	prep(r.get_sqe(), lx::OP_TIMEOUT, -1, uint64_t(&ts), 1, 0, 200);
	assert_int_equal(r.submit(), 1);
	prep(r.get_sqe(), lx::OP_TIMEOUT_REMOVE, -1, 200, 0, 0, 201);
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe a = must_next(r), b = must_next(r);
	assert_int_equal(a.user_data, 201); // the remover's CQE comes first, as on Linux
	assert_int_equal(a.res, 0);
	assert_int_equal(b.user_data, 200);
	assert_int_equal(b.res, -ECANCELED);
	prep(r.get_sqe(), lx::OP_TIMEOUT_REMOVE, -1, 200, 0, 0, 202);
	assert_int_equal(r.submit(), 1);
	assert_int_equal(must_next(r).res, -ENOENT);
}

// Cancelling reads while data arrives: every read completes exactly once, with data or -ECANCELED.
static void cancel_races(void**)
{
	Ring r;
	assert_int_equal(r.init(64), 0);
	for (int round = 0; round < 50; ++round) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		char buf[8][4];
		for (int i = 0; i < 8; ++i)
			prep(r.get_sqe(), lx::OP_READ, fds[0], uint64_t(buf[i]), 1, ~0ull, 10 + i);
		assert_int_equal(r.submit(), 8);
		std::thread writer([&] {
			for (int i = 0; i < 4; ++i)
				(void)!write(fds[1], "y", 1);
		});
		auto* s = r.get_sqe();
		prep(s, lx::OP_ASYNC_CANCEL, fds[0], 0, 0, 0, 99);
		s->cancel_flags = lx::ASYNC_CANCEL_FD | lx::ASYNC_CANCEL_ALL;
		assert_int_equal(r.submit(), 1);
		writer.join();
		int done[8] = {}, data = 0, canceled = 0, cancel_cqes = 0;
		for (int i = 0; i < 9; ++i) {
			lx::io_uring_cqe c = must_next(r);
			if (c.user_data == 99) {
				++cancel_cqes;
				assert_true(c.res >= 0 && c.res <= 8);
				continue;
			}
			assert_true(c.user_data >= 10 && c.user_data < 18);
			++done[c.user_data - 10];
			if (c.res == 1)
				++data;
			else {
				assert_int_equal(c.res, -ECANCELED);
				++canceled;
			}
		}
		assert_int_equal(cancel_cqes, 1);
		for (int i = 0; i < 8; ++i)
			assert_int_equal(done[i], 1);
		assert_int_equal(data + canceled, 8);
		assert_true(data <= 4);
		close(fds[0]);
		close(fds[1]);
		lx::io_uring_cqe c;
		assert_false(r.pop(&c));
	}
}

// Completions appear on the CQ without the program entering (no DEFER_TASKRUN).
static void posted_without_enter(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	char buf[4];
	prep(r.get_sqe(), lx::OP_READ, fds[0], uint64_t(buf), 1, ~0ull, 1);
	assert_int_equal(r.submit(), 1);
	std::thread writer([&] {
		usleep(10000);
		(void)!write(fds[1], "z", 1);
	});
	lx::io_uring_cqe c;
	bool seen = false;
	for (int i = 0; i < 2000000 && !seen; ++i) {
		seen = r.pop(&c); // spin on the ring only
		if (!seen)
			usleep(1);
	}
	writer.join();
	assert_true(seen);
	assert_int_equal(c.res, 1);
	close(fds[0]);
	close(fds[1]);
}

// The ring fd is readable in poll() while the CQ holds completions.
static void ring_fd_polls(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	struct pollfd pfd = {r.fd, POLLIN, 0};
	assert_int_equal(poll(&pfd, 1, 0), 0);
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 1);
	assert_int_equal(r.submit(), 1);
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	assert_true(pfd.revents & POLLIN);
	lx::io_uring_cqe c;
	assert_true(r.pop(&c));
	assert_int_equal(poll(&pfd, 1, 0), 0);
}

// Registered files outlive the program's fd; fixed buffers are bounds-checked; provided buffers are picked.
static void registered_resources(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	int files[2] = {-1, fds[0]};
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_FILES, files, 2), 0);
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_FILES, files, 2), -EBUSY);
	close(fds[0]); // the table keeps the file
	assert_int_equal(write(fds[1], "hello", 5), 5);
	char buf[8] = {};
	auto* s = r.get_sqe();
	prep(s, lx::OP_READ, 1, uint64_t(buf), 2, ~0ull, 1);
	s->flags = lx::SQE_FIXED_FILE;
	s = r.get_sqe();
	prep(s, lx::OP_READ, 0, uint64_t(buf), 2, ~0ull, 2); // empty slot
	s->flags = lx::SQE_FIXED_FILE;
	assert_int_equal(r.submit(), 2);
	for (int i = 0; i < 2; ++i) {
		lx::io_uring_cqe c = must_next(r);
		assert_int_equal(c.res, c.user_data == 1 ? 2 : -EBADF);
	}
	// A fixed buffer read outside the registered range is -EFAULT.
	static char fixed[64];
	struct {
		void* base;
		size_t len;
	} iov = {fixed, sizeof(fixed)};
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_BUFFERS, &iov, 1), 0);
	s = r.get_sqe();
	prep(s, lx::OP_READ_FIXED, 1, uint64_t(fixed + 60), 8, ~0ull, 3);
	s->flags = lx::SQE_FIXED_FILE;
	assert_int_equal(r.submit(), 1);
	assert_int_equal(must_next(r).res, -EFAULT);
	// Provided buffers: the read takes one and the CQE names it.
	static char pool[4][16];
	s = r.get_sqe();
	prep(s, lx::OP_PROVIDE_BUFFERS, 4, uint64_t(pool), 16, 100, 4);
	s->buf_group = 7;
	assert_int_equal(r.submit(), 1);
	assert_int_equal(must_next(r).res, 0);
	s = r.get_sqe();
	prep(s, lx::OP_READ, 1, 0, 16, ~0ull, 5);
	s->flags = lx::SQE_FIXED_FILE | lx::SQE_BUFFER_SELECT;
	s->buf_group = 7;
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 3); // "llo"
	assert_true(c.flags & lx::CQE_F_BUFFER);
	assert_int_equal(c.flags >> lx::CQE_BUFFER_SHIFT, 100);
	assert_memory_equal(pool[0], "llo", 3);
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::UNREGISTER_FILES, nullptr, 0), 0);
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::UNREGISTER_FILES, nullptr, 0), -ENXIO);
	// Without a table, a direct socket finds no free slot to allocate (ENFILE); a named slot does not exist.
	s = r.get_sqe();
	prep(s, lx::OP_SOCKET, AF_UNIX, 0, 0, SOCK_DGRAM, 6);
	s->file_index = lx::FILE_INDEX_ALLOC;
	assert_int_equal(r.submit(), 1);
	assert_int_equal(must_next(r).res, -ENFILE);
	s = r.get_sqe();
	prep(s, lx::OP_SOCKET, AF_UNIX, 0, 0, SOCK_DGRAM, 7);
	s->file_index = 1;
	assert_int_equal(r.submit(), 1);
	assert_int_equal(must_next(r).res, -ENXIO);
	close(fds[1]);
}

// A link timeout cancels a request that does not finish in time; the chain behind it is cancelled.
static void link_timeout_fires(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	char buf[4];
	lx::kernel_timespec ts{0, 10 * 1000 * 1000};
	auto* s = r.get_sqe();
	prep(s, lx::OP_READ, fds[0], uint64_t(buf), 1, 0, 1);
	s->flags = lx::SQE_IO_LINK;
	s = r.get_sqe();
	prep(s, lx::OP_LINK_TIMEOUT, -1, uint64_t(&ts), 1, 0, 2);
	s->flags = lx::SQE_IO_LINK;
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 3);
	assert_int_equal(r.submit(), 3);
	int32_t res[4] = {};
	for (int i = 0; i < 3; ++i) {
		lx::io_uring_cqe c = must_next(r);
		res[c.user_data] = c.res;
	}
	assert_int_equal(res[1], -ECANCELED);
	assert_int_equal(res[2], -ETIME);
	assert_int_equal(res[3], -ECANCELED);
	close(fds[0]);
	close(fds[1]);
}

// Linux io_uring waits for a pipe that would block even when it is O_NONBLOCK (FAST_POLL); RWF_NOWAIT asks for
// -EAGAIN instead. The waiting is the OS's (RP_SQE_WAIT_READY), not the shim's.
static void nonblocking_pipe_read_waits(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int fds[2];
	assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
	char buf[8] = {};
	prep(r.get_sqe(), lx::OP_READ, fds[0], uint64_t(buf), sizeof buf, ~0ull, 1);
	auto* s = r.get_sqe();
	prep(s, lx::OP_READ, fds[0], uint64_t(buf), sizeof buf, ~0ull, 2);
	s->rw_flags = 0x8; // RWF_NOWAIT
	assert_int_equal(r.submit(), 2);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.user_data, 2);
	assert_int_equal(c.res, -EAGAIN);
	timespec pause{0, 20 * 1000 * 1000};
	nanosleep(&pause, nullptr);
	assert_int_equal(r.ready(), 0u); // the first read still waits
	assert_int_equal(write(fds[1], "hello", 5), 5);
	c = must_next(r);
	assert_int_equal(c.user_data, 1);
	assert_int_equal(c.res, 5);
	assert_memory_equal(buf, "hello", 5);
	close(fds[0]);
	close(fds[1]);
}

// A multishot poll on the ring's own registered eventfd becomes one-shot (Linux: when io_uring's own signal
// triggers it); the OS says which file it is (RP_OP_FILE_INFO). On another eventfd it stays multishot.
static void mshot_poll_on_own_eventfd_is_oneshot(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int own = eventfd(0, EFD_CLOEXEC), other = eventfd(0, EFD_CLOEXEC);
	assert_true(own >= 0 && other >= 0);
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_EVENTFD, &own, 1), 0);
	auto* s = r.get_sqe();
	prep(s, lx::OP_POLL_ADD, own, 0, lx::POLL_ADD_MULTI, 0, 1);
	s->poll32_events = POLLIN;
	s = r.get_sqe();
	prep(s, lx::OP_POLL_ADD, other, 0, lx::POLL_ADD_MULTI, 0, 2);
	s->poll32_events = POLLIN;
	assert_int_equal(r.submit(), 2);
	uint64_t one = 1;
	assert_int_equal(write(other, &one, 8), 8);
	lx::io_uring_cqe c = must_next(r); // the other eventfd's event, which also signals the own one
	assert_int_equal(c.user_data, 2);
	assert_true(c.flags & lx::CQE_F_MORE);
	bool own_done = false;
	for (int i = 0; i < 8 && !own_done; ++i) {
		c = must_next(r);
		if (c.user_data == 1) {
			assert_true(c.res & POLLIN);
			assert_false(c.flags & lx::CQE_F_MORE); // one-shot: its first event ends it
			own_done = true;
		}
	}
	assert_true(own_done);
	close(own);
	close(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(link_failure_propagates), cmocka_unit_test(hardlink_continues),
	    cmocka_unit_test(init_failure_in_link),    cmocka_unit_test(short_read_breaks_link),
	    cmocka_unit_test(drain_orders),            cmocka_unit_test(skip_success),
	    cmocka_unit_test(overflow_keeps_everything), cmocka_unit_test(timeouts_fire_in_order),
	    cmocka_unit_test(count_timeout_and_remove), cmocka_unit_test(cancel_races),
	    cmocka_unit_test(posted_without_enter),    cmocka_unit_test(ring_fd_polls),
	    cmocka_unit_test(registered_resources),    cmocka_unit_test(link_timeout_fires),
	    cmocka_unit_test(nonblocking_pipe_read_waits), cmocka_unit_test(mshot_poll_on_own_eventfd_is_oneshot),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
