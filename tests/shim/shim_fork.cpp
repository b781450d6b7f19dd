// A ring shared across fork: both processes submit and reap on it, each executes what it submits, a process
// that execs or exits leaves a CQE for each of its requests, and concurrent posting loses nothing.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <sched.h>
#include <vector>
#include <sys/mman.h>
#include <sys/wait.h>

using namespace shimtest;

static lx::io_uring_cqe must_next(Ring& r)
{
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	return c;
}

static void nop(Ring& r, uint64_t ud) { prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, ud); }

static int child_status(pid_t pid)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The child's checks end the child: a failed one exits with its line number.
#define CHILD_CHECK(cond)                                                                                      \
	do {                                                                                                         \
		if (!(cond))                                                                                             \
			exit(__LINE__ % 200 + 1);                                                                            \
	} while (0)

// The child reaps what the parent submitted before the fork, then submits and reaps its own; the parent reaps
// the child's completion after the child is gone and goes on using the ring.
static void both_submit_and_reap(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	nop(r, 1);
	assert_int_equal(r.submit(), 1);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		lx::io_uring_cqe c{};
		CHILD_CHECK(r.next(&c) && c.user_data == 1 && c.res == 0);
		nop(r, 2);
		CHILD_CHECK(r.submit() == 1);
		exit(0);
	}
	assert_int_equal(child_status(pid), 0);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.user_data, 2);
	assert_int_equal(c.res, 0);
	r.sq_tail = *Ring::u32(r.sq, r.p.sq_off.tail); // the child moved the SQ on
	nop(r, 3);
	assert_int_equal(r.submit(1), 1);
	c = must_next(r);
	assert_int_equal(c.user_data, 3);
	assert_false(r.pop(&c));
}

// A read the parent submitted completes in the parent (its pipe, its memory) while the child sleeps in enter;
// the child is woken by the parent's post and reaps it.
static void child_reaps_parent_request(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	char buf[8] = {};
	prep(r.get_sqe(), lx::OP_READ, fds[0], uint64_t(buf), sizeof(buf), 0, 7);
	assert_int_equal(r.submit(), 1);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		lx::io_uring_cqe c{};
		CHILD_CHECK(r.next(&c) && c.user_data == 7 && c.res == 3);
		exit(0);
	}
	assert_int_equal(write(fds[1], "abc", 3), 3);
	assert_int_equal(child_status(pid), 0);
	assert_memory_equal(buf, "abc", 3);
	close(fds[0]);
	close(fds[1]);
}

// ASYNC_CANCEL in the child finds the parent's pending read: the parent cancels it (its CQE says -ECANCELED)
// and the cancel reports it found.
static void child_cancels_parent_request(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	char buf[8];
	prep(r.get_sqe(), lx::OP_READ, fds[0], uint64_t(buf), sizeof(buf), 0, 1);
	assert_int_equal(r.submit(), 1);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prep(r.get_sqe(), lx::OP_ASYNC_CANCEL, -1, 1, 0, 0, 2);
		CHILD_CHECK(r.submit() == 1);
		int32_t res[3] = {1, 1, 1};
		for (int i = 0; i < 2; ++i) {
			lx::io_uring_cqe c{};
			CHILD_CHECK(r.next(&c) && (c.user_data == 1 || c.user_data == 2));
			res[c.user_data] = c.res;
		}
		CHILD_CHECK(res[1] == -ECANCELED && res[2] == 0);
		exit(0);
	}
	assert_int_equal(child_status(pid), 0);
	close(fds[0]);
	close(fds[1]);
}

// exec cancels the child's requests: a linked TIMEOUT and the NOP after it both complete with -ECANCELED.
static void exec_cancels_linked_timeout(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		lx::kernel_timespec ts{100, 0};
		auto* s = r.get_sqe();
		prep(s, lx::OP_TIMEOUT, -1, uint64_t(&ts), 1, 0, 1);
		s->flags = lx::SQE_IO_LINK;
		nop(r, 2);
		CHILD_CHECK(r.submit() == 2);
		execl("/bin/true", "true", static_cast<char*>(nullptr));
		exit(99);
	}
	assert_int_equal(child_status(pid), 0);
	int32_t res[3] = {1, 1, 1};
	for (int i = 0; i < 2; ++i) {
		lx::io_uring_cqe c = must_next(r);
		assert_true(c.user_data == 1 || c.user_data == 2);
		res[c.user_data] = c.res;
	}
	assert_int_equal(res[1], -ECANCELED);
	assert_int_equal(res[2], -ECANCELED);
}

