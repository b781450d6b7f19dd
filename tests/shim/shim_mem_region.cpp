// REGISTER_MEM_REGION and registered waits (ENTER_EXT_ARG_REG, Linux 6.13+): the region rules Linux checks,
// wait arguments read from the region by byte offset, and min_wait_usec longer than the wait's timeout.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <cstdlib>
#include <ctime>

using namespace shimtest;

namespace {

int register_region(int fd, void* ptr, uint64_t size, uint64_t flags, lx::io_uring_region_desc* rd_out = nullptr)
{
	lx::io_uring_region_desc rd{};
	rd.user_addr = reinterpret_cast<uint64_t>(ptr);
	rd.size = size;
	rd.flags = ptr ? lx::MEM_REGION_TYPE_USER : 0;
	lx::io_uring_mem_region_reg mr{};
	mr.region_uptr = reinterpret_cast<uint64_t>(&rd);
	mr.flags = flags;
	int ret = rp_sys_io_uring_register(unsigned(fd), lx::REGISTER_MEM_REGION, &mr, 1);
	if (rd_out)
		*rd_out = rd;
	return ret;
}

uint64_t now_ms()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1000000;
}

int wait_reg(Ring& r, unsigned min_complete, uint64_t offset)
{
	return rp_sys_io_uring_enter2(unsigned(r.fd), 0, min_complete,
	                              lx::ENTER_GETEVENTS | lx::ENTER_EXT_ARG | lx::ENTER_EXT_ARG_REG,
	                              reinterpret_cast<void*>(offset), sizeof(lx::io_uring_reg_wait));
}

} // namespace

static void region_rules(void**)
{
	void* page = aligned_alloc(4096, 4 * 4096);
	Ring on;
	assert_int_equal(on.init(4), 0);
	// Wait arguments only while the ring is disabled; a plain region any time.
	assert_int_equal(register_region(on.fd, page, 4096, lx::MEM_REGION_REG_WAIT_ARG), -EINVAL);
	Ring r;
	assert_int_equal(r.init(4, lx::SETUP_R_DISABLED), 0);
	assert_int_equal(register_region(r.fd, page, 4096, 2), -EINVAL);                 // unknown flag
	assert_int_equal(register_region(r.fd, static_cast<uint8_t*>(page) + 8, 4096, 0), -EINVAL); // unaligned
	assert_int_equal(register_region(r.fd, page, 100, 0), -EINVAL);                  // not whole pages
	assert_int_equal(register_region(r.fd, page, 0, 0), -EINVAL);
	lx::io_uring_region_desc rd{};
	rd.size = 4096;
	rd.flags = lx::MEM_REGION_TYPE_USER; // a user region without an address
	lx::io_uring_mem_region_reg mr{};
	mr.region_uptr = reinterpret_cast<uint64_t>(&rd);
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_MEM_REGION, &mr, 1), -EFAULT);
	rd = {};
	rd.user_addr = reinterpret_cast<uint64_t>(page);
	rd.size = 4096;
	rd.flags = lx::MEM_REGION_TYPE_USER;
	rd.id = 1;
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_MEM_REGION, &mr, 1), -EINVAL);
	rd.id = 0;
	mr.resv[0] = 1;
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_MEM_REGION, &mr, 1), -EINVAL);
	mr.resv[0] = 0;
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_MEM_REGION, &mr, 0), -EINVAL);
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_MEM_REGION, nullptr, 1), -EINVAL);
	// Read-only pages cannot be pinned for writing: -EFAULT (and nothing registered).
	void* ro = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ro != MAP_FAILED);
	rd.user_addr = reinterpret_cast<uint64_t>(ro);
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_MEM_REGION, &mr, 1), -EFAULT);
	munmap(ro, 4096);
	rd.user_addr = reinterpret_cast<uint64_t>(page);
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_MEM_REGION, &mr, 1), 0);
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_MEM_REGION, &mr, 1), -EBUSY);
	free(page);
}

static void kernel_allocated_region_maps(void**)
{
	Ring r;
	assert_int_equal(r.init(4, lx::SETUP_R_DISABLED), 0);
	lx::io_uring_region_desc rd{};
	assert_int_equal(register_region(r.fd, nullptr, 2 * 4096, lx::MEM_REGION_REG_WAIT_ARG, &rd), 0);
	assert_int_equal(rd.mmap_offset, lx::OFF_PARAM_REGION);
	void* m = rp_sys_mmap(nullptr, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, long(rd.mmap_offset));
	assert_false(long(m) < 0 && long(m) > -4096);
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_ENABLE_RINGS, nullptr, 0), 0);
	// A wait argument written through the mapping is the one the wait uses: a 50 ms timeout at entry 1.
	auto* w = static_cast<lx::io_uring_reg_wait*>(m);
	w[1].ts.tv_nsec = 50 * 1000000;
	w[1].flags = lx::REG_WAIT_TS;
	uint64_t t0 = now_ms();
	assert_int_equal(wait_reg(r, 1, sizeof(lx::io_uring_reg_wait)), -ETIME);
	uint64_t ms = now_ms() - t0;
	assert_true(ms >= 45 && ms < 1000);
	rp_sys_munmap(m, 2 * 4096);
}

