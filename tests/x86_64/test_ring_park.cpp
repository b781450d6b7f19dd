// Host tests of the native ring's parked waits (os/x86_64/Ring/ops_process.cpp): RP_OP_FUTEX WAIT/WAITV and
// RP_OP_WAITPID that cannot finish at submission park as pending ops instead of blocking the enter, complete
// from a later wake or child exit, and end with -ECANCELED by Cancel or ring teardown, leaving no waiter behind.
#include "test_ring_helpers.hpp"

using namespace ring_test;

namespace {

rp_sqe futex_sqe(uint32_t op, volatile uint32_t *word, uint64_t value, uint64_t user_data)
{
	rp_sqe s = sqe_of(RP_OP_FUTEX);
	s.syscall_flags = op | RP_FUTEX_PRIVATE_FLAG;
	s.addr = addr(const_cast<uint32_t *>(word));
	if (op == RP_FUTEX_WAKE)
		s.len = value;
	else
		s.offset = value;
	s.user_data = user_data;
	return s;
}

void expect(UserRing &r, uint64_t user_data, int64_t result)
{
	rp_cqe cqe;
	int64_t got;
	assert_true(r.pop(&cqe, &got));
	assert_int_equal(cqe.user_data, user_data);
	assert_int_equal(got, result);
}

void expect_empty(UserRing &r)
{
	rp_cqe cqe;
	int64_t got;
	assert_false(r.pop(&cqe, &got));
}

// siginfo_t as waitid writes it (the fields the tests read).
struct SigInfo {
	int32_t signo, error, code, pad;
	int32_t pid, uid, status;
	uint8_t rest[100];
};

} // namespace

// A WAIT whose word matches parks; the enter returns at once, the next SQE of the same submission runs, and a
// later WAKE (another enter) completes the wait with 0 and counts it.
static void test_futex_wait_completes_on_a_later_wake(void **)
{
	UserRing r = UserRing::make();
	volatile uint32_t word = 5;
	r.push(futex_sqe(RP_FUTEX_WAIT, &word, 4, 1)); // differs: -EAGAIN at once, nothing parked
	r.push(futex_sqe(RP_FUTEX_WAIT, &word, 5, 2));
	rp_sqe nop = sqe_of(RP_OP_NOP);
	nop.user_data = 3;
	r.push(nop);
	assert_int_equal(r.enter(), 3);
	expect(r, 1, -EAGAIN);
	expect(r, 3, 0); // not held up behind the parked wait
	expect_empty(r);
	assert_int_equal(host::parked_futex_waits(), 1);

	word = 6;
	r.push(futex_sqe(RP_FUTEX_WAKE, &word, 1, 4));
	assert_int_equal(r.enter(2), 1);
	expect(r, 4, 1);
	expect(r, 2, 0);
	assert_int_equal(host::parked_futex_waits(), 0);
	// Nobody waits any more: a wake finds none.
	r.push(futex_sqe(RP_FUTEX_WAKE, &word, 1, 5));
	assert_int_equal(r.enter(1), 1);
	expect(r, 5, 0);
}

// WAITV answers the index of the entry that was woken; a bad entry fails at submission without parking.
static void test_futex_waitv_answers_the_woken_index(void **)
{
	UserRing r = UserRing::make();
	volatile uint32_t words[2] = {1, 2};
	rp_futex_waitv v[2] = {};
	for (int i = 0; i < 2; i++) {
		v[i].val = words[i];
		v[i].uaddr = addr(const_cast<uint32_t *>(&words[i]));
		v[i].flags = 2 | 128; // FUTEX2_SIZE_U32 | FUTEX2_PRIVATE
	}
	rp_sqe s = sqe_of(RP_OP_FUTEX);
	s.syscall_flags = RP_FUTEX_WAITV;
	s.addr = addr(v);
	s.len = 2;
	s.user_data = 10;
	r.push(s);
	assert_int_equal(r.enter(), 1);
	expect_empty(r);
	r.push(futex_sqe(RP_FUTEX_WAKE, &words[1], 1, 11));
	assert_int_equal(r.enter(2), 1);
	expect(r, 11, 1);
	expect(r, 10, 1);
	assert_int_equal(host::parked_futex_waits(), 0);

	v[0].reserved = 1;
	s.user_data = 12;
	r.push(s);
	assert_int_equal(r.enter(1), 1);
	expect(r, 12, -EINVAL);
	assert_int_equal(host::parked_futex_waits(), 0);
}

