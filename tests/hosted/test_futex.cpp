// Futex wait, wake and waitv across threads; errors; cancellation; a 128-entry waitv; and 10,000 pending waits
// covered by a few futex_waitv threads.
#include "rp_test.h"
#include "hosted_test.hpp"

#include <climits>
#include <cstdio>
#include <linux/futex.h>
#include <sys/resource.h>
#include <sys/syscall.h>

using namespace hosted_test;

static rp_sqe futex_sqe(uint32_t op, uint32_t* word, uint64_t value_or_count, uint64_t ud)
{
	rp_sqe s = sqe(RP_OP_FUTEX, ud);
	s.syscall_flags = op;
	s.addr = uint64_t(uintptr_t(word));
	if (op == RP_FUTEX_WAIT)
		s.offset = value_or_count;
	else
		s.len = value_or_count;
	return s;
}

static void wake_word(uint32_t* word, uint32_t value, bool priv)
{
	__atomic_store_n(word, value, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, word, priv ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

static void test_wait_value_differs(void**)
{
	TestRing r;
	uint32_t word = 5;
	assert_int_equal(r.result(futex_sqe(RP_FUTEX_WAIT, &word, 4, 1)), -EAGAIN);
}

static void test_wait_woken_by_thread(void**)
{
	TestRing r;
	for (bool priv : {false, true}) {
		uint32_t word = 0;
		rp_sqe s = futex_sqe(RP_FUTEX_WAIT | (priv ? RP_FUTEX_PRIVATE_FLAG : 0), &word, 0, 1);
		r.push(s);
		assert_int_equal(r.enter(0), 1);
		usleep(10000);
		Completion c;
		assert_false(r.pop(&c));
		std::thread t([&] { wake_word(&word, 1, priv); });
		c = r.wait();
		t.join();
		assert_int_equal(c.user_data, 1);
		assert_int_equal(c.result, 0);
	}
}

static void test_ring_wake_wakes_thread(void**)
{
	TestRing r;
	uint32_t word = 0;
	std::atomic<bool> woke{false};
	std::thread t([&] {
		while (__atomic_load_n(&word, __ATOMIC_SEQ_CST) == 0)
			syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
		woke = true;
	});
	// Wake until the thread was really asleep and got it (it may not be queued yet the first time).
	int64_t woken = 0;
	for (int i = 0; i < 500 && woken == 0; ++i) {
		usleep(1000);
		woken = r.result(futex_sqe(RP_FUTEX_WAKE | RP_FUTEX_PRIVATE_FLAG, &word, 1, 2));
		if (woken == 0)
			continue;
	}
	__atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
	t.join();
	assert_int_equal(woken, 1);
	assert_true(woke.load());
	// Nobody waiting: 0; a count of 0 wakes nobody.
	assert_int_equal(r.result(futex_sqe(RP_FUTEX_WAKE, &word, 10, 3)), 0);
	assert_int_equal(r.result(futex_sqe(RP_FUTEX_WAKE, &word, 0, 4)), 0);
}

static void test_ring_wait_ring_wake(void**)
{
	TestRing r;
	uint32_t word = 9;
	r.push(futex_sqe(RP_FUTEX_WAIT, &word, 9, 1));
	assert_int_equal(r.enter(0), 1);
	// Once the group thread sleeps on the word, a ring wake finds exactly one waiter. Until then a wake finds
	// none (a loaded or sanitized run may take a while to get there), so retry those. The woken wait completes
	// from the group thread, so its completion may arrive before or after the wake's.
	bool wait_done = false;
	Completion waited{};
	for (int attempt = 0;; ++attempt) {
		usleep(10000);
		const uint64_t tag = 100 + attempt;
		r.push(futex_sqe(RP_FUTEX_WAKE, &word, 5, tag));
		assert_int_equal(r.enter(1), 1);
		Completion wake = r.wait();
		if (wake.user_data == 1) {
			waited = wake;
			wait_done = true;
			wake = r.wait();
		}
		assert_int_equal(wake.user_data, tag);
		if (wake.result == 0 && !wait_done && attempt < 200)
			continue;
		assert_int_equal(wake.result, 1);
		break;
	}
	if (!wait_done)
		waited = r.wait();
	assert_int_equal(waited.user_data, 1);
	assert_int_equal(waited.result, 0);
}

static void test_waitv(void**)
{
	TestRing r;
	uint32_t words[3] = {0, 0, 0};
	rp_futex_waitv v[3];
	for (int i = 0; i < 3; ++i)
		v[i] = rp_futex_waitv{0, uint64_t(uintptr_t(&words[i])), 2, 0};
	rp_sqe s = sqe(RP_OP_FUTEX, 1);
	s.syscall_flags = RP_FUTEX_WAITV;
	s.addr = uint64_t(uintptr_t(v));
	s.len = 3;
	r.push(s);
	assert_int_equal(r.enter(0), 1);
	memset(v, 0, sizeof v); // the vector was copied at submission
	usleep(10000);
	Completion c;
	assert_false(r.pop(&c));
	std::thread t([&] { wake_word(&words[1], 1, false); });
	c = r.wait();
	t.join();
	assert_int_equal(c.result, 1);
	// A differing value: -EAGAIN at once.
	for (int i = 0; i < 3; ++i)
		v[i] = rp_futex_waitv{0, uint64_t(uintptr_t(&words[i])), 2, 0};
	assert_int_equal(r.result(s), -EAGAIN);
}

static void test_waitv_128(void**)
{
	TestRing r;
	static uint32_t words[128];
	rp_futex_waitv v[128];
	for (int i = 0; i < 128; ++i) {
		words[i] = 0;
		v[i] = rp_futex_waitv{0, uint64_t(uintptr_t(&words[i])), 2 | 128, 0};
	}
	rp_sqe s = sqe(RP_OP_FUTEX, 1);
	s.syscall_flags = RP_FUTEX_WAITV;
	s.addr = uint64_t(uintptr_t(v));
	s.len = 128;
	r.push(s);
	assert_int_equal(r.enter(0), 1);
	usleep(10000);
	std::thread t([&] { wake_word(&words[127], 1, true); });
	Completion c = r.wait();
	t.join();
	assert_int_equal(c.result, 127);
	// Another 128-entry wait is cancelled while pending.
	words[127] = 0;
	r.push(s);
	rp_sqe k = sqe(RP_OP_CANCEL, 2);
	k.addr = 1;
	r.push(k);
	assert_int_equal(r.enter(0), 2);
	Completion a = r.wait(), b = r.wait();
	assert_int_equal(a.result, -ECANCELED);
	assert_int_equal(b.result, 0);
}

static void test_errors(void**)
{
	TestRing r;
	assert_int_equal(r.result(futex_sqe(RP_FUTEX_WAIT, (uint32_t*)8, 0, 1)), -EFAULT);
	uint32_t words[2] = {};
	assert_int_equal(r.result(futex_sqe(RP_FUTEX_WAIT, (uint32_t*)((char*)words + 1), 0, 2)), -EINVAL);
	assert_int_equal(r.result(futex_sqe(RP_FUTEX_WAKE, (uint32_t*)8, 1, 3)), -EFAULT);
	assert_int_equal(r.result(futex_sqe(77, words, 0, 4)), -EINVAL);
	rp_sqe s = sqe(RP_OP_FUTEX, 5);
	s.syscall_flags = RP_FUTEX_WAITV;
	s.addr = uint64_t(uintptr_t(words));
	s.len = 0;
	assert_int_equal(r.result(s), -EINVAL);
	s.len = 129;
	assert_int_equal(r.result(s), -EINVAL);
	s.len = 1;
	s.addr = 8;
	assert_int_equal(r.result(s), -EFAULT);
	rp_futex_waitv v{0, uint64_t(uintptr_t(words)), 3, 0}; // 64-bit size: not supported
	s.addr = uint64_t(uintptr_t(&v));
	assert_int_equal(r.result(s), -EINVAL);
	rp_sqe w = futex_sqe(RP_FUTEX_WAIT, words, 0, 6);
	w.additional1 = uint64_t(1) << 33; // bitset wider than 32 bits
	assert_int_equal(r.result(w), -EINVAL);
}

static void test_cancel_pending_wait(void**)
{
	TestRing r;
	uint32_t word = 0;
	r.push(futex_sqe(RP_FUTEX_WAIT, &word, 0, 1));
	rp_sqe k = sqe(RP_OP_CANCEL, 2);
	k.addr = 1;
	r.push(k);
	assert_int_equal(r.enter(0), 2);
	Completion a = r.wait(), b = r.wait();
	assert_int_equal(a.user_data, 1);
	assert_int_equal(a.result, -ECANCELED);
	assert_int_equal(b.result, 0);
	// Waking afterwards finds nobody.
	usleep(5000);
	assert_int_equal(r.result(futex_sqe(RP_FUTEX_WAKE, &word, 1, 3)), 0);
}

static void test_ten_thousand_waits(void**)
{
	const int n = 10000;
	TestRing r(16384, 32768);
	static uint32_t words[n];
	const int threads_before = thread_count();
	for (int i = 0; i < n; ++i) {
		words[i] = 0;
		r.push(futex_sqe(RP_FUTEX_WAIT, &words[i], 0, uint64_t(i)));
	}
	assert_int_equal(r.enter(0), n);
	const int threads = thread_count() - threads_before;
	print_message("10000 futex waits use %d threads\n", threads);
	assert_true(threads <= n / 127 + 2);
	Completion c;
	assert_false(r.pop(&c));
	// Wake them all through the ring.
	for (int i = 0; i < n; ++i) {
		words[i] = 1;
		r.push(futex_sqe(RP_FUTEX_WAKE, &words[i], 1, uint64_t(n + i)));
	}
	assert_int_equal(r.enter(0), n);
	std::vector<uint8_t> seen(size_t(2 * n), 0);
	for (int got = 0; got < 2 * n; ++got) {
		c = r.wait();
		assert_true(c.user_data < uint64_t(2 * n));
		assert_int_equal(seen[c.user_data], 0);
		seen[c.user_data] = 1;
		if (c.user_data < uint64_t(n))
			assert_int_equal(c.result, 0);
		else
			assert_true(c.result == 0 || c.result == 1);
	}
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wait_value_differs),
		cmocka_unit_test(test_wait_woken_by_thread),
		cmocka_unit_test(test_ring_wake_wakes_thread),
		cmocka_unit_test(test_ring_wait_ring_wake),
		cmocka_unit_test(test_waitv),
		cmocka_unit_test(test_waitv_128),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_cancel_pending_wait),
		cmocka_unit_test(test_ten_thousand_waits),
	};
	return cmocka_run_group_tests_name("hosted_futex", tests, nullptr, nullptr);
}