static void registered_wait_arguments(void**)
{
	auto* reg = static_cast<lx::io_uring_reg_wait*>(aligned_alloc(4096, 4096));
	std::memset(reg, 0, 4096);
	Ring r;
	assert_int_equal(r.init(8, lx::SETUP_R_DISABLED), 0);
	assert_int_equal(register_region(r.fd, reg, 4096, lx::MEM_REGION_REG_WAIT_ARG), 0);
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_ENABLE_RINGS, nullptr, 0), 0);
	reg[0].ts.tv_nsec = 100 * 1000000;
	reg[0].flags = lx::REG_WAIT_TS;
	uint64_t t0 = now_ms();
	assert_int_equal(wait_reg(r, 1, 0), -ETIME);
	uint64_t ms = now_ms() - t0;
	assert_true(ms >= 95 && ms < 2000);
	// Offsets: not long-aligned, or an entry past the end, is -EFAULT; a wrong size -EINVAL; unknown flags -EINVAL.
	assert_int_equal(wait_reg(r, 1, 4), -EFAULT);
	assert_int_equal(wait_reg(r, 1, 4096 - 32), -EFAULT);
	assert_int_equal(wait_reg(r, 1, ~0ull - 7), -EFAULT);
	assert_int_equal(rp_sys_io_uring_enter2(unsigned(r.fd), 0, 1,
	                                        lx::ENTER_GETEVENTS | lx::ENTER_EXT_ARG | lx::ENTER_EXT_ARG_REG,
	                                        nullptr, 24),
	                 -EINVAL);
	reg[2].flags = 2;
	assert_int_equal(wait_reg(r, 1, 2 * sizeof(lx::io_uring_reg_wait)), -EINVAL);
	// A signal mask of the wrong size is -EINVAL; one that cannot be read is -EFAULT (not a wait without it).
	reg[3].flags = 0;
	reg[3].sigmask = reinterpret_cast<uint64_t>(&reg[10]);
	reg[3].sigmask_sz = 1;
	assert_int_equal(wait_reg(r, 1, 3 * sizeof(lx::io_uring_reg_wait)), -EINVAL);
	reg[3].sigmask = 100;
	reg[3].sigmask_sz = 8;
	assert_int_equal(wait_reg(r, 1, 3 * sizeof(lx::io_uring_reg_wait)), -EFAULT);
	// The last whole entry of the region is usable.
	reg[63].ts.tv_nsec = 1000000;
	reg[63].flags = lx::REG_WAIT_TS;
	assert_int_equal(wait_reg(r, 1, 63 * sizeof(lx::io_uring_reg_wait)), -ETIME);
	// With a completion already there the wait returns at once.
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 9);
	assert_int_equal(r.submit(), 1);
	assert_int_equal(wait_reg(r, 1, 0), 0);
	lx::io_uring_cqe c;
	assert_true(r.pop(&c));
	assert_int_equal(c.user_data, 9);
	// A ring without a wait region: every offset is -EFAULT.
	Ring plain;
	assert_int_equal(plain.init(4), 0);
	assert_int_equal(wait_reg(plain, 1, 0), -EFAULT);
	free(reg);
}

static void min_wait_longer_than_timeout(void**)
{
	auto* reg = static_cast<lx::io_uring_reg_wait*>(aligned_alloc(4096, 4096));
	std::memset(reg, 0, 4096);
	Ring r;
	assert_int_equal(r.init(8, lx::SETUP_R_DISABLED), 0);
	assert_int_equal(register_region(r.fd, reg, 4096, lx::MEM_REGION_REG_WAIT_ARG), 0);
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_ENABLE_RINGS, nullptr, 0), 0);
	// Timeout 20 ms, minimum wait 150 ms: Linux waits the minimum, then reports the timeout.
	reg[0].ts.tv_nsec = 20 * 1000000;
	reg[0].min_wait_usec = 150 * 1000;
	reg[0].flags = lx::REG_WAIT_TS;
	uint64_t t0 = now_ms();
	assert_int_equal(wait_reg(r, 1, 0), -ETIME);
	uint64_t ms = now_ms() - t0;
	assert_true(ms >= 145 && ms < 2000);
	// The same through a plain EXT_ARG wait.
	lx::kernel_timespec ts{0, 20 * 1000000};
	lx::io_uring_getevents_arg a{};
	a.ts = reinterpret_cast<uint64_t>(&ts);
	a.min_wait_usec = 150 * 1000;
	t0 = now_ms();
	assert_int_equal(rp_sys_io_uring_enter2(unsigned(r.fd), 0, 1, lx::ENTER_GETEVENTS | lx::ENTER_EXT_ARG, &a,
	                                        sizeof(a)),
	                 -ETIME);
	ms = now_ms() - t0;
	assert_true(ms >= 145 && ms < 2000);
	// Shorter minimum than timeout, one CQE of two: the wait ends at the minimum with what is there.
	reg[1].ts.tv_nsec = 500 * 1000000;
	reg[1].min_wait_usec = 30 * 1000;
	reg[1].flags = lx::REG_WAIT_TS;
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 1);
	assert_int_equal(r.submit(), 1);
	t0 = now_ms();
	assert_int_equal(wait_reg(r, 2, sizeof(lx::io_uring_reg_wait)), 0);
	ms = now_ms() - t0;
	assert_true(ms >= 25 && ms < 400);
	assert_int_equal(r.ready(), 1);
	free(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(region_rules),
	    cmocka_unit_test(kernel_allocated_region_maps),
	    cmocka_unit_test(registered_wait_arguments),
	    cmocka_unit_test(min_wait_longer_than_timeout),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
