// Load and races: 10,000 concurrent Poll ops on pipes, cancellation racing completion (every op completes
// exactly once, and Cancel's answer agrees with how it completed), and destroying rings with every kind of
// operation in flight (run under ASan/TSan to see leaks and races).
#include "rp_test.h"
#include "hosted_test.hpp"

#include <cstdio>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>

using namespace hosted_test;

static int open_fd_count()
{
	int n = 0;
	for (int fd = 0; fd < 20000; ++fd)
		if (fcntl(fd, F_GETFD) >= 0)
			++n;
	return n;
}

static void test_ten_thousand_polls(void**)
{
	// 5,000 pipes (the fd limit here is 20,000), two Polls on each read end.
	rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	const int pipes = 5000, n = 2 * pipes;
	if (rl.rlim_cur < rlim_t(2 * pipes + 64))
		skip();
	std::vector<int> fds(size_t(2 * pipes));
	for (int i = 0; i < pipes; ++i)
		assert_int_equal(pipe2(&fds[size_t(2 * i)], O_CLOEXEC), 0);
	TestRing r(16384, 16384);
	const int threads_before = thread_count();
	for (int i = 0; i < n; ++i) {
		rp_sqe s = sqe(RP_OP_POLL, uint64_t(i));
		s.fd = uint64_t(fds[size_t(2 * (i / 2))]);
		s.syscall_flags = POLLIN;
		r.push(s);
	}
	assert_int_equal(r.enter(0), n);
	assert_true(thread_count() <= threads_before + 2); // the reactor (and a sanitizer's helper thread)
	Completion c;
	assert_false(r.pop(&c));
	for (int i = 0; i < pipes; ++i)
		assert_int_equal(write(fds[size_t(2 * i + 1)], "x", 1), 1);
	std::vector<uint8_t> seen(size_t(n), 0);
	for (int got = 0; got < n; ++got) {
		c = r.wait();
		assert_true(c.user_data < uint64_t(n));
		assert_int_equal(seen[c.user_data], 0);
		seen[c.user_data] = 1;
		assert_int_equal(c.result, POLLIN);
	}
	r.destroy();
	for (int fd : fds)
		close(fd);
}

static void test_cancel_races_completion(void**)
{
	TestRing r(1024, 4096);
	const int rounds = 300;
	int p[2];
	assert_int_equal(pipe(p), 0);
	char bufs[rounds];
	int cancelled = 0, completed = 0;
	for (int i = 0; i < rounds; ++i) {
		r.push(rw(RP_OP_READ, p[0], &bufs[i], 1, 0, uint64_t(i)));
		assert_int_equal(r.enter(0), 1);
		// A writer races the cancel.
		std::thread t([&] { assert_int_equal(write(p[1], "d", 1), 1); });
		// Spread the cancel around the moment the reactor sees the data.
		if (i % 3)
			std::this_thread::sleep_for(std::chrono::microseconds((i * 7) % 90));
		rp_sqe k = sqe(RP_OP_CANCEL, 100000 + uint64_t(i));
		k.addr = uint64_t(i);
		r.push(k);
		assert_int_equal(r.enter(0), 1);
		t.join();
		Completion a = r.wait(), b = r.wait();
		if (a.user_data != uint64_t(i))
			std::swap(a, b);
		assert_int_equal(a.user_data, uint64_t(i));
		assert_int_equal(b.user_data, 100000 + uint64_t(i));
		if (b.result == 0) {
			assert_int_equal(a.result, -ECANCELED);
			++cancelled;
			// The byte stayed in the pipe: drain it.
			char x;
			assert_int_equal(read(p[0], &x, 1), 1);
		} else {
			assert_int_equal(b.result, -ENOENT);
			assert_int_equal(a.result, 1);
			++completed;
		}
		usleep(100);
		assert_false(r.pop(&a)); // never a second completion
	}
	print_message("cancel races: %d cancelled, %d completed first\n", cancelled, completed);
	assert_int_equal(cancelled + completed, rounds);
	assert_true(completed > 0); // the race really went both ways
	close(p[0]);
	close(p[1]);
}

