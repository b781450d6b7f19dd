// SQPOLL's rules as Linux has them: a submission thread consumes what the program publishes without entering;
// after sq_thread_idle ms without work it sets IORING_SQ_NEED_WAKEUP and sleeps, and then only
// IORING_ENTER_SQ_WAKEUP makes it look again; enter submits nothing itself and returns to_submit;
// IORING_ENTER_SQ_WAIT returns once the SQ has room; a disabled ring is not submitted from; SQ_AFF needs
// SQPOLL and a CPU that exists.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <ctime>
#include <unistd.h>

using namespace shimtest;

namespace {

uint64_t now_ms()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1000000;
}

void sleep_ms(unsigned ms) { usleep(ms * 1000); }

void queue_nop(Ring& r, uint64_t ud)
{
	lx::io_uring_sqe* s = r.get_sqe();
	assert_non_null(s);
	prep(s, lx::OP_NOP, -1, 0, 0, 0, ud);
}

// Spins (without entering) until a CQE shows up or ms pass.
bool cqe_within(Ring& r, unsigned ms, lx::io_uring_cqe* out)
{
	uint64_t end = now_ms() + ms;
	while (now_ms() < end) {
		if (r.pop(out))
			return true;
		usleep(100);
	}
	return false;
}

bool need_wakeup(Ring& r) { return r.sq_flags() & lx::SQ_NEED_WAKEUP; }

// sq_thread_idle 0: Linux's one second (Ring::init zeroes the params; idle_time_is_honoured sets its own).
int init_sqpoll(Ring& r, unsigned entries, uint32_t extra_flags = 0)
{
	return r.init(entries, lx::SETUP_SQPOLL | extra_flags);
}

} // namespace

// Published, never entered: the thread submits it. The thread starts awake (no NEED_WAKEUP).
static void submits_without_enter(void**)
{
	Ring r;
	assert_int_equal(init_sqpoll(r, 8), 0);
	assert_false(need_wakeup(r));
	queue_nop(r, 1);
	r.publish();
	lx::io_uring_cqe c{};
	assert_true(cqe_within(r, 2000, &c));
	assert_int_equal(c.user_data, 1);
	assert_int_equal(c.res, 0);
}

// The default idle time is one second: the thread is still awake after 300 ms, asleep (NEED_WAKEUP) after
// 1.5 s; while asleep a published SQE waits, and SQ_WAKEUP makes the thread take it and clear the flag.
static void sleeps_after_idle_and_wakes(void**)
{
	Ring r;
	assert_int_equal(init_sqpoll(r, 8), 0);
	queue_nop(r, 1);
	r.publish();
	lx::io_uring_cqe c{};
	assert_true(cqe_within(r, 2000, &c));
	sleep_ms(300);
	assert_false(need_wakeup(r));
	uint64_t end = now_ms() + 3000;
	while (!need_wakeup(r) && now_ms() < end)
		sleep_ms(5);
	assert_true(need_wakeup(r));

	uint32_t head = *Ring::u32(r.sq, r.p.sq_off.head);
	queue_nop(r, 2);
	r.publish();
	sleep_ms(30);
	assert_int_equal(*Ring::u32(r.sq, r.p.sq_off.head), head); // asleep: not taken
	assert_false(r.pop(&c));
	// enter with SQ_WAKEUP returns to_submit and submits nothing itself; the thread does.
	assert_int_equal(rp_sys_io_uring_enter(r.fd, 1, 0, lx::ENTER_SQ_WAKEUP, nullptr), 1);
	assert_true(cqe_within(r, 2000, &c));
	assert_int_equal(c.user_data, 2);
	assert_false(need_wakeup(r));
}

// sq_thread_idle is honoured: with 50 ms the flag is up well before Linux's default second.
static void idle_time_is_honoured(void**)
{
	lx::io_uring_params p{};
	p.flags = lx::SETUP_SQPOLL;
	p.sq_thread_idle = 50;
	// The idle time runs from the thread's start inside setup: measured from before it, a test thread that a
	// loaded machine deschedules between setup and here cannot see the flag come "early".
	uint64_t start = now_ms();
	int fd = rp_sys_io_uring_setup(4, reinterpret_cast<io_uring_params*>(&p));
	assert_true(fd >= 0);
	size_t len = p.sq_off.array + p.sq_entries * 4u;
	void* m = rp_sys_mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, lx::OFF_SQ_RING);
	assert_false(long(m) < 0 && long(m) > -4096);
	auto* flags = reinterpret_cast<uint32_t*>(static_cast<uint8_t*>(m) + p.sq_off.flags);
	while (!(__atomic_load_n(flags, __ATOMIC_ACQUIRE) & lx::SQ_NEED_WAKEUP) && now_ms() - start < 900)
		usleep(200);
	uint64_t took = now_ms() - start;
	assert_true(__atomic_load_n(flags, __ATOMIC_ACQUIRE) & lx::SQ_NEED_WAKEUP);
	assert_true(took >= 40);
	assert_true(took < 900);
	rp_sys_munmap(m, len);
	rp_sys_close(fd);
}