// A process that exits with a read still pending leaves -ECANCELED for it (its fd table and memory are gone);
// its plain timeout is given the time to fire, as Linux keeps running it.
static void exit_leaves_completions(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static char buf[8];
		static lx::kernel_timespec ts{0, 20 * 1000 * 1000};
		prep(r.get_sqe(), lx::OP_READ, fds[0], uint64_t(buf), sizeof(buf), 0, 1);
		prep(r.get_sqe(), lx::OP_TIMEOUT, -1, uint64_t(&ts), 1, 0, 2);
		CHILD_CHECK(r.submit() == 2);
		exit(0);
	}
	assert_int_equal(child_status(pid), 0);
	int32_t res[3] = {1, 1, 1};
	for (int i = 0; i < 2; ++i) {
		lx::io_uring_cqe c = must_next(r);
		assert_true(c.user_data == 1 || c.user_data == 2);
		res[c.user_data] = c.res;
	}
	assert_int_equal(res[1], -ECANCELED);
	assert_int_equal(res[2], -ETIME);
	close(fds[0]);
	close(fds[1]);
}

// Both processes submit 10,000 NOPs each through the one SQ (taking turns on it, as programs sharing an SQ
// must) and post concurrently; the parent reaps all 20,000 as they come, each exactly once.
static void concurrent_posting_loses_nothing(void**)
{
	constexpr uint32_t kEach = 10000, kBatch = 16;
	Ring r;
	assert_int_equal(r.init(64, lx::SETUP_CQSIZE, 1024), 0);
	// The SQ producer side is the program's: a spin lock in shared memory makes it one producer at a time.
	auto* turn = static_cast<uint32_t*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	assert_true(turn != MAP_FAILED);
	std::vector<uint8_t> seen(2 * kEach, 0);
	uint32_t reaped = 0;
	bool bad = false;
	auto reap = [&] {
		lx::io_uring_cqe c{};
		while (r.pop(&c)) {
			uint64_t tag = c.user_data >> 32, i = c.user_data & 0xffffffffu;
			if ((tag != 1 && tag != 2) || i >= kEach || c.res != 0 || seen[(tag - 1) * kEach + i]) {
				bad = true;
				continue;
			}
			seen[(tag - 1) * kEach + i] = 1;
			++reaped;
		}
	};
	auto submit_all = [&](uint64_t tag, bool reaper) {
		for (uint32_t done = 0; done < kEach;) {
			if (reaper)
				reap();
			// Leave room in the CQ for the other process's batch too, so nothing needs the overflow list.
			if (r.p.cq_entries - r.ready() < 4 * kBatch) {
				sched_yield();
				continue;
			}
			uint32_t expected = 0;
			while (!__atomic_compare_exchange_n(turn, &expected, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
				expected = 0;
				sched_yield();
			}
			r.sq_tail = __atomic_load_n(Ring::u32(r.sq, r.p.sq_off.tail), __ATOMIC_ACQUIRE);
			uint32_t n = 0;
			for (; n < kBatch && done + n < kEach; ++n)
				nop(r, tag | (done + n));
			int got = r.submit();
			__atomic_store_n(turn, 0, __ATOMIC_RELEASE);
			if (got != int(n))
				return false;
			done += n;
		}
		return true;
	};
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(submit_all(2ull << 32, false) ? 0 : 1); // its copies of the parent's test state are no leak
	bool submitted = submit_all(1ull << 32, true);
	assert_true(submitted);
	while (reaped < 2 * kEach && !bad) {
		if (r.ready() == 0) {
			int w = r.wait(1);
			assert_true(w >= 0 || w == -EINTR);
		}
		reap();
	}
	assert_false(bad);
	assert_int_equal(reaped, 2 * kEach);
	assert_int_equal(child_status(pid), 0);
	lx::io_uring_cqe extra{};
	assert_false(r.pop(&extra));
	munmap(turn, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(both_submit_and_reap),
	    cmocka_unit_test(child_reaps_parent_request),
	    cmocka_unit_test(child_cancels_parent_request),
	    cmocka_unit_test(exec_cancels_linked_timeout),
	    cmocka_unit_test(exit_leaves_completions),
	    cmocka_unit_test(concurrent_posting_loses_nothing),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