static void test_teardown_under_load(void**)
{
	const int fds_before = open_fd_count();
	for (int round = 0; round < 5; ++round) {
		TestRing r(512, 64); // a small CQ: completions also overflow during teardown
		int p[2];
		assert_int_equal(pipe(p), 0);
		TempFile f;
		static char big[1 << 16];
		static uint32_t words[64];
		uint64_t ud = 0;
		for (int i = 0; i < 64; ++i) {
			rp_sqe s = sqe(RP_OP_POLL, ud++);
			s.fd = uint64_t(p[0]);
			s.syscall_flags = POLLIN;
			r.push(s);
			r.push(rw(RP_OP_READ, p[0], big, 16, 0, ud++));
			rp_sqe t = sqe(RP_OP_TIMEOUT, ud++);
			t.offset = 60ull * 1000000000;
			r.push(t);
			words[i] = 0;
			rp_sqe w = sqe(RP_OP_FUTEX, ud++);
			w.syscall_flags = RP_FUTEX_WAIT;
			w.addr = uint64_t(uintptr_t(&words[i]));
			r.push(w);
			r.push(rw(RP_OP_PWRITE, f.fd, big, sizeof big, uint64_t(i) << 16, ud++));
			rp_sqe fs = sqe(RP_OP_FSYNC, ud++);
			fs.fd = uint64_t(f.fd);
			r.push(fs);
			rp_sqe ev = sqe(RP_OP_REGISTER_EVENTS, ud++);
			ev.fd = uint64_t(p[1]);
			ev.syscall_flags = POLLOUT;
			r.push(ev);
		}
		assert_int_equal(r.enter(0), 64 * 7);
		// Destroy with everything in flight: cancelled or completed, workers joined, nothing leaked.
		r.destroy();
		close(p[0]);
		close(p[1]);
	}
	assert_int_equal(open_fd_count(), fds_before);
}

static void test_async_completions_from_many_threads(void**)
{
	// Completions posted by the reactor, workers and futex threads at once, consumed by a spinning reader
	// that never enters: all arrive, each once.
	TestRing r(1024, 256);
	const int n = 600;
	int p[2];
	assert_int_equal(pipe(p), 0);
	TempFile f;
	static char buf[4096];
	static uint32_t words[200];
	for (int i = 0; i < n; ++i) {
		switch (i % 3) {
		case 0: {
			rp_sqe s = sqe(RP_OP_POLL, uint64_t(i));
			s.fd = uint64_t(p[0]);
			s.syscall_flags = POLLIN;
			r.push(s);
			break;
		}
		case 1: {
			rp_sqe s = sqe(RP_OP_FSYNC, uint64_t(i));
			s.fd = uint64_t(f.fd);
			r.push(s);
			break;
		}
		default: {
			rp_sqe s = sqe(RP_OP_FUTEX, uint64_t(i));
			s.syscall_flags = RP_FUTEX_WAIT;
			s.addr = uint64_t(uintptr_t(&words[i / 3]));
			r.push(s);
		}
		}
	}
	assert_int_equal(r.enter(0), n);
	assert_int_equal(write(p[1], buf, 1), 1);
	for (int i = 0; i < 200; ++i)
		__atomic_store_n(&words[i], 1, __ATOMIC_SEQ_CST);
	rp_sqe wake = sqe(RP_OP_FUTEX, 9999);
	wake.syscall_flags = RP_FUTEX_WAKE;
	wake.len = INT32_MAX;
	for (int i = 0; i < 200; ++i) {
		wake.addr = uint64_t(uintptr_t(&words[i]));
		r.push(wake);
	}
	assert_int_equal(r.enter(0), 200);
	std::vector<uint8_t> seen(size_t(n), 0);
	int got = 0, wakes = 0;
	timespec start{};
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int spins = 0; got < n; ++spins) {
		if (spins % 4096 == 0) {
			timespec now{};
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec > 20)
				break;
		}
		Completion c;
		if (!r.pop(&c)) {
			// Overflowed completions need an enter to flush; do one now and then.
			if (spins % 1000 == 999)
				assert_true(r.enter(0) >= 0);
			continue;
		}
		if (c.user_data == 9999) {
			++wakes;
			continue;
		}
		assert_int_equal(seen[c.user_data], 0);
		seen[c.user_data] = 1;
		++got;
	}
	for (int i = 0; i < n; ++i)
		if (!seen[size_t(i)])
			print_message("missing completion %d\n", i);
	assert_int_equal(got, n);
	close(p[0]);
	close(p[1]);
}

static void test_teardown_interrupts_blocked_worker(void**)
{
	// A worker blocked for good (a FIFO open waiting for a reader; O_CREAT, so no non-blocking attempt first,
	// as on Linux) must not hold up destroy.
	char path[64];
	snprintf(path, sizeof path, "/tmp/rp-fifo-td-%d", getpid());
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	const int fds_before = open_fd_count();
	timespec t0{}, t1{};
	{
		TestRing r;
		rp_sqe s = sqe(RP_OP_OPEN, 1);
		s.addr = uint64_t(uintptr_t(path));
		s.syscall_flags = O_WRONLY | O_CREAT;
		s.offset = 0600;
		r.push(s);
		assert_int_equal(r.enter(0), 1);
		usleep(20000);
		Completion c;
		assert_false(r.pop(&c));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r.destroy();
		clock_gettime(CLOCK_MONOTONIC, &t1);
	}
	const int64_t ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms < 1000);
	assert_int_equal(open_fd_count(), fds_before);
	unlink(path);
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ten_thousand_polls),
		cmocka_unit_test(test_cancel_races_completion),
		cmocka_unit_test(test_teardown_under_load),
		cmocka_unit_test(test_teardown_interrupts_blocked_worker),
		cmocka_unit_test(test_async_completions_from_many_threads),
	};
	return cmocka_run_group_tests_name("hosted_stress", tests, nullptr, nullptr);
}