// Cancel ends a parked wait (its waiter is gone: a later wake finds nobody); teardown ends the rest.
static void test_cancel_and_teardown_end_parked_waits(void **)
{
	UserRing r = UserRing::make();
	volatile uint32_t word = 0;
	r.push(futex_sqe(RP_FUTEX_WAIT, &word, 0, 20));
	assert_int_equal(r.enter(), 1);
	rp_sqe c = sqe_of(RP_OP_CANCEL);
	c.addr = 20;
	c.user_data = 21;
	r.push(c);
	assert_int_equal(r.enter(2), 1);
	expect(r, 20, -ECANCELED);
	expect(r, 21, 0);
	assert_int_equal(host::parked_futex_waits(), 0);
	r.push(futex_sqe(RP_FUTEX_WAKE, &word, 1, 22));
	assert_int_equal(r.enter(1), 1);
	expect(r, 22, 0);

	// A parked WAITPID is cancelled the same way.
	host::add_child(77);
	rp_sqe w = sqe_of(RP_OP_WAITPID);
	w.syscall_flags = 1; // P_PID
	w.fd = 77;
	w.len = 4; // WEXITED
	w.user_data = 23;
	r.push(w);
	assert_int_equal(r.enter(), 1);
	assert_int_equal(host::child_watch_count(), 1);
	c.addr = 23;
	c.user_data = 24;
	r.push(c);
	assert_int_equal(r.enter(2), 1);
	expect(r, 23, -ECANCELED);
	expect(r, 24, 0);
	assert_int_equal(host::child_watch_count(), 0);

	// Teardown with both kinds parked leaves no waiter and no watch behind.
	r.push(futex_sqe(RP_FUTEX_WAIT, &word, 0, 25));
	w.user_data = 26;
	r.push(w);
	assert_int_equal(r.enter(), 2);
	assert_int_equal(host::parked_futex_waits(), 1);
	assert_int_equal(host::child_watch_count(), 1);
	assert_int_equal(ring_destroy(uint64_t(r.handle)), 0);
	assert_int_equal(host::parked_futex_waits(), 0);
	assert_int_equal(host::child_watch_count(), 0);
}

// WAITPID with nothing to report parks; the child's exit completes it with waitid's siginfo. WNOHANG and "no
// such child" answer at once.
static void test_waitpid_parks_until_the_child_exits(void **)
{
	UserRing r = UserRing::make();
	SigInfo info{};
	rp_sqe w = sqe_of(RP_OP_WAITPID);
	w.syscall_flags = 1; // P_PID
	w.fd = 42;
	w.len = 4; // WEXITED
	w.addr = addr(&info);
	w.user_data = 30;
	r.push(w); // no child 42 yet
	assert_int_equal(r.enter(1), 1);
	expect(r, 30, -ECHILD);

	host::add_child(42);
	host::add_child(43);
	r.push(w);
	assert_int_equal(r.enter(), 1);
	expect_empty(r);
	host::child_exits(43, 1); // another child: the wait looks and stays parked
	assert_int_equal(r.enter(), 0);
	expect_empty(r);
	assert_int_equal(host::child_watch_count(), 1);
	host::child_exits(42, 7);
	assert_int_equal(r.enter(1), 0);
	expect(r, 30, 0);
	assert_int_equal(info.signo, 17);
	assert_int_equal(info.code, 1); // CLD_EXITED
	assert_int_equal(info.pid, 42);
	assert_int_equal(info.status, 7);
	assert_int_equal(host::child_watch_count(), 0);

	// Child 43 is a zombie already: reported at submission. Then none is left.
	w.fd = 43;
	w.user_data = 31;
	r.push(w);
	assert_int_equal(r.enter(1), 1);
	expect(r, 31, 0);
	assert_int_equal(info.pid, 43);
	w.len = 4 | 1; // WEXITED | WNOHANG
	w.user_data = 32;
	r.push(w);
	assert_int_equal(r.enter(1), 1);
	expect(r, 32, -ECHILD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_futex_wait_completes_on_a_later_wake, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_futex_waitv_answers_the_woken_index, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_cancel_and_teardown_end_parked_waits, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_waitpid_parks_until_the_child_exits, setup_process, teardown_process),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
