// FUTEX_WAIT as on Linux: a wait whose value matched at submission is queued; a later change of the value
// alone does not complete it, only a wake (oldest waiter first) or a cancel does.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <climits>
#include <linux/futex.h>

using namespace shimtest;

namespace {
constexpr uint32_t kFutex2SizeU32 = 2;

void prep_futex(lx::io_uring_sqe* s, uint8_t op, uint32_t* word, uint64_t val, uint64_t ud)
{
	prep(s, op, kFutex2SizeU32, uint64_t(word), 0, 0, ud);
	s->addr2 = val;
	s->addr3 = FUTEX_BITSET_MATCH_ANY;
}
} // namespace

static void wait_completes_only_on_wake(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	uint32_t word = 0;
	prep_futex(r.get_sqe(), lx::OP_FUTEX_WAIT, &word, 0, 1);
	prep_futex(r.get_sqe(), lx::OP_FUTEX_WAIT, &word, 0, 2);
	assert_int_equal(r.submit(), 2);
	// The value changes after both were queued; one wake ends exactly one wait, the oldest.
	__atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
	prep_futex(r.get_sqe(), lx::OP_FUTEX_WAKE, &word, 1, 100);
	assert_int_equal(r.submit(), 1);
	int32_t res[2] = {-1, -1};
	for (int i = 0; i < 2; ++i) {
		lx::io_uring_cqe c{};
		assert_true(r.next(&c));
		assert_true(c.user_data == 1 || c.user_data == 100);
		res[c.user_data == 100] = c.res;
	}
	assert_int_equal(res[0], 0);
	assert_int_equal(res[1], 1);
	usleep(100000); // time for a wrongful completion of the second wait to show
	assert_int_equal(r.ready(), 0);
	// A cancel removes it; like Linux, the sync cancel of a futex wait reports one removed.
	lx::io_uring_sync_cancel_reg reg{};
	reg.addr = 2;
	reg.timeout.tv_sec = -1;
	reg.timeout.tv_nsec = -1;
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_SYNC_CANCEL, &reg, 1), 1);
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	assert_int_equal(c.user_data, 2);
	assert_int_equal(c.res, -ECANCELED);
}

// A wait whose value already differs at submission fails with -EAGAIN.
static void wait_value_mismatch(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	uint32_t word = 5;
	prep_futex(r.get_sqe(), lx::OP_FUTEX_WAIT, &word, 4, 1);
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	assert_int_equal(c.res, -EAGAIN);
}

// A wake of 0 wakes nobody and says 0 (Linux's io_uring wake is strict), even when the queued wait is already
// asleep in the OS (futex(2)'s FUTEX_WAKE of 0 would wake it).
static void wake_of_zero_wakes_nobody(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	uint32_t word = 0;
	prep_futex(r.get_sqe(), lx::OP_FUTEX_WAIT, &word, 0, 1);
	assert_int_equal(r.submit(), 1);
	for (int round = 0; round < 5; ++round) {
		usleep(20000); // the wait has long been asleep
		prep_futex(r.get_sqe(), lx::OP_FUTEX_WAKE, &word, 0, 2);
		assert_int_equal(r.submit(), 1);
		lx::io_uring_cqe c{};
		assert_true(r.next(&c));
		assert_int_equal(c.user_data, 2);
		assert_int_equal(c.res, 0);
	}
	usleep(50000);
	assert_int_equal(r.ready(), 0); // the wait goes on
	prep_futex(r.get_sqe(), lx::OP_FUTEX_WAKE, &word, 1, 3);
	assert_int_equal(r.submit(), 1);
	int seen = 0;
	for (int i = 0; i < 2; ++i) {
		lx::io_uring_cqe c{};
		assert_true(r.next(&c));
		assert_true(c.user_data == 1 || c.user_data == 3);
		assert_int_equal(c.res, c.user_data == 1 ? 0 : 1);
		seen |= 1 << c.user_data;
	}
	assert_int_equal(seen, (1 << 1) | (1 << 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(wait_completes_only_on_wake),
	    cmocka_unit_test(wait_value_mismatch),
	    cmocka_unit_test(wake_of_zero_wakes_nobody),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
