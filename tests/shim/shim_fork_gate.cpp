// Fork while the OS's own threads are busy allocating: the child must never inherit an allocator lock (or a
// half-changed OS table) from one of them. glibc's malloc takes its locks around fork; clang 14's ASan allocator
// takes none, so before the fork gate (os/hosted/include/ringport/fork_gate.hpp) a child whose new OS thread, or
// whose LeakSanitizer at exit, needed a lock a parent's OS thread held at the fork hung for good (issue #12).
//
// The parent's only program thread is the one that forks; its allocations never overlap a fork. The parent's
// OS threads allocate all the time: hard-linked chains of short TIMEOUTs, each of which the reactor completes
// and whose successor it issues itself (the shim runs the chain from the OS thread that posted: a new native op,
// a timer node, the old ones freed), kept going throughout. Each child makes a ring of its own, waits for a
// timer there (a new reactor thread that allocates) and exits normally (LeakSanitizer's check in sanitizer
// builds). A child that does not finish in time is a hang: killed, and the test fails.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <csignal>
#include <ctime>
#include <sys/wait.h>
#include <unistd.h>

using namespace shimtest;

namespace {

constexpr unsigned kChain = 64;  // timeouts per hard-linked chain
constexpr unsigned kChains = 4;  // chains in flight at once
constexpr int kForks = 40;
constexpr int kChildSeconds = 10; // a child lives a few milliseconds; this long only when it hangs

lx::kernel_timespec g_short{0, 2000}; // 2 us: the reactor's timer fires almost at once

uint64_t now_ms()
{
	timespec t{};
	clock_gettime(CLOCK_MONOTONIC, &t);
	return uint64_t(t.tv_sec) * 1000 + uint64_t(t.tv_nsec) / 1000000;
}

// The parent's load: chains whose links the OS issues from its own threads.
struct Load {
	Ring r;
	unsigned outstanding = 0; // CQEs still to come
	unsigned bad = 0;

	void submit_chain()
	{
		for (unsigned i = 0; i < kChain; ++i) {
			lx::io_uring_sqe* s = r.get_sqe();
			assert_non_null(s);
			prep(s, lx::OP_TIMEOUT, -1, uint64_t(&g_short), 1, 0, i);
			if (i + 1 < kChain)
				s->flags = lx::SQE_IO_HARDLINK; // an expired timeout (-ETIME) does not break a hard link
		}
		assert_int_equal(r.submit(), int(kChain));
		outstanding += kChain;
	}
	// Reaps what is there and (unless draining) keeps kChains chains going.
	void pump(bool refill = true)
	{
		lx::io_uring_cqe c{};
		while (r.pop(&c)) {
			if (c.res != -ETIME)
				++bad;
			--outstanding;
		}
		while (refill && outstanding + kChain <= kChain * kChains)
			submit_chain();
	}
};

// The child: a ring of its own, one timer on it (its own reactor thread), then a normal exit.
[[noreturn]] void child()
{
	alarm(kChildSeconds + 5); // a hung child never outlives the test
	int rc = 1;
	{
		Ring own;
		if (own.init(4) == 0) {
			static lx::kernel_timespec ms{0, 1000000};
			prep(own.get_sqe(), lx::OP_TIMEOUT, -1, uint64_t(&ms), 1, 0, 9);
			lx::io_uring_cqe c{};
			if (own.submit() == 1 && own.next(&c) && c.user_data == 9 && c.res == -ETIME)
				rc = 0;
		}
	}
	exit(rc);
}

} // namespace

static void fork_while_os_threads_allocate(void**)
{
	alarm(240); // a hang in the parent itself (a fork that never finishes) fails rather than hangs the run
	Load load;
	assert_int_equal(load.r.init(256, lx::SETUP_CQSIZE, 4096), 0);
	load.pump();
	int hung = 0, failed = 0;
	for (int i = 0; i < kForks; ++i) {
		load.pump();
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			child();
		// Keep the OS threads busy while the child runs, and give it kChildSeconds.
		const uint64_t deadline = now_ms() + kChildSeconds * 1000;
		int status = 0;
		pid_t got = 0;
		while ((got = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < deadline) {
			load.pump();
			timespec pause{0, 200000};
			nanosleep(&pause, nullptr);
		}
		if (got == 0) {
			++hung;
			print_message("fork %d: the child hung\n", i);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			++failed;
			print_message("fork %d: the child %s %d\n", i, WIFEXITED(status) ? "exited" : "died of signal",
			              WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		}
	}
	while (load.outstanding) {
		load.pump(false);
		if (load.outstanding)
			load.r.wait(1);
	}
	alarm(0);
	assert_int_equal(hung, 0);
	assert_int_equal(failed, 0);
	assert_int_equal(load.bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fork_while_os_threads_allocate),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