// enter on an SQPOLL ring reports to_submit, including 0 (upstream's empty-eownerdead).
static void enter_returns_to_submit(void**)
{
	Ring r;
	assert_int_equal(init_sqpoll(r, 8), 0);
	assert_int_equal(rp_sys_io_uring_enter(r.fd, 0, 0, 0, nullptr), 0);
	queue_nop(r, 3);
	queue_nop(r, 4);
	r.publish();
	assert_int_equal(rp_sys_io_uring_enter(r.fd, 2, 2, lx::ENTER_GETEVENTS, nullptr), 2);
	assert_true(r.ready() >= 2u);
}

// SQ_WAIT on a full SQ returns once the thread has made room.
static void sq_wait_returns_with_room(void**)
{
	Ring r;
	assert_int_equal(init_sqpoll(r, 4), 0);
	for (int i = 0; i < 4; ++i)
		queue_nop(r, 10 + i);
	r.publish();
	assert_int_equal(rp_sys_io_uring_enter(r.fd, 0, 0, lx::ENTER_SQ_WAIT | lx::ENTER_SQ_WAKEUP, nullptr), 0);
	uint32_t head = __atomic_load_n(Ring::u32(r.sq, r.p.sq_off.head), __ATOMIC_ACQUIRE);
	assert_true(r.sq_tail - head < r.p.sq_entries);
	lx::io_uring_cqe c{};
	for (int i = 0; i < 4; ++i)
		assert_true(cqe_within(r, 2000, &c));
}

// R_DISABLED: nothing is submitted until ENABLE_RINGS.
static void disabled_ring_waits_for_enable(void**)
{
	Ring r;
	assert_int_equal(init_sqpoll(r, 8, lx::SETUP_R_DISABLED), 0);
	queue_nop(r, 5);
	r.publish();
	lx::io_uring_cqe c{};
	assert_false(cqe_within(r, 50, &c));
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_ENABLE_RINGS, nullptr, 0), 0);
	assert_int_equal(rp_sys_io_uring_enter(r.fd, 1, 0, lx::ENTER_SQ_WAKEUP, nullptr), 1);
	assert_true(cqe_within(r, 2000, &c));
	assert_int_equal(c.user_data, 5);
}

// SQ_AFF: only with SQPOLL, and sq_thread_cpu must be a CPU of the machine.
static void sq_aff_rules(void**)
{
	lx::io_uring_params p{};
	p.flags = lx::SETUP_SQ_AFF;
	assert_int_equal(rp_sys_io_uring_setup(4, reinterpret_cast<io_uring_params*>(&p)), -EINVAL);
	std::memset(&p, 0, sizeof(p));
	p.flags = lx::SETUP_SQPOLL | lx::SETUP_SQ_AFF;
	p.sq_thread_cpu = 1u << 20;
	assert_int_equal(rp_sys_io_uring_setup(4, reinterpret_cast<io_uring_params*>(&p)), -EINVAL);
	std::memset(&p, 0, sizeof(p));
	p.flags = lx::SETUP_SQPOLL | lx::SETUP_SQ_AFF;
	p.sq_thread_cpu = 0;
	int fd = rp_sys_io_uring_setup(4, reinterpret_cast<io_uring_params*>(&p));
	assert_true(fd >= 0);
	rp_sys_close(fd);
}

// Closing the ring stops its thread even while it is awake (no hang, no use after free).
static void close_while_awake(void**)
{
	for (int i = 0; i < 20; ++i) {
		Ring r;
		assert_int_equal(init_sqpoll(r, 8), 0);
		queue_nop(r, 1);
		r.publish();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(submits_without_enter),        cmocka_unit_test(sleeps_after_idle_and_wakes),
	    cmocka_unit_test(idle_time_is_honoured),        cmocka_unit_test(enter_returns_to_submit),
	    cmocka_unit_test(sq_wait_returns_with_room),    cmocka_unit_test(disabled_ring_waits_for_enable),
	    cmocka_unit_test(sq_aff_rules),                 cmocka_unit_test(close_while_awake),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
