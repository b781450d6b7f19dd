// shim::cancel_task, Linux's io_uring_task_cancel (what the reference kernel runs at exec): every request of
// one task ends with -ECANCELED, its link successors and drained requests with it, while another task's
// requests on the same ring keep running. The task is rp_host_task_id of the submitting thread (hosted: the
// tid), so two threads of this process play the two tasks.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <ringport/shim/shim.hpp>

#include <sys/syscall.h>
#include <thread>

using namespace shimtest;

namespace {

lx::kernel_timespec ten_seconds{10, 0};

void prep_timeout(lx::io_uring_sqe* s, uint64_t ud, uint8_t flags = 0)
{
	prep(s, lx::OP_TIMEOUT, -1, uint64_t(&ten_seconds), 1, 0, ud);
	s->flags = flags;
}

// The task id the shim gives requests submitted by the calling thread (the hosted host's: its tid).
uint64_t my_task() { return uint64_t(syscall(SYS_gettid)); }

// Runs fn on another thread (another task) and returns that task's id.
template <class Fn>
uint64_t on_other_task(Fn fn)
{
	uint64_t task = 0;
	std::thread t([&] {
		task = my_task();
		fn();
	});
	t.join();
	return task;
}

void expect_cqe(Ring& r, uint64_t ud, int32_t res)
{
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	assert_int_equal(c.user_data, ud);
	assert_int_equal(c.res, res);
}

} // namespace

// timeout.t's test_timeout_link_cancel in one process: a 10 s timeout linked to a NOP, and the task that
// submitted them "execs". Both complete with -ECANCELED, the timeout first, at once.
static void link_chain_is_cancelled(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	uint64_t task = on_other_task([&] {
		prep_timeout(r.get_sqe(), 1, lx::SQE_IO_LINK);
		prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 2);
		assert_int_equal(r.submit(), 2);
	});
	assert_int_equal(r.ready(), 0);
	auto start = std::chrono::steady_clock::now();
	ringport::shim::cancel_task(task);
	// Already there when cancel_task returns: exec does not go on before the CQEs are posted.
	assert_int_equal(r.ready(), 2);
	expect_cqe(r, 1, -ECANCELED);
	expect_cqe(r, 2, -ECANCELED);
	assert_true(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

// Only the named task's requests go: the other task's timeout keeps running until its own cancellation.
static void other_tasks_keep_their_requests(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	prep_timeout(r.get_sqe(), 10);
	assert_int_equal(r.submit(), 1);
	uint64_t task = on_other_task([&] {
		prep_timeout(r.get_sqe(), 20);
		assert_int_equal(r.submit(), 1);
	});
	ringport::shim::cancel_task(task);
	expect_cqe(r, 20, -ECANCELED);
	usleep(50000); // time for a wrongful completion of this thread's timeout to show
	assert_int_equal(r.ready(), 0);
	ringport::shim::cancel_task(my_task());
	expect_cqe(r, 10, -ECANCELED);
}

// A drained request waiting for an earlier one has not been issued: it is cancelled as well, and a task
// with nothing in flight (or an id no thread has) changes nothing.
static void drained_requests_and_idle_tasks(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	uint64_t task = on_other_task([&] {
		prep_timeout(r.get_sqe(), 1);
		prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 2);
		r.sqes[(r.sq_tail - 1) & (r.p.sq_entries - 1)].flags = lx::SQE_IO_DRAIN;
		assert_int_equal(r.submit(), 2);
	});
	ringport::shim::cancel_task(my_task());
	ringport::shim::cancel_task(~uint64_t(0));
	assert_int_equal(r.ready(), 0);
	ringport::shim::cancel_task(task);
	int32_t res[3] = {0, 0, 0};
	for (int i = 0; i < 2; ++i) {
		lx::io_uring_cqe c{};
		assert_true(r.next(&c));
		assert_true(c.user_data == 1 || c.user_data == 2);
		res[c.user_data] = c.res;
	}
	assert_int_equal(res[1], -ECANCELED);
	assert_int_equal(res[2], -ECANCELED);
	// The ring goes on working for everyone.
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 3);
	assert_int_equal(r.submit(), 1);
	expect_cqe(r, 3, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(link_chain_is_cancelled),
	    cmocka_unit_test(other_tasks_keep_their_requests),
	    cmocka_unit_test(drained_requests_and_idle_tasks),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
