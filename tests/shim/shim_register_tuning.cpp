// REGISTER_CLOCK and REGISTER_IOWQ_AFF with Linux's argument rules and absolute waits on the registered clock
// (personalities: shim_personality.cpp).
#include "rp_test.h"

#include "shim_ring.hpp"

#include <ctime>

using namespace shimtest;

namespace {

int reg(Ring& r, unsigned op, const void* arg, unsigned nr) { return rp_sys_io_uring_register(unsigned(r.fd), op, arg, nr); }

uint64_t now_ns(clockid_t clk)
{
	timespec ts;
	clock_gettime(clk, &ts);
	return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

} // namespace

static void clock_rules(void**)
{
	Ring r;
	assert_int_equal(r.init(4), 0);
	lx::io_uring_clock_register cr{};
	cr.clockid = CLOCK_REALTIME;
	assert_int_equal(reg(r, lx::REGISTER_CLOCK, &cr, 0), -EINVAL);
	cr.clockid = CLOCK_BOOTTIME;
	assert_int_equal(reg(r, lx::REGISTER_CLOCK, &cr, 1), -EINVAL);
	assert_int_equal(reg(r, lx::REGISTER_CLOCK, nullptr, 0), -EINVAL);
	cr.resv[0] = 1;
	assert_int_equal(reg(r, lx::REGISTER_CLOCK, &cr, 0), -EINVAL);
	cr.resv[0] = 0;
	assert_int_equal(reg(r, lx::REGISTER_CLOCK, &cr, 0), 0);
	// An absolute timeout 60 ms ahead on CLOCK_BOOTTIME ends the wait then.
	lx::kernel_timespec ts;
	uint64_t at = now_ns(CLOCK_BOOTTIME) + 60000000ull;
	ts.tv_sec = int64_t(at / 1000000000ull);
	ts.tv_nsec = int64_t(at % 1000000000ull);
	lx::io_uring_getevents_arg a{};
	a.ts = reinterpret_cast<uint64_t>(&ts);
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	assert_int_equal(rp_sys_io_uring_enter2(unsigned(r.fd), 0, 1,
	                                        lx::ENTER_GETEVENTS | lx::ENTER_EXT_ARG | lx::ENTER_ABS_TIMER, &a,
	                                        sizeof(a)),
	                 -ETIME);
	uint64_t ms = (now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
	assert_true(ms >= 50 && ms < 1000);
	cr.clockid = CLOCK_MONOTONIC;
	assert_int_equal(reg(r, lx::REGISTER_CLOCK, &cr, 0), 0);
}

static void iowq_aff_rules(void**)
{
	Ring r;
	assert_int_equal(r.init(4), 0);
	uint64_t mask = 1; // CPU 0
	assert_int_equal(reg(r, lx::REGISTER_IOWQ_AFF, nullptr, 8), -EINVAL);
	assert_int_equal(reg(r, lx::REGISTER_IOWQ_AFF, &mask, 0), -EINVAL);
	assert_int_equal(reg(r, lx::REGISTER_IOWQ_AFF, reinterpret_cast<void*>(8), 8), -EFAULT);
	assert_int_equal(reg(r, lx::REGISTER_IOWQ_AFF, &mask, 8), 0);
	uint8_t far[128] = {};
	far[127] = 0x80; // CPU 1023: not a CPU this machine has
	assert_int_equal(reg(r, lx::REGISTER_IOWQ_AFF, far, sizeof(far)), -EINVAL);
	assert_int_equal(reg(r, lx::UNREGISTER_IOWQ_AFF, &mask, 0), -EINVAL);
	assert_int_equal(reg(r, lx::UNREGISTER_IOWQ_AFF, nullptr, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(clock_rules),
	    cmocka_unit_test(iowq_aff_rules),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
